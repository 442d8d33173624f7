"""Hours worked, as a certificate of hours states them: the time between a shift's actual start
and end, with the night hours counted apart, and how reliably a volunteer came.

Times are the facility's wall clock, as everything about a shift is. Night
is 22:00 to 06:00 (Russian labour law's night, Labour Code art. 96), counted
minute by minute over the days a shift touches, so a 20:00-08:00 shift is 12
hours of which 8 at night.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

NIGHT_STARTS = dt.time(22, 0)
NIGHT_ENDS = dt.time(6, 0)


@dataclass(frozen=True)
class Worked:
    minutes: int
    night_minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)

    @property
    def night_hours(self) -> float:
        return round(self.night_minutes / 60, 2)

    def __add__(self, other: Worked) -> Worked:
        return Worked(self.minutes + other.minutes, self.night_minutes + other.night_minutes)


NOTHING = Worked(0, 0)


def worked(start: dt.datetime, end: dt.datetime) -> Worked:
    """The minutes from start to end (none if it ends first), and those between 22:00 and
    06:00."""
    if end <= start:
        return NOTHING
    night = 0
    day = start.date() - dt.timedelta(days=1)  # the night that began the evening before
    while dt.datetime.combine(day, NIGHT_STARTS) < end:
        dusk = dt.datetime.combine(day, NIGHT_STARTS)
        dawn = dt.datetime.combine(day + dt.timedelta(days=1), NIGHT_ENDS)
        overlap = min(end, dawn) - max(start, dusk)
        night += max(0, int(overlap.total_seconds() // 60))
        day += dt.timedelta(days=1)
    return Worked(int((end - start).total_seconds() // 60), night)


def total(entries: Iterable[Worked]) -> Worked:
    return sum(entries, NOTHING)


def reliability(kept: int, rostered: int) -> float | None:
    """Shifts kept of the shifts rostered and marked; None before any was marked."""
    return None if rostered <= 0 else kept / rostered
