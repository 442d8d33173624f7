"""After hospital staff edit needs that people are rostered on: fewer places, or another time.

Called with the needs as they stood and as they are saved, in the same
transaction (form, API or upload), under the publishing lock:

- **Fewer places than people**: the published roster keeps as many as the
  need now asks for and takes the rest off, so nobody comes to a place that
  is gone. Kept first: those who confirmed, then pinned ones, then by name
  (the order people read on the page). Those taken off are told at once.
- **Another date, time or place**: the people on it are told the shift as it
  was and as it is now (at once when it is within a day, else after the
  quiet hours). Their calendars get the change by themselves
  (`web.calendar_feed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, select

from scheduler import domain
from web import models as m
from web import notices, outbox, store
from web.models import db
from web.roster_changes import Shift


def settle(before: Mapping[str, domain.Need], after: Iterable[domain.Need]) -> int:
    """Trim the published roster to the saved needs' counts and post the notices (no commit);
    returns how many volunteers were taken off."""
    edited = [n for n in after if n.id in before]
    fewer = {n.id: n for n in edited if n.count < before[n.id].count}
    moved = {n.id: n for n in edited if _where_and_when(n) != _where_and_when(before[n.id])}
    if not fewer and not moved:
        return 0
    store.hold("publish")
    current = store.published()
    if current is None:
        return 0
    ids = fewer.keys() | moved.keys()
    rows = db.session.execute(
        select(
            m.Assignment.need_id, m.Assignment.volunteer_id, m.Assignment.locked, m.Volunteer.name
        )
        .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .where(m.Assignment.roster_id == current.id, m.Assignment.need_id.in_(ids))
    ).all()
    confirmed = store.confirmed_pairs(ids)
    on: dict[str, list[tuple[bool, bool, str, str]]] = {}
    for need_id, volunteer_id, locked, name in rows:
        sure = (need_id, volunteer_id) in confirmed
        on.setdefault(need_id, []).append((not sure, not locked, name.casefold(), volunteer_id))
    facilities = _facilities({n.facility_id for n in [*fewer.values(), *moved.values()]})
    facilities |= _facilities({before[i].facility_id for i in moved})
    taken_off: list[tuple[domain.Need, str]] = []
    told_moved: list[tuple[domain.Need, domain.Need, str]] = []
    for need_id in sorted(ids):
        people = [v for *_, v in sorted(on.get(need_id, []))]
        need = fewer.get(need_id) or moved[need_id]
        extra = people[need.count :] if need_id in fewer else []
        taken_off += [(need, v) for v in extra]
        if need_id in moved:
            told_moved += [(before[need_id], need, v) for v in people if v not in extra]
    for need, volunteer_id in taken_off:
        db.session.execute(
            delete(m.Assignment).where(
                m.Assignment.roster_id == current.id,
                m.Assignment.need_id == need.id,
                m.Assignment.volunteer_id == volunteer_id,
            )
        )
    store.forget_answers(need_ids=moved)  # confirmed (or declined) another time or place
    store.forget_answers(confirmed={(need.id, v) for need, v in taken_off})
    _tell_taken_off(taken_off, facilities)
    _tell_moved(told_moved, facilities)
    return len(taken_off)


def _where_and_when(need: domain.Need) -> tuple[object, ...]:
    return (need.facility_id, need.start, need.end)


def _facilities(ids: set[str]) -> dict[str, domain.Facility]:
    rows = db.session.scalars(select(m.Facility).where(m.Facility.id.in_(ids)))
    return {f.id: store.as_facility(f) for f in rows}


def _tell_taken_off(
    taken_off: list[tuple[domain.Need, str]], facilities: dict[str, domain.Facility]
) -> None:
    told = outbox.recipients(v for _, v in taken_off)
    stamp = m.utcnow().strftime("%Y%m%d%H%M%S%f")
    outbox.post(
        {
            "key": f"taken-off-{need.id}-{volunteer_id}-{stamp}",
            "volunteer_id": volunteer_id,
            "to": told[volunteer_id],
            "kind": "taken_off",
            "payload": {
                "name": told[volunteer_id].name,
                "shift": notices.shift_words(need, facilities[need.facility_id]),
            },
        }
        for need, volunteer_id in taken_off
        if volunteer_id in told
    )


def _tell_moved(
    moved: list[tuple[domain.Need, domain.Need, str]], facilities: dict[str, domain.Facility]
) -> None:
    told = outbox.recipients(v for *_, v in moved)
    stamp = m.utcnow().strftime("%Y%m%d%H%M%S%f")
    for urgent in (True, False):
        group = [
            (old, new, v)
            for old, new, v in moved
            if v in told
            and notices.is_urgent(
                [
                    Shift(old, facilities[old.facility_id]),
                    Shift(new, facilities[new.facility_id]),
                ]
            )
            == urgent
        ]
        outbox.post(
            (
                {
                    "key": f"moved-{new.id}-{volunteer_id}-{stamp}",
                    "volunteer_id": volunteer_id,
                    "to": told[volunteer_id],
                    "kind": "roster_changed",
                    "payload": {
                        "name": told[volunteer_id].name,
                        "added": [],
                        "removed": [],
                        "moved": [
                            [
                                notices.shift_words(old, facilities[old.facility_id]),
                                notices.shift_words(new, facilities[new.facility_id]),
                            ]
                        ],
                    },
                }
                for old, new, volunteer_id in group
            ),
            not_before=notices.when(urgent),
        )
