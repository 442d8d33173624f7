"""Rule 5, weekly shift and hour limits: forbidden and allowed cases, solved end to end."""

from __future__ import annotations

import numpy as np
import pytest

from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.rules import weekly_limits
from scheduler.rules.weekly_limits import shift_count_caps
from tests.factories import (
    make_dataset,
    make_need,
    make_volunteer,
)
from tests.rules import faces
from tests.rules.solving import NEXT_MONDAY, SUNDAY, TWO_DAYS, filled, roster

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


# --- the rules' own faces: rows alone, ledgers, vectorised checks ---------------------------


def test_weekly_shift_rows_alone_forbid_a_second_shift_and_allow_next_weeks() -> None:
    needs = [*TWO_DAYS, make_need(id="N3", date=NEXT_MONDAY)]
    dataset = make_dataset(volunteers=[make_volunteer(max_shifts_per_week=1)], needs=needs)
    assert len(faces.solved_with_only(dataset)) == 3
    kept = faces.solved_with_only(dataset, weekly_limits.SHIFTS)
    assert len(kept) == 2 and ("N3", "V1") in kept


def test_weekly_hour_rows_alone_forbid_the_ninth_hour_and_allow_next_weeks() -> None:
    needs = [*TWO_DAYS, make_need(id="N3", date=NEXT_MONDAY)]
    dataset = make_dataset(volunteers=[make_volunteer(max_hours_per_week=15)], needs=needs)
    assert len(faces.solved_with_only(dataset)) == 3
    kept = faces.solved_with_only(dataset, weekly_limits.HOURS)
    assert len(kept) == 2 and ("N3", "V1") in kept


def week_of_eights() -> faces.Calendar:
    """Three 8-hour day shifts, Monday to Wednesday, and one the next Monday."""
    d, h = faces.DAY, faces.HOUR
    return faces.calendar(
        [(k * d + 8 * h, k * d + 16 * h) for k in (0, 1, 2, 7)],
        max_shifts=[2],
        max_hours=[16],
    )


@pytest.mark.parametrize("rule", [weekly_limits.SHIFTS, weekly_limits.HOURS])
def test_weekly_ledgers_forbid_a_full_week_and_allow_the_next(rule) -> None:
    cal = week_of_eights()
    assert faces.ledger_allows(rule, cal, [0], 1)
    assert not faces.ledger_allows(rule, cal, [0, 1], 2)
    assert faces.ledger_allows(rule, cal, [0, 1], 3)


@pytest.mark.parametrize("rule", [weekly_limits.SHIFTS, weekly_limits.HOURS])
def test_weekly_checks_against_a_roster_name_the_weeks_shifts(rule) -> None:
    verdict = faces.blocked(rule, week_of_eights(), [(0, 0), (0, 1)], [(0, 2), (0, 3)])
    assert verdict.pairs.tolist() == [True, False]
    assert verdict.links.tolist() == [True, True, False, False]  # pair 0's links, then pair 1's


def test_weekly_hours_without_a_limit_allow_any_week() -> None:
    cal = faces.calendar([(0, 24 * 60), (24 * 60, 48 * 60)], max_hours=[None])
    assert faces.ledger_allows(weekly_limits.HOURS, cal, [0], 1)
    assert not faces.blocked(weekly_limits.HOURS, cal, [(0, 0)], [(0, 1)]).pairs.any()
