"""Factories for tiny hand-made cases: one call per object, overriding only what a test is about.

Defaults: one region "north", facility F1 (a hospital with coordinates) and
volunteer V1, a nurse living about 1.5 km away, free to work up to 7 shifts a
week (so the weekly limit stays out of the way unless a test sets it).
Dates and times are written as in the input sheets: "2026-03-02", "08:00";
an end at or before the start rolls to the next day, as the loader does.
2026-03-02 is a Monday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from scheduler.domain import (
    WEEKDAYS,
    Availability,
    Credential,
    Dataset,
    Facility,
    Need,
    Priority,
    RoleTable,
    Rules,
    Volunteer,
)

MONDAY = "2026-03-02"
HOSPITAL = (55.75, 37.62)
HOME = (55.76, 37.60)  # about 1.6 km from HOSPITAL


def minutes(clock: str) -> int:
    """'08:30' -> 510; '24:00' -> 1440."""
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def span(start: str, end: str) -> tuple[int, int]:
    """Minutes from midnight of the start day; end <= start means the next day."""
    first, last = minutes(start), minutes(end)
    if last <= first:
        last += 1440
    return first, last


def day(date: str | dt.date) -> dt.date:
    return date if isinstance(date, dt.date) else dt.date.fromisoformat(date)


def make_facility(**overrides) -> Facility:
    values = dict(id="F1", name="City Hospital", region="north", lat=HOSPITAL[0], lon=HOSPITAL[1])
    return Facility(**(values | overrides))


def make_volunteer(**overrides) -> Volunteer:
    values = dict(
        id="V1",
        name="Anna",
        role="nurse",
        region="north",
        lat=HOME[0],
        lon=HOME[1],
        max_shifts_per_week=7,
    )
    return Volunteer(**(values | overrides))


def make_need(**overrides) -> Need:
    """A need; `date`, `start`, `end` as text ("2026-03-02", "08:00", "16:00")."""
    date = day(overrides.pop("date", MONDAY))
    first, last = span(overrides.pop("start", "08:00"), overrides.pop("end", "16:00"))
    midnight = dt.datetime.combine(date, dt.time())
    values = dict(id="N1", facility_id="F1", role="nurse", count=1, priority=Priority.NORMAL)
    values |= overrides
    values["priority"] = Priority(values["priority"])
    return Need(
        date=date,
        start=midnight + dt.timedelta(minutes=first),
        end=midnight + dt.timedelta(minutes=last),
        **values,
    )


def make_window(
    when: str | dt.date,
    start: str = "00:00",
    end: str = "00:00",
    available: bool = True,
    volunteer_id: str = "V1",
) -> Availability:
    """An availability row: `when` is a date ("2026-03-02") or a weekday ("Mon", "monday")."""
    first, last = span(start, end)
    name = str(when).strip().lower()[:3]
    if name in WEEKDAYS:
        return Availability(volunteer_id, first, last, available, weekday=WEEKDAYS.index(name))
    return Availability(volunteer_id, first, last, available, date=day(when))


def make_dataset(
    facilities: Iterable[Facility] | None = None,
    volunteers: Iterable[Volunteer] | None = None,
    needs: Iterable[Need] | None = None,
    availability: Iterable[Availability] = (),
    rules: Rules | Mapping[str, float] | None = None,
    roles: RoleTable | Mapping[str, Iterable[str]] | None = None,
    credentials: Iterable[Credential] = (),
) -> Dataset:
    """A dataset; `rules` may be a dict of overrides, `roles` a dict role -> roles it covers."""
    if rules is None or isinstance(rules, Mapping):
        rules = Rules(**(rules or {}))
    if roles is None:
        roles = RoleTable.default()
    elif not isinstance(roles, RoleTable):
        roles = RoleTable.from_lists({r: tuple(c) for r, c in roles.items()})
    return Dataset(
        facilities=tuple([make_facility()] if facilities is None else facilities),
        volunteers=tuple([make_volunteer()] if volunteers is None else volunteers),
        needs=tuple([make_need()] if needs is None else needs),
        availability=tuple(availability),
        roles=roles,
        rules=rules,
        credentials=tuple(credentials),
    )
