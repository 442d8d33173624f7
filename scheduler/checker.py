"""The roster checker: every hard rule of the data contract, re-derived from the data.

This module shares only the domain model with the optimisation model, on
purpose: it is a second, independent reading of the rules in FORMAT.md, so a
bug in the model cannot hide here. It is plain Python over the domain
objects, one function per hard rule, numbered as in the contract, written to
be read and believed rather than to be fast (a national roster still takes
well under a second).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from scheduler.domain import Dataset, Need, Volunteer
from scheduler.geo import distance_km
from scheduler.i18n import N_, figure, gettext, ngettext, role_name
from scheduler.outputs.roster_reading import SHEET, Assignment

RULE_NAMES = {  # in English; a violation names its rule in the current language
    1: N_("role"),
    2: N_("capacity"),
    3: N_("availability"),
    4: N_("rest"),
    5: N_("weekly limits"),
    6: N_("consecutive days"),
    7: N_("region and distance"),
    8: N_("credentials"),
}


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, with the roster rows that break it."""

    rule: int  # 1..8, as numbered in the data contract's "Hard rules"
    message: str
    rows: tuple[int, ...]  # Excel rows of the Assignments sheet involved

    def __str__(self) -> str:
        where = f"{SHEET}:{self.rows[0] if self.rows else '-'}"
        rule = gettext(
            "rule %(number)s (%(name)s)", number=self.rule, name=gettext(RULE_NAMES[self.rule])
        )
        said = f"{where}: {rule}: {self.message}"
        if len(self.rows) > 1:
            said = gettext(
                "%(said)s (rows %(rows)s)", said=said, rows=", ".join(map(str, self.rows))
            )
        return said


@dataclass(frozen=True)
class Shift:
    """An assignment whose need and volunteer both exist: what rules 3 to 7 judge."""

    need: Need
    volunteer: Volunteer
    row: int

    def __str__(self) -> str:
        return gettext(
            "%(need)s (%(span)s)", need=self.need.id, span=_span(self.need.start, self.need.end)
        )


def check_roster(dataset: Dataset, assignments: Iterable[Assignment]) -> list[Violation]:
    """Every violation of every hard rule, by rule then by row; empty when the roster is valid."""
    roster = list(assignments)
    violations = [v for rule in HARD_RULES for v in rule(dataset, roster)]
    return sorted(violations, key=lambda v: (v.rule, v.rows))


def roster_summary(dataset: Dataset, assignments: Iterable[Assignment]) -> dict[str, float | int]:
    """Weighted coverage, filled places and demand (meaningful for a roster that breaks no rule).

    A place counts once per (need, volunteer) and never beyond the need's count.
    """
    pairs = {(a.need_id, a.volunteer_id) for a in assignments}
    per_need: dict[str, int] = {}
    for need_id, _ in pairs:
        per_need[need_id] = per_need.get(need_id, 0) + 1
    filled = weighted = 0.0
    for need_id, count in per_need.items():
        need = dataset.need_by_id.get(need_id)
        if need is not None:
            places = min(count, need.count)
            filled += places
            weighted += places * dataset.rules.weight(need.priority)
    return {"weighted_coverage": weighted, "filled": int(filled), "demand": dataset.demand}


# --- the rules, one function each -------------------------------------------------------


def role_covers_need(dataset: Dataset, roster: list[Assignment]) -> list[Violation]:
    """Hard 1: each assignment fills an existing need with a volunteer whose role covers it."""
    found = []
    for a in roster:
        need = dataset.need_by_id.get(a.need_id)
        volunteer = dataset.volunteer_by_id.get(a.volunteer_id)
        if need is None:
            message = gettext("'%(id)s' is not a need of the input", id=a.need_id)
            found.append(Violation(1, message, (a.row,)))
        elif volunteer is None:
            message = gettext("'%(id)s' is not a volunteer of the input", id=a.volunteer_id)
            found.append(Violation(1, message, (a.row,)))
        elif not dataset.roles.covers(volunteer.role, need.role):
            covered = ", ".join(
                role_name(r) for r in sorted(dataset.roles.cover.get(volunteer.role, ()))
            )
            found.append(
                Violation(
                    1,
                    gettext(
                        "%(volunteer)s is a %(role)s and cannot fill %(need)s, a %(need_role)s "
                        "place (a %(role)s fills: %(covered)s)",
                        volunteer=volunteer.id,
                        role=role_name(volunteer.role),
                        need=need.id,
                        need_role=role_name(need.role),
                        covered=covered,
                    ),
                    (a.row,),
                )
            )
    return found


def need_not_overfilled(dataset: Dataset, roster: list[Assignment]) -> list[Violation]:
    """Hard 2: a need gets at most `count` volunteers, each at most once."""
    rows_by_pair: dict[tuple[str, str], list[int]] = {}
    for a in roster:
        rows_by_pair.setdefault((a.need_id, a.volunteer_id), []).append(a.row)
    found = []
    volunteers_by_need: dict[str, list[tuple[str, int]]] = {}
    for (need_id, volunteer_id), rows in rows_by_pair.items():
        volunteers_by_need.setdefault(need_id, []).append((volunteer_id, rows[0]))
        if len(rows) > 1:
            found.append(
                Violation(
                    2,
                    gettext(
                        "%(volunteer)s is assigned to %(need)s %(count)s times; a volunteer "
                        "fills one place of a need at most",
                        volunteer=volunteer_id,
                        need=need_id,
                        count=len(rows),
                    ),
                    tuple(rows),
                )
            )
    for need_id, filled in volunteers_by_need.items():
        need = dataset.need_by_id.get(need_id)
        if need is not None and len(filled) > need.count:
            names = ", ".join(v for v, _ in filled)
            found.append(
                Violation(
                    2,
                    ngettext(
                        "%(need)s (%(span)s) wants %(count)s volunteer(s) and has %(has)s: "
                        "%(names)s",
                        "%(need)s (%(span)s) wants %(count)s volunteer(s) and has %(has)s: "
                        "%(names)s",
                        need.count,
                        need=need_id,
                        span=_span(need.start, need.end),
                        has=len(filled),
                        names=names,
                    ),
                    tuple(sorted(row for _, row in filled)),
                )
            )
    return found


def volunteer_available(dataset: Dataset, roster: list[Assignment]) -> list[Violation]:
    """Hard 3: the volunteer is available for the whole shift.

    Windows are half-open. With `yes` rows the shift must lie inside their
    union (touching windows join); a `no` window must not overlap it.
    """
    found = []
    for volunteer, shifts in _shifts_by_volunteer(dataset, roster).items():
        windows = dataset.availability_by_volunteer.get(volunteer.id, ())
        if not windows:
            continue
        # Windows starting the day before (a Sunday night covers Monday 02:00) up to the day
        # the last shift ends (Tuesday 00:00-08:00 completes a Monday night shift).
        first = min(s.need.date for s in shifts) - dt.timedelta(days=1)
        last = max(s.need.end.date() for s in shifts)
        open_ = _union([i for w in windows if w.available for i in w.intervals(first, last)])
        closed = [i for w in windows if not w.available for i in w.intervals(first, last)]
        has_yes = any(w.available for w in windows)
        for shift in shifts:
            start, end = shift.need.start, shift.need.end
            blocked = [(s, e) for s, e in closed if s < end and start < e]
            if blocked:
                message = gettext(
                    "%(volunteer)s works %(shift)s but is not available %(span)s (a 'no' window)",
                    volunteer=volunteer.id,
                    shift=shift,
                    span=_span(*blocked[0]),
                )
                found.append(Violation(3, message, (shift.row,)))
            elif has_yes and not any(s <= start and end <= e for s, e in open_):
                near = [_span(s, e) for s, e in open_ if s < end and start < e]
                if near:
                    message = gettext(
                        "%(volunteer)s works %(shift)s but is available only %(spans)s then; "
                        "the shift must lie wholly inside their 'yes' windows",
                        volunteer=volunteer.id,
                        shift=shift,
                        spans=", ".join(near),
                    )
                else:
                    message = gettext(
                        "%(volunteer)s works %(shift)s but is not available then; the shift "
                        "must lie wholly inside their 'yes' windows",
                        volunteer=volunteer.id,
                        shift=shift,
                    )
                found.append(Violation(3, message, (shift.row,)))
    return found


def rest_between_shifts(dataset: Dataset, roster: list[Assignment]) -> list[Violation]:
    """Hard 4: one volunteer's shifts never overlap and are `min_rest_hours` apart."""
    rest = dt.timedelta(hours=dataset.rules.min_rest_hours)
    found = []
    for volunteer, shifts in _shifts_by_volunteer(dataset, roster).items():
        ordered = sorted(shifts, key=lambda s: (s.need.start, s.need.end, s.row))
        for i, earlier in enumerate(ordered):
            for later in ordered[i + 1 :]:
                if later.need.start >= earlier.need.end + rest:
                    break  # every later shift starts later still
                gap = later.need.start - earlier.need.end
                if gap < dt.timedelta(0):
                    message = gettext(
                        "%(volunteer)s works %(earlier)s and %(later)s, which overlap",
                        volunteer=volunteer.id,
                        earlier=earlier,
                        later=later,
                    )
                else:
                    message = gettext(
                        "%(volunteer)s works %(earlier)s and %(later)s, with %(gap)s h between "
                        "them; at least %(rest)s h are needed",
                        volunteer=volunteer.id,
                        earlier=earlier,
                        later=later,
                        gap=figure(gap.total_seconds() / 3600, ".1f"),
                        rest=figure(dataset.rules.min_rest_hours),
                    )
                found.append(Violation(4, message, (earlier.row, later.row)))
    return found


def weekly_limits(dataset: Dataset, roster: list[Assignment]) -> list[Violation]:
    """Hard 5: per ISO week of the start date, shifts <= max_shifts_per_week and hours <= max."""
    found = []
    for volunteer, shifts in _shifts_by_volunteer(dataset, roster).items():
        weeks: dict[tuple[int, int], list[Shift]] = {}
        for shift in shifts:
            weeks.setdefault(shift.need.iso_week, []).append(shift)
        for week, in_week in sorted(weeks.items()):
            rows = tuple(sorted(s.row for s in in_week))
            label = _week_label(*week)
            if len(in_week) > volunteer.max_shifts_per_week:
                found.append(
                    Violation(
                        5,
                        ngettext(
                            "%(volunteer)s has %(count)s shifts in %(week)s; at most %(most)s "
                            "are allowed",
                            "%(volunteer)s has %(count)s shifts in %(week)s; at most %(most)s "
                            "are allowed",
                            len(in_week),
                            volunteer=volunteer.id,
                            week=label,
                            most=volunteer.max_shifts_per_week,
                        ),
                        rows,
                    )
                )
            minutes = sum(_minutes(s.need) for s in in_week)  # whole minutes: no float drift
            limit = volunteer.max_hours_per_week
            if limit is not None and minutes > limit * 60:
                found.append(
                    Violation(
                        5,
                        gettext(
                            "%(volunteer)s works %(hours)s h in %(week)s; at most %(limit)s h "
                            "are allowed",
                            volunteer=volunteer.id,
                            hours=figure(minutes / 60),
                            week=label,
                            limit=figure(limit),
                        ),
                        rows,
                    )
                )
    return found


def consecutive_days(dataset: Dataset, roster: list[Assignment]) -> list[Violation]:
    """Hard 6: at most `max_consecutive_days` calendar days in a row with a shift start."""
    limit = dataset.rules.max_consecutive_days
    found = []
    for volunteer, shifts in _shifts_by_volunteer(dataset, roster).items():
        for run in _runs_of_days(sorted({s.need.date for s in shifts})):
            if len(run) > limit:
                rows = tuple(sorted(s.row for s in shifts if run[0] <= s.need.date <= run[-1]))
                found.append(
                    Violation(
                        6,
                        ngettext(
                            "%(volunteer)s starts a shift on %(count)s days in a row, %(first)s "
                            "to %(last)s; at most %(most)s are allowed",
                            "%(volunteer)s starts a shift on %(count)s days in a row, %(first)s "
                            "to %(last)s; at most %(most)s are allowed",
                            len(run),
                            volunteer=volunteer.id,
                            first=run[0],
                            last=run[-1],
                            most=limit,
                        ),
                        rows,
                    )
                )
    return found


def region_and_distance(dataset: Dataset, roster: list[Assignment]) -> list[Violation]:
    """Hard 7: the facility is in the volunteer's region and within their distance limit."""
    found = []
    for volunteer, shifts in _shifts_by_volunteer(dataset, roster).items():
        limit = volunteer.max_distance_km
        if limit is None:
            limit = dataset.rules.max_distance_km
        for shift in shifts:
            facility = dataset.facility_by_id[shift.need.facility_id]
            if facility.region != volunteer.region:
                found.append(
                    Violation(
                        7,
                        gettext(
                            "%(volunteer)s is in region '%(region)s' but %(need)s is at "
                            "%(facility)s in region '%(facility_region)s'",
                            volunteer=volunteer.id,
                            region=volunteer.region,
                            need=shift.need.id,
                            facility=facility.id,
                            facility_region=facility.region,
                        ),
                        (shift.row,),
                    )
                )
            elif volunteer.located and facility.located:
                km = distance_km(volunteer.lat, volunteer.lon, facility.lat, facility.lon)  # type: ignore[arg-type]
                if km > limit:
                    found.append(
                        Violation(
                            7,
                            gettext(
                                "%(volunteer)s works %(need)s at %(facility)s, %(km)s km from "
                                "home; the limit is %(limit)s km",
                                volunteer=volunteer.id,
                                need=shift.need.id,
                                facility=facility.id,
                                km=figure(km, ".1f"),
                                limit=figure(limit),
                            ),
                            (shift.row,),
                        )
                    )
    return found


def credentials_held(dataset: Dataset, roster: list[Assignment]) -> list[Violation]:
    """Hard 8: for each credential the need requires, the volunteer holds it on every calendar
    day the shift touches: the day it starts and the day of its last minute."""
    held: dict[tuple[str, str], list[tuple[dt.date | None, dt.date | None]]] = {}
    for c in dataset.credentials:
        held.setdefault((c.volunteer_id, c.credential), []).append((c.valid_from, c.valid_until))

    def holds(volunteer_id: str, credential: str, day: dt.date) -> bool:
        return any(
            (since is None or since <= day) and (until is None or day <= until)
            for since, until in held.get((volunteer_id, credential), [])
        )

    found = []
    for volunteer, shifts in _shifts_by_volunteer(dataset, roster).items():
        for shift in shifts:
            need = shift.need
            days = sorted({need.start.date(), (need.end - dt.timedelta(minutes=1)).date()})
            for credential in need.requires:
                lacking = [d for d in days if not holds(volunteer.id, credential, d)]
                if lacking:
                    found.append(
                        Violation(
                            8,
                            gettext(
                                "%(volunteer)s works %(need)s, which requires %(credential)s, "
                                "without holding it on %(days)s",
                                volunteer=volunteer.id,
                                need=need.id,
                                credential=credential,
                                days=", ".join(d.isoformat() for d in lacking),
                            ),
                            (shift.row,),
                        )
                    )
    return found


HARD_RULES: tuple[Callable[[Dataset, list[Assignment]], list[Violation]], ...] = (
    role_covers_need,
    need_not_overfilled,
    volunteer_available,
    rest_between_shifts,
    weekly_limits,
    consecutive_days,
    region_and_distance,
    credentials_held,
)


# --- helpers ----------------------------------------------------------------------------


def _shifts_by_volunteer(
    dataset: Dataset, roster: list[Assignment]
) -> dict[Volunteer, list[Shift]]:
    """Each volunteer's shifts, one per need (a repeated row is rule 2's, judged once here).

    Rows naming an unknown need or volunteer are rule 1's and left out.
    """
    seen: set[tuple[str, str]] = set()
    shifts: dict[Volunteer, list[Shift]] = {}
    for a in roster:
        need = dataset.need_by_id.get(a.need_id)
        volunteer = dataset.volunteer_by_id.get(a.volunteer_id)
        if need is None or volunteer is None or (a.need_id, a.volunteer_id) in seen:
            continue
        seen.add((a.need_id, a.volunteer_id))
        shifts.setdefault(volunteer, []).append(Shift(need, volunteer, a.row))
    return shifts


Interval = tuple[dt.datetime, dt.datetime]


def _union(intervals: list[Interval]) -> list[Interval]:
    """Half-open intervals merged; touching ones ([a, b) and [b, c)) join into [a, c)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _runs_of_days(days: list[dt.date]) -> Iterator[list[dt.date]]:
    """Sorted distinct days split into runs of consecutive calendar days."""
    run: list[dt.date] = []
    for day in days:
        if run and day != run[-1] + dt.timedelta(days=1):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def _minutes(need: Need) -> int:
    return round((need.end - need.start).total_seconds() / 60)


def _span(start: dt.datetime, end: dt.datetime) -> str:
    """'2026-03-02 20:00-08:00'; with both dates when it lasts more than a day."""
    if end - start > dt.timedelta(days=1):
        first, last = start.strftime("%Y-%m-%d %H:%M"), end.strftime("%Y-%m-%d %H:%M")
        return gettext("%(start)s to %(end)s", start=first, end=last)
    return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"


def _week_label(year: int, week: int) -> str:
    monday = dt.date.fromisocalendar(year, week, 1)
    iso = f"{year}-W{week:02d}"
    return gettext(
        "ISO week %(week)s (%(monday)s to %(sunday)s)",
        week=iso,
        monday=monday,
        sunday=monday + dt.timedelta(days=6),
    )
