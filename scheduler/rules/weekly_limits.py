"""Rule 5: at most `max_shifts_per_week` shifts and `max_hours_per_week` hours per ISO week.

Both count a shift in the ISO week of its start. A volunteer with no shifts
allowed, or an hour limit shorter than a shift, can never take it: that is
judged with eligibility (`workable`), so such pairs never reach the model.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from scheduler.arrays import F64, I64, Mask
from scheduler.domain import Dataset
from scheduler.i18n import gettext
from scheduler.rules.base import Blocked, Calendar, Context, Links, Row, Rule, at_most


def limits(dataset: Dataset) -> tuple[I64, F64]:
    """Each volunteer's weekly shift limit, and hour limit (inf where none is set)."""
    shifts = np.array([v.max_shifts_per_week for v in dataset.volunteers], np.int64)
    hours = np.array(
        [
            np.inf if v.max_hours_per_week is None else v.max_hours_per_week
            for v in dataset.volunteers
        ],
        np.float64,
    )
    return shifts, hours


def workable(weekly: tuple[I64, F64], volunteer: I64, minutes: I64) -> Mask:
    """Pairs the weekly limits allow on their own: some shift at all, and not too long a shift."""
    shifts, hours = weekly
    return (shifts[volunteer] > 0) & (minutes <= hours[volunteer] * 60 + 1e-9)


# --- shifts per week ---------------------------------------------------------------------------


def shift_rows(ctx: Context) -> Iterator[Row]:
    part = ctx.part
    for v, pairs in enumerate(ctx.volunteer_pairs):
        weeks = part.week[part.pair_need[pairs.start : pairs.stop]]
        limit = int(part.max_shifts[v])
        for week in np.unique(weeks):
            members = np.flatnonzero(weeks == week)
            if len(members) > limit:
                yield (
                    f"weekly_shifts__{part.volunteer_names[v]}__w{week}",
                    at_most([(ctx.assign[pairs.start + i], 1.0) for i in members.tolist()], limit),
                )


class ShiftLedger:
    def __init__(self, calendar: Calendar):
        self.calendar = calendar
        self.count: dict[tuple[int, int], int] = {}

    def fits(self, v: int, n: int) -> bool:
        week = int(self.calendar.week[n])
        return self.count.get((v, week), 0) < self.calendar.max_shifts[v]

    def add(self, v: int, n: int) -> None:
        self._change(v, n, 1)

    def remove(self, v: int, n: int) -> None:
        self._change(v, n, -1)

    def _change(self, v: int, n: int, sign: int) -> None:
        key = (v, int(self.calendar.week[n]))
        self.count[key] = self.count.get(key, 0) + sign


def shift_blocking(calendar: Calendar, links: Links) -> Blocked:
    """Kept off by a full week: every shift of that week is in the way."""
    same_week = calendar.week[links.other] == calendar.week[links.mine]
    full = links.per_pair(same_week) + 1 > calendar.max_shifts[links.volunteer]
    return Blocked(full, same_week)


SHIFTS = Rule(
    "weekly shifts",
    5,
    rows=shift_rows,
    ledger=ShiftLedger,
    blocking=shift_blocking,
    label=lambda rules: gettext("at their weekly shift limit"),
)


# --- hours per week ----------------------------------------------------------------------------


def hour_rows(ctx: Context) -> Iterator[Row]:
    """The hours row where a volunteer sets a limit, and shift-count caps that tighten it.

    Of the week's shifts at least h hours long, at most k fit, k being how
    many of the shortest of them add up to no more than the limit. These rows
    forbid no roster the hours row allows, but without them the LP relaxation
    fills a 20-hour week with 8 + 8 + a third of a 12-hour shift, and its
    bound (the proven upper bound the result reports) sat 0.1-0.6 % above the
    best roster on national parts; with them the gap mostly closes (measured
    in docs/engine.md).
    """
    part = ctx.part
    for v, pairs in enumerate(ctx.volunteer_pairs):
        limit = part.max_hours[v]
        if np.isnan(limit):
            continue
        name = part.volunteer_names[v]
        needs = part.pair_need[pairs.start : pairs.stop]
        hours = (part.end[needs] - part.start[needs]) / 60.0
        weeks = part.week[needs]
        for week in np.unique(weeks):
            members = np.flatnonzero(weeks == week)
            if hours[members].sum() <= limit + 1e-9:
                continue
            yield (
                f"weekly_hours__{name}__w{week}",
                at_most(
                    [(ctx.assign[pairs.start + i], hours[i]) for i in members.tolist()],
                    float(limit),
                ),
            )
            for least, most in shift_count_caps(hours[members], float(limit)):
                if least == hours[members].min() and most >= part.max_shifts[v]:
                    continue  # the weekly shift limit already says as much
                group = members[hours[members] >= least]
                yield (
                    f"weekly_hours_count__{name}__w{week}__{least:g}h",
                    at_most(
                        [(ctx.assign[pairs.start + i], 1.0) for i in group.tolist()], float(most)
                    ),
                )


def shift_count_caps(hours: np.ndarray, limit: float) -> list[tuple[float, int]]:
    """(h, k): of these shifts, at most k of those lasting h hours or more fit in `limit` hours.

    Only the caps that bind are listed, shortest threshold first: k must be
    below the number of such shifts and below the cap of a shorter threshold
    (whose row, over more shifts, already says as much).
    """
    caps: list[tuple[float, int]] = []
    for least in np.unique(hours).tolist():
        longer = np.sort(hours[hours >= least])
        most = int(np.searchsorted(np.cumsum(longer), limit + 1e-9, side="right"))
        if most < len(longer) and (not caps or most < caps[-1][1]):
            caps.append((least, most))
    return caps


class HourLedger:
    def __init__(self, calendar: Calendar):
        self.calendar = calendar
        self.hours: dict[tuple[int, int], float] = {}

    def fits(self, v: int, n: int) -> bool:
        c = self.calendar
        limit = c.max_hours[v]
        held = self.hours.get((v, int(c.week[n])), 0.0)
        return bool(np.isnan(limit)) or held + self._hours(n) <= limit + 1e-9

    def add(self, v: int, n: int) -> None:
        self._change(v, n, 1)

    def remove(self, v: int, n: int) -> None:
        self._change(v, n, -1)

    def _hours(self, n: int) -> float:
        return (int(self.calendar.end[n]) - int(self.calendar.start[n])) / 60

    def _change(self, v: int, n: int, sign: int) -> None:
        key = (v, int(self.calendar.week[n]))
        self.hours[key] = self.hours.get(key, 0.0) + sign * self._hours(n)


def hour_blocking(calendar: Calendar, links: Links) -> Blocked:
    """Kept off by a week whose hours leave too little: every shift of that week is in the way."""
    start, end = calendar.start, calendar.end
    same_week = calendar.week[links.other] == calendar.week[links.mine]
    held = links.per_pair(same_week * (end[links.other] - start[links.other]))
    wanted = end[links.need] - start[links.need]
    over = held + wanted > calendar.max_hours[links.volunteer] * 60 + 1e-9
    return Blocked(over, same_week)


HOURS = Rule(
    "weekly hours",
    5,
    rows=hour_rows,
    ledger=HourLedger,
    blocking=hour_blocking,
    label=lambda rules: gettext("at their weekly hour limit"),
)
