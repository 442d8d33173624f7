"""The careful coordinator: most important need first, nearest free volunteer.

What a headquarters did by hand in 2020, done in a second. It is the
baseline the optimiser is measured against and the safety net when a part
cannot be optimised in time: its rosters break no hard rule either.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from scheduler.engine.parts import Part
from scheduler.rules import ROSTER_RULES, Bookings, Calendar, Rule


def greedy_part(
    part: Part, start: NDArray[np.bool_] | None = None, rules: Sequence[Rule] = ROSTER_RULES
) -> NDArray[np.bool_]:
    """Which pairs of the part to use; needs by weight then start, volunteers nearest first.

    Given `start` (a valid roster, e.g. an LP solution rounded down), it only
    fills the places that roster left open. In a re-plan it starts from the
    baseline assignments that still fit (`baseline_start`).
    """
    if start is None and part.pair_keep is not None:
        start = baseline_start(part, rules)
    chosen = np.zeros(part.size, bool) if start is None else start.copy()
    book = Bookings(Calendar.of_part(part), rules)
    for k in np.flatnonzero(chosen):
        book.add(int(part.pair_volunteer[k]), int(part.pair_need[k]))
    room_left = part.count - np.bincount(part.pair_need[chosen], minlength=len(part.need))
    by_need = np.lexsort((part.pair_km, part.pair_need))  # each need's pairs, nearest first
    bounds = np.searchsorted(part.pair_need[by_need], np.arange(len(part.need) + 1))
    for n in np.lexsort((part.start, -part.weight)):
        room = int(room_left[n])
        for k in by_need[bounds[n] : bounds[n + 1]]:
            if room == 0:
                break
            v = int(part.pair_volunteer[k])
            if not chosen[k] and book.fits(v, n):
                book.add(v, n)
                chosen[k] = True
                room -= 1
    return chosen


def baseline_start(part: Part, rules: Sequence[Rule] = ROSTER_RULES) -> NDArray[np.bool_]:
    """The baseline pairs of a re-plan that fit together: pinned and frozen first, then the
    rest by weight, each while its need has room and the volunteer's rules allow it."""
    chosen = np.zeros(part.size, bool)
    if part.pair_keep is None:
        return chosen
    fixed = part.pair_fixed if part.pair_fixed is not None else np.zeros(part.size, bool)
    book = Bookings(Calendar.of_part(part), rules)
    room = part.count.astype(np.int64).copy()
    keep = np.flatnonzero(part.pair_keep)
    order = keep[np.lexsort((-part.weight[part.pair_need[keep]], ~fixed[keep]))]
    for k in order.tolist():
        v, n = int(part.pair_volunteer[k]), int(part.pair_need[k])
        if room[n] > 0 and book.fits(v, n):
            book.add(v, n)
            room[n] -= 1
            chosen[k] = True
    return chosen
