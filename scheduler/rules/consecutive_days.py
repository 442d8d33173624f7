"""Rule 6: no more than `max_consecutive_days` calendar days in a row with a shift start."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from scheduler.arrays import I64, Mask
from scheduler.domain import Rules
from scheduler.i18n import ngettext
from scheduler.rules.base import Blocked, Calendar, Context, Links, Row, Rule, at_most
from scheduler.rules.rest import clash_cliques


def rows(ctx: Context) -> Iterator[Row]:
    """Worked days in each window of K+1 days ≤ K.

    Only windows the volunteer could fill entirely, and that the weekly shift
    limits do not already forbid, get a row; the worked-day indicators they
    use are made once per day and shared between windows.
    """
    part = ctx.part
    k = part.rules.max_consecutive_days
    for v, pairs in enumerate(ctx.volunteer_pairs):
        needs = part.pair_need[pairs.start : pairs.stop]
        days = part.day[needs]
        windows = [
            range(first, first + k + 1)
            for first in _full_windows(np.unique(days), k + 1)
            if _weekly_cap(
                part.week, needs, days, range(first, first + k + 1), int(part.max_shifts[v])
            )
            > k
        ]
        if windows:
            yield from _window_rows(ctx, v, pairs, days, windows, k)


def _full_windows(days: np.ndarray, length: int) -> list[int]:
    """First days of every run of `length` consecutive days inside `days`."""
    present = set(days.tolist())
    return [d for d in days.tolist() if all(d + i in present for i in range(length))]


def _weekly_cap(
    week: np.ndarray, needs: np.ndarray, days: np.ndarray, window: range, limit: int
) -> int:
    """Most shift-days the weekly limits allow inside the window."""
    inside = (days >= window.start) & (days < window.stop)
    cap = 0
    for w in np.unique(week[needs[inside]]):
        cap += min(limit, len(np.unique(days[inside & (week[needs] == w)])))
    return cap


def _window_rows(
    ctx: Context, v: int, pairs: range, days: np.ndarray, windows: list[range], k: int
) -> Iterator[Row]:
    """Worked days in each window ≤ k.

    With the usual rest, all shifts starting on one day clash, so at most one
    of them is worked and the day's shifts themselves count the day: then one
    row per window is exact. Otherwise a worked-day indicator per day (made
    once and shared between windows) is at least each clique of the day.
    """
    part, name = ctx.part, ctx.part.volunteer_names[v]
    needs = part.pair_need[pairs.start : pairs.stop]
    reach = part.end[needs] + part.rules.min_rest_minutes
    window_days = sorted({d for window in windows for d in window})
    single = {d: _one_clique(part.start[needs], reach, days == d) for d in window_days}
    worked = {}
    for day in window_days:
        members = np.flatnonzero(days == day)
        if single[day]:
            worked[day] = [(ctx.assign[pairs.start + i], 1.0) for i in members.tolist()]
            continue
        y = ctx.new_variable(f"works__{name}__d{day}", 0.0, 1.0)
        worked[day] = [(y, 1.0)]
        cliques = clash_cliques(part.start[needs[members]], reach[members])
        covered = {i for clique in cliques for i in clique}
        groups = cliques + [[i] for i in range(len(members)) if i not in covered]
        for c, group in enumerate(groups):
            yield (
                f"works_link__{name}__d{day}__c{c}",
                at_most(
                    [(ctx.assign[pairs.start + int(members[i])], 1.0) for i in group] + [(y, -1.0)],
                    0.0,
                ),
            )
    for window in windows:
        yield (
            f"consecutive__{name}__d{window.start}",
            at_most([term for d in window for term in worked[d]], float(k)),
        )


def _one_clique(start: np.ndarray, reach: np.ndarray, members: np.ndarray) -> bool:
    """Do all these shifts clash pairwise (so at most one can be worked)?"""
    return not members.any() or bool(start[members].max() < reach[members].min())


class DayLedger:
    """The days each volunteer starts a shift on, with how many shifts start on each."""

    def __init__(self, calendar: Calendar):
        self.calendar = calendar
        self.days: dict[int, set[int]] = {}
        self.count: dict[tuple[int, int], int] = {}

    def fits(self, v: int, n: int) -> bool:
        day, days = int(self.calendar.day[n]), self.days.get(v, set())
        if day in days:
            return True
        run, d = 1, day - 1
        while d in days:
            run, d = run + 1, d - 1
        d = day + 1
        while d in days:
            run, d = run + 1, d + 1
        return run <= self.calendar.max_consecutive_days

    def add(self, v: int, n: int) -> None:
        self._change(v, n, 1)

    def remove(self, v: int, n: int) -> None:
        self._change(v, n, -1)

    def _change(self, v: int, n: int, sign: int) -> None:
        key = (v, int(self.calendar.day[n]))
        self.count[key] = self.count.get(key, 0) + sign
        if self.count[key] > 0:
            self.days.setdefault(v, set()).add(key[1])
        else:
            self.days.get(v, set()).discard(key[1])


def blocking(calendar: Calendar, links: Links) -> Blocked:
    """Kept off by a run of days that would grow too long: the run's shifts are in the way."""
    before, after, taken = days_in_a_row(calendar, links)
    broken = ~taken & (before + 1 + after > calendar.max_consecutive_days)
    day, mine, own = calendar.day, links.mine, links.own
    in_run = (day[links.other] >= day[mine] - before[own]) & (
        day[links.other] <= day[mine] + after[own]
    )
    return Blocked(broken, in_run)


def days_in_a_row(calendar: Calendar, links: Links) -> tuple[I64, I64, Mask]:
    """Per pair: days in a row with a shift start just before and just after the need's day,
    and whether the volunteer already starts a shift on that day (then the rule cannot change).
    """
    on, held = links.roster
    people, row = np.unique(links.volunteer, return_inverse=True)
    days = int(calendar.day.max()) + 2
    has = np.zeros((len(people), days), bool)
    theirs = np.isin(on, people)
    has[np.searchsorted(people, on[theirs]), calendar.day[held[theirs]]] = True
    before = np.zeros((len(people), days), np.int64)
    after = np.zeros_like(before)
    for d in range(1, days):
        before[:, d] = (before[:, d - 1] + 1) * has[:, d - 1]
    for d in range(days - 2, -1, -1):
        after[:, d] = (after[:, d + 1] + 1) * has[:, d + 1]
    day = calendar.day[links.need]
    return before[row, day], after[row, day], has[row, day]


def label(rules: Rules) -> str:
    return ngettext(
        "at the limit of %(count)s day in a row",
        "at the limit of %(count)s days in a row",
        rules.max_consecutive_days,
    )


RULE = Rule(
    "consecutive days",
    6,
    settings=("max_consecutive_days",),
    rows=rows,
    ledger=DayLedger,
    blocking=blocking,
    label=label,
)
