"""The engine, rule by rule: each hard rule alone on a tiny case it forbids and one it allows.

Every case is solved end to end (`solve`), and every roster is also judged
by the independent checker, so a test fails both when the engine breaks a
rule and when it leaves a place open that the rule does not forbid.
2026-03-02 is a Monday; 2026-03-08 a Sunday, the last day of ISO week 10.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.checker import check_roster, roster_summary
from scheduler.domain import Dataset
from scheduler.engine.parts import coverage_unit
from scheduler.engine.results import Settings
from scheduler.engine.rules import clash_cliques, shift_count_caps
from scheduler.engine.solver import solve
from scheduler.geo import distance_km
from scheduler.outputs.roster_reading import Assignment
from tests.factories import (
    HOSPITAL,
    make_dataset,
    make_facility,
    make_need,
    make_volunteer,
    make_window,
)

SUNDAY = "2026-03-08"
NEXT_MONDAY = "2026-03-09"


def roster(dataset: Dataset) -> set[tuple[str, str]]:
    """The solved roster as {(need_id, volunteer_id)}, after checking it breaks no rule."""
    result = solve(dataset, Settings(time_limit=30))
    assignments = [Assignment(n, v, row) for row, (n, v) in enumerate(result.assignments, 2)]
    assert check_roster(dataset, assignments) == []
    summary = roster_summary(dataset, assignments)
    assert result.weighted_coverage == pytest.approx(summary["weighted_coverage"])
    assert result.weighted_coverage <= result.upper_bound + 1e-6
    return set(result.assignments)


def filled(dataset: Dataset) -> set[str]:
    """The ids of the needs that got somebody."""
    return {need for need, _ in roster(dataset)}


def two_volunteers(**second) -> list:
    return [make_volunteer(), make_volunteer(id="V2", name="Boris", **second)]


# --- rule 1: role cover (eligibility) --------------------------------------------------


def test_role_a_junior_student_is_not_given_a_nurse_place() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(role="junior_student")])
    assert roster(dataset) == set()


def test_role_a_nurse_fills_an_orderly_place() -> None:
    dataset = make_dataset(needs=[make_need(role="orderly")])
    assert roster(dataset) == {("N1", "V1")}


def test_role_cover_is_not_transitive() -> None:
    roles = {"lead": ["helper"], "helper": ["runner"], "runner": []}
    needs = [
        make_need(id="N1", role="runner"),
        make_need(id="N2", role="helper", date="2026-03-03"),
    ]
    dataset = make_dataset(volunteers=[make_volunteer(role="lead")], needs=needs, roles=roles)
    assert roster(dataset) == {("N2", "V1")}


def test_role_picks_the_volunteer_whose_role_covers_the_need() -> None:
    volunteers = [make_volunteer(role="support"), make_volunteer(id="V2", role="doctor")]
    dataset = make_dataset(volunteers=volunteers, needs=[make_need(role="orderly")])
    assert roster(dataset) == {("N1", "V2")}


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


# --- rule 3: availability (eligibility) -------------------------------------------------


def test_availability_a_yes_window_shorter_than_the_shift_is_not_enough() -> None:
    dataset = make_dataset(availability=[make_window("2026-03-02", "08:00", "12:00")])
    assert roster(dataset) == set()


def test_availability_a_yes_window_exactly_the_shift_is_enough() -> None:
    dataset = make_dataset(availability=[make_window("2026-03-02", "08:00", "16:00")])
    assert roster(dataset) == {("N1", "V1")}


def test_availability_a_weekday_row_repeats_every_week() -> None:
    needs = [make_need(id="N1", date=NEXT_MONDAY), make_need(id="N2", date="2026-03-10")]
    dataset = make_dataset(needs=needs, availability=[make_window("Mon", "08:00", "16:00")])
    assert roster(dataset) == {("N1", "V1")}


def test_availability_touching_yes_windows_join_across_midnight() -> None:
    night = make_need(start="20:00", end="04:00")
    windows = [make_window("Mon", "18:00", "24:00"), make_window("Tue", "00:00", "08:00")]
    dataset = make_dataset(needs=[night], availability=windows)
    assert roster(dataset) == {("N1", "V1")}


def test_availability_yes_windows_with_a_gap_do_not_cover_a_night() -> None:
    night = make_need(start="20:00", end="04:00")
    windows = [make_window("Mon", "18:00", "24:00"), make_window("Tue", "01:00", "08:00")]
    dataset = make_dataset(needs=[night], availability=windows)
    assert roster(dataset) == set()


def test_availability_a_window_crossing_midnight_covers_the_next_morning() -> None:
    early = make_need(start="00:00", end="04:00")  # Monday 00:00-04:00, the first day
    dataset = make_dataset(needs=[early], availability=[make_window("Sun", "22:00", "06:00")])
    assert roster(dataset) == {("N1", "V1")}


def test_availability_a_window_crossing_midnight_belongs_to_its_start_day() -> None:
    early = make_need(start="00:00", end="04:00")
    dataset = make_dataset(needs=[early], availability=[make_window("Mon", "22:00", "06:00")])
    assert roster(dataset) == set()


def test_availability_yes_rows_only_outside_the_horizon_leave_no_time() -> None:
    wednesday = make_need(date="2026-03-04")
    dataset = make_dataset(needs=[wednesday], availability=[make_window("Mon", "08:00", "16:00")])
    assert roster(dataset) == set()


def test_availability_a_yes_row_inside_the_horizon_is_used() -> None:
    wednesday = make_need(date="2026-03-04")
    dataset = make_dataset(needs=[wednesday], availability=[make_window("Wed", "08:00", "16:00")])
    assert roster(dataset) == {("N1", "V1")}


def test_availability_a_no_window_inside_the_shift_forbids_it() -> None:
    dataset = make_dataset(availability=[make_window("2026-03-02", "12:00", "13:00", False)])
    assert roster(dataset) == set()


def test_availability_a_no_window_touching_the_shift_end_allows_it() -> None:
    dataset = make_dataset(availability=[make_window("2026-03-02", "16:00", "18:00", False)])
    assert roster(dataset) == {("N1", "V1")}


def test_availability_a_no_window_wins_over_a_yes_window() -> None:
    windows = [make_window("Mon", "00:00", "00:00"), make_window("Mon", "10:00", "11:00", False)]
    dataset = make_dataset(availability=windows)
    assert roster(dataset) == set()


def test_availability_another_volunteers_window_does_not_matter() -> None:
    windows = [make_window("Mon", "12:00", "13:00", False, volunteer_id="V2")]
    dataset = make_dataset(volunteers=two_volunteers(), availability=windows)
    assert roster(dataset) == {("N1", "V1")}


# --- rule 2: capacity -------------------------------------------------------------------


def test_capacity_a_need_for_one_gets_one_of_two_volunteers() -> None:
    dataset = make_dataset(volunteers=two_volunteers())
    assert len(roster(dataset)) == 1


def test_capacity_a_need_for_two_gets_both() -> None:
    dataset = make_dataset(volunteers=two_volunteers(), needs=[make_need(count=2)])
    assert roster(dataset) == {("N1", "V1"), ("N1", "V2")}


def test_capacity_one_volunteer_fills_one_place_of_a_need_at_most() -> None:
    dataset = make_dataset(needs=[make_need(count=3)])
    assert roster(dataset) == {("N1", "V1")}


# --- rule 4: no overlap -----------------------------------------------------------------


def test_overlap_one_volunteer_gets_one_of_two_overlapping_shifts() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", start="12:00", end="20:00")]
    dataset = make_dataset(needs=needs, rules={"min_rest_hours": 0})
    assert len(roster(dataset)) == 1


def test_overlap_touching_shifts_are_both_worked() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", start="16:00", end="24:00")]
    dataset = make_dataset(needs=needs, rules={"min_rest_hours": 0})
    assert roster(dataset) == {("N1", "V1"), ("N2", "V1")}


def test_overlap_a_night_shift_clashes_with_the_next_morning() -> None:
    needs = [
        make_need(id="N1", start="20:00", end="04:00"),
        make_need(id="N2", date="2026-03-03", start="02:00", end="10:00"),
    ]
    dataset = make_dataset(needs=needs, rules={"min_rest_hours": 0})
    assert len(roster(dataset)) == 1


def test_overlap_the_second_volunteer_takes_the_clashing_shift() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", start="12:00", end="20:00")]
    dataset = make_dataset(volunteers=two_volunteers(), needs=needs, rules={"min_rest_hours": 0})
    assert filled(dataset) == {"N1", "N2"}


# --- rule 4: minimum rest ---------------------------------------------------------------

REST_10_5 = [
    make_need(id="N1"),
    make_need(id="N2", date="2026-03-03", start="02:30", end="10:30"),
]  # 16:00 to 02:30: 10.5 h


def test_rest_of_10_5_hours_is_too_short_when_11_are_needed() -> None:
    dataset = make_dataset(needs=REST_10_5, rules={"min_rest_hours": 11})
    assert len(roster(dataset)) == 1


def test_rest_exactly_equal_to_the_minimum_is_allowed() -> None:
    dataset = make_dataset(needs=REST_10_5, rules={"min_rest_hours": 10.5})
    assert roster(dataset) == {("N1", "V1"), ("N2", "V1")}


def test_rest_a_fraction_of_a_minute_short_of_the_minimum_is_too_short() -> None:
    dataset = make_dataset(needs=REST_10_5, rules={"min_rest_hours": 10.505})  # 630.3 minutes
    assert len(roster(dataset)) == 1


def test_rest_is_needed_before_an_earlier_listed_later_shift_too() -> None:
    dataset = make_dataset(needs=REST_10_5[::-1], rules={"min_rest_hours": 10.75})
    assert len(roster(dataset)) == 1


# --- rule 5: weekly shift limit, by ISO week of the start date --------------------------


def test_weekly_shifts_a_limit_of_one_allows_one_shift_in_a_week() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", date=SUNDAY)]  # both ISO week 10
    dataset = make_dataset(volunteers=[make_volunteer(max_shifts_per_week=1)], needs=needs)
    assert len(roster(dataset)) == 1


def test_weekly_shifts_sunday_and_monday_are_different_weeks() -> None:
    needs = [make_need(id="N1", date=SUNDAY), make_need(id="N2", date=NEXT_MONDAY)]
    dataset = make_dataset(volunteers=[make_volunteer(max_shifts_per_week=1)], needs=needs)
    assert roster(dataset) == {("N1", "V1"), ("N2", "V1")}


def test_weekly_shifts_a_sunday_night_counts_in_its_start_week() -> None:
    needs = [
        make_need(id="N1", date="2026-03-07"),  # Saturday
        make_need(id="N2", date=SUNDAY, start="20:00", end="04:00"),
    ]
    dataset = make_dataset(volunteers=[make_volunteer(max_shifts_per_week=1)], needs=needs)
    assert len(roster(dataset)) == 1


def test_weekly_shifts_a_sunday_night_leaves_the_next_week_free() -> None:
    needs = [
        make_need(id="N1", date=SUNDAY, start="20:00", end="04:00"),
        make_need(id="N2", date=NEXT_MONDAY, start="16:00", end="24:00"),
    ]
    dataset = make_dataset(volunteers=[make_volunteer(max_shifts_per_week=1)], needs=needs)
    assert roster(dataset) == {("N1", "V1"), ("N2", "V1")}


def test_weekly_shifts_a_limit_of_zero_means_no_shift() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(max_shifts_per_week=0)])
    assert roster(dataset) == set()


def test_weekly_shifts_the_limit_is_per_volunteer() -> None:
    needs = [make_need(id="N1"), make_need(id="N2", date="2026-03-03")]
    volunteers = [
        make_volunteer(max_shifts_per_week=1),
        make_volunteer(id="V2", max_shifts_per_week=1),
    ]
    dataset = make_dataset(volunteers=volunteers, needs=needs)
    assert filled(dataset) == {"N1", "N2"}


# --- rule 5: weekly hour limit ----------------------------------------------------------

TWO_DAYS = [make_need(id="N1"), make_need(id="N2", date="2026-03-03")]  # 8 h each


def test_weekly_hours_15_do_not_hold_two_8_hour_shifts() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(max_hours_per_week=15)], needs=TWO_DAYS)
    assert len(roster(dataset)) == 1


def test_weekly_hours_16_hold_two_8_hour_shifts() -> None:
    dataset = make_dataset(volunteers=[make_volunteer(max_hours_per_week=16)], needs=TWO_DAYS)
    assert roster(dataset) == {("N1", "V1"), ("N2", "V1")}


def test_weekly_hours_a_shift_longer_than_the_limit_is_never_given() -> None:
    day = make_need(start="08:00", end="08:00")  # 24 h
    dataset = make_dataset(volunteers=[make_volunteer(max_hours_per_week=23.5)], needs=[day])
    assert roster(dataset) == set()


def test_weekly_hours_a_24_hour_shift_fits_a_24_hour_limit() -> None:
    day = make_need(start="08:00", end="08:00")
    dataset = make_dataset(volunteers=[make_volunteer(max_hours_per_week=24)], needs=[day])
    assert roster(dataset) == {("N1", "V1")}


def test_weekly_hours_count_in_the_iso_week_of_the_start() -> None:
    needs = [
        make_need(id="N1", date=SUNDAY, start="20:00", end="08:00"),  # 12 h, week 10
        make_need(id="N2", date=NEXT_MONDAY, start="20:00", end="08:00"),
    ]  # week 11
    dataset = make_dataset(volunteers=[make_volunteer(max_hours_per_week=12)], needs=needs)
    assert roster(dataset) == {("N1", "V1"), ("N2", "V1")}


def test_weekly_hours_the_bound_knows_a_third_of_a_shift_is_no_shift() -> None:
    """20 hours hold 8 + 8 or 8 + 12, never 8 + 8 + 12: the proven bound says two places.

    Without the shift-count rows of the hours rule, the LP relaxation takes a
    third of the 12-hour shift and the bound claims a third of a place more.
    """
    needs = [
        make_need(id="N1"),
        make_need(id="N2", date="2026-03-03"),
        make_need(id="N3", date="2026-03-04", start="08:00", end="20:00"),
    ]
    dataset = make_dataset(volunteers=[make_volunteer(max_hours_per_week=20)], needs=needs)
    result = solve(dataset, Settings(time_limit=30))
    assert len(result.assignments) == 2
    assert result.upper_bound == result.weighted_coverage == 2 * dataset.rules.weight(2)


@pytest.mark.parametrize(
    ("hours", "limit", "caps"),
    [
        ([8, 8, 12], 20, [(8, 2)]),  # two of any; the one 12-hour shift fits alone
        ([8, 8, 8, 12, 12], 30, [(8, 3)]),  # three of any; both 12-hour ones fit together
        ([12, 12, 12], 30, [(12, 2)]),
        ([8, 12, 12, 24], 30, [(8, 2)]),  # no more than two of the longer ones either
        ([8, 8, 12, 12, 12], 28, [(8, 3), (12, 2)]),  # 8 + 8 + 12; but only two of the 12s
        ([8, 12], 20, []),  # everything fits: no cap binds
    ],
)
def test_weekly_hours_shift_count_caps(hours, limit, caps) -> None:
    assert shift_count_caps(np.array(hours, float), float(limit)) == caps


# --- rule 6: consecutive days -----------------------------------------------------------


def days(*dates: str) -> list:
    return [make_need(id=f"N{i}", date=d) for i, d in enumerate(dates, 1)]


def test_consecutive_three_days_in_a_row_break_a_limit_of_two() -> None:
    dataset = make_dataset(
        needs=days("2026-03-02", "2026-03-03", "2026-03-04"), rules={"max_consecutive_days": 2}
    )
    assert len(roster(dataset)) == 2


def test_consecutive_a_day_off_resets_the_run() -> None:
    dataset = make_dataset(
        needs=days("2026-03-02", "2026-03-03", "2026-03-05"), rules={"max_consecutive_days": 2}
    )
    assert len(roster(dataset)) == 3


def test_consecutive_four_days_in_a_row_leave_one_day_off_for_a_limit_of_two() -> None:
    dataset = make_dataset(
        needs=days("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"),
        rules={"max_consecutive_days": 2},
    )
    assert len(roster(dataset)) == 3


def test_consecutive_a_limit_of_one_allows_every_other_day() -> None:
    dataset = make_dataset(
        needs=days("2026-03-02", "2026-03-03", "2026-03-04"), rules={"max_consecutive_days": 1}
    )
    assert roster(dataset) == {("N1", "V1"), ("N3", "V1")}


def test_consecutive_four_days_in_a_row_give_two_shifts_for_a_limit_of_one() -> None:
    dataset = make_dataset(
        needs=days("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"),
        rules={"max_consecutive_days": 1},
    )
    assert len(roster(dataset)) == 2


def test_consecutive_a_run_across_the_week_boundary_counts() -> None:
    volunteer = make_volunteer(max_shifts_per_week=2)
    dataset = make_dataset(
        volunteers=[volunteer],
        needs=days("2026-03-07", SUNDAY, NEXT_MONDAY),
        rules={"max_consecutive_days": 2},
    )
    assert len(roster(dataset)) == 2


def test_consecutive_two_shifts_on_one_day_count_as_one_day() -> None:
    needs = [
        make_need(id="N1", start="06:00", end="10:00"),
        make_need(id="N2", start="12:00", end="16:00"),
        make_need(id="N3", date="2026-03-04"),
    ]
    dataset = make_dataset(needs=needs, rules={"max_consecutive_days": 1, "min_rest_hours": 0})
    assert len(roster(dataset)) == 3


def test_consecutive_days_count_shift_starts_not_nights_spent() -> None:
    needs = [
        make_need(id="N1", start="22:00", end="06:00"),  # Mon night into Tuesday
        make_need(id="N2", date="2026-03-03", start="22:00", end="06:00"),
    ]
    dataset = make_dataset(needs=needs, rules={"max_consecutive_days": 1, "min_rest_hours": 0})
    assert len(roster(dataset)) == 1


def test_consecutive_the_other_volunteer_takes_the_third_day() -> None:
    dataset = make_dataset(
        volunteers=two_volunteers(),
        needs=days("2026-03-02", "2026-03-03", "2026-03-04"),
        rules={"max_consecutive_days": 2},
    )
    assert filled(dataset) == {"N1", "N2", "N3"}


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


# --- building blocks --------------------------------------------------------------------


def cliques(*intervals: tuple[int, int]) -> list[list[int]]:
    start, reach = np.array(intervals, np.int64).T
    return clash_cliques(start, reach)


def test_clash_cliques_touching_intervals_do_not_clash() -> None:
    assert cliques((0, 10), (10, 20)) == []


def test_clash_cliques_three_mutually_overlapping_make_one_clique() -> None:
    assert cliques((0, 10), (1, 10), (2, 12)) == [[0, 1, 2]]


def test_clash_cliques_a_chain_makes_two_cliques() -> None:
    assert cliques((0, 10), (5, 15), (12, 20)) == [[0, 1], [1, 2]]


def test_clash_cliques_a_long_interval_clashes_with_each_short_one() -> None:
    assert cliques((0, 100), (10, 20), (30, 40)) == [[0, 1], [0, 2]]


def test_clash_cliques_alone_or_apart_make_none() -> None:
    assert cliques((0, 10)) == []
    assert cliques((0, 10), (20, 30), (40, 50)) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 30)), max_size=12))
def test_clash_cliques_cover_every_clashing_pair_and_nothing_else(intervals) -> None:
    intervals.sort()
    start = np.array([s for s, _ in intervals], np.int64)
    reach = start + np.array([n for _, n in intervals], np.int64)
    found = clash_cliques(start, reach)
    together = {(i, j) for c in found for i in c for j in c if i < j}
    clashing = {
        (i, j)
        for i in range(len(start))
        for j in range(i + 1, len(start))
        if start[j] < reach[i] and start[i] < reach[j]
    }
    assert together == clashing


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
