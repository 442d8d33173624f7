"""The country: Zipf-sized regions, facilities around their centres, volunteers near them.

Everything stays in arrays here; the other modules turn a `World` into tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduler.synthetic.assumptions import (
    ANCHORED,
    BOX,
    KM_PER_DEGREE,
    PROFILE_BY_ROLE,
    REGIONS_PER_COUNTRY,
    ROLES,
    SUPPLY_SHARE,
)
from scheduler.synthetic.names import TOWN_ENDS, TOWN_ROOTS
from scheduler.synthetic.spec import GeneratorSpec


@dataclass(frozen=True)
class World:
    """Regions, facilities and volunteers as arrays, before they become tables."""

    region_name: np.ndarray
    region_lat: np.ndarray
    region_lon: np.ndarray
    spread_km: np.ndarray
    fac_region: np.ndarray
    fac_size: np.ndarray
    fac_lat: np.ndarray
    fac_lon: np.ndarray
    vol_region: np.ndarray
    vol_role: np.ndarray
    vol_profile: np.ndarray
    vol_anchor: np.ndarray  # the facility a volunteer lives near, -1 for none
    town_pool: np.ndarray  # smaller towns, for facilities outside the regional capital


def make_world(rng: np.random.Generator, spec: GeneratorSpec) -> World:
    """Zipf-sized regions, facilities around each centre, volunteers near facilities.

    Sizes follow Zipf's law by rank within each block of `REGIONS_PER_COUNTRY`
    regions: a country ten times larger has ten times as many regions of the
    same kinds, not one metropolis ten times the size (which would make its
    hospitals' catchment, and the model, grow with the square of the scale).
    """
    n = spec.region_count
    rank = np.arange(n) % REGIONS_PER_COUNTRY + 1
    weight = rank**-1.0 * rng.lognormal(0.0, 0.3, n)  # a few big metropolitan regions
    lat, lon = rng.uniform(BOX[0], BOX[1], n), rng.uniform(BOX[2], BOX[3], n)
    block = max(min(n, REGIONS_PER_COUNTRY), 2)
    spread = 8.0 + 17.0 * np.log(rank) / np.log(block)  # compact cities, sprawling provinces
    fac_region = np.repeat(np.arange(n), allocate(spec.facilities, weight, minimum=1))
    fac_size = np.clip(rng.lognormal(0.0, 0.6, spec.facilities), 0.3, 3.0)
    fac_lat, fac_lon = scatter(rng, lat[fac_region], lon[fac_region], spread[fac_region])
    vol_weight = weight * rng.lognormal(0.0, 0.2, n)  # supply per demand differs by region
    minimum = 1 if spec.volunteers >= 2 * n else 0
    vol_region = rng.permutation(
        np.repeat(np.arange(n), allocate(spec.volunteers, vol_weight, minimum))
    )
    role = rng.choice(len(ROLES), spec.volunteers, p=SUPPLY_SHARE)
    profile = draw_rows(rng, PROFILE_BY_ROLE[role])
    anchor = pick_facility(rng, vol_region, fac_region, fac_size)
    anchor = np.where(rng.random(spec.volunteers) < ANCHORED, anchor, -1)
    towns = _town_names(rng, n + 100)
    return World(
        towns[:n],
        lat,
        lon,
        spread,
        fac_region,
        fac_size,
        fac_lat,
        fac_lon,
        vol_region,
        role,
        profile,
        anchor,
        towns[n:],
    )


def allocate(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split `total` into integers proportional to `weights`, each at least `minimum`."""
    n = len(weights)
    base = np.full(n, minimum if total >= minimum * n else 0)
    rest = total - int(base.sum())
    share = weights / weights.sum() * rest
    whole = np.floor(share).astype(int)
    order = np.argsort(-(share - whole), kind="stable")
    whole[order[: rest - int(whole.sum())]] += 1
    return base + whole


def draw_rows(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One category per row of a probability matrix (rows sum to 1)."""
    cum = np.cumsum(p, axis=1)
    return np.minimum((rng.random((len(p), 1)) > cum).sum(axis=1), p.shape[1] - 1)


def scatter(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, sigma_km: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Points normally scattered around centres, `sigma_km` per axis."""
    north = rng.normal(0.0, 1.0, len(lat)) * sigma_km
    east = rng.normal(0.0, 1.0, len(lat)) * sigma_km
    return lat + north / KM_PER_DEGREE, lon + east / (KM_PER_DEGREE * np.cos(np.radians(lat)))


def pick_facility(
    rng: np.random.Generator, region: np.ndarray, fac_region: np.ndarray, fac_weight: np.ndarray
) -> np.ndarray:
    """A facility of each given region, drawn in proportion to `fac_weight`."""
    totals = np.bincount(fac_region, weights=fac_weight)
    before = np.concatenate([[0.0], np.cumsum(totals)])[fac_region]
    keys = fac_region + (np.cumsum(fac_weight) - before) / totals[fac_region]  # in (r, r + 1]
    pick = np.searchsorted(keys, region + rng.random(len(region)), side="right")
    return np.minimum(pick, len(fac_weight) - 1)


def _town_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` distinct invented town names; each region is named after its capital."""
    names = np.array([r + e for r in TOWN_ROOTS for e in TOWN_ENDS], dtype=object)
    names = names[rng.permutation(len(names))]
    laps = -(-n // len(names))
    return np.concatenate([names if k == 0 else names + f"-{k + 1}" for k in range(laps)])[:n]
