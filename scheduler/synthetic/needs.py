"""The needs sheet: places that add up to SHORTAGE x the volunteers' capacity, shared
by each region's supply and each facility's size, posted on its shift pattern.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduler.synthetic.assumptions import (
    CRITICAL,
    DEMAND_SHARE,
    FILL,
    LOW,
    MAX_COUNT,
    PATTERN_SHARE,
    ROLE_KIND,
    ROLE_POSTED,
    ROLES,
    SHIFTS,
    SHORTAGE,
    WEEKEND_FACTOR,
)
from scheduler.synthetic.columns import CLOCK, ids
from scheduler.synthetic.spec import GeneratorSpec
from scheduler.synthetic.world import World


def need_table(
    rng: np.random.Generator, world: World, capacity: np.ndarray, spec: GeneratorSpec
) -> pd.DataFrame:
    """Needs whose places add up to SHORTAGE x capacity, shared by region supply and size."""
    target = _facility_targets(rng, world, capacity)
    slots = _slots(rng, world, spec)
    fac = slots["facility"]
    n_slots = np.maximum(np.bincount(fac, minlength=len(target)), 1)
    mean_count = np.clip(target / (FILL * n_slots), 1.6, 4.4)
    rel = slots["weight"] / (np.bincount(fac, slots["weight"], len(target)) / n_slots)[fac]
    extra = np.clip((mean_count[fac] - 1) * np.sqrt(rel) / (MAX_COUNT - 1), 0.0, 0.95)
    count = 1 + rng.binomial(MAX_COUNT - 1, extra)  # 1..5, bigger where more is asked
    target = _rebalance(target, np.bincount(fac, count, len(target)))
    key = np.log(slots["weight"]) + rng.gumbel(size=len(fac))  # weighted draw, no replacement
    order = np.lexsort((-key, fac))
    group_start = np.concatenate([[0], np.cumsum(np.bincount(fac, count, len(target)))])
    before = np.cumsum(count[order]) - count[order] - group_start[fac[order]]
    chosen = np.sort(order[before < target[fac[order]]])  # slots are already in table order
    return _as_table(rng, world, {k: v[chosen] for k, v in slots.items()}, count[chosen], spec)


def _rebalance(target: np.ndarray, possible: np.ndarray) -> np.ndarray:
    """Move what full facilities cannot post to the others, keeping the total demand."""
    total = target.sum()
    for _ in range(4):
        full = target >= possible
        free = target[~full].sum()
        if free == 0 or not full.any():
            break
        scale = (total - possible[full].sum()) / free
        target = np.where(full, possible, np.round(target * scale)).astype(int)
    return target


def _facility_targets(rng: np.random.Generator, world: World, capacity: np.ndarray) -> np.ndarray:
    """Places each facility asks for: its region's supply x SHORTAGE, shared by facility size."""
    n = len(world.region_name)
    region_cap = np.bincount(world.vol_region, weights=capacity, minlength=n)
    region_demand = region_cap * rng.lognormal(0.0, 0.15, n) + 1.0
    region_demand *= SHORTAGE * capacity.sum() / region_demand.sum()
    size_total = np.bincount(world.fac_region, weights=world.fac_size, minlength=n)
    share = world.fac_size / size_total[world.fac_region]
    return np.maximum(np.round(region_demand[world.fac_region] * share), 1).astype(int)


def _slots(rng: np.random.Generator, world: World, spec: GeneratorSpec) -> dict[str, np.ndarray]:
    """Every (facility, day, shift, role) a facility could post, in table order, with a weight."""
    n_fac = len(world.fac_region)
    pattern = rng.choice(len(PATTERN_SHARE), n_fac, p=PATTERN_SHARE)
    asks = rng.random((n_fac, len(ROLES))) < ROLE_POSTED
    asks[:, 1] = True  # every facility asks for nurses
    table = np.full((len(PATTERN_SHARE), 3), -1)
    for p in range(len(PATTERN_SHARE)):
        rows = np.flatnonzero(SHIFTS[:, 0] == p)
        table[p, : len(rows)] = rows[np.argsort(SHIFTS[rows, 1])]  # by start time
    grid = np.meshgrid(
        np.arange(n_fac), np.arange(spec.days), np.arange(3), np.arange(len(ROLES)), indexing="ij"
    )
    f, d, s, r = (a.ravel() for a in grid)
    shift = table[pattern[f], s]
    keep = (shift >= 0) & asks[f, r]
    f, d, shift, r = f[keep], d[keep], shift[keep], r[keep]
    weekend = (spec.first_day.weekday() + d) % 7 >= 5
    weight = DEMAND_SHARE[r] * ROLE_KIND[r, SHIFTS[shift, 3]] * np.where(weekend, WEEKEND_FACTOR, 1)
    return {"facility": f, "day": d, "shift": shift, "role": r, "weight": weight}


def _as_table(
    rng: np.random.Generator,
    world: World,
    slots: dict[str, np.ndarray],
    count: np.ndarray,
    spec: GeneratorSpec,
) -> pd.DataFrame:
    """Needs in the contract's columns, listed by facility, day, shift and role."""
    r, shift = slots["role"], slots["shift"]
    u = rng.random(len(r))
    priority = np.where(u < CRITICAL[r], 1, np.where(u > 1 - LOW[r], 3, 2))
    return pd.DataFrame(
        {
            "need_id": ids("N", len(r), 5),
            "facility_id": ids("F", len(world.fac_region), 3)[slots["facility"]],
            "date": (np.datetime64(spec.first_day, "D") + slots["day"]).astype(object),
            "start": CLOCK[SHIFTS[shift, 1]],
            "end": CLOCK[SHIFTS[shift, 2]],
            "role": np.array(ROLES, dtype=object)[r],
            "count": count.astype(np.int64),
            "priority": priority.astype(np.int64),
        }
    )
