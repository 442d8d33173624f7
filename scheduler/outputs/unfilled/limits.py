"""Stage 5 of the funnel: who rest, weekly limits or days in a row keep off a shift.

Hard rules 4 to 6 are judged by their own units (`scheduler.rules`), on the
roster given, which may have been edited by hand and may itself break rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler import rules as registry
from scheduler.arrays import I64, Mask, ranks
from scheduler.domain import Dataset
from scheduler.engine.parts import part_rules
from scheduler.outputs.unfilled.funnel import BLOCKING_RULES
from scheduler.outputs.unfilled.reach import Reach
from scheduler.outputs.unfilled.shifts import RosterPairs, Shifts
from scheduler.rules import weekly_limits
from scheduler.rules.base import Calendar, Links


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

    Each rule of BLOCKING_RULES judges all pairs at once, against each
    volunteer's shifts in the roster. Returns per pair the index into
    BLOCKING_RULES (-1: none), whether every shift that blocks it weighs more
    than the need, and (pair, priority) of the shifts behind those that do.
    """
    calendar = _calendar(dataset, shifts)
    own, other = _their_shifts(roster, volunteer, len(dataset.volunteers))
    links = Links(volunteer, need, own, other, roster)
    judged = [rule.blocking(calendar, links) for rule in registry.BLOCKING_RULES if rule.blocking]
    broken = np.stack([b.pairs for b in judged])
    rule = np.where(broken.any(axis=0), broken.argmax(axis=0), -1)
    blocks = np.logical_or.reduce([b.links & b.pairs[own] for b in judged])
    mine = need[own]
    lighter = links.per_pair(blocks & (shifts.weight[other] <= shifts.weight[mine])) > 0
    heavier = (rule >= 0) & ~lighter
    behind = blocks & heavier[own]
    return rule, heavier, own[behind], shifts.priority[other[behind]]


def _calendar(dataset: Dataset, shifts: Shifts) -> Calendar:
    """The rules' view of the whole dataset: every need's shift, every volunteer's limits."""
    max_shifts, max_hours = weekly_limits.limits(dataset)
    return Calendar(
        shifts.start,
        shifts.end,
        shifts.day,
        shifts.week,
        max_shifts,
        np.where(np.isinf(max_hours), np.nan, max_hours),
        part_rules(dataset).min_rest_minutes,
        dataset.rules.max_consecutive_days,
    )


def _their_shifts(roster: RosterPairs, volunteer: I64, people: int) -> tuple[I64, I64]:
    """Each pair's volunteer's shifts in the roster, flattened: (pair index, need index)."""
    on, need = roster
    first = np.searchsorted(on, np.arange(people + 1))
    size = first[volunteer + 1] - first[volunteer]
    own = np.repeat(np.arange(len(volunteer)), size)
    return own, need[np.repeat(first[volunteer], size) + ranks(size)]
