"""Why an open place is not offered to a volunteer: every hard rule it would break, in their words.

`open_shifts` asked about one place and turned round: not "which places may I
take" but "why not this one". Each rule decides with its own unit
(`scheduler.rules`), the calls `open_shifts` makes through `reach` and
`Board`: role cover, region and distance and availability by their
eligibility tests, rest, weekly limits and days in a row by their ledgers.
So the list is empty exactly when `open_shifts` offers the place. A roster
rule's blocking face then names the volunteer's shifts in its way. Whether
the shift has already started is for the caller to say; this has no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import numpy as np
from babel.dates import format_date

from scheduler import rules as registry
from scheduler.arrays import I64
from scheduler.domain import Dataset, Facility, Need, Volunteer
from scheduler.i18n import figure, gettext, language, ngettext, number, role_name
from scheduler.outputs.unfilled.sentences import region_phrase
from scheduler.outputs.unfilled.shifts import RosterPairs, Shifts, roster_pairs, shift_clock
from scheduler.problems import InvalidInput, Problem
from scheduler.rules import (
    availability,
    consecutive_days,
    credentials,
    need_capacity,
    region_distance,
    rest,
    role_cover,
    weekly_limits,
)
from scheduler.rules.base import Calendar, Links

ON_SHIFT = "on shift"  # not rules: the volunteer holds the place, or turned it down
DECLINED = "declined"


@dataclass(frozen=True)
class Refusal:
    """One reason a volunteer may not take a place: the rule, and a sentence to them."""

    rule: str  # a rule's name in `scheduler.rules` ("role", "rest", ...), ON_SHIFT or DECLINED
    text: str

    def as_json(self) -> dict[str, str]:
        return {"rule": self.rule, "why": self.text}


def why_not(
    dataset: Dataset,
    assignments: Iterable[tuple[str, str]],
    volunteer_id: str,
    need_id: str,
    declined: Collection[tuple[str, str]] = (),
) -> list[Refusal]:
    """Every reason `volunteer_id` may not take a place of `need_id` now, given `assignments`
    and `declined` ((need_id, volunteer_id) pairs); empty exactly when `open_shifts` offers
    it. Raises `InvalidInput` for a volunteer or need the dataset does not have."""
    v, g = _indexes(dataset, volunteer_id, need_id)
    roster = roster_pairs(dataset, assignments)
    shifts = shift_clock(dataset)
    case = _Case.of(dataset, shifts, roster, v, g)
    found = _place(case, roster, declined)
    found += _eligibility(case)
    for rule in registry.ROSTER_RULES:
        if rule.ledger is None:
            continue  # capacity: counted by `_place`
        ledger = rule.ledger(case.calendar)
        for n in case.held.tolist():
            ledger.add(v, n)
        if not ledger.fits(v, g):
            blocked = rule.blocking(case.calendar, case.links) if rule.blocking else None
            in_way = case.held[blocked.links] if blocked else case.held[:0]
            found += _WORDS[rule.name](case, in_way.tolist())
    return found


def _indexes(dataset: Dataset, volunteer_id: str, need_id: str) -> tuple[int, int]:
    people = [v.id for v in dataset.volunteers]
    needs = [n.id for n in dataset.needs]
    problems = []
    if volunteer_id not in people:
        message = gettext(
            "there is no volunteer '%(volunteer_id)s' in the input", volunteer_id=volunteer_id
        )
        problems.append(Problem("volunteers", None, "volunteer_id", message))
    if need_id not in needs:
        message = gettext("there is no need '%(need_id)s' in the input", need_id=need_id)
        problems.append(Problem("needs", None, "need_id", message))
    if problems:
        raise InvalidInput(problems)
    return people.index(volunteer_id), needs.index(need_id)


@dataclass(frozen=True)
class _Case:
    """One volunteer and one need, as the rules see them beside the volunteer's other shifts."""

    dataset: Dataset
    shifts: Shifts
    calendar: Calendar
    links: Links  # the one pair (v, g), linked to each of v's other shifts
    v: int
    g: int

    @classmethod
    def of(cls, dataset: Dataset, shifts: Shifts, roster: RosterPairs, v: int, g: int) -> _Case:
        """Judged beside v's other shifts: a place they hold is not in its own way."""
        keep = ~((roster[0] == v) & (roster[1] == g))
        others = (roster[0][keep], roster[1][keep])
        held = others[1][others[0] == v]
        calendar = Calendar.of_dataset(dataset, shifts.start, shifts.end, shifts.day, shifts.week)
        pair = (np.array([v], np.int64), np.array([g], np.int64))
        links = Links(*pair, np.zeros(len(held), np.int64), held, others)
        return cls(dataset, shifts, calendar, links, v, g)

    @property
    def held(self) -> I64:
        return self.links.other

    @property
    def volunteer(self) -> Volunteer:
        return self.dataset.volunteers[self.v]

    @property
    def need(self) -> Need:
        return self.dataset.needs[self.g]

    @property
    def facility(self) -> Facility:
        return self.dataset.facility_by_id[self.need.facility_id]

    def moment(self, minute: int) -> dt.datetime:
        """A time on the engine's clock as a wall-clock time."""
        return self.shifts.epoch + dt.timedelta(minutes=minute)

    def shift(self, n: int) -> str:
        """'City Hospital, Mon 2 March 08:00–16:00'."""
        need = self.dataset.needs[n]
        return (
            f"{self.dataset.facility_by_id[need.facility_id].name}, {_span(need.start, need.end)}"
        )

    def week(self) -> str:
        """The need's week by its Monday: '2 March'."""
        monday = self.need.date - dt.timedelta(days=self.need.date.weekday())
        return format_date(monday, "d MMMM", locale=language())


def _place(
    case: _Case, roster: RosterPairs, declined: Collection[tuple[str, str]]
) -> list[Refusal]:
    """Already theirs, every place taken, turned down before."""
    found = []
    on_it = roster[1] == case.g
    if (roster[0][on_it] == case.v).any():
        found.append(Refusal(ON_SHIFT, gettext("You already have this shift.")))
    elif np.count_nonzero(on_it) >= case.need.count:
        taken = gettext(
            "Every place on this shift is taken (%(filled)s of %(count)s).",
            filled=int(np.count_nonzero(on_it)),
            count=case.need.count,
        )
        found.append(Refusal(need_capacity.RULE.name, taken))
    if (case.need.id, case.volunteer.id) in declined:
        found.append(Refusal(DECLINED, gettext("You declined this shift.")))
    return found


def _eligibility(case: _Case) -> list[Refusal]:
    """Role cover, region and distance, availability: as `reach` judges them."""
    dataset, volunteer, need, v = case.dataset, case.volunteer, case.need, case.v
    found = []
    roles = role_cover.role_numbers(dataset)
    if not role_cover.covers(dataset)[roles[volunteer.role], roles[need.role]]:
        text = gettext(
            "This shift is for the role %(role)s, which your role (%(yours)s) does not cover.",
            role=role_name(need.role),
            yours=role_name(volunteer.role),
        )
        found.append(Refusal(role_cover.RULE.name, text))
    found += _region_and_distance(case)
    windows = availability.availability_windows(dataset, case.shifts.epoch)
    start, end = int(case.shifts.start[case.g]), int(case.shifts.end[case.g])
    outside, touched = availability.unavailable(windows, v, start, end)
    for lo, hi in touched:
        text = gettext(
            "You said you are not available %(when)s.",
            when=_span(case.moment(lo), case.moment(hi)),
        )
        found.append(Refusal(availability.RULE.name, text))
    if outside:
        text = gettext(
            "Its hours, %(when)s, are outside the times you said you can work.",
            when=_span(need.start, need.end),
        )
        found.append(Refusal(availability.RULE.name, text))
    for credential, day in credentials.missing(dataset, volunteer.id, need):
        text = gettext(
            "This shift requires %(credential)s valid on %(day)s; you hold none valid then.",
            credential=credential.replace("_", " "),
            day=_day(day),
        )
        found.append(Refusal(credentials.RULE.name, text))
    return found


def _region_and_distance(case: _Case) -> list[Refusal]:
    dataset, volunteer, facility, v = case.dataset, case.volunteer, case.facility, case.v
    name = region_distance.RULE.name
    found = []
    if volunteer.region != facility.region:
        home = next(
            (f.region_name for f in dataset.facilities if f.region == volunteer.region),
            volunteer.region,
        )
        text = gettext(
            "This shift is in %(region)s; you volunteer in %(yours)s.",
            region=region_phrase(facility.region_name),
            yours=region_phrase(home),
        )
        found.append(Refusal(name, text))
    limit = region_distance.distance_limits(dataset)
    km = region_distance.pair_km(dataset, np.array([v]), case.shifts.facility[[case.g]], limit)
    if not region_distance.near(km, limit[[v]])[0]:
        text = gettext(
            "%(facility)s is %(km)s km from your home, beyond your limit of %(limit)s km.",
            facility=facility.name,
            km=number(float(km[0]), 1),
            limit=figure(float(limit[v])),
        )
        found.append(Refusal(name, text))
    return found


# --- the roster rules' words: each gets the volunteer's shifts its blocking face finds in the way


def _rest(case: _Case, in_way: list[int]) -> list[Refusal]:
    start, end, g = case.calendar.start, case.calendar.end, case.g
    needed = number(case.dataset.rules.min_rest_hours)
    found = []
    for s in sorted(in_way, key=lambda s: int(start[s])):
        said = {"shift": case.shift(s), "rest": needed}
        if end[s] <= start[g]:
            text = gettext(
                "Your shift at %(shift)s ends %(gap)s h before it starts; "
                "you need %(rest)s h of rest between shifts.",
                gap=number((start[g] - end[s]) / 60, 2),
                **said,
            )
        elif start[s] >= end[g]:
            text = gettext(
                "Your shift at %(shift)s starts %(gap)s h after it ends; "
                "you need %(rest)s h of rest between shifts.",
                gap=number((start[s] - end[g]) / 60, 2),
                **said,
            )
        else:
            text = gettext("It overlaps your shift at %(shift)s.", shift=said["shift"])
        found.append(Refusal(rest.RULE.name, text))
    return found


def _weekly_shifts(case: _Case, in_way: list[int]) -> list[Refusal]:
    limit = int(case.calendar.max_shifts[case.v])
    if not limit:
        text = gettext("Your weekly shift limit is 0: you take no shifts.")
    else:
        text = ngettext(
            "You already have %(count)s shift in the week of %(week)s; "
            "your limit is %(limit)s a week.",
            "You already have %(count)s shifts in the week of %(week)s; "
            "your limit is %(limit)s a week.",
            len(in_way),
            week=case.week(),
            limit=limit,
        )
    return [Refusal(weekly_limits.SHIFTS.name, text)]


def _weekly_hours(case: _Case, in_way: list[int]) -> list[Refusal]:
    calendar = case.calendar
    limit = figure(float(calendar.max_hours[case.v]))
    hours = number(case.need.hours, 2)
    if not in_way:
        text = gettext(
            "This %(hours)s-hour shift is longer than your limit of %(limit)s h a week.",
            hours=hours,
            limit=limit,
        )
    else:
        held = sum(int(calendar.end[s] - calendar.start[s]) for s in in_way) / 60
        text = gettext(
            "You already have %(held)s h of shifts in the week of %(week)s; this %(hours)s-hour "
            "shift would take you over your limit of %(limit)s h a week.",
            held=number(held, 2),
            week=case.week(),
            hours=hours,
            limit=limit,
        )
    return [Refusal(weekly_limits.HOURS.name, text)]


def _days_in_a_row(case: _Case, in_way: list[int]) -> list[Refusal]:
    before, after, _ = consecutive_days.days_in_a_row(case.calendar, case.links)
    run = int(before[0]) + 1 + int(after[0])
    first = case.need.date - dt.timedelta(days=int(before[0]))
    last = case.need.date + dt.timedelta(days=int(after[0]))
    text = ngettext(
        "It would make %(count)s day in a row with a shift, %(first)s to %(last)s; "
        "the limit is %(limit)s.",
        "It would make %(count)s days in a row with a shift, %(first)s to %(last)s; "
        "the limit is %(limit)s.",
        run,
        first=_day(first),
        last=_day(last),
        limit=case.calendar.max_consecutive_days,
    )
    return [Refusal(consecutive_days.RULE.name, text)]


_WORDS: dict[str, Callable[[_Case, list[int]], list[Refusal]]] = {
    rest.RULE.name: _rest,
    weekly_limits.SHIFTS.name: _weekly_shifts,
    weekly_limits.HOURS.name: _weekly_hours,
    consecutive_days.RULE.name: _days_in_a_row,
}


def _day(day: dt.date) -> str:
    """'Mon 2 March' in English, 'пн 2 марта' in Russian."""
    return format_date(day, "EEE d MMMM", locale=language())


def _span(start: dt.datetime, end: dt.datetime) -> str:
    """'Mon 2 March 08:00–16:00'; both days when it lasts a day or more."""
    if end - start < dt.timedelta(days=1):
        return f"{_day(start.date())} {start:%H:%M}–{end:%H:%M}"
    return f"{_day(start.date())} {start:%H:%M} – {_day(end.date())} {end:%H:%M}"
