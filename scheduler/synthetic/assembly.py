"""One dataset's five sheets, each drawn from its own random stream."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduler.synthetic.assumptions import MAX_DISTANCE_KM
from scheduler.synthetic.availability import availability_table
from scheduler.synthetic.facilities import facility_table
from scheduler.synthetic.needs import need_table
from scheduler.synthetic.spec import GeneratorSpec
from scheduler.synthetic.volunteers import volunteer_table, weekly_capacity
from scheduler.synthetic.world import make_world


def generate(spec: GeneratorSpec) -> dict[str, pd.DataFrame]:
    """The sheets facilities, volunteers, availability, needs and rules for `spec`."""
    seeds = np.random.SeedSequence([abs(spec.seed), int(spec.seed < 0)]).spawn(5)
    rngs = [np.random.default_rng(s) for s in seeds]  # one stream per sheet: stable parts
    world = make_world(rngs[0], spec)
    volunteers = volunteer_table(rngs[1], world)
    capacity = weekly_capacity(volunteers) * spec.days / 7
    return {
        "facilities": facility_table(rngs[2], world),
        "volunteers": volunteers,
        "availability": availability_table(rngs[3], world, volunteers["volunteer_id"], spec),
        "needs": need_table(rngs[4], world, capacity, spec),
        "rules": pd.DataFrame({"rule": ["max_distance_km"], "value": [MAX_DISTANCE_KM]}),
    }
