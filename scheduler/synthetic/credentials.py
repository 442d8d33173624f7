"""Red zones and the credentials they ask for: which needs require a PCR test and red-zone
training, and who holds them, when.

As in the campaign this models: some hospitals run a red zone (a COVID
ward); every shift there requires a recent PCR test and red-zone training.
Training lasts the season; a test is valid for a week and most people renew
it on the day it runs out, so a good share of tests expire inside the
horizon and some are not renewed (the volunteer drops out of the red zone
mid-week). Drawn from a stream of their own, so the other sheets stay as
they were for the same seed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from scheduler.synthetic.spec import GeneratorSpec
from scheduler.synthetic.world import World

RED_ZONE_SHARE = 0.15  # of facilities, at least one where there are three or more
TRAINED_SHARE = 0.55  # of the volunteers of a region with a red zone
TRAINING_LAPSES = 0.04  # of the trained: training ends inside the horizon (not renewed)
TEST_DAYS = 7  # a PCR test counts on the day it is taken and the six after
RENEWED = 0.8  # of tests that run out inside the horizon: renewed on the next day
PCR_TEST, TRAINING = "pcr_test", "red_zone_training"
REQUIRES = f"{PCR_TEST}; {TRAINING}"


def red_zones(rng: np.random.Generator, world: World) -> np.ndarray:
    """A mask over facilities: those running a red zone."""
    n = len(world.fac_region)
    chosen = rng.random(n) < RED_ZONE_SHARE
    if n >= 3 and not chosen.any():
        chosen[rng.integers(n)] = True
    return chosen


def requires_column(needs: pd.DataFrame, red: np.ndarray) -> pd.Series:
    """The needs' `requires`: both credentials at a red-zone facility, nothing elsewhere."""
    facility = needs["facility_id"].str[1:].astype(int).to_numpy() - 1
    return pd.Series(np.where(red[facility], REQUIRES, ""), index=needs.index, dtype=object)


def credential_table(
    rng: np.random.Generator,
    world: World,
    volunteer_ids: pd.Series,
    red: np.ndarray,
    spec: GeneratorSpec,
) -> pd.DataFrame:
    """The credentials sheet: training and weekly tests of volunteers near a red zone."""
    regions = np.unique(world.fac_region[red])
    near = np.isin(world.vol_region, regions)
    trained = np.flatnonzero(near & (rng.random(len(near)) < TRAINED_SHARE))
    first, last = spec.first_day, spec.first_day + dt.timedelta(days=spec.days - 1)
    rows: list[tuple[str, str, dt.date | None, dt.date | None]] = []
    for v in trained.tolist():
        who = str(volunteer_ids.iloc[v])
        since = first - dt.timedelta(days=int(rng.integers(30, 200)))
        lapses = rng.random() < TRAINING_LAPSES
        until = first + dt.timedelta(days=int(rng.integers(0, spec.days))) if lapses else None
        rows.append((who, TRAINING, since, until))
        taken = first - dt.timedelta(days=int(rng.integers(0, TEST_DAYS)))
        while taken <= last:
            runs_out = taken + dt.timedelta(days=TEST_DAYS - 1)
            rows.append((who, PCR_TEST, taken, runs_out))
            if runs_out >= last or rng.random() >= RENEWED:
                break
            taken = runs_out + dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=["volunteer_id", "credential", "valid_from", "valid_until"])
