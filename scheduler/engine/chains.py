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
be worth less than what the chain gains.

Why a chain keeps every hard rule: every roster rule's ledger (rest, weekly
limits, days in a row) is kept per volunteer, so a move is judged against
its mover's own shifts alone; the movers of a chain are distinct people; and
each need loses exactly as many people as it gains, but the one the chain
fills. A rule that tied two volunteers' shifts together would need more.

The search is bounded by the checks it makes, not by the clock, so the same
part gives the same roster on a quiet machine and on a busy one; the clock
is only a backstop against the solve's own deadline.
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

NEAREST = 4  # held shifts tried for giving up, nearest in time to the place to fill


@dataclass(frozen=True)
class _Move:
    volunteer: int
    taken: int  # pair index the volunteer takes
    left: tuple[int, ...]  # pair indices the volunteer gives up


@dataclass(frozen=True)
class _Opened:
    """How the search came to a place to fill: `moves` opened it, made to fill a place of
    `filling` (-1: a place the roster itself left open, where a chain starts)."""

    filling: int
    moves: tuple[_Move, ...]
    start: int  # the need whose open place the chain fills
    lost: float  # weight of the places the chain leaves open on its way


@dataclass(frozen=True)
class _Way:
    """One way a move can go on: the chain follows the place of need `follow` (-1: it ends
    here), after `moves`, leaving places of weight `lost` open."""

    follow: int
    moves: tuple[_Move, ...]
    lost: float


def fill_by_chains(
    part: Part,
    chosen: NDArray[np.bool_],
    checks: int,
    deadline: float = float("inf"),
    bound: float | None = None,
) -> NDArray[np.bool_]:
    """The roster with chains made while they gain, within `checks` rule checks (and before
    `deadline`, a reading of `time.monotonic`), until its coverage reaches `bound`.

    A re-plan's pinned and frozen assignments (`Part.pair_fixed`) are never given up.
    """
    search = _Search(part, chosen)
    while bound is None or search.coverage() < bound - 0.5 * part.rules.unit:
        if not search.one_chain(checks, deadline):
            break
    return search.chosen


class _Search:
    def __init__(self, part: Part, chosen: NDArray[np.bool_]):
        self.part, self.chosen = part, chosen.copy()
        self.book = Bookings(Calendar.of_part(part))
        fixed = part.pair_fixed if part.pair_fixed is not None else np.zeros(part.size, bool)
        self.holds: dict[int, list[int]] = {}  # volunteer -> pairs of the roster they may leave
        for k in np.flatnonzero(self.chosen).tolist():
            v = int(part.pair_volunteer[k])
            self.book.add(v, int(part.pair_need[k]))
            if not fixed[k]:
                self.holds.setdefault(v, []).append(k)
        self.room = part.count - np.bincount(part.pair_need[self.chosen], minlength=len(part.need))
        self.by_need = np.argsort(part.pair_need, kind="stable")
        self.bounds = np.searchsorted(part.pair_need[self.by_need], np.arange(len(part.need) + 1))
        self.weight: list[float] = part.weight.tolist()
        self.pair_volunteer: list[int] = part.pair_volunteer.tolist()
        self.pair_need: list[int] = part.pair_need.tolist()
        self.start: list[int] = part.start.tolist()
        self.least_gain = 0.5 * part.rules.unit  # weights are whole units: below it is no gain
        self.checks = 0  # rule checks made, against the caller's allowance

    def coverage(self) -> float:
        return float(self.part.weight[self.part.pair_need[self.chosen]].sum())

    def one_chain(self, checks: int, deadline: float) -> bool:
        """Find and make one chain that gains; False if there is none within the allowance."""
        part = self.part
        open_needs = np.flatnonzero(self.room > 0)
        open_needs = open_needs[np.argsort(-part.weight[open_needs], kind="stable")]
        opened = {int(n): _Opened(-1, (), int(n), 0.0) for n in open_needs.tolist()}
        queue = deque(opened)
        takers: dict[int, list[int]] = {}  # need -> its pairs whose volunteer fits as they are
        while queue:
            if self.checks > checks or time.monotonic() > deadline:
                return False
            n = queue.popleft()
            here = opened[n]
            gain = self.weight[here.start] - here.lost
            moving = self._movers(opened, n)
            free = self._free_takers(takers, n)
            for k in free:  # anyone who fits as they are ends the chain
                if self.pair_volunteer[k] not in moving and self._make(
                    opened, n, (_Move(self.pair_volunteer[k], k, ()),)
                ):
                    return True
            tried = set(free)
            for k in self.by_need[self.bounds[n] : self.bounds[n + 1]].tolist():
                u = self.pair_volunteer[k]
                if u in moving or self.chosen[k] or not self.holds.get(u) or k in tried:
                    continue
                for left in self._leaving(u, n, opened):
                    for way in self._ways(u, k, left, moving, takers, gain):
                        if way.follow < 0:
                            if self._make(opened, n, way.moves):
                                return True
                        elif way.follow not in opened:
                            opened[way.follow] = _Opened(
                                n, way.moves, here.start, here.lost + way.lost
                            )
                            queue.append(way.follow)
        return False

    def _free_takers(self, takers: dict[int, list[int]], n: int) -> list[int]:
        """The pairs of need `n` whose volunteer could take a place of it as they are."""
        if n not in takers:
            pairs = self.by_need[self.bounds[n] : self.bounds[n + 1]].tolist()
            self.checks += len(pairs)
            takers[n] = [
                k for k in pairs if not self.chosen[k] and self.book.fits(self.pair_volunteer[k], n)
            ]
        return takers[n]

    def _leaving(self, u: int, n: int, opened: dict[int, _Opened]) -> list[tuple[int, ...]]:
        """The shifts `u` could give up, one or two of them, to fit a place of `n`; two only
        when no one alone would do. Every roster rule is about shifts near each other in
        time, so only the few nearest to `n` are tried: at 28 days a volunteer may hold
        twenty, and trying every two of them made the search three times slower per check."""
        held = [h for h in self.holds[u] if self.pair_need[h] not in opened]
        if len(held) > NEAREST:
            start, need = self.start, self.pair_need
            held = sorted(held, key=lambda h: abs(start[need[h]] - start[n]))[:NEAREST]
        ones: list[tuple[int, ...]] = [(h,) for h in held if self._fits_without(u, n, (h,))]
        if ones:
            return ones
        return [pair for pair in itertools.combinations(held, 2) if self._fits_without(u, n, pair)]

    def _fits_without(self, u: int, n: int, left: tuple[int, ...]) -> bool:
        self.checks += 1
        return self.book.fits_instead(u, n, [self.pair_need[h] for h in left])

    def _ways(
        self,
        u: int,
        k: int,
        left: tuple[int, ...],
        moving: set[int],
        takers: dict[int, list[int]],
        gain: float,
    ) -> list[_Way]:
        """What becomes of the places `u` leaves to take pair `k`: one of them is followed
        by the chain, any other is taken at once by someone who fits it as they are, or left
        open if worth less than the chain still gains; or the chain ends, leaving them all."""
        ways = []
        for i, follow in enumerate(left):
            moves, lost = [_Move(u, k, left)], 0.0
            for other in left[:i] + left[i + 1 :]:
                need = self.pair_need[other]
                taker = next(
                    (
                        j
                        for j in self._free_takers(takers, need)
                        if self.pair_volunteer[j] not in moving
                    ),
                    None,
                )
                if taker is None:
                    lost += self.weight[need]
                else:
                    moves.append(_Move(self.pair_volunteer[taker], taker, ()))
            if lost < gain - self.least_gain:
                ways.append(_Way(self.pair_need[follow], tuple(moves), lost))
                ending = lost + self.weight[self.pair_need[follow]]
                if ending < gain - self.least_gain:
                    ways.append(_Way(-1, tuple(moves), ending))
        return ways

    def _movers(self, opened: dict[int, _Opened], n: int) -> set[int]:
        """The volunteers already moving in the chain that opened this place."""
        found: set[int] = set()
        while opened[n].filling >= 0:
            found.update(m.volunteer for m in opened[n].moves)
            n = opened[n].filling
        return found

    def _make(self, opened: dict[int, _Opened], n: int, last: tuple[_Move, ...]) -> bool:
        """Make the chain that ends with `last` at need `n`, unless someone would move twice
        in it (each move was judged against its mover's own shifts alone)."""
        moves = list(last)
        while opened[n].filling >= 0:
            moves.extend(opened[n].moves)
            n = opened[n].filling
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
