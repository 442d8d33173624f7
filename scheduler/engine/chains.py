"""Chains of moves: an open place filled by someone who leaves theirs to the next one.

A roster a unit short of its part's bound often lacks only a handful of
moves, and the residual MIP cannot see them: it frees only the columns the
LP left open, while the place is freed by moving people the LP had decided
(national: one part stops at 104,999 of 105,000, and the fewest changes
that reach 105,000 are nine, around one volunteer who must give up two
8-hour shifts to take one of 12 hours; a MIP over the part's neighbourhood
finds them in 2-3 s). A breadth-first search over needs finds such moves in
a fraction of that. From every need with an open place, each candidate
volunteer either fits as they are (the chain ends), or would fit if they
gave up one or two shifts they hold. One place given up is the next to fill;
a second one must be taken at once by someone who fits it as they are, or
be worth less than what the chain gains. Every move is judged against the
mover's own shifts, and the movers of a chain are distinct people, so the
whole chain keeps every hard rule.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scheduler.engine.parts import Part
from scheduler.rules import Bookings, Calendar


@dataclass(frozen=True)
class _Move:
    volunteer: int
    taken: int  # pair index the volunteer takes
    left: tuple[int, ...]  # pair indices the volunteer gives up


@dataclass(frozen=True)
class _Step:
    """How a place came open in the search: by `moves`, made to fill a place of `towards`
    (-1 at a root: a place the roster left open)."""

    towards: int
    moves: tuple[_Move, ...]
    root: int  # the need whose open place the chain fills
    lost: float  # weight of the places the chain leaves open on its way


def fill_by_chains(
    part: Part, chosen: NDArray[np.bool_], deadline: float, bound: float | None = None
) -> NDArray[np.bool_]:
    """The roster with chains made while they gain weight, before the deadline (a reading
    of `time.monotonic`), and until its coverage reaches `bound`."""
    search = _Search(part, chosen)
    while bound is None or search.coverage() < bound - 0.5 * part.rules.unit:
        if not search.one_chain(deadline):
            break
    return search.chosen


class _Search:
    def __init__(self, part: Part, chosen: NDArray[np.bool_]):
        self.part, self.chosen = part, chosen.copy()
        self.book = Bookings(Calendar.of_part(part))
        self.holds: dict[int, list[int]] = {}  # volunteer -> pairs of the roster
        for k in np.flatnonzero(self.chosen).tolist():
            v = int(part.pair_volunteer[k])
            self.book.add(v, int(part.pair_need[k]))
            self.holds.setdefault(v, []).append(k)
        self.room = part.count - np.bincount(part.pair_need[self.chosen], minlength=len(part.need))
        self.by_need = np.argsort(part.pair_need, kind="stable")
        self.bounds = np.searchsorted(part.pair_need[self.by_need], np.arange(len(part.need) + 1))
        self.weight: list[float] = part.weight.tolist()
        self.pair_volunteer: list[int] = part.pair_volunteer.tolist()
        self.pair_need: list[int] = part.pair_need.tolist()

    def coverage(self) -> float:
        return float(self.part.weight[self.part.pair_need[self.chosen]].sum())

    def one_chain(self, deadline: float) -> bool:
        """Find and make one chain that gains weight; False if there is none, or not in time."""
        part = self.part
        open_needs = np.flatnonzero(self.room > 0)
        open_needs = open_needs[np.argsort(-part.weight[open_needs], kind="stable")]
        steps = {int(n): _Step(-1, (), int(n), 0.0) for n in open_needs.tolist()}
        queue = deque(steps)
        fitting: dict[int, list[int]] = {}  # need -> its pairs whose volunteer fits as they are
        while queue:
            if time.monotonic() > deadline:
                return False
            n = queue.popleft()
            step = steps[n]
            gain = self.weight[step.root] - step.lost
            moving = self._movers(steps, n)
            for k in self._fitting(fitting, n):  # anyone who fits as they are ends the chain
                if self.pair_volunteer[k] not in moving and self._make(
                    steps, n, (_Move(self.pair_volunteer[k], k, ()),)
                ):
                    return True
            for k in self.by_need[self.bounds[n] : self.bounds[n + 1]].tolist():
                u = self.pair_volunteer[k]
                if u in moving or self.chosen[k]:
                    continue
                for left in self._leaving(u, n, steps):
                    for follow, moves, lost in self._ways(u, k, left, moving, fitting, gain):
                        if follow < 0:
                            if self._make(steps, n, moves):
                                return True
                        elif follow not in steps:
                            steps[follow] = _Step(n, moves, step.root, step.lost + lost)
                            queue.append(follow)
        return False

    def _fitting(self, fitting: dict[int, list[int]], n: int) -> list[int]:
        if n not in fitting:
            fitting[n] = [
                k
                for k in self.by_need[self.bounds[n] : self.bounds[n + 1]].tolist()
                if not self.chosen[k] and self.book.fits(self.pair_volunteer[k], n)
            ]
        return fitting[n]

    def _leaving(self, u: int, n: int, steps: dict[int, _Step]) -> list[tuple[int, ...]]:
        """The shifts `u` could give up, one or two of them, to fit a place of `n`; two only
        when no one alone would do."""
        held = [h for h in self.holds.get(u, ()) if self.pair_need[h] not in steps]
        ones: list[tuple[int, ...]] = [(h,) for h in held if self._fits_without(u, n, (h,))]
        if ones:
            return ones
        return [pair for pair in itertools.combinations(held, 2) if self._fits_without(u, n, pair)]

    def _fits_without(self, u: int, n: int, left: tuple[int, ...]) -> bool:
        for h in left:
            self.book.remove(u, self.pair_need[h])
        fits = self.book.fits(u, n)
        for h in left:
            self.book.add(u, self.pair_need[h])
        return fits

    def _ways(
        self,
        u: int,
        k: int,
        left: tuple[int, ...],
        moving: set[int],
        fitting: dict[int, list[int]],
        gain: float,
    ) -> list[tuple[int, tuple[_Move, ...], float]]:
        """What becomes of the places `u` leaves to take pair `k`: one of them is followed
        by the chain (its need first; -1 if none is), any other is taken at once by someone
        who fits it as they are, or left open if worth less than the chain still gains."""
        ways = []
        for i, follow in enumerate(left):
            others, moves, lost = left[:i] + left[i + 1 :], [_Move(u, k, left)], 0.0
            for other in others:
                need = self.pair_need[other]
                taker = next(
                    (
                        j
                        for j in self._fitting(fitting, need)
                        if self.pair_volunteer[j] not in moving and self.pair_volunteer[j] != u
                    ),
                    None,
                )
                if taker is not None:
                    moves.append(_Move(self.pair_volunteer[taker], taker, ()))
                else:
                    lost += self.weight[need]
            if lost < gain:
                ways.append((self.pair_need[follow], tuple(moves), lost))
                if lost + self.weight[self.pair_need[follow]] < gain:  # or end here
                    ways.append((-1, tuple(moves), lost + self.weight[self.pair_need[follow]]))
        return ways

    def _movers(self, steps: dict[int, _Step], n: int) -> set[int]:
        """The volunteers already moving in the chain that opened this place."""
        found: set[int] = set()
        while steps[n].towards >= 0:
            found.update(m.volunteer for m in steps[n].moves)
            n = steps[n].towards
        return found

    def _make(self, steps: dict[int, _Step], n: int, last: tuple[_Move, ...]) -> bool:
        """Make the chain that ends with `last` at need `n`, unless someone would move twice
        in it (each move was judged against its mover's own shifts alone)."""
        moves = list(last)
        while steps[n].towards >= 0:
            moves.extend(steps[n].moves)
            n = steps[n].towards
        movers = [m.volunteer for m in moves]
        if len(set(movers)) < len(movers):
            return False
        for m in moves:
            for left in m.left:
                self.book.remove(m.volunteer, self.pair_need[left])
                self.chosen[left] = False
                self.holds[m.volunteer].remove(left)
                self.room[self.pair_need[left]] += 1
        for m in moves:
            self.book.add(m.volunteer, self.pair_need[m.taken])
            self.chosen[m.taken] = True
            self.holds.setdefault(m.volunteer, []).append(m.taken)
            self.room[self.pair_need[m.taken]] -= 1
        return True
