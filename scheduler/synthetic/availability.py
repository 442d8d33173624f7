"""The availability sheet: every form the input allows (weekly habits, dated offers,
dated `no` windows), mixed as volunteers actually give them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduler.synthetic.assumptions import TEMPLATES, WINDOWS, H
from scheduler.synthetic.columns import CLOCK, WEEKDAY_NAMES
from scheduler.synthetic.spec import GeneratorSpec
from scheduler.synthetic.world import World, draw_rows


def availability_table(
    rng: np.random.Generator, world: World, volunteer_id: pd.Series, spec: GeneratorSpec
) -> pd.DataFrame:
    """Weekly habits by profile, dated offers, and dated `no` windows for exams and leave."""
    days = spec.days
    parts = [
        _weekly(rng, world),
        _dated_only(rng, world, days),
        _dated_extra(rng, world, days),
        _exams(rng, world, days),
        _leave(rng, world, days),
    ]
    vol, weekday, offset, start, end, yes = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.lexsort((start, np.where(weekday >= 0, weekday, 7 + offset), vol))
    vol, weekday, offset = vol[order], weekday[order], offset[order]
    dates = (np.datetime64(spec.first_day, "D") + offset).astype(object)
    return pd.DataFrame(
        {
            "volunteer_id": volunteer_id.to_numpy()[vol],
            "day": np.where(weekday >= 0, WEEKDAY_NAMES[np.maximum(weekday, 0)], dates),
            "start": CLOCK[start[order]],
            "end": CLOCK[end[order]],
            "available": np.where(yes[order], "yes", "no").astype(object),
        }
    )


Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _rows(
    vol: np.ndarray,
    weekday: np.ndarray | int,
    offset: np.ndarray | int,
    window: tuple[np.ndarray, np.ndarray],
    yes: bool,
) -> Rows:
    """Availability rows as parallel arrays: volunteer, weekday (-1 dated), day offset, times."""
    n = len(vol)
    return (
        vol,
        np.broadcast_to(weekday, n).astype(int),
        np.broadcast_to(offset, n).astype(int),
        np.broadcast_to(window[0], n).astype(int),
        np.broadcast_to(window[1], n).astype(int),
        np.full(n, yes),
    )


def _window(kind: np.ndarray | int, variant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end minutes of window `variant` (taken modulo the kind's choices)."""
    table = [np.array(w) for w in WINDOWS]
    kind = np.broadcast_to(kind, len(variant))
    start, end = np.zeros(len(variant), int), np.zeros(len(variant), int)
    for k, w in enumerate(table):
        here = kind == k
        start[here], end[here] = w[variant[here] % len(w)].T
    return start, end


def _weekly(rng: np.random.Generator, world: World) -> Rows:
    """Weekly rows from the profile's templates; every such volunteer gets at least one."""
    profile, weekday, kind, prob = TEMPLATES.T
    p = np.where(world.vol_profile[:, None] == profile[None, :], prob[None, :], 0.0)
    hit = rng.random(p.shape) < p
    with np.errstate(divide="ignore"):
        forced = np.argmax(np.log(p) + rng.gumbel(size=p.shape), axis=1)
    lonely = ~hit.any(axis=1) & (p.sum(axis=1) > 0)
    hit[lonely, forced[lonely]] = True
    vol, t = np.nonzero(hit)
    habit = rng.integers(0, 60, (len(world.vol_role), len(WINDOWS)))  # one habit per kind
    k = kind[t].astype(int)
    return _rows(vol, weekday[t], 0, _window(k, habit[vol, k]), True)


def _dated_only(rng: np.random.Generator, world: World, days: int) -> Rows:
    """Profile 4 offers 2-4 particular days only (day, long day or night windows)."""
    vol = np.flatnonzero(world.vol_profile == 4)
    k = np.minimum(rng.integers(2, 5, len(vol)), days)
    ranks = np.argsort(np.argsort(rng.random((len(vol), days)), axis=1), axis=1)
    v, offset = np.nonzero(ranks < k[:, None])
    kind = np.array([4, 3, 1])[draw_rows(rng, np.tile([0.5, 0.3, 0.2], (len(v), 1)))]
    return _rows(vol[v], -1, offset, _window(kind, rng.integers(0, 60, len(v))), True)


def _dated_extra(rng: np.random.Generator, world: World, days: int) -> Rows:
    """10 % of those with weekly habits also offer one particular long day."""
    habits = np.isin(world.vol_profile, (1, 2, 3))
    vol = np.flatnonzero(habits & (rng.random(len(habits)) < 0.10))
    window = _window(3, rng.integers(0, 60, len(vol)))
    return _rows(vol, -1, rng.integers(0, days, len(vol)), window, True)


def _exams(rng: np.random.Generator, world: World, days: int) -> Rows:
    """12 % of students sit an exam: a morning or whole day `no`, half of them two days running."""
    student = np.isin(world.vol_role, (3, 4)) & (rng.random(len(world.vol_role)) < 0.12)
    vol = np.flatnonzero(student)
    first = rng.integers(0, days, len(vol))
    two = (rng.random(len(vol)) < 0.5) & (first + 1 < days)
    vol = np.concatenate([vol, vol[two]])
    offset = np.concatenate([first, first[two] + 1])
    whole = rng.random(len(vol)) < 0.4
    return _rows(vol, -1, offset, (np.where(whole, 0, 8 * H), np.where(whole, 0, 14 * H)), False)


def _leave(rng: np.random.Generator, world: World, days: int) -> Rows:
    """6 % of the others are on leave 2-4 days running: one whole-day `no` row per day."""
    others = ~np.isin(world.vol_role, (3, 4)) & (rng.random(len(world.vol_role)) < 0.06)
    vol = np.flatnonzero(others)
    first = rng.integers(0, days, len(vol))
    length = np.minimum(rng.integers(2, 5, len(vol)), days - first)
    rows = np.repeat(np.arange(len(vol)), length)
    step = np.arange(len(rows)) - np.repeat(np.cumsum(length) - length, length)
    zero = np.zeros(len(rows), int)
    return _rows(vol[rows], -1, first[rows] + step, (zero, zero), False)
