"""The domain's own arithmetic: distances, cover, weeks and windows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scheduler.domain import Availability, Need, RoleTable, Rules
from scheduler.geo import distance_km, distances_km
from tests.factories import make_dataset, make_facility, make_need, make_volunteer, make_window


def test_distance_is_haversine_on_a_6371_km_sphere() -> None:
    # One degree of latitude is 6371 * pi / 180 km on that sphere.
    assert distance_km(55.0, 37.0, 56.0, 37.0) == pytest.approx(111.19492664455873, rel=1e-12)
    assert distance_km(10.0, 20.0, 10.0, 20.0) == 0.0
    # Moscow to Saint Petersburg, about 634 km.
    assert distance_km(55.7558, 37.6173, 59.9343, 30.3351) == pytest.approx(633.0, abs=3)


def test_vectorised_distances_equal_the_scalar_ones() -> None:
    lat = np.array([55.0, 59.9343, -33.9])
    lon = np.array([37.0, 30.3351, 151.2])
    got = distances_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    for i in range(3):
        for j in range(3):
            assert got[i, j] == pytest.approx(
                distance_km(lat[i], lon[i], lat[j], lon[j]), rel=1e-12
            )


def test_every_role_covers_itself_and_cover_is_not_transitive() -> None:
    roles = RoleTable.from_lists({"a": ["b"], "b": ["c"], "c": []})
    assert roles.covers("a", "a") and roles.covers("a", "b")
    assert not roles.covers("a", "c")
    assert roles.fillers("c") == {"b", "c"}


def test_default_cover_table() -> None:
    roles = RoleTable.default()
    assert roles.covers("doctor", "senior_student")
    assert not roles.covers("doctor", "nurse")
    assert not roles.covers("support", "orderly")
    assert roles.fillers("orderly") == {
        "doctor",
        "nurse",
        "paramedic",
        "senior_student",
        "junior_student",
        "orderly",
    }


def test_a_shift_counts_in_the_iso_week_of_its_start_date() -> None:
    sunday_night = Need(
        "n",
        "F",
        dt.date(2026, 3, 8),
        dt.datetime(2026, 3, 8, 22),
        dt.datetime(2026, 3, 9, 6),
        "nurse",
        1,
    )
    assert sunday_night.iso_week == (2026, 10)
    assert sunday_night.hours == 8


def test_a_dated_window_occurs_once_and_a_weekly_one_every_week() -> None:
    dated = Availability("v", 8 * 60, 20 * 60, date=dt.date(2026, 3, 3))
    weekly = Availability("v", 22 * 60, 30 * 60, weekday=6)  # Sunday 22:00 - Monday 06:00
    first, last = dt.date(2026, 3, 2), dt.date(2026, 3, 15)
    assert list(dated.intervals(first, last)) == [
        (dt.datetime(2026, 3, 3, 8), dt.datetime(2026, 3, 3, 20))
    ]
    assert list(dated.intervals(dt.date(2026, 3, 4), last)) == []
    assert [s.date() for s, _ in weekly.intervals(first, last)] == [
        dt.date(2026, 3, 8),
        dt.date(2026, 3, 15),
    ]


def test_rule_weights_by_priority() -> None:
    rules = Rules(weight_priority_3=0.5)
    assert [rules.weight(p) for p in (1, 2, 3)] == [100, 10, 0.5]


def two_regions():
    return make_dataset(
        facilities=[make_facility(), make_facility(id="F2", region="south")],
        volunteers=[make_volunteer(), make_volunteer(id="V2", region="south")],
        needs=[make_need(), make_need(id="N2", facility_id="F2")],
        availability=[make_window("Mon"), make_window("Tue", volunteer_id="V2")],
        rules={"min_rest_hours": 9},
    )


def test_a_restricted_dataset_keeps_the_facilities_needs_and_their_regions_people() -> None:
    part = two_regions().restricted({"F2"})
    assert [f.id for f in part.facilities] == ["F2"]
    assert [n.id for n in part.needs] == ["N2"]
    assert [v.id for v in part.volunteers] == ["V2"]  # V1 works in the north
    assert [a.volunteer_id for a in part.availability] == ["V2"]
    assert part.rules.min_rest_hours == 9


def test_a_restricted_dataset_may_name_its_people() -> None:
    part = two_regions().restricted({"F2"}, volunteer_ids={"V1"})
    assert [v.id for v in part.volunteers] == ["V1"]
    assert [a.volunteer_id for a in part.availability] == ["V1"]
    assert two_regions().restricted(set()).needs == ()


def test_volunteers_who_leave_take_their_availability_and_nothing_else() -> None:
    whole = two_regions()
    left = whole.without_volunteers({"V1", "nobody"})
    assert "V1" not in left.volunteer_by_id and len(left.volunteers) == len(whole.volunteers) - 1
    assert all(a.volunteer_id != "V1" for a in left.availability)
    assert (left.facilities, left.needs, left.rules) == (whole.facilities, whole.needs, whole.rules)
