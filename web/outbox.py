"""The outbox: notices written with the change that causes them, sent later by the worker.

A change (a publish, a withdrawn need) posts its notices in its own
transaction (`post`), so either both stand or neither does. The worker sends
what is due (`send_due`), each notice like this:

1. **Claim** it: pending -> sending, attempts + 1, committed before anything
   is sent. Two senders at once claim each notice once (the UPDATE's row
   count says who won).
2. **Send** it.
3. **Settle** it: sent; or, refused, pending again after a back-off
   (`RETRY_SECONDS` x 2^(attempts-1): 1, 2, 4, 8 minutes by default), and
   failed with the refusal's words after `MAX_ATTEMPTS`.

A sender that stops between 2 and 3 (killed, the machine lost) leaves the
notice `sending`. It is never sent again by itself: SMTP cannot say whether
the message went, and a volunteer told twice to come (or twice that they
are not needed) is worse than a notice a coordinator sees as "unknown" and
resends. `expire_stuck` marks such notices failed after `STUCK_AFTER`, with
words saying so, and the coordinators' page of notices lists every failed
one with its reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from web import i18n
from web import models as m
from web.models import NoticeState, db, utcnow
from web.tables import changed

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_SECONDS = 60.0  # the first back-off; each next one doubles
STUCK_AFTER = dt.timedelta(minutes=10)  # a send takes seconds; the SMTP timeout is 30 s
BATCH = 200  # notices sent per run; the next run (a minute later, or sooner) takes the rest
STOPPED_MID_SEND = "stopped-mid-send"  # last_error of a notice a sender left half-sent


@dataclass(frozen=True)
class Recipient:
    volunteer_id: str
    name: str
    language: str
    remind_hours: int  # before each shift; 0: no reminders
    channels: dict[str, str]  # channel -> address there: "email", "telegram", "sms"


def recipients(volunteer_ids: Iterable[str]) -> dict[str, Recipient]:
    """How and in what language to tell each volunteer.

    E-mail to their address in the volunteer list, else their account's,
    unless their account turned e-mail off; Telegram to the chat they linked
    and SMS to their listed phone if they turned it on, where the site has
    those channels (`web.messenger`). The language is the account's, else
    the site's. Left out: a volunteer no channel reaches (the coordinator's
    list of changes names them with their phone).
    """
    from web import messenger

    ids = set(volunteer_ids)
    if not ids:
        return {}
    default = str(current_app.config["DEFAULT_LOCALE"])
    hours = reminder_hours()
    telegram, sms = messenger.telegram_on(), messenger.sms_on()
    u = m.User
    rows = db.session.execute(
        select(m.Volunteer.id, m.Volunteer.name, m.Volunteer.email, m.Volunteer.phone)
        .add_columns(u.email, u.locale, u.email_notices, u.remind_hours)
        .add_columns(u.telegram_chat, u.sms_notices)
        .outerjoin(u, (u.volunteer_id == m.Volunteer.id) & u.active)
        .where(m.Volunteer.id.in_(ids))
    )
    found: dict[str, Recipient] = {}
    for row in rows:
        volunteer_id, name, listed, phone, account, locale, wanted, remind, chat, texts = row
        if volunteer_id in found:
            continue
        channels = {}
        if wanted is not False and (email := (listed or "").strip() or (account or "").strip()):
            channels["email"] = email
        if telegram and chat:
            channels["telegram"] = chat
        if sms and texts and (number := messenger.phone_number(phone or "")):
            channels["sms"] = number
        if channels:
            lead = hours if remind is None else remind
            found[volunteer_id] = Recipient(volunteer_id, name, locale or default, lead, channels)
    return found


def reminder_hours() -> int:
    """The site's reminder lead time (`REMINDER_HOURS`, 24), for volunteers who chose none."""
    return int(current_app.config.get("REMINDER_HOURS", 24))


def quiet_until(now: dt.datetime) -> dt.datetime | None:
    """When the site's quiet hours (`QUIET_HOURS`, "22-8" on its clock; "" for none) end, if
    `now` (aware) is inside them; None otherwise. Non-urgent notices wait for it."""
    window = quiet_hours(current_app.config.get("QUIET_HOURS", "22-8"))
    if window is None:
        return None
    first, last = window
    local = now.astimezone(i18n.site_zone())
    hour = local.hour
    inside = first <= hour < last if first < last else (hour >= first or hour < last)
    if not inside:
        return None
    end = local.replace(hour=last, minute=0, second=0, microsecond=0)
    if end <= local:
        end += dt.timedelta(days=1)
    return end.astimezone(dt.UTC)


def quiet_hours(setting: object) -> tuple[int, int] | None:
    """ "22-8" as (22, 8); "" or None as no quiet hours. Raises ValueError, in words, otherwise."""
    if setting in (None, "", False):
        return None
    text = str(setting).strip()
    first, dash, last = text.partition("-")
    if dash and first.strip().isdigit() and last.strip().isdigit():
        hours = int(first), int(last)
        if all(0 <= h <= 23 for h in hours) and hours[0] != hours[1]:
            return hours
    raise ValueError(
        f"SCHEDULER_QUIET_HOURS is {text!r}; write the first and the last hour on the site's "
        'clock, such as "22-8" (from 22:00 to 08:00), or "" for no quiet hours'
    )


def post(notices: Iterable[Mapping[str, Any]], *, not_before: dt.datetime | None = None) -> int:
    """Store notices (no commit: the caller's change commits them); returns how many were new.

    Each is a mapping of `key`, `volunteer_id`, `recipient`, `language`, `kind`
    and `payload` (and `account_id` for a notice to a coordinator), channel e-mail. A key
    stored already is skipped: the same change posted twice tells people once. They are
    sent from `not_before` (aware; default now): a non-urgent notice waits out the quiet
    hours.
    """
    now = utcnow()
    due = (
        now if not_before is None else max(now, not_before.astimezone(dt.UTC).replace(tzinfo=None))
    )
    rows = [
        {
            "channel": "email",
            "account_id": None,
            **n,
            "state": NoticeState.PENDING,
            "attempts": 0,
            "last_error": "",
            "created_at": now,
            "next_attempt_at": due,
        }
        for n in _each_channel(notices)
    ]
    if not rows:
        return 0
    insert = (
        postgresql_insert(m.Notice)
        if db.session.get_bind().dialect.name == "postgresql"
        else sqlite_insert(m.Notice)
    )
    stored = 0
    for start in range(0, len(rows), CHUNK):  # a database takes so many values per statement
        chunk = rows[start : start + CHUNK]
        statement = insert.values(chunk).on_conflict_do_nothing(index_elements=["key"])
        stored += len(db.session.scalars(statement.returning(m.Notice.id)).all())
    return stored


CHUNK = 1000  # notices per INSERT: 13 values each, well under SQLite's and PostgreSQL's limits
KEY_ROOM = 180  # of the key column's 200, leaving room for a channel's suffix


def fitted(key: str) -> str:
    """A key that fits its column: as it is, or (ids can be 100 characters each) its kind and
    a hash of the rest, the same for the same key."""
    if len(key) <= KEY_ROOM:
        return key
    kind, _, rest = key.partition("-")
    return f"{kind[:40]}-{hashlib.sha256(rest.encode('utf-8')).hexdigest()}"


CHANNEL_SUFFIXES = ("", "-telegram", "-sms")  # a notice's key on each channel (`_each_channel`)


def stored_keys(keys: Iterable[str]) -> set[str]:
    """Which of these notice keys are stored already, on any channel."""
    variants = {f"{fitted(key)}{suffix}": key for key in set(keys) for suffix in CHANNEL_SUFFIXES}
    names = sorted(variants)
    found: set[str] = set()
    for start in range(0, len(names), 1000):
        chunk = names[start : start + 1000]
        stored = db.session.scalars(select(m.Notice.key).where(m.Notice.key.in_(chunk)))
        found.update(variants[key] for key in stored)
    return found


def _each_channel(notices: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """A notice given `to` a Recipient, once per channel that reaches them (keys kept apart);
    one given a `recipient` (and `channel`) as it is."""
    for notice in notices:
        to = notice.get("to")
        if to is None:
            yield dict(notice) | {"key": fitted(notice["key"])}
            continue
        rest = {k: v for k, v in notice.items() if k != "to"}
        for channel, address in to.channels.items():
            suffix = "" if channel == "email" else f"-{channel}"
            yield rest | {
                "key": f"{fitted(notice['key'])}{suffix}",
                "volunteer_id": to.volunteer_id,
                "channel": channel,
                "recipient": address,
                "language": to.language,
            }


# --- sending ------------------------------------------------------------------------------------


def send_due(now: dt.datetime | None = None) -> int:
    """Send the notices that are due; returns how many were sent. Commits as it goes."""
    from web import notice_words  # the words need the app's templates; imported on use

    now = now or utcnow()
    expire_stuck(now)
    due = db.session.scalars(
        select(m.Notice.id)
        .where(m.Notice.state == NoticeState.PENDING, m.Notice.next_attempt_at <= now)
        .order_by(m.Notice.next_attempt_at, m.Notice.id)
        .limit(BATCH)
    ).all()
    db.session.rollback()
    sent = 0
    for notice_id in due:
        notice = _claim(notice_id, now)
        if notice is None:
            continue  # another sender took it
        try:
            notice_words.deliver(notice)
        except Exception as exc:  # refused, unreachable, timed out: the reason is kept
            reason = notice_words.refusal(exc)
            log.warning("notice %s to %s not sent: %s", notice.id, notice.recipient, reason)
            _refused(notice, reason, now)
        else:
            _sent(notice, now)
            sent += 1
    return sent


def _claim(notice_id: int, now: dt.datetime) -> m.Notice | None:
    """Pending -> sending, committed: from here it is never sent by anyone else."""
    claimed = changed(
        update(m.Notice)
        .where(m.Notice.id == notice_id, m.Notice.state == NoticeState.PENDING)
        .values(  # claimed now, not when the run began: a slow batch must not look stuck
            state=NoticeState.SENDING,
            claimed_at=max(now, utcnow()),
            attempts=m.Notice.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.session.get(m.Notice, notice_id) if claimed else None


def _sent(notice: m.Notice, now: dt.datetime) -> None:
    notice.state = NoticeState.SENT
    notice.sent_at = max(now, utcnow())
    notice.last_error = ""
    db.session.commit()


def _refused(notice: m.Notice, reason: str, now: dt.datetime) -> None:
    notice.last_error = reason[:2000]
    if notice.attempts >= MAX_ATTEMPTS:
        notice.state = NoticeState.FAILED
    else:
        notice.state = NoticeState.PENDING
        notice.next_attempt_at = now + backoff(notice.attempts)
    db.session.commit()


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th refusal: RETRY_SECONDS, then twice as long each time."""
    first = float(current_app.config.get("NOTICE_RETRY_SECONDS", RETRY_SECONDS))
    return dt.timedelta(seconds=first * 2 ** max(attempts - 1, 0))


def expire_stuck(now: dt.datetime) -> int:
    """Sending for longer than STUCK_AFTER: the sender stopped mid-send. Failed, never resent."""
    count = changed(
        update(m.Notice)
        .where(m.Notice.state == NoticeState.SENDING, m.Notice.claimed_at < now - STUCK_AFTER)
        .values(state=NoticeState.FAILED, last_error=STOPPED_MID_SEND)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return count
