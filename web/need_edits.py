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
- **A credential asked for, or another date**: whoever on it does not hold
  every credential the need requires on its days (rule 8, verified ones
  only) is taken off and told why, so nobody untested is sent into a red zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import delete, select

from scheduler import domain
from scheduler.rules import credentials
from web import models as m
from web import notices, outbox, store
from web.models import db
from web.roster_changes import Shift
from web.store.rows import chunks


def settle(before: Mapping[str, domain.Need], after: Iterable[domain.Need]) -> int:
    """Trim the published roster to the saved needs' counts and post the notices (no commit);
    returns how many volunteers were taken off."""
    edited = [n for n in after if n.id in before]
    fewer = {n.id: n for n in edited if n.count < before[n.id].count}
    moved = {n.id: n for n in edited if _where_and_when(n) != _where_and_when(before[n.id])}
    asking = {
        n.id: n
        for n in edited
        if n.requires and (set(n.requires) - set(before[n.id].requires) or n.id in moved)
    }
    if not fewer and not moved and not asking:
        return 0
    store.hold("publish")
    current = store.published()
    if current is None:
        return 0
    ids = fewer.keys() | moved.keys() | asking.keys()
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
    saved = {**moved, **asking, **fewer}
    facilities = _facilities({n.facility_id for n in saved.values()})
    facilities |= _facilities({before[i].facility_id for i in moved})
    held = _held({v for need_id in asking for *_, v in on.get(need_id, [])})
    taken_off: list[tuple[domain.Need, str]] = []
    lacking: dict[tuple[str, str], list[tuple[str, dt.date]]] = {}
    told_moved: list[tuple[domain.Need, domain.Need, str]] = []
    for need_id in sorted(ids):
        need = saved[need_id]
        people = [v for *_, v in sorted(on.get(need_id, []))]
        if need_id in asking:
            for v in people:
                if missing := credentials.lacking(held.get(v, []), need):
                    lacking[need_id, v] = missing
            people = [v for v in people if (need_id, v) not in lacking]
            taken_off += [(need, v) for n, v in lacking if n == need_id]
        extra = people[need.count :] if need_id in fewer else []
        taken_off += [(need, v) for v in extra]
        if need_id in moved:
            told_moved += [(before[need_id], need, v) for v in people if v not in extra]
    store.forget_answers(need_ids=moved)  # confirmed (or declined) another time or place
    _take_off(current.id, taken_off, facilities, lacking)
    _tell_moved(told_moved, facilities)
    return len(taken_off)


def without_credentials(volunteer_ids: Collection[str]) -> int:
    """After some volunteers' credentials are withdrawn or replaced (under the publishing
    lock, no commit): take them off the published shifts that require what they no longer
    hold, and tell them; returns how many places they left."""
    current = store.published()
    if current is None or not volunteer_ids:
        return 0
    rows: list[tuple[m.Need, str]] = []
    for chunk in chunks(sorted(volunteer_ids)):
        found = db.session.execute(
            select(m.Need, m.Assignment.volunteer_id)
            .join(m.Assignment, m.Assignment.need_id == m.Need.id)
            .where(
                m.Assignment.roster_id == current.id,
                m.Assignment.volunteer_id.in_(chunk),
                m.Need.requires != "",
            )
        )
        rows += [(need, volunteer_id) for need, volunteer_id in found]
    held = _held({volunteer for _, volunteer in rows})
    lacking = {}
    for row, volunteer_id in rows:
        need = store.as_need(row)
        if missing := credentials.lacking(held.get(volunteer_id, []), need):
            lacking[need.id, volunteer_id] = (need, missing)
    facilities = _facilities({need.facility_id for need, _ in lacking.values()})
    reasons = {pair: missing for pair, (_, missing) in lacking.items()}
    taken_off = [(need, volunteer_id) for (_, volunteer_id), (need, _) in lacking.items()]
    _take_off(current.id, taken_off, facilities, reasons, True)
    return len(taken_off)


def _take_off(
    roster_id: int,
    taken_off: list[tuple[domain.Need, str]],
    facilities: dict[str, domain.Facility],
    lacking: Mapping[tuple[str, str], list[tuple[str, dt.date]]],
    withdrawn: bool = False,
) -> None:
    for need, volunteer_id in taken_off:
        db.session.execute(
            delete(m.Assignment).where(
                m.Assignment.roster_id == roster_id,
                m.Assignment.need_id == need.id,
                m.Assignment.volunteer_id == volunteer_id,
            )
        )
    store.forget_answers(confirmed={(need.id, v) for need, v in taken_off})
    _tell_taken_off(taken_off, facilities, lacking, withdrawn)


def _held(volunteer_ids: set[str]) -> dict[str, list[domain.Credential]]:
    found: dict[str, list[domain.Credential]] = {}
    for c in store.held_credentials(volunteer_ids) if volunteer_ids else []:
        found.setdefault(c.volunteer_id, []).append(c)
    return found


def _where_and_when(need: domain.Need) -> tuple[object, ...]:
    return (need.facility_id, need.start, need.end)


def _facilities(ids: set[str]) -> dict[str, domain.Facility]:
    rows = db.session.scalars(select(m.Facility).where(m.Facility.id.in_(ids)))
    return {f.id: store.as_facility(f) for f in rows}


def _tell_taken_off(
    taken_off: list[tuple[domain.Need, str]],
    facilities: dict[str, domain.Facility],
    lacking: Mapping[tuple[str, str], list[tuple[str, dt.date]]],
    withdrawn: bool = False,
) -> None:
    """Each one told the shift is off for them, and when a credential is why, which one and
    from which day it is not held (`withdrawn`: theirs was withdrawn, the shift is as it was)."""
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
                "lacking": [
                    [credential, day.isoformat()]
                    for credential, day in lacking.get((need.id, volunteer_id), [])
                ],
                "withdrawn": withdrawn,
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
