"""The careful coordinator: most important need first, nearest free volunteer.

What a headquarters did by hand in 2020, done in a second. It is the
baseline the optimiser is measured against and the safety net when a part
cannot be optimised in time: its rosters break no hard rule either.
"""

from __future__ import annotations

import bisect

import numpy as np
from numpy.typing import NDArray

from scheduler.engine.parts import Part


def greedy_part(part: Part, start: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
    """Which pairs of the part to use; needs by weight then start, volunteers nearest first.

    Given `start` (a valid roster, e.g. an LP solution rounded down), it only
    fills the places that roster left open.
    """
    chosen = np.zeros(part.size, bool) if start is None else start.copy()
    book = Bookings(part)
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


class Bookings:
    """Each volunteer's accepted shifts, to test the hard rules 4 to 6 as they change."""

    def __init__(self, part: Part):
        self.part = part
        self.shifts: dict[int, list[tuple[int, int]]] = {}  # volunteer -> sorted (start, end)
        self.week_count: dict[tuple[int, int], int] = {}
        self.week_hours: dict[tuple[int, int], float] = {}
        self.days: dict[int, set[int]] = {}
        self.day_count: dict[tuple[int, int], int] = {}

    def fits(self, v: int, n: int) -> bool:
        p = self.part
        start, end, week = int(p.start[n]), int(p.end[n]), int(p.week[n])
        if self.week_count.get((v, week), 0) >= p.max_shifts[v]:
            return False
        hours = (end - start) / 60
        if (
            not np.isnan(p.max_hours[v])
            and self.week_hours.get((v, week), 0) + hours > p.max_hours[v] + 1e-9
        ):
            return False
        return self._rested(v, start, end) and self._days_ok(v, int(p.day[n]))

    def _rested(self, v: int, start: int, end: int) -> bool:
        rest = self.part.rules.min_rest_minutes
        shifts = self.shifts.get(v, [])
        i = bisect.bisect_left(shifts, (start, end))
        before = shifts[i - 1] if i > 0 else None
        after = shifts[i] if i < len(shifts) else None
        return (before is None or before[1] + rest <= start) and (
            after is None or end + rest <= after[0]
        )

    def _days_ok(self, v: int, day: int) -> bool:
        days = self.days.get(v, set())
        if day in days:
            return True
        run = 1
        d = day - 1
        while d in days:
            run, d = run + 1, d - 1
        d = day + 1
        while d in days:
            run, d = run + 1, d + 1
        return run <= self.part.rules.max_consecutive_days

    def add(self, v: int, n: int) -> None:
        self._change(v, n, +1)

    def remove(self, v: int, n: int) -> None:
        self._change(v, n, -1)

    def load(self, v: int) -> int:
        return len(self.shifts.get(v, ()))

    def _change(self, v: int, n: int, sign: int) -> None:
        p = self.part
        start, end, week, day = int(p.start[n]), int(p.end[n]), int(p.week[n]), int(p.day[n])
        shifts = self.shifts.setdefault(v, [])
        if sign > 0:
            bisect.insort(shifts, (start, end))
        else:
            shifts.remove((start, end))
        self.week_count[(v, week)] = self.week_count.get((v, week), 0) + sign
        self.week_hours[(v, week)] = self.week_hours.get((v, week), 0) + sign * (end - start) / 60
        self.day_count[(v, day)] = self.day_count.get((v, day), 0) + sign
        if self.day_count[(v, day)] > 0:
            self.days.setdefault(v, set()).add(day)
        else:
            self.days.get(v, set()).discard(day)
