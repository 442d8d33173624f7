"""What the app tells volunteers, and when: posted to the outbox with the change itself.

- **A roster is published**: each volunteer whose shifts it changes (added,
  moved, taken away) gets one notice listing their changes, and nobody else
  gets anything.
- **Hospital staff withdraw a need**: each volunteer the published roster
  sent to it is told it is off.
- **A shift is near**: a reminder, 24 h before by default (`post_reminders`).
- **A volunteer declines a shift** (`web.shift_answers`): the coordinators
  of its region, and the national ones, are told, with a link to the people
  who could cover it.

A change to a shift within a day, a withdrawn need, a decline and a
reminder go at once; other notices wait out the quiet hours
(`QUIET_HOURS`, 22:00 to 08:00 on the site's clock by default).

Each notice carries its shifts as they stand when it is posted (facility,
address, phone, the date and times on the facility's clock, its zone), so a
notice sent a minute later still says what was changed, even when the need
is gone by then. After the change commits, `wake` asks the notice worker to
send at once; its periodic run (every minute) retries and catches up.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import select

from scheduler import domain
from web import models as m
from web import outbox, schedule, store
from web.models import db
from web.roster_changes import Change, Shift, diff
from web.schedule import Shift as Card

log = logging.getLogger(__name__)

MAX_REMIND_HOURS = 72  # the longest lead time a volunteer may choose


def shift_words(need: domain.Need, facility: domain.Facility) -> dict[str, Any]:
    """A shift as a notice tells it: on the facility's clock, with its zone named."""
    card = Card(need, facility)
    return {
        "need_id": need.id,
        "facility": facility.name,
        "address": facility.address,
        "phone": facility.phone,
        "date": need.date.isoformat(),
        "start": card.start,
        "end": card.end,
        "next_day": card.next_day,
        "role": need.role,
        "zone": facility.timezone or str(current_app.config["TIMEZONE"]),
    }


def _told(shift: Shift) -> dict[str, Any]:
    return shift_words(shift.need, shift.facility)


URGENT_HOURS = 24  # a change to a shift this close is sent even in the quiet hours


def is_urgent(shifts: Iterable[Shift], hours: float = URGENT_HOURS) -> bool:
    """One of the shifts starts (at its facility) within `hours` from now, or has started."""
    now = schedule.now()
    site = str(current_app.config["TIMEZONE"])
    horizon = now + dt.timedelta(hours=hours)
    return any(s.need.start.replace(tzinfo=s.facility.zone(site)) <= horizon for s in shifts)


def when(urgent: bool) -> dt.datetime | None:
    """When a notice may go: now if urgent, else after the quiet hours (None: now)."""
    return None if urgent else outbox.quiet_until(schedule.now())


def roster_published(previous: m.Roster | None, roster: m.Roster) -> int:
    """Post a notice to each volunteer whose shifts the new roster changes (no commit).

    Sent at once when a change is within a day; otherwise after the quiet hours.
    """
    before = set(store.roster_assignments(previous.id)) if previous is not None else set()
    after = set(store.roster_assignments(roster.id))
    changed = before ^ after
    if not changed:
        return 0
    dataset = _dataset_of(changed)
    needs, volunteers = dataset.need_by_id, dataset.volunteer_by_id
    known = {(n, v) for n, v in changed if n in needs and v in volunteers}
    changes = diff(dataset, sorted(before & known), sorted(after & known))
    told = outbox.recipients(c.volunteer.id for c in changes.people)
    posted = 0
    for urgent in (True, False):
        people = [
            c
            for c in changes.people
            if c.volunteer.id in told
            and is_urgent([*c.added, *c.removed, *(mv.after for mv in c.moved)]) == urgent
        ]
        posted += _post_changes(roster, people, told, when(urgent))
    return posted


def _post_changes(
    roster: m.Roster,
    people: list[Change],
    told: dict[str, outbox.Recipient],
    not_before: dt.datetime | None,
) -> int:
    return outbox.post(
        (
            {
                "key": f"roster-{roster.id}-{c.volunteer.id}",
                "volunteer_id": c.volunteer.id,
                "to": told[c.volunteer.id],
                "kind": "roster_changed",
                "payload": {
                    "roster": roster.id,
                    "name": c.volunteer.name,
                    "added": [_told(s) for s in c.added],
                    "moved": [[_told(mv.before), _told(mv.after)] for mv in c.moved],
                    "removed": [_told(s) for s in c.removed],
                },
            }
            for c in people
        ),
        not_before=not_before,
    )


def need_withdrawn(need: m.Need, volunteer_ids: Iterable[str]) -> int:
    """Post a notice to each volunteer rostered on a need being withdrawn (no commit)."""
    facility = db.session.get(m.Facility, need.facility_id)
    if facility is None:
        return 0
    words = shift_words(store.as_need(need), store.as_facility(facility))
    told = outbox.recipients(volunteer_ids)
    stamp = f"{need.updated_at:%Y%m%d%H%M%S%f}"
    return outbox.post(
        {
            "key": f"withdrawn-{need.id}-{stamp}-{r.volunteer_id}",
            "volunteer_id": r.volunteer_id,
            "to": r,
            "kind": "shift_withdrawn",
            "payload": {"name": r.name, "shift": words},
        }
        for r in told.values()
    )


def shift_declined(need: m.Need, volunteer: m.Volunteer, reason: str = "") -> int:
    """Post a notice to each coordinator of the need's region (and every national one) that
    a volunteer declined it (no commit)."""
    facility = db.session.get(m.Facility, need.facility_id)
    if facility is None:
        return 0
    words = shift_words(store.as_need(need), store.as_facility(facility))
    default = str(current_app.config["DEFAULT_LOCALE"])
    coordinators = coordinators_of(facility.region)
    return outbox.post(
        {
            "key": f"declined-{need.id}-{volunteer.id}-{user.id}-{m.utcnow():%Y%m%d%H%M%S%f}",
            "volunteer_id": volunteer.id,
            "account_id": user.id,
            "recipient": user.email,
            "language": user.locale or default,
            "kind": "shift_declined",
            "payload": {
                "name": user.name,
                "volunteer": volunteer.name,
                "volunteer_phone": volunteer.phone,
                "reason": reason,
                "shift": words,
            },
        }
        for user in coordinators
    )


def shift_claimed(need: domain.Need, facility: domain.Facility, volunteer_id: str) -> int:
    """Post the volunteer their new shift, taken from the open ones (no commit): the mail
    they keep, with its link to say later that they cannot come after all."""
    words = shift_words(need, facility)
    return _to_one(
        volunteer_id,
        f"claim-{need.id}",
        "roster_changed",
        {"added": [words], "moved": [], "removed": []},
    )


def _to_one(volunteer_id: str, key: str, kind: str, payload: dict[str, Any]) -> int:
    """Post one notice to one volunteer, with their name in it (no commit); the key is made
    unique to this moment, as the same thing may happen to them again."""
    told = outbox.recipients([volunteer_id])
    if volunteer_id not in told:
        return 0
    person = told[volunteer_id]
    return outbox.post(
        [
            {
                "key": f"{key}-{volunteer_id}-{m.utcnow():%Y%m%d%H%M%S%f}",
                "to": person,
                "kind": kind,
                "payload": {"name": person.name, **payload},
            }
        ]
    )


def swapped_away(need: domain.Need, facility: domain.Facility, giver: str, taker: str) -> int:
    """Tell the volunteer who offered a shift that a colleague took it: they are off it
    (no commit)."""
    taker_name = outbox.recipients([taker]).get(taker)
    words = shift_words(need, facility)
    payload = {"taker": taker_name.name if taker_name else "", "shift": words}
    return _to_one(giver, f"swapped-{need.id}", "swapped_away", payload)


def swap_offered(
    need: m.Need, facility: m.Facility, giver: str, volunteer_ids: Iterable[str]
) -> int:
    """Tell colleagues that a volunteer offers them a shift (no commit): by name only, with
    the link to their swaps page, where they may take it."""
    told = outbox.recipients([giver, *volunteer_ids])
    giver_name = told[giver].name if giver in told else ""
    shift = Shift(store.as_need(need), store.as_facility(facility))
    stamp = f"{m.utcnow():%Y%m%d%H%M%S%f}"
    return outbox.post(
        (
            {
                "key": f"swap-{need.id}-{giver}-{volunteer_id}-{stamp}",
                "volunteer_id": volunteer_id,
                "to": person,
                "kind": "swap_offer",
                "payload": {"name": person.name, "giver": giver_name, "shift": _told(shift)},
            }
            for volunteer_id, person in told.items()
            if volunteer_id != giver
        ),
        not_before=when(is_urgent([shift])),
    )


def request_refused(need: m.Need, facility: m.Facility, volunteer_id: str, why: str) -> int:
    """Tell a volunteer that their claim or swap was not approved, and why (no commit)."""
    words = shift_words(store.as_need(need), store.as_facility(facility))
    return _to_one(
        volunteer_id, f"refused-{need.id}", "request_decided", {"why": why, "shift": words}
    )


def credential_refused(volunteer_id: str, credential: str, why: str) -> int:
    """Tell a volunteer that a coordinator did not accept the credential they sent, and why
    (no commit)."""
    payload = {"credential": credential, "why": why}
    return _to_one(volunteer_id, "credential-refused", "credential_refused", payload)


def invited(need: m.Need, facility: m.Facility, volunteer_ids: Iterable[str]) -> int:
    """Post each volunteer an invitation to take an open place, with the link that takes it
    (no commit). At once when the shift is within a day, else after the quiet hours."""
    told = outbox.recipients(volunteer_ids)
    shift = Shift(store.as_need(need), store.as_facility(facility))
    words = _told(shift)
    return outbox.post(
        (
            {
                "key": f"invite-{need.id}-{volunteer_id}",
                "volunteer_id": volunteer_id,
                "to": person,
                "kind": "invitation",
                "payload": {"name": person.name, "shift": words},
            }
            for volunteer_id, person in told.items()
        ),
        not_before=when(is_urgent([shift])),
    )


def cover_alert(need: m.Need, invited: int) -> int:
    """Tell the region's coordinators that nobody has taken an open place they invited
    people to, close to its start (no commit); sent at once, quiet hours or not."""
    facility = db.session.get(m.Facility, need.facility_id)
    if facility is None:
        return 0
    words = shift_words(store.as_need(need), store.as_facility(facility))
    default = str(current_app.config["DEFAULT_LOCALE"])
    return outbox.post(
        {
            "key": f"cover-alert-{need.id}-{user.id}",
            "volunteer_id": None,
            "account_id": user.id,
            "recipient": user.email,
            "language": user.locale or default,
            "kind": "cover_alert",
            "payload": {"name": user.name, "invited": invited, "shift": words},
        }
        for user in coordinators_of(facility.region)
    )


def coordinators_of(region: str) -> list[m.User]:
    """The active coordinators of a region, and every national one."""
    return list(
        db.session.scalars(
            select(m.User).where(
                m.User.active,
                (m.User.role == m.Role.NATIONAL)
                | ((m.User.role == m.Role.REGIONAL) & (m.User.region == region)),
            )
        )
    )


def post_reminders(now: dt.datetime | None = None) -> int:
    """Post a reminder for each shift of the published roster that starts within its
    volunteer's lead time (24 h unless they chose another; none if they turned them off).
    Each shift is reminded once: the key names its start, so a shift moved to another
    time is reminded again. Run every minute by the notice worker (no commit)."""
    now = now or schedule.now()
    site = str(current_app.config["TIMEZONE"])
    widest = max(outbox.reminder_hours(), MAX_REMIND_HOURS)
    # every zone's wall clock lies within a day of UTC: a generous window, then exactly
    lo = (now - dt.timedelta(days=1)).astimezone(dt.UTC).replace(tzinfo=None)
    hi = (now + dt.timedelta(hours=widest, days=1)).astimezone(dt.UTC).replace(tzinfo=None)
    rows = db.session.execute(
        select(m.Assignment.volunteer_id, m.Need, m.Facility)
        .join(m.Need, m.Need.id == m.Assignment.need_id)
        .join(m.Facility, m.Facility.id == m.Need.facility_id)
        .where(m.Assignment.roster_id == store.published_id(), m.Need.start.between(lo, hi))
    ).all()
    if not rows:
        return 0
    told = outbox.recipients({v for v, _, _ in rows})
    quiet_end = outbox.quiet_until(now)
    waiting: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for volunteer_id, need, facility in rows:
        person = told.get(volunteer_id)
        if person is None or person.remind_hours <= 0:
            continue
        shift = Shift(store.as_need(need), store.as_facility(facility))
        start = shift.need.start.replace(tzinfo=shift.facility.zone(site))
        if not now < start <= now + dt.timedelta(hours=person.remind_hours):
            continue
        # in the quiet hours, wait for their end if that still leaves an hour before the shift
        held = quiet_end is not None and quiet_end + dt.timedelta(hours=1) <= start
        waiting[held].append(
            {
                "key": f"remind-{need.id}-{volunteer_id}-{need.start:%Y%m%dT%H%M}",
                "volunteer_id": volunteer_id,
                "to": person,
                "kind": "reminder",
                "payload": {"name": person.name, "shift": _told(shift)},
            }
        )
    # posted by an earlier run: left out here rather than refused by the key, row by row
    known = outbox.stored_keys(n["key"] for group in waiting.values() for n in group)
    fresh = {held: [n for n in group if n["key"] not in known] for held, group in waiting.items()}
    return outbox.post(fresh[False]) + outbox.post(fresh[True], not_before=quiet_end)


def wake() -> None:
    """Ask the notice worker to send now (after the change committed); never fails the change."""
    from web import job_queue

    try:
        job_queue.send_notices_now()
    except Exception:  # the queue unreachable: the worker's periodic run sends them
        log.exception("the notice worker could not be woken; its next periodic run sends")


def _dataset_of(pairs: set[tuple[str, str]]) -> domain.Dataset:
    """The needs, their facilities and the volunteers of some pairs, as the engine's types."""
    need_rows = db.session.scalars(select(m.Need).where(m.Need.id.in_({n for n, _ in pairs})))
    needs = [store.as_need(n) for n in need_rows]
    facility_ids = {n.facility_id for n in needs}
    facilities = db.session.scalars(select(m.Facility).where(m.Facility.id.in_(facility_ids)))
    people = db.session.scalars(
        select(m.Volunteer).where(m.Volunteer.id.in_({v for _, v in pairs}))
    )
    return domain.Dataset(
        facilities=tuple(store.as_facility(f) for f in facilities),
        volunteers=tuple(store.as_volunteer(v) for v in people),
        needs=tuple(needs),
    )
