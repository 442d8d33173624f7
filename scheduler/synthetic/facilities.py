"""The facilities sheet, with names and addresses that read like a real campaign's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduler.synthetic.columns import ids
from scheduler.synthetic.names import FACILITY_KINDS, STREETS
from scheduler.synthetic.world import World


def facility_table(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """Facilities named by size class after their town, with a street address."""
    n = len(world.fac_region)
    other = world.town_pool[rng.integers(0, len(world.town_pool), n)]
    town = np.where(rng.random(n) < 0.8, world.region_name[world.fac_region], other)
    names = _facility_names(rng, world.fac_region, world.fac_size, town)
    house = rng.integers(1, 160, n)
    street = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)]
    return pd.DataFrame(
        {
            "facility_id": ids("F", n, 3),
            "name": names,
            "region": world.region_name[world.fac_region] + " Region",
            "lat": np.round(world.fac_lat, 5),
            "lon": np.round(world.fac_lon, 5),
            "address": [f"{h} {s} St., {t}" for h, s, t in zip(house, street, town, strict=True)],
        }
    )


def _facility_names(
    rng: np.random.Generator, region: np.ndarray, size: np.ndarray, town: np.ndarray
) -> np.ndarray:
    """A kind by size; unique kinds once per region; numbers only where a town has several."""
    size_class = np.digitize(size, [0.7, 1.6])
    choice = rng.integers(0, 4, len(size)) % np.array([len(k) for k in FACILITY_KINDS])[size_class]
    frame = pd.DataFrame({"region": region, "town": town, "cls": size_class, "kind": choice})
    numbered = np.array(
        [[k.endswith("No.") for k in kinds] + [True] * (4 - len(kinds)) for kinds in FACILITY_KINDS]
    )
    repeat = frame.groupby(["region", "cls", "kind"]).cumcount().to_numpy() > 0
    frame.loc[repeat & ~numbered[size_class, choice], "kind"] = 0  # a second one: the default
    group = frame.groupby(["region", "town", "cls", "kind"])
    number, many = group.cumcount().to_numpy() + 1, group["kind"].transform("size").to_numpy() > 1
    names = []
    for t, c, k, i, m in zip(town, size_class, frame["kind"], number, many, strict=True):
        name = FACILITY_KINDS[c][k].format(town=t)
        names.append(name.removesuffix(" No.") + (f" No. {i}" if m else ""))
    return np.array(names, dtype=object)
