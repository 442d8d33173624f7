"""Eligibility judged on the rules' grids is exactly the pairs the independent checker allows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from scheduler.checker import check_roster
from scheduler.domain import Dataset
from scheduler.engine import eligibility
from scheduler.engine.eligibility import build_instance
from tests.test_solve import as_roster, datasets


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=datasets())
def test_a_pair_is_eligible_exactly_when_the_checker_allows_it_alone(dataset: Dataset) -> None:
    pairs = build_instance(dataset).pairs
    eligible = {
        (dataset.needs[n].id, dataset.volunteers[v].id)
        for v, n in zip(pairs.volunteer.tolist(), pairs.need.tolist(), strict=True)
    }
    for need in dataset.needs:
        for volunteer in dataset.volunteers:
            alone = as_roster([(need.id, volunteer.id)])
            allowed = check_roster(dataset, alone) == []
            assert ((need.id, volunteer.id) in eligible) == allowed, (need, volunteer)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=datasets())
def test_a_region_taken_one_volunteer_at_a_time_gives_the_same_pairs(dataset: Dataset) -> None:
    whole = build_instance(dataset).pairs
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(eligibility, "GRID_CELLS", 1)
        blocks = build_instance(dataset).pairs
    assert np.array_equal(whole.volunteer, blocks.volunteer)
    assert np.array_equal(whole.need, blocks.need)
    assert np.array_equal(whole.km, blocks.km, equal_nan=True)
