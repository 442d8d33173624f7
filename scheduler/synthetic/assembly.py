"""One dataset's sheets, each drawn from its own random stream."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduler.synthetic.assumptions import MAX_DISTANCE_KM
from scheduler.synthetic.availability import availability_table
from scheduler.synthetic.credentials import credential_table, red_zones, requires_column
from scheduler.synthetic.facilities import facility_table
from scheduler.synthetic.needs import need_table
from scheduler.synthetic.spec import GeneratorSpec
from scheduler.synthetic.volunteers import volunteer_table, weekly_capacity
from scheduler.synthetic.world import make_world


def generate(spec: GeneratorSpec) -> dict[str, pd.DataFrame]:
    """The sheets facilities, volunteers, availability, needs, credentials and rules for `spec`.

    A stream per sheet: adding one (the credentials came later) leaves the
    others as they were for the same seed.
    """
    seeds = np.random.SeedSequence([abs(spec.seed), int(spec.seed < 0)]).spawn(6)
    rngs = [np.random.default_rng(s) for s in seeds]  # one stream per sheet: stable parts
    world = make_world(rngs[0], spec)
    volunteers = volunteer_table(rngs[1], world)
    capacity = weekly_capacity(volunteers) * spec.days / 7
    needs = need_table(rngs[4], world, capacity, spec)
    red = red_zones(rngs[5], world)
    needs["requires"] = requires_column(needs, red)
    return {
        "facilities": facility_table(rngs[2], world),
        "volunteers": volunteers,
        "availability": availability_table(rngs[3], world, volunteers["volunteer_id"], spec),
        "needs": needs,
        "credentials": credential_table(rngs[5], world, volunteers["volunteer_id"], red, spec),
        "rules": pd.DataFrame({"rule": ["max_distance_km"], "value": [MAX_DISTANCE_KM]}),
    }
