"""What the app tells volunteers, and when: posted to the outbox with the change itself.

- **A roster is published**: each volunteer whose shifts it changes (added,
  moved, taken away) gets one notice listing their changes, and nobody else
  gets anything.
- **Hospital staff withdraw a need**: each volunteer the published roster
  sent to it is told it is off.

Each notice carries its shifts as they stand when it is posted (facility,
address, phone, the date and times on the facility's clock, its zone), so a
notice sent a minute later still says what was changed, even when the need
is gone by then. After the change commits, `wake` asks the notice worker to
send at once; its periodic run (every minute) retries and catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import select

from scheduler import domain
from web import models as m
from web import outbox, store
from web.models import db
from web.roster_changes import Shift, diff
from web.schedule import Shift as Card

log = logging.getLogger(__name__)


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


def roster_published(previous: m.Roster | None, roster: m.Roster) -> int:
    """Post a notice to each volunteer whose shifts the new roster changes (no commit)."""
    before = set(store.roster_assignments(previous.id)) if previous is not None else set()
    after = set(store.roster_assignments(roster.id))
    changed = before ^ after
    if not changed:
        return 0
    dataset = _dataset_of(changed)
    needs, people = dataset.need_by_id, dataset.volunteer_by_id
    known = {(n, v) for n, v in changed if n in needs and v in people}
    changes = diff(dataset, sorted(before & known), sorted(after & known))
    told = outbox.recipients(c.volunteer.id for c in changes.people)
    return outbox.post(
        {
            "key": f"roster-{roster.id}-{c.volunteer.id}",
            "volunteer_id": c.volunteer.id,
            "recipient": told[c.volunteer.id].address,
            "language": told[c.volunteer.id].language,
            "kind": "roster_changed",
            "payload": {
                "roster": roster.id,
                "name": c.volunteer.name,
                "added": [_told(s) for s in c.added],
                "moved": [[_told(mv.before), _told(mv.after)] for mv in c.moved],
                "removed": [_told(s) for s in c.removed],
            },
        }
        for c in changes.people
        if c.volunteer.id in told
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
            "recipient": r.address,
            "language": r.language,
            "kind": "shift_withdrawn",
            "payload": {"name": r.name, "shift": words},
        }
        for r in told.values()
    )


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
