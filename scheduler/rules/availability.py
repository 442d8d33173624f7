"""Rule 3: a shift lies inside the volunteer's yes-windows (if they have any) and touches
no no-window.

Weekly rows repeat on their weekday across the horizon; dated rows stay once.
A window that crosses midnight belongs to its start day; touching windows
join, so two yes-windows back to back cover a night.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from scheduler.arrays import I64, Mask, ranks
from scheduler.domain import Dataset
from scheduler.rules.base import Rule


def available(windows: Windows, volunteer: I64, start: I64, end: I64) -> Mask:
    """The shift lies inside the union of yes-windows (if any) and touches no no-window."""
    key_start = volunteer * windows.span + start
    key_end = volunteer * windows.span + end
    ok = ~_outside_yes(windows, volunteer, key_start, key_end)
    if len(windows.no_start):
        i = np.searchsorted(windows.no_start, key_end, side="left") - 1
        ok &= ~((i >= 0) & (windows.no_end[np.maximum(i, 0)] > key_start))
    return ok


def unavailable(
    windows: Windows, v: int, start: int, end: int
) -> tuple[bool, list[tuple[int, int]]]:
    """Why `available` refuses one shift: whether it lies outside v's yes-windows (v has some),
    and the no-windows it touches, as (start, end) on the shift's clock, earliest first.

    Merged windows are disjoint, so they end in the order they start: the ones
    touched run back from the last starting before the shift ends, the one
    `available` looks at.
    """
    base = v * windows.span
    key_start, key_end = np.array([base + start]), np.array([base + end])
    outside = bool(_outside_yes(windows, np.array([v]), key_start, key_end)[0])
    touched = []
    i = int(np.searchsorted(windows.no_start, key_end[0], side="left")) - 1
    while i >= 0 and windows.no_end[i] > key_start[0]:
        touched.append((int(windows.no_start[i]) - base, int(windows.no_end[i]) - base))
        i -= 1
    return outside, touched[::-1]


def _outside_yes(windows: Windows, volunteer: I64, key_start: I64, key_end: I64) -> Mask:
    """The volunteer has yes-windows, and the shift is not inside their union."""
    restricted = windows.has_yes[volunteer]
    if not restricted.any():
        return restricted
    inside = np.zeros(len(volunteer), bool)  # yes rows, but none near the horizon
    if len(windows.yes_start):
        i = np.searchsorted(windows.yes_start, key_start, side="right") - 1
        inside = (i >= 0) & (windows.yes_end[np.maximum(i, 0)] >= key_end)
    return restricted & ~inside


@dataclass(frozen=True)
class Windows:
    """Merged yes- and no-windows of every volunteer, keyed `volunteer * span + minute`.

    Keys of one volunteer never reach the next one's, so one sorted array
    serves everybody and a single `searchsorted` answers each pair.
    """

    span: int
    has_yes: Mask
    yes_start: I64
    yes_end: I64
    no_start: I64
    no_end: I64


def availability_windows(dataset: Dataset, epoch: dt.datetime) -> Windows:
    _, last = dataset.horizon or (epoch.date(), epoch.date())
    days = (last - epoch.date()).days + 3  # the day before the first, after the last
    span = (days + 2) * 1440
    index = {v.id: i for i, v in enumerate(dataset.volunteers)}
    rows = dataset.availability
    vol = np.array([index[a.volunteer_id] for a in rows], np.int64)
    lo = np.array([a.start_minute for a in rows], np.int64)
    hi = np.array([a.end_minute for a in rows], np.int64)
    yes = np.array([a.available for a in rows], bool)
    day = np.array([(a.date - epoch.date()).days if a.date else -1 for a in rows], np.int64)
    weekday = np.array([-1 if a.weekday is None else a.weekday for a in rows], np.int64)
    vol, day, lo, hi, yes = _occurrences(vol, day, weekday, lo, hi, yes, epoch.date(), days)
    has_yes = np.zeros(len(dataset.volunteers), bool)
    has_yes[vol[yes]] = True
    keep = (day >= 0) & (day < days)
    vol, day, lo, hi, yes = vol[keep], day[keep], lo[keep], hi[keep], yes[keep]
    base = vol * span + day * 1440
    yes_start, yes_end = _union(base[yes] + lo[yes], base[yes] + hi[yes])
    no_start, no_end = _union(base[~yes] + lo[~yes], base[~yes] + hi[~yes])
    return Windows(span, has_yes, yes_start, yes_end, no_start, no_end)


def _occurrences(
    vol: I64,
    day: I64,
    weekday: I64,
    lo: I64,
    hi: I64,
    yes: Mask,
    epoch_day: dt.date,
    days: int,
) -> tuple[I64, I64, I64, I64, Mask]:
    """Weekly rows repeat on their weekday across the horizon; dated rows stay once."""
    weekly = weekday >= 0
    first = (weekday[weekly] - epoch_day.weekday()) % 7
    repeats = np.full(len(first), (days + 6) // 7)
    rows = np.repeat(np.flatnonzero(weekly), repeats)
    offsets = np.repeat(first, repeats) + 7 * ranks(repeats)
    dated = np.flatnonzero(~weekly)
    take = np.concatenate([dated, rows])
    all_days = np.concatenate([day[dated], offsets])
    return vol[take], all_days, lo[take], hi[take], yes[take]


def _union(start: I64, end: I64) -> tuple[I64, I64]:
    """Merge overlapping or touching intervals (half-open, so touching ones join)."""
    if len(start) == 0:
        return start, end
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    reach = np.maximum.accumulate(end)
    new = np.ones(len(start), bool)
    new[1:] = start[1:] > reach[:-1]
    groups = np.flatnonzero(new)
    return start[groups], np.maximum.reduceat(end, groups)


RULE = Rule("availability", 3)
