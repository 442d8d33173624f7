"""Rule 7, region and distance: forbidden and allowed cases, solved end to end."""

from __future__ import annotations

import numpy as np

from scheduler.geo import distance_km
from scheduler.rules import region_distance
from tests.factories import (
    HOSPITAL,
    make_dataset,
    make_facility,
    make_need,
    make_volunteer,
)
from tests.rules.solving import roster

# --- rule 7: region and distance (eligibility) ------------------------------------------


def test_region_a_volunteer_of_another_region_is_not_sent() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(region="south", lat=None, lon=None)])
    assert roster(dataset) == set()


def test_region_a_volunteer_of_the_same_region_is_sent() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(lat=None, lon=None)])
    assert roster(dataset) == {("N1", "V1")}


FAR = (HOSPITAL[0] + 0.5, HOSPITAL[1])  # about 55.6 km north of the hospital


def test_distance_beyond_the_rule_limit_is_not_sent() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(lat=FAR[0], lon=FAR[1])])
    assert roster(dataset) == set()


def test_distance_within_a_raised_rule_limit_is_sent() -> None:
    dataset = make_dataset(
        volunteers=[make_volunteer(lat=FAR[0], lon=FAR[1])], rules={"max_distance_km": 60}
    )
    assert roster(dataset) == {("N1", "V1")}


def test_distance_the_volunteers_own_limit_overrides_the_rule() -> None:
    far_ok = make_volunteer(lat=FAR[0], lon=FAR[1], max_distance_km=60)
    near_no = make_volunteer(id="V2", max_distance_km=1)  # home is about 1.6 km away
    dataset = make_dataset(volunteers=[far_ok, near_no], needs=[make_need(count=2)])
    assert roster(dataset) == {("N1", "V1")}


def test_distance_equal_to_the_limit_is_allowed() -> None:
    km = distance_km(*FAR, *HOSPITAL)
    dataset = make_dataset(volunteers=[make_volunteer(lat=FAR[0], lon=FAR[1], max_distance_km=km)])
    assert roster(dataset) == {("N1", "V1")}


def test_distance_is_not_limited_without_coordinates() -> None:
    dataset = make_dataset(
        facilities=[make_facility(lat=None, lon=None)],
        volunteers=[make_volunteer(lat=FAR[0], lon=FAR[1])],
    )
    assert roster(dataset) == {("N1", "V1")}


# --- the rule's own test --------------------------------------------------------------------


def test_distance_limits_allow_up_to_the_limit_and_forbid_beyond() -> None:
    volunteers = [make_volunteer(), make_volunteer(id="V2", max_distance_km=5)]
    dataset = make_dataset(volunteers=volunteers, rules={"max_distance_km": 30})
    limit = region_distance.distance_limits(dataset)
    assert limit.tolist() == [30, 5]
    km = np.array([30.0, 30.000001, float("nan"), 5.0])
    assert region_distance.near(km, np.array([30, 30, 5, 5.0])).tolist() == [
        True,
        False,
        True,
        True,
    ]
