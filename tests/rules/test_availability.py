"""Rule 3, availability: forbidden and allowed cases, solved end to end."""

from __future__ import annotations

import datetime as dt

import numpy as np

from scheduler.rules import availability
from tests.factories import (
    make_dataset,
    make_need,
    make_window,
)
from tests.rules.solving import NEXT_MONDAY, roster, two_volunteers

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


# --- the rule's own test --------------------------------------------------------------------


def test_availability_windows_allow_a_shift_inside_and_forbid_one_sticking_out() -> None:
    """On the engine's clock: the epoch is the Sunday before the Monday 2026-03-02."""
    monday = make_window("2026-03-02", "08:00", "16:00")
    tuesday_no = make_window("2026-03-03", "12:00", "13:00", False)
    dataset = make_dataset(availability=[monday, tuesday_no])
    epoch = dt.datetime(2026, 3, 1)
    windows = availability.availability_windows(dataset, epoch)
    day, hour = 24 * 60, 60
    start = np.array([day + 8 * hour, day + 7 * hour, 2 * day + 8 * hour], np.int64)
    end = np.array([day + 16 * hour, day + 16 * hour, 2 * day + 16 * hour], np.int64)
    volunteer = np.zeros(3, np.int64)
    assert availability.available(windows, volunteer, start, end).tolist() == [True, False, False]
