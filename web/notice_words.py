"""A notice in words: subject, plain text and HTML, in the recipient's language.

Rendered when it is sent, from the shifts its payload holds, with the
templates under `templates/notices/`. Dates are written the recipient's
way, times are the facility's clock with its zone named, so a volunteer in
Vladivostok reading a notice about a Moscow hospital knows whose 08:00 it
is. Links point at `SITE_URL` (`SCHEDULER_SITE_URL`): the worker has no
request to take the address from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext, ngettext

from web import i18n, invitations, mailing, messenger, shift_answers
from web import models as m

DEFAULT_SITE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Words:
    subject: str
    text: str
    html: str


def refusal(exc: Exception) -> str:
    """A channel's refusal in its own words, for the coordinators' list."""
    if isinstance(exc, messenger.Refused):
        return str(exc)
    return mailing.refusal(exc)


def deliver(notice: m.Notice) -> None:
    """Send one notice by its channel (e-mail with an HTML part; Telegram and SMS the plain
    text); raises what the channel refused."""
    words = render(notice)
    if notice.channel == "email":
        mailing.send(notice.recipient, words.subject, words.text, words.html, notice.key)
    else:
        messenger.send(notice.channel, notice.recipient, words.subject, words.text)


def render(notice: m.Notice) -> Words:
    site = str(current_app.config.get("SITE_URL") or DEFAULT_SITE_URL).rstrip("/")
    with current_app.test_request_context("/", base_url=site), force_locale(notice.language):
        values = {
            "payload": notice.payload,
            "language": notice.language,
            "when": when,
            "role": i18n.role_name,
            "schedule_url": url_for("schedule.show", _external=True),
            "answer_url": lambda shift: url_for(
                "shift_answers.answer",
                token=shift_answers.token_for(shift["need_id"], notice.volunteer_id or ""),
                _external=True,
            ),
            "cover_url": lambda shift: url_for(
                "dashboard.cover", need_id=shift["need_id"], _external=True
            ),
            "swaps_url": url_for("swaps.index", _external=True),
            "my_credentials_url": url_for("credentials.mine", _external=True),
            "credentials_url": url_for("credentials.queue", _external=True),
            "case_url": lambda shift: url_for(
                "cover_cases.show", need_id=shift["need_id"], _external=True
            ),
            "invitation_url": lambda shift: url_for(
                "invitations.show",
                token=invitations.token_for(shift["need_id"], notice.volunteer_id or ""),
                _external=True,
            ),
        }
        subject = _subject(notice.kind, notice.payload)
        text = render_template(f"notices/{notice.kind}.txt", subject=subject, **values)
        html = render_template(f"notices/{notice.kind}.html", subject=subject, **values)
    return Words(subject, text, html)


def _subject(kind: str, payload: dict[str, Any]) -> str:
    if kind == "shift_declined":
        return gettext(
            "%(volunteer)s cannot come on %(day)s at %(facility)s",
            volunteer=payload["volunteer"],
            day=i18n.short_day(dt.date.fromisoformat(payload["shift"]["date"])),
            facility=payload["shift"]["facility"],
        )
    if kind == "invitation":
        return gettext(
            "An open shift for you: %(day)s at %(time)s, %(facility)s",
            day=i18n.short_day(dt.date.fromisoformat(payload["shift"]["date"])),
            time=payload["shift"]["start"],
            facility=payload["shift"]["facility"],
        )
    if kind == "swap_offer":
        return gettext(
            "%(giver)s offers you a shift: %(day)s at %(time)s, %(facility)s",
            giver=payload["giver"],
            day=i18n.short_day(dt.date.fromisoformat(payload["shift"]["date"])),
            time=payload["shift"]["start"],
            facility=payload["shift"]["facility"],
        )
    if kind == "request_decided":
        return gettext(
            "Not approved: %(day)s at %(time)s, %(facility)s",
            day=i18n.short_day(dt.date.fromisoformat(payload["shift"]["date"])),
            time=payload["shift"]["start"],
            facility=payload["shift"]["facility"],
        )
    if kind == "cover_alert":
        return gettext(
            "Still open: %(day)s at %(time)s, %(facility)s",
            day=i18n.short_day(dt.date.fromisoformat(payload["shift"]["date"])),
            time=payload["shift"]["start"],
            facility=payload["shift"]["facility"],
        )
    if kind == "credential_refused":
        return gettext(
            "Not accepted: your %(credential)s",
            credential=i18n.credential_name(payload["credential"]),
        )
    if kind == "credential_expiring":
        return gettext(
            "Your %(credential)s runs out on %(day)s",
            credential=i18n.credential_name(payload["credential"]),
            day=i18n.short_day(dt.date.fromisoformat(payload["valid_until"])),
        )
    if kind == "credentials_at_risk":
        return ngettext(
            "%(num)s volunteer's credential runs out before their shifts",
            "%(num)s volunteers' credentials run out before their shifts",
            payload["count"],
        )
    if kind == "reminder":
        return gettext(
            "Reminder: your shift on %(day)s at %(time)s, %(facility)s",
            day=i18n.short_day(dt.date.fromisoformat(payload["shift"]["date"])),
            time=payload["shift"]["start"],
            facility=payload["shift"]["facility"],
        )
    if kind in ("shift_withdrawn", "taken_off", "swapped_away"):
        return gettext(
            "Your shift on %(day)s at %(facility)s is off",
            day=i18n.short_day(dt.date.fromisoformat(payload["shift"]["date"])),
            facility=payload["shift"]["facility"],
        )
    return gettext("Your shifts have changed")


def when(shift: dict[str, Any]) -> str:
    """'Wed 2020-05-20, 20:00–08:00 (next day), Europe/Moscow time'."""
    day = i18n.short_day(dt.date.fromisoformat(shift["date"]))
    times = f"{shift['start']}–{shift['end']}"
    if shift.get("next_day"):
        times = gettext("%(times)s (next day)", times=times)
    return gettext("%(day)s, %(times)s, %(zone)s time", day=day, times=times, zone=shift["zone"])
