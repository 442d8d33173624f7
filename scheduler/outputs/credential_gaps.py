"""Places nobody can take for want of a credential: what to recruit, train or test for, per
credential and day.

A need's places wanting credentials are the open ones that volunteers
within its reach (the right role in its region, available for the whole
shift, near enough: the funnel's first stages, `unfilled.reach`) could take
if they held what it requires, and that the holders among them cannot:

    min(open, max(0, min(within, count) - min(holding, count)))

They are put down to each credential the need requires that is itself
short (fewer of those within reach hold it than could fill the need); when
each one alone is held widely enough but no one holds them all, to every
one of them. A place may so count under two credentials, as both must be
found for it. Open places nobody within reach could take at all are not
here: no credential would fill them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from scheduler.arrays import I64
from scheduler.domain import Dataset
from scheduler.outputs.unfilled.reach import reach
from scheduler.outputs.unfilled.shifts import Shifts, roster_pairs, shift_clock


@dataclass(frozen=True)
class Gap:
    """Places of one day that wait for one credential."""

    credential: str
    day: dt.date  # the day the shifts start
    places: int
    needs: tuple[str, ...]
    facilities: tuple[str, ...]


def wanting(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> list[Gap]:
    """The places wanting each credential on each day, by credential then day."""
    asking = [g for g, n in enumerate(dataset.needs) if n.requires]
    if not asking:
        return []
    roster = roster_pairs(dataset, assignments)
    filled = np.bincount(roster[1], minlength=len(dataset.needs))
    count = np.array([n.count for n in dataset.needs], np.int64)
    needs = np.array([g for g in asking if count[g] > filled[g]], np.int64)
    if not len(needs):
        return []
    shifts = shift_clock(dataset)
    together = reach(dataset, shifts, needs)
    reachable = np.minimum(together.within, count[needs])
    short = np.minimum(
        count[needs] - filled[needs],
        np.maximum(0, reachable - np.minimum(together.holding, count[needs])),
    )
    alone = _held_alone(dataset, shifts, needs)
    places: dict[tuple[str, dt.date], int] = defaultdict(int)
    named: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for k in np.flatnonzero(short > 0).tolist():
        need = dataset.needs[int(needs[k])]
        scarce = [c for c in need.requires if alone[c].get(k, 0) < reachable[k]]
        for credential in scarce or need.requires:
            places[credential, need.date] += int(short[k])
            named[credential, need.date].append(need.id)
    by_id = dataset.need_by_id
    return [
        Gap(
            credential,
            day,
            places[credential, day],
            tuple(sorted(named[credential, day])),
            tuple(sorted({by_id[n].facility_id for n in named[credential, day]})),
        )
        for credential, day in sorted(places)
    ]


def _held_alone(dataset: Dataset, shifts: Shifts, needs: I64) -> dict[str, dict[int, int]]:
    """Per credential, per position k of the needs requiring it: how many within its reach
    hold that credential on its days (whatever else it requires)."""
    found: dict[str, dict[int, int]] = {}
    for credential in sorted({c for g in needs.tolist() for c in dataset.needs[g].requires}):
        positions = [
            k for k, g in enumerate(needs.tolist()) if credential in dataset.needs[g].requires
        ]
        only = tuple(
            dataclasses.replace(n, requires=(credential,)) if n.requires else n
            for n in dataset.needs
        )
        counted = reach(dataclasses.replace(dataset, needs=only), shifts, needs[positions])
        found[credential] = {k: int(h) for k, h in zip(positions, counted.holding, strict=True)}
    return found
