"""The rules of a roster as model rows: one function per family, named after the rule.

Hard rules yield named constraints; soft rules return objective terms. Rules
1 (role), 3 (availability) and 7 (region, distance) need no rows: the model
only has variables for eligible pairs (`scheduler.engine.eligibility`).

Row names are built from the rule and the ids (`min_rest__V17__c3`), so an
exported LP file reads like the rules.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from pulp import LpAffineExpression, LpConstraint, LpConstraintEQ, LpConstraintLE, LpVariable

from scheduler.engine.parts import Part

Row = tuple[str, LpConstraint]


@dataclass
class Context:
    """What every rule sees: the part, its assignment variables and helper indexes."""

    part: Part
    assign: list[LpVariable]  # one per pair, in the part's pair order
    shortfall: list[LpVariable]  # one per need
    new_variable: Callable[[str, float, float], LpVariable]  # continuous helpers
    volunteer_pairs: list[range] = field(init=False)

    def __post_init__(self) -> None:
        bounds = np.searchsorted(self.part.pair_volunteer, np.arange(len(self.part.volunteer) + 1))
        self.volunteer_pairs = [range(a, b) for a, b in itertools.pairwise(bounds)]


def _le(terms: list[tuple[LpVariable, float]], bound: float) -> LpConstraint:
    return LpConstraint(LpAffineExpression(terms), LpConstraintLE, rhs=bound)


# --- hard rules ---------------------------------------------------------------------------


def need_capacity(ctx: Context) -> Iterator[Row]:
    """Hard: a need gets at most `count` volunteers (rule 2).

    Written as filled + shortfall = count, so the model is always feasible and
    its shortfall variables say what it could not fill.
    """
    part = ctx.part
    order = np.argsort(part.pair_need, kind="stable")
    bounds = np.searchsorted(part.pair_need[order], np.arange(len(part.need) + 1))
    for n, name in enumerate(part.need_names):
        terms = [(ctx.assign[k], 1.0) for k in order[bounds[n] : bounds[n + 1]]]
        terms.append((ctx.shortfall[n], 1.0))
        yield (
            f"capacity__{name}",
            LpConstraint(LpAffineExpression(terms), LpConstraintEQ, rhs=float(part.count[n])),
        )


def no_overlap_and_min_rest(ctx: Context) -> Iterator[Row]:
    """Hard: one volunteer's shifts never overlap and leave `min_rest_hours` between (rule 4).

    Two shifts clash when the later one starts before the earlier one's end
    plus the rest. Stretching each shift by the rest makes clashes an interval
    graph; one row per maximal clique (found by a sweep over start times) is
    both fewer rows than all pairs and an almost integral LP.
    """
    part = ctx.part
    rest = part.rules.min_rest_minutes
    for v, pairs in enumerate(ctx.volunteer_pairs):
        if len(pairs) < 2:
            continue
        needs = part.pair_need[pairs.start : pairs.stop]
        cliques = clash_cliques(part.start[needs], part.end[needs] + rest)
        for c, clique in enumerate(cliques):
            yield (
                f"min_rest__{part.volunteer_names[v]}__c{c}",
                _le([(ctx.assign[pairs.start + i], 1.0) for i in clique], 1.0),
            )


def clash_cliques(start: np.ndarray, reach: np.ndarray) -> list[list[int]]:
    """Maximal sets of half-open intervals [start, reach) that share a point.

    `start` must be sorted. An interval reaching exactly to another's start
    does not clash with it (rest exactly equal to the minimum is allowed).
    A clique is emitted just before the first interval of it expires, if it
    grew since the last one; a heap keeps the next expiry at hand.
    """
    starts, reaches = start.tolist(), reach.tolist()
    cliques: list[list[int]] = []
    active: list[tuple[int, int]] = []  # heap of (reach, index)
    grown = False
    for i, s in enumerate(starts):
        if active and active[0][0] <= s:
            if grown and len(active) > 1:
                cliques.append(sorted(j for _, j in active))
            grown = False
            while active and active[0][0] <= s:
                heapq.heappop(active)
        heapq.heappush(active, (reaches[i], i))
        grown = True
    if grown and len(active) > 1:
        cliques.append(sorted(j for _, j in active))
    return cliques


def weekly_shift_limit(ctx: Context) -> Iterator[Row]:
    """Hard: at most `max_shifts_per_week` shifts per ISO week (rule 5)."""
    part = ctx.part
    for v, pairs in enumerate(ctx.volunteer_pairs):
        weeks = part.week[part.pair_need[pairs.start : pairs.stop]]
        limit = int(part.max_shifts[v])
        for week in np.unique(weeks):
            members = np.flatnonzero(weeks == week)
            if len(members) > limit:
                yield (
                    f"weekly_shifts__{part.volunteer_names[v]}__w{week}",
                    _le([(ctx.assign[pairs.start + i], 1.0) for i in members], limit),
                )


def weekly_hour_limit(ctx: Context) -> Iterator[Row]:
    """Hard: at most `max_hours_per_week` hours per ISO week, where a volunteer sets it (rule 5).

    Besides the hours row, the same rule as shift counts: of the week's
    shifts at least h hours long, at most k fit, k being how many of the
    shortest of them add up to no more than the limit. These rows forbid no
    roster the hours row allows, but without them the LP relaxation fills a
    20-hour week with 8 + 8 + a third of a 12-hour shift, and its bound (the
    proven upper bound the result reports) sat 0.1-0.6 % above the best
    roster on national parts; with them the gap mostly closes (measured in
    docs/engine.md).
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
                _le(
                    [(ctx.assign[pairs.start + i], float(hours[i])) for i in members], float(limit)
                ),
            )
            for least, most in shift_count_caps(hours[members], float(limit)):
                if least == hours[members].min() and most >= part.max_shifts[v]:
                    continue  # the weekly shift limit already says as much
                group = members[hours[members] >= least]
                yield (
                    f"weekly_hours_count__{name}__w{week}__{least:g}h",
                    _le([(ctx.assign[pairs.start + i], 1.0) for i in group], float(most)),
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


def max_consecutive_days(ctx: Context) -> Iterator[Row]:
    """Hard: no more than `max_consecutive_days` calendar days in a row with a shift start (rule 6).

    Only windows of K+1 days that the volunteer could fill entirely, and that
    the weekly shift limits do not already forbid, get a row; the worked-day
    indicators they use are made once per day and shared between windows.
    """
    part = ctx.part
    k = part.rules.max_consecutive_days
    for v, pairs in enumerate(ctx.volunteer_pairs):
        needs = part.pair_need[pairs.start : pairs.stop]
        days = part.day[needs]
        windows = [
            range(first, first + k + 1)
            for first in _full_windows(np.unique(days), k + 1)
            if _weekly_cap(part, needs, days, range(first, first + k + 1), int(part.max_shifts[v]))
            > k
        ]
        if windows:
            yield from _window_rows(ctx, v, pairs, days, windows, k)


def _full_windows(days: np.ndarray, length: int) -> list[int]:
    """First days of every run of `length` consecutive days inside `days`."""
    present = set(days.tolist())
    return [d for d in days.tolist() if all(d + i in present for i in range(length))]


def _weekly_cap(part: Part, needs: np.ndarray, days: np.ndarray, window: range, limit: int) -> int:
    """Most shift-days the weekly limits allow inside the window."""
    inside = (days >= window.start) & (days < window.stop)
    cap = 0
    for week in np.unique(part.week[needs[inside]]):
        cap += min(limit, len(np.unique(days[inside & (part.week[needs] == week)])))
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
    worked: dict[int, list[tuple[LpVariable, float]]] = {}
    for day in window_days:
        members = np.flatnonzero(days == day)
        if single[day]:
            worked[day] = [(ctx.assign[pairs.start + i], 1.0) for i in members]
            continue
        y = ctx.new_variable(f"works__{name}__d{day}", 0.0, 1.0)
        worked[day] = [(y, 1.0)]
        cliques = clash_cliques(part.start[needs[members]], reach[members])
        covered = {i for clique in cliques for i in clique}
        groups = cliques + [[i] for i in range(len(members)) if i not in covered]
        for c, group in enumerate(groups):
            yield (
                f"works_link__{name}__d{day}__c{c}",
                _le(
                    [(ctx.assign[pairs.start + members[i]], 1.0) for i in group] + [(y, -1.0)], 0.0
                ),
            )
    for window in windows:
        yield (
            f"consecutive__{name}__d{window.start}",
            _le([term for d in window for term in worked[d]], float(k)),
        )


def _one_clique(start: np.ndarray, reach: np.ndarray, members: np.ndarray) -> bool:
    """Do all these shifts clash pairwise (so at most one can be worked)?"""
    return not members.any() or bool(start[members].max() < reach[members].min())


HARD_RULES: tuple[Callable[[Context], Iterator[Row]], ...] = (
    need_capacity,
    no_overlap_and_min_rest,
    weekly_shift_limit,
    weekly_hour_limit,
    max_consecutive_days,
)


# --- soft rules: objective terms ------------------------------------------------------------


@dataclass
class Terms:
    """Objective terms of one soft rule, and any rows that define its helper variables."""

    variables: list[LpVariable]
    coefficients: list[float]
    rows: list[Row] = field(default_factory=list)


def tie_break_epsilon(part: Part) -> float:
    """The worth of one tie-break point, so that all of them together stay below half a unit.

    The most tie-break a roster can collect is 4.5 points per volunteer (fair
    load); rounding down to a power of ten keeps the coefficients readable
    and clear of solver tolerances.
    """
    ceiling = 4.5 * len(part.volunteer)
    return 10.0 ** np.floor(np.log10(0.5 * part.rules.unit / ceiling))


def weighted_coverage(ctx: Context, epsilon: float) -> Terms:
    """Soft, primary: the weight of each filled place (the contract's quality figure)."""
    return Terms(ctx.assign, ctx.part.weight[ctx.part.pair_need].tolist())


def fair_load(ctx: Context, epsilon: float) -> Terms:
    """Soft: spread shifts over people: 3 points for a volunteer's first shift, 1.5 for the second.

    Concave in the load, so giving someone a first or second shift beats
    giving anyone a third.
    """
    variables, coefficients, rows = [], [], []
    for v, pairs in enumerate(ctx.volunteer_pairs):
        name = ctx.part.volunteer_names[v]
        first = ctx.new_variable(f"first_shift__{name}", 0.0, 1.0)
        second = ctx.new_variable(f"second_shift__{name}", 0.0, 1.0)
        terms = [(first, 1.0), (second, 1.0)] + [(ctx.assign[k], -1.0) for k in pairs]
        rows.append((f"fair_load__{name}", _le(terms, 0.0)))
        variables += [first, second]
        coefficients += [3.0 * epsilon, 1.5 * epsilon]
    return Terms(variables, coefficients, rows)


SOFT_RULES: tuple[Callable[[Context, float], Terms], ...] = (
    weighted_coverage,
    fair_load,
)
# Preferred facilities and short travel are per-pair preferences: as LP costs they
# cost the simplex ten times the iterations on a national part (48 s against 4 s,
# measured), so they are served after the solve by `scheduler.engine.polish`, which swaps
# volunteers between equal places without touching coverage or fair load.
