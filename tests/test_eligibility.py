"""Eligibility judged on the rules' grids is exactly the pairs the independent checker allows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from scheduler.checker import check_roster
from scheduler.domain import Dataset
from scheduler.engine import eligibility
from scheduler.engine.eligibility import build_instance
from scheduler.rules import region_distance
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
    facility = {f.id: i for i, f in enumerate(dataset.facilities)}
    at = np.array([facility[dataset.needs[n].facility_id] for n in pairs.need], np.int64)
    limit = region_distance.distance_limits(dataset)
    km = region_distance.pair_km(dataset, pairs.volunteer.astype(np.int64), at, limit)
    assert np.array_equal(pairs.km, km, equal_nan=True)  # the distance the rule judges, per pair


@pytest.mark.parametrize("cells", [1, 3, 10])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=datasets())
def test_a_region_taken_in_blocks_of_volunteers_gives_the_same_pairs(
    cells: int, dataset: Dataset
) -> None:
    whole = build_instance(dataset).pairs
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(eligibility, "GRID_CELLS", cells)
        blocks = build_instance(dataset).pairs
    assert np.array_equal(whole.volunteer, blocks.volunteer)
    assert np.array_equal(whole.need, blocks.need)
    assert np.array_equal(whole.km, blocks.km, equal_nan=True)
