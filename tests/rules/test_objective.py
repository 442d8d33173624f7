"""The objective: priority first, then fair load; the smallest step of coverage."""

from __future__ import annotations

import pytest

from scheduler.engine.parts import coverage_unit
from tests.factories import (
    make_dataset,
    make_need,
    make_volunteer,
    make_window,
)
from tests.rules.solving import TWO_DAYS, days, filled, roster, two_volunteers

# --- objective: priority first, then fair load ------------------------------------------


def test_priority_a_critical_need_is_filled_before_a_low_one() -> None:
    needs = [
        make_need(id="N1", priority=3, start="06:00", end="14:00"),
        make_need(id="N2", priority=1, start="10:00", end="18:00"),
    ]
    dataset = make_dataset(needs=needs)
    assert roster(dataset) == {("N2", "V1")}


def test_priority_one_critical_place_beats_two_low_ones() -> None:
    needs = [
        make_need(id="N1", priority=3, start="06:00", end="10:00"),
        make_need(id="N2", priority=1, start="09:00", end="15:00"),
        make_need(id="N3", priority=3, start="14:00", end="18:00"),
    ]
    dataset = make_dataset(needs=needs, rules={"min_rest_hours": 0})
    assert roster(dataset) == {("N2", "V1")}


@pytest.mark.parametrize(("low_weight", "expected"), [(1.0, {"N2"}), (1.5, {"N1", "N3"})])
def test_priority_fractional_weights_are_summed(low_weight: float, expected: set) -> None:
    needs = [
        make_need(id="N1", priority=3, start="06:00", end="10:00"),
        make_need(id="N2", priority=2, start="09:00", end="15:00"),
        make_need(id="N3", priority=3, start="14:00", end="18:00"),
    ]
    rules = {"min_rest_hours": 0, "weight_priority_2": 2.5, "weight_priority_3": low_weight}
    assert filled(make_dataset(needs=needs, rules=rules)) == expected


def test_fair_load_two_volunteers_get_one_shift_each() -> None:
    dataset = make_dataset(volunteers=two_volunteers(), needs=TWO_DAYS)
    assert sorted(v for _, v in roster(dataset)) == ["V1", "V2"]


def test_fair_load_never_costs_a_filled_place() -> None:
    needs = days("2026-03-02", "2026-03-03", "2026-03-04")
    not_tuesday = [make_window("Tue", "00:00", "00:00", False, volunteer_id="V2")]
    volunteers = [make_volunteer(), make_volunteer(id="V2", max_shifts_per_week=1)]
    dataset = make_dataset(volunteers=volunteers, needs=needs, availability=not_tuesday)
    assert filled(dataset) == {"N1", "N2", "N3"}


def test_fair_load_counts_a_volunteer_with_a_single_possible_shift() -> None:
    only_monday = [make_window("Mon", "08:00", "16:00", volunteer_id="V2")]
    dataset = make_dataset(volunteers=two_volunteers(), needs=TWO_DAYS, availability=only_monday)
    assert roster(dataset) == {("N1", "V2"), ("N2", "V1")}


def test_fair_load_spreads_over_three_volunteers() -> None:
    volunteers = [make_volunteer(id=f"V{i}") for i in (1, 2, 3)]
    dataset = make_dataset(
        volunteers=volunteers, needs=days("2026-03-02", "2026-03-03", "2026-03-04")
    )
    assert sorted(v for _, v in roster(dataset)) == ["V1", "V2", "V3"]


@pytest.mark.parametrize(
    ("weights", "unit"),
    [
        ((100, 10, 1), 1.0),
        ((2.5, 0.5), 0.5),
        ((2.5, 0.5, 0.5), 0.5),
        ((30, 20, 10), 10.0),
        ((0.3, 0.2, 0.1), 0.1),
    ],
)
def test_coverage_unit_is_the_smallest_step_of_coverage(weights: tuple, unit: float) -> None:
    assert coverage_unit(*weights) == pytest.approx(unit)
