"""The volunteers sheet: homes, limits, preferences and contact details, and what
they may work in a week.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.arrays import IntegerArray

from scheduler.synthetic.assumptions import FEMALE, ROLES, SHIFT_LIMIT_P, SHIFT_LIMITS
from scheduler.synthetic.columns import BLANK, ids
from scheduler.synthetic.names import CYRILLIC, FEMALE_NAMES, MALE, SURNAMES, SURNAMES_F
from scheduler.synthetic.world import World, draw_rows, pick_facility, scatter


def weekly_capacity(volunteers: pd.DataFrame) -> np.ndarray:
    """Shifts each volunteer may work a week: the shift limit, or fewer 8 h shifts by hours."""
    shifts = volunteers["max_shifts_per_week"].astype("Float64").fillna(3).to_numpy(float)
    hours = volunteers["max_hours_per_week"].astype("Float64").to_numpy(float, na_value=np.nan)
    return np.minimum(shifts, np.where(np.isnan(hours), np.inf, np.floor(hours / 8)))


def volunteer_table(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """Volunteers with homes, limits, preferences and contact details for some."""
    n = len(world.vol_region)
    lat, lon = _homes(rng, world)
    names, emails = _person_names(rng, world.vol_role)
    shifts = pd.array(SHIFT_LIMITS[draw_rows(rng, SHIFT_LIMIT_P[world.vol_profile])], dtype="Int64")
    shifts[(shifts == 3).to_numpy(bool) & (rng.random(n) < 0.3)] = pd.NA  # blank means 3
    hour_p = np.where(world.vol_profile == 2, 0.30, 0.15)
    hours = _sometimes(rng, hour_p, np.array([16, 20, 24, 30, 36, 40, 48]))
    distance = _sometimes(rng, np.full(n, 0.05), np.array([10, 15, 20, 25, 40, 50]))
    digits = rng.integers(0, [100, 1000, 100, 100], (n, 4))
    phone = [f"+7 9{a:02d} {b:03d}-{c:02d}-{d:02d}" for a, b, c, d in digits]
    return pd.DataFrame(
        {
            "volunteer_id": ids("V", n, 5),
            "name": names,
            "role": np.array(ROLES, dtype=object)[world.vol_role],
            "region": world.region_name[world.vol_region] + " Region",
            "lat": lat,
            "lon": lon,
            "max_shifts_per_week": shifts,
            "max_hours_per_week": hours,
            "max_distance_km": distance,
            "preferred_facilities": _preferences(rng, world),
            "email": np.where(rng.random(n) < 0.65, emails, BLANK),
            "phone": np.where(rng.random(n) < 0.55, np.array(phone, dtype=object), BLANK),
        }
    )


def _homes(rng: np.random.Generator, world: World) -> tuple[np.ndarray, np.ndarray]:
    """Homes near the anchor facility (6 km per axis) or anywhere in a wide region circle."""
    anchored = world.vol_anchor >= 0
    a = np.maximum(world.vol_anchor, 0)
    r = world.vol_region
    lat0 = np.where(anchored, world.fac_lat[a], world.region_lat[r])
    lon0 = np.where(anchored, world.fac_lon[a], world.region_lon[r])
    sigma = np.where(anchored, 6.0, 1.6 * world.spread_km[r] + 8.0)
    lat, lon = scatter(rng, lat0, lon0, sigma)
    unknown = rng.random(len(r)) < 0.02  # a few gave no address
    return np.round(np.where(unknown, np.nan, lat), 4), np.round(np.where(unknown, np.nan, lon), 4)


def _sometimes(rng: np.random.Generator, p: np.ndarray, values: np.ndarray) -> IntegerArray:
    """A value drawn from `values` with probability `p` per row, else blank."""
    drawn = pd.array(values[rng.integers(0, len(values), len(p))], dtype="Int64")
    drawn[rng.random(len(p)) >= p] = pd.NA
    return drawn


def _person_names(rng: np.random.Generator, role: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Full names (about 5 % in Cyrillic) and matching ASCII e-mail addresses."""
    n = len(role)
    female = rng.random(n) < FEMALE[role]
    women = np.array(FEMALE_NAMES, dtype=object)[rng.integers(0, len(FEMALE_NAMES), n)]
    first = np.where(female, women, np.array(MALE, dtype=object)[rng.integers(0, len(MALE), n)])
    k = rng.integers(0, len(SURNAMES), n)
    last = np.where(
        female, np.array(SURNAMES_F, dtype=object)[k], np.array(SURNAMES, dtype=object)[k]
    )
    cyr = np.array(CYRILLIC, dtype=object)
    i, j = rng.integers(0, len(CYRILLIC), n), rng.integers(0, len(CYRILLIC), n)
    cyrillic = rng.random(n) < 0.05
    ending = np.where(female, "а", "")  # Cyrillic a
    latin_first = np.where(cyrillic, np.where(female, cyr[i, 4], cyr[i, 3]), first)
    latin_last = np.where(cyrillic, cyr[j, 5] + np.where(female, "a", ""), last)
    first = np.where(cyrillic, np.where(female, cyr[i, 1], cyr[i, 0]), first)
    last = np.where(cyrillic, cyr[j, 2] + ending, last)
    digits = rng.integers(1, 100, n)
    emails = [
        f"{f}.{s}{d}@example.org".lower()
        for f, s, d in zip(latin_first, latin_last, digits, strict=True)
    ]
    return first + " " + last, np.array(emails, dtype=object)


def _preferences(rng: np.random.Generator, world: World) -> np.ndarray:
    """For 15 %: the facility near home (or one of the region), for some a second one."""
    n = len(world.vol_region)
    ones = np.ones(len(world.fac_region))
    first = np.where(
        world.vol_anchor >= 0,
        world.vol_anchor,
        pick_facility(rng, world.vol_region, world.fac_region, ones),
    )
    second = pick_facility(rng, world.vol_region, world.fac_region, ones)
    fid = ids("F", len(world.fac_region), 3)
    both = fid[first] + ";" + fid[second]
    text = np.where((rng.random(n) < 0.3) & (second != first), both, fid[first])
    return np.where(rng.random(n) < 0.15, text, BLANK)
