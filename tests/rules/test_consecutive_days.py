"""Rule 6, days in a row: forbidden and allowed cases, solved end to end."""

from __future__ import annotations

from scheduler.rules import consecutive_days
from tests.factories import (
    make_dataset,
    make_need,
    make_volunteer,
)
from tests.rules import faces
from tests.rules.solving import NEXT_MONDAY, SUNDAY, days, filled, roster, two_volunteers

# --- rule 6: consecutive days -----------------------------------------------------------


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


# --- the rule's own faces: rows alone, ledger, vectorised check -----------------------------


def test_consecutive_rows_alone_forbid_the_third_day_and_allow_after_a_day_off() -> None:
    needs = days("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06")
    dataset = make_dataset(needs=needs, rules={"max_consecutive_days": 2})
    assert len(faces.solved_with_only(dataset)) == 4
    kept = faces.solved_with_only(dataset, consecutive_days.RULE)
    assert len(kept) == 3 and ("N4", "V1") in kept


def four_days() -> faces.Calendar:
    d, h = faces.DAY, faces.HOUR
    return faces.calendar([(k * d + 8 * h, k * d + 16 * h) for k in (0, 1, 2, 4)], max_days=2)


def test_consecutive_ledger_forbids_a_run_too_long_and_allows_a_gap() -> None:
    cal = four_days()
    assert not faces.ledger_allows(consecutive_days.RULE, cal, [0, 1], 2)
    assert not faces.ledger_allows(consecutive_days.RULE, cal, [0, 2], 1)  # joins two runs
    assert faces.ledger_allows(consecutive_days.RULE, cal, [0, 1], 3)


def test_consecutive_check_against_a_roster_names_the_run() -> None:
    verdict = faces.blocked(consecutive_days.RULE, four_days(), [(0, 0), (0, 1)], [(0, 2), (0, 3)])
    assert verdict.pairs.tolist() == [True, False]
    assert verdict.links.tolist() == [True, True, False, False]
