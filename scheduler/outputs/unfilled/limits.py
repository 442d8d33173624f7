"""Stage 5 of the funnel: who rest, weekly limits or days in a row keep off a shift.

Hard rules 4 to 6 are judged as the checker judges them, on the roster given,
which may have been edited by hand and may itself break rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from scheduler.domain import Dataset
from scheduler.engine.eligibility import F64, I64, _ranks
from scheduler.engine.parts import part_rules
from scheduler.outputs.unfilled.funnel import BLOCKING_RULES
from scheduler.outputs.unfilled.reach import Reach
from scheduler.outputs.unfilled.shifts import Mask, RosterPairs, Shifts


@dataclass(frozen=True)
class Stops:
    """Stage 5 per open need (position k): who is kept off by which rule, and who is free."""

    blocked: I64  # (open needs, BLOCKING_RULES) counts, first rule broken only
    heavier: I64  # blocked candidates whose blocking shifts all weigh more
    heavier_priorities: dict[int, tuple[int, ...]]  # k -> priorities of those shifts
    free_bounds: I64  # need k's free volunteers: free_volunteer[bounds[k] : bounds[k + 1]]
    free_volunteer: I64  # nearest first


def stops(
    dataset: Dataset, shifts: Shifts, roster: RosterPairs, reach: Reach, candidate: Mask
) -> Stops:
    """Stage 5 for the `candidate` pairs of `reach`: the rule that blocks each, or none."""
    volunteer, k, km = reach.volunteer[candidate], reach.need[candidate], reach.km[candidate]
    rule, heavier, pair, priority = _blocking(dataset, shifts, roster, volunteer, reach.needs[k])
    m, rules = len(reach.needs), len(BLOCKING_RULES)
    hit = rule >= 0
    blocked = np.bincount(k[hit] * rules + rule[hit], minlength=m * rules).reshape(m, rules)
    priorities: dict[int, list[int]] = {}
    for code in np.unique(k[pair] * 8 + priority).tolist():
        priorities.setdefault(code // 8, []).append(code % 8)
    free = np.flatnonzero(~hit)
    free = free[np.lexsort((volunteer[free], np.nan_to_num(km[free], nan=np.inf), k[free]))]
    return Stops(
        blocked=blocked,
        heavier=np.bincount(k[heavier], minlength=m),
        heavier_priorities={n: tuple(p) for n, p in priorities.items()},
        free_bounds=np.searchsorted(k[free], np.arange(m + 1)),
        free_volunteer=volunteer[free],
    )


def _blocking(
    dataset: Dataset, shifts: Shifts, roster: RosterPairs, volunteer: I64, need: I64
) -> tuple[I64, Mask, I64, I64]:
    """Which rule adding each (volunteer, need) pair to the roster would break first.

    Rules 4 to 6 read as the checker reads them, against each volunteer's
    shifts in the roster, all pairs at once. Returns per pair the index into
    BLOCKING_RULES (-1: none), whether every shift that blocks it weighs more
    than the need, and (pair, priority) of the shifts behind those that do.
    """
    own, other = _their_shifts(roster, volunteer, len(dataset.volunteers))
    mine = need[own]
    rest = part_rules(dataset).min_rest_minutes
    start, end, length = shifts.start, shifts.end, shifts.end - shifts.start
    clash = (start[other] < end[mine] + rest) & (start[mine] < end[other] + rest)
    same_week = shifts.week[other] == shifts.week[mine]
    before, after, taken = _days_in_a_row(shifts, roster, volunteer, need)
    max_shifts, max_hours = _weekly_limits(dataset, volunteer)

    def per_pair(values: Mask | I64) -> F64:
        # Weighted, bincount counts in floats (numpy's stubs promise integers).
        return cast(F64, np.bincount(own, values, minlength=len(need)))

    broken = np.stack(
        [
            per_pair(clash) > 0,
            per_pair(same_week) + 1 > max_shifts,
            per_pair(same_week * length[other]) + length[need] > max_hours * 60 + 1e-9,
            ~taken & (before + 1 + after > dataset.rules.max_consecutive_days),
        ]
    )
    rule = np.where(broken.any(axis=0), broken.argmax(axis=0), -1)
    day = shifts.day
    in_run = (day[other] >= day[mine] - before[own]) & (day[other] <= day[mine] + after[own])
    blocks = clash | (same_week & (broken[1] | broken[2])[own]) | (in_run & broken[3][own])
    lighter = per_pair(blocks & (shifts.weight[other] <= shifts.weight[mine])) > 0
    heavier = (rule >= 0) & ~lighter
    behind = blocks & heavier[own]
    return rule, heavier, own[behind], shifts.priority[other[behind]]


def _weekly_limits(dataset: Dataset, volunteer: I64) -> tuple[I64, F64]:
    """Per pair: the volunteer's weekly shift limit, and weekly hour limit (NaN: none)."""
    volunteers = dataset.volunteers
    max_shifts = np.array([v.max_shifts_per_week for v in volunteers])[volunteer]
    max_hours = np.array(
        [np.nan if v.max_hours_per_week is None else v.max_hours_per_week for v in volunteers]
    )[volunteer]
    return max_shifts, max_hours


def _their_shifts(roster: RosterPairs, volunteer: I64, people: int) -> tuple[I64, I64]:
    """Each pair's volunteer's shifts in the roster, flattened: (pair index, need index)."""
    on, need = roster
    first = np.searchsorted(on, np.arange(people + 1))
    size = first[volunteer + 1] - first[volunteer]
    own = np.repeat(np.arange(len(volunteer)), size)
    return own, need[np.repeat(first[volunteer], size) + _ranks(size)]


def _days_in_a_row(
    shifts: Shifts, roster: RosterPairs, volunteer: I64, need: I64
) -> tuple[I64, I64, Mask]:
    """Per pair: days in a row with a shift start just before and just after the need's day,
    and whether the volunteer already starts a shift on that day (then rule 6 cannot change).
    """
    people, row = np.unique(volunteer, return_inverse=True)
    days = int(shifts.day.max()) + 2
    has = np.zeros((len(people), days), bool)
    theirs = np.isin(roster[0], people)
    has[np.searchsorted(people, roster[0][theirs]), shifts.day[roster[1][theirs]]] = True
    before = np.zeros((len(people), days), np.int64)
    after = np.zeros_like(before)
    for d in range(1, days):
        before[:, d] = (before[:, d - 1] + 1) * has[:, d - 1]
    for d in range(days - 2, -1, -1):
        after[:, d] = (after[:, d + 1] + 1) * has[:, d + 1]
    day = shifts.day[need]
    return before[row, day], after[row, day], has[row, day]
