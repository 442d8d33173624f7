"""The open places one volunteer may take now: what a volunteer sees under "Open shifts".

The same judgement as suggestions (`scheduler.outputs.suggestions`), turned
round: not "who could take this place" but "which places could this person
take". A place is offered when its need has fewer people than it asks for,
the volunteer is eligible for it (role, region, distance, availability,
weekly limits) and it fits beside what they already hold under every rule's
own ledger (rest, weekly shifts and hours, days in a row). Nearest first,
then soonest. The web checks the same again, under the publishing lock, when
the volunteer claims one, so two claims of the last place cannot both win.
Why a place is not offered, in the volunteer's words: `scheduler.outputs.refusals`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np

from scheduler.domain import Dataset
from scheduler.outputs.suggestions import Board
from scheduler.outputs.unfilled.shifts import roster_pairs, shift_clock


@dataclass(frozen=True)
class OpenShift:
    need_id: str
    open: int  # places still open
    km: float | None  # home to facility; None without coordinates


def open_shifts(
    dataset: Dataset,
    assignments: Iterable[tuple[str, str]],
    volunteer_id: str,
    candidates: Collection[str],
    declined: Collection[tuple[str, str]] = (),
) -> list[OpenShift]:
    """The needs among `candidates` (ids) with an open place `volunteer_id` may take without
    breaking a hard rule, given `assignments`; a pair in `declined` is never offered."""
    people = {v.id: k for k, v in enumerate(dataset.volunteers)}
    index = {n.id: k for k, n in enumerate(dataset.needs)}
    if volunteer_id not in people or not dataset.needs:
        return []
    v = people[volunteer_id]
    shifts = shift_clock(dataset)
    roster = roster_pairs(dataset, assignments)
    filled = np.bincount(roster[1], minlength=len(dataset.needs))
    mine = set(roster[1][roster[0] == v].tolist())
    wanted = [
        index[n]
        for n in sorted(set(candidates))
        if n in index
        and index[n] not in mine
        and dataset.needs[index[n]].count > filled[index[n]]
        and (n, volunteer_id) not in declined
    ]
    if not wanted:
        return []
    board = Board(dataset, shifts, roster, declined)
    found = board.eligible(wanted)
    here = found.volunteer == v
    offers = []
    for k, km in zip(found.need[here].tolist(), found.km[here].tolist(), strict=True):
        g = wanted[k]  # the reach counts needs by their place in `wanted`
        if board.fits(v, g):
            need = dataset.needs[g]
            known = None if math.isnan(km) else km
            offers.append(OpenShift(need.id, int(need.count - filled[g]), known))
    start = {n.id: n.start for n in dataset.needs}
    return sorted(offers, key=lambda o: (math.inf if o.km is None else o.km, start[o.need_id]))
