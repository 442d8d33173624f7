"""The roster checker: each hard rule alone, on tiny hand-made cases, and reading rosters back.

Every rule has a roster it alone forbids (exactly that violation is
reported) and one it allows (nothing is reported). 2026-03-02 is a Monday.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduler.checker import Violation, check_roster, roster_summary
from scheduler.domain import (
    Availability,
    Dataset,
    Need,
    Priority,
    RoleTable,
    Rules,
)
from scheduler.geo import distance_km
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster_reading import Assignment, read_assignments
from scheduler.problems import InvalidInput
from tests.broken.make_cases import base, save_xlsx
from tests.factories import make_facility, make_volunteer

MON = dt.date(2026, 3, 2)
HOME = (55.76, 37.60)
HOSPITAL = (55.75, 37.62)
WEEKDAY = {name: i for i, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))}


# --- factories --------------------------------------------------------------------------


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def make_need(
    id: str = "N1", day: int | dt.date = 0, start: str = "08:00", end: str = "16:00", **overrides
) -> Need:
    """A need on MON + `day` days (or on a date), times as HH:MM; end <= start runs overnight."""
    date = day if isinstance(day, dt.date) else MON + dt.timedelta(days=day)
    first, last = _minutes(start), _minutes(end)
    if last <= first:
        last += 1440
    midnight = dt.datetime.combine(date, dt.time())
    values = dict(facility_id="F1", role="nurse", count=1)
    return Need(
        id,
        date=date,
        start=midnight + dt.timedelta(minutes=first),
        end=midnight + dt.timedelta(minutes=last),
        **(values | overrides),
    )


def window(
    day: str | dt.date, start: str, end: str, available: bool = True, volunteer_id: str = "V1"
) -> Availability:
    first, last = _minutes(start), _minutes(end)
    if last <= first:
        last += 1440
    if isinstance(day, dt.date):
        return Availability(volunteer_id, first, last, available, date=day)
    return Availability(volunteer_id, first, last, available, weekday=WEEKDAY[day])


def make_dataset(
    needs=(), volunteers=None, availability=(), facilities=None, **overrides
) -> Dataset:
    return Dataset(
        facilities=tuple(facilities or [make_facility()]),
        volunteers=tuple(volunteers or [make_volunteer()]),
        needs=tuple(needs),
        availability=tuple(availability),
        **overrides,
    )


def roster(*pairs: tuple[str, str]) -> list[Assignment]:
    """Assignments from (need_id, volunteer_id), in rows 2, 3, …"""
    return [Assignment(n, v, row) for row, (n, v) in enumerate(pairs, start=2)]


def broken_rules(dataset: Dataset, assignments: list[Assignment]) -> list[int]:
    return [v.rule for v in check_roster(dataset, assignments)]


# --- rule 1: role ---------------------------------------------------------------------


def test_role_a_junior_student_cannot_fill_a_nurse_place() -> None:
    dataset = make_dataset([make_need()], [make_volunteer(role="junior_student")])
    [violation] = check_roster(dataset, roster(("N1", "V1")))
    assert violation.rule == 1 and violation.rows == (2,)
    assert "V1 is a junior_student and cannot fill N1, a nurse place" in violation.message


def test_role_a_nurse_may_fill_an_orderly_place() -> None:
    dataset = make_dataset([make_need(role="orderly")])
    assert check_roster(dataset, roster(("N1", "V1"))) == []


def test_role_cover_is_not_transitive() -> None:
    roles = RoleTable.from_lists({"lead": ["helper"], "helper": ["runner"], "runner": []})
    needs = [make_need("N1", role="runner"), make_need("N2", day=1, role="helper")]
    dataset = make_dataset(needs, [make_volunteer(role="lead")], roles=roles)
    assert broken_rules(dataset, roster(("N1", "V1"))) == [1]
    assert broken_rules(dataset, roster(("N2", "V1"))) == []


def test_role_a_row_naming_an_unknown_need_or_volunteer_breaks_rule_1_only() -> None:
    dataset = make_dataset([make_need()])
    assert broken_rules(dataset, roster(("N9", "V1"), ("N1", "V9"))) == [1, 1]


# --- rule 2: capacity -----------------------------------------------------------------


def test_capacity_a_need_for_one_gets_two() -> None:
    volunteers = [make_volunteer(), make_volunteer(id="V2")]
    dataset = make_dataset([make_need(count=1)], volunteers)
    [violation] = check_roster(dataset, roster(("N1", "V1"), ("N1", "V2")))
    assert violation.rule == 2 and violation.rows == (2, 3)
    assert "wants 1 volunteer(s) and has 2: V1, V2" in violation.message


def test_capacity_a_need_for_two_gets_two() -> None:
    volunteers = [make_volunteer(), make_volunteer(id="V2")]
    dataset = make_dataset([make_need(count=2)], volunteers)
    assert check_roster(dataset, roster(("N1", "V1"), ("N1", "V2"))) == []


def test_capacity_the_same_volunteer_twice_on_one_need() -> None:
    dataset = make_dataset([make_need(count=2)])
    [violation] = check_roster(dataset, roster(("N1", "V1"), ("N1", "V1")))
    assert violation.rule == 2 and violation.rows == (2, 3)  # not also an overlap (rule 4)
    assert "V1 is assigned to N1 2 times" in violation.message


# --- rule 3: availability ---------------------------------------------------------------


def test_availability_a_shift_longer_than_the_yes_window() -> None:
    dataset = make_dataset(
        [make_need(start="08:00", end="16:00")], availability=[window("Mon", "08:00", "12:00")]
    )
    [violation] = check_roster(dataset, roster(("N1", "V1")))
    assert violation.rule == 3
    assert "available only 2026-03-02 08:00-12:00 then" in violation.message


def test_availability_a_shift_inside_a_dated_yes_window() -> None:
    dataset = make_dataset(
        [make_need(start="08:00", end="16:00")], availability=[window(MON, "07:00", "16:00")]
    )
    assert check_roster(dataset, roster(("N1", "V1"))) == []


def test_availability_a_yes_window_on_another_day_does_not_help() -> None:
    dataset = make_dataset([make_need()], availability=[window("Tue", "00:00", "00:00")])
    assert broken_rules(dataset, roster(("N1", "V1"))) == [3]


def test_availability_a_shift_ending_when_a_no_window_starts() -> None:
    dataset = make_dataset(
        [make_need(start="08:00", end="16:00")],
        availability=[window(MON, "16:00", "20:00", available=False)],
    )
    assert check_roster(dataset, roster(("N1", "V1"))) == []


def test_availability_a_shift_overlapping_a_no_window() -> None:
    dataset = make_dataset(
        [make_need(start="08:00", end="16:00")],
        availability=[window("Mon", "15:59", "20:00", available=False)],
    )
    [violation] = check_roster(dataset, roster(("N1", "V1")))
    assert violation.rule == 3 and "(a 'no' window)" in violation.message


def test_availability_a_no_window_beats_a_yes_window() -> None:
    dataset = make_dataset(
        [make_need()],
        availability=[
            window("Mon", "00:00", "00:00"),
            window(MON, "12:00", "13:00", available=False),
        ],
    )
    assert broken_rules(dataset, roster(("N1", "V1"))) == [3]


def test_availability_touching_yes_windows_join_across_midnight() -> None:
    dataset = make_dataset(
        [make_need(start="22:00", end="06:00")],
        availability=[window("Mon", "18:00", "24:00"), window("Tue", "00:00", "08:00")],
    )
    assert check_roster(dataset, roster(("N1", "V1"))) == []


def test_availability_windows_with_a_gap_do_not_join() -> None:
    dataset = make_dataset(
        [make_need(start="22:00", end="06:00")],
        availability=[window("Mon", "18:00", "23:59"), window("Tue", "00:00", "08:00")],
    )
    assert broken_rules(dataset, roster(("N1", "V1"))) == [3]


def test_availability_a_sunday_night_window_covers_monday_morning() -> None:
    dataset = make_dataset(
        [make_need(start="00:00", end="05:00")], availability=[window("Sun", "22:00", "06:00")]
    )
    assert check_roster(dataset, roster(("N1", "V1"))) == []


def test_availability_a_weekly_window_repeats_every_week() -> None:
    dataset = make_dataset([make_need(day=14)], availability=[window("Mon", "08:00", "16:00")])
    assert check_roster(dataset, roster(("N1", "V1"))) == []


def test_availability_only_no_rows_leaves_the_rest_of_the_time_open() -> None:
    dataset = make_dataset(
        [make_need()], availability=[window("Tue", "00:00", "00:00", available=False)]
    )
    assert check_roster(dataset, roster(("N1", "V1"))) == []


# --- rule 4: rest ---------------------------------------------------------------------


def test_rest_10_and_a_half_hours_is_too_little() -> None:
    needs = [
        make_need("N1", start="08:00", end="16:00"),
        make_need("N2", day=1, start="02:30", end="08:00"),
    ]
    dataset = make_dataset(needs, rules=Rules(min_rest_hours=11))
    [violation] = check_roster(dataset, roster(("N1", "V1"), ("N2", "V1")))
    assert violation.rule == 4 and violation.rows == (2, 3)
    assert violation.message == (
        "V1 works N1 (2026-03-02 08:00-16:00) and N2 (2026-03-03 "
        "02:30-08:00), with 10.5 h between them; at least 11 h are needed"
    )


def test_rest_exactly_11_hours_is_enough() -> None:
    needs = [
        make_need("N1", start="08:00", end="16:00"),
        make_need("N2", day=1, start="03:00", end="08:00"),
    ]
    dataset = make_dataset(needs, rules=Rules(min_rest_hours=11))
    assert check_roster(dataset, roster(("N2", "V1"), ("N1", "V1"))) == []


def test_rest_overlapping_shifts_at_two_facilities() -> None:
    facilities = [make_facility(), make_facility(id="F2")]
    needs = [
        make_need("N1", start="08:00", end="16:00"),
        make_need("N2", start="12:00", end="20:00", facility_id="F2"),
    ]
    dataset = make_dataset(needs, facilities=facilities, rules=Rules(min_rest_hours=0))
    [violation] = check_roster(dataset, roster(("N1", "V1"), ("N2", "V1")))
    assert violation.rule == 4 and violation.message.endswith("which overlap")


def test_rest_zero_allows_back_to_back_shifts() -> None:
    needs = [
        make_need("N1", start="08:00", end="16:00"),
        make_need("N2", start="16:00", end="23:00"),
    ]
    dataset = make_dataset(needs, rules=Rules(min_rest_hours=0))
    assert check_roster(dataset, roster(("N1", "V1"), ("N2", "V1"))) == []


def test_rest_a_long_shift_is_checked_against_every_later_one() -> None:
    needs = [
        make_need("N1", start="08:00", end="08:00"),
        make_need("N2", start="10:00", end="11:00"),
        make_need("N3", start="11:30", end="12:00"),
    ]
    dataset = make_dataset(needs, rules=Rules(min_rest_hours=1))
    pairs = [
        v.rows for v in check_roster(dataset, roster(("N1", "V1"), ("N2", "V1"), ("N3", "V1")))
    ]
    assert pairs == [(2, 3), (2, 4), (3, 4)]


# --- rule 5: weekly limits --------------------------------------------------------------


def test_weekly_three_shifts_in_one_iso_week_with_a_limit_of_two() -> None:
    needs = [make_need("N1", day=4), make_need("N2", day=5), make_need("N3", day=6)]  # Fri-Sun
    dataset = make_dataset(needs, [make_volunteer(max_shifts_per_week=2)])
    [violation] = check_roster(dataset, roster(("N1", "V1"), ("N2", "V1"), ("N3", "V1")))
    assert violation.rule == 5 and violation.rows == (2, 3, 4)
    assert "3 shifts in ISO week 2026-W10 (2026-03-02 to 2026-03-08)" in violation.message


def test_weekly_monday_starts_a_new_iso_week() -> None:
    needs = [make_need("N1", day=4), make_need("N2", day=5), make_need("N3", day=7)]  # Fri-Mon
    dataset = make_dataset(needs, [make_volunteer(max_shifts_per_week=2)])
    assert check_roster(dataset, roster(("N1", "V1"), ("N2", "V1"), ("N3", "V1"))) == []


def test_weekly_a_sunday_night_counts_wholly_in_its_start_week() -> None:
    needs = [
        make_need("N1", day=6, start="20:00", end="08:00"),  # Sun 20:00 - Mon 08:00: 12 h
        make_need("N2", day=7, start="20:00", end="08:00"),
    ]
    dataset = make_dataset(needs, [make_volunteer(max_hours_per_week=12)])
    assert check_roster(dataset, roster(("N1", "V1"), ("N2", "V1"))) == []


def test_weekly_hours_above_the_limit() -> None:
    needs = [make_need("N1", day=0), make_need("N2", day=1), make_need("N3", day=2)]
    dataset = make_dataset(needs, [make_volunteer(max_hours_per_week=20)])
    [violation] = check_roster(dataset, roster(("N1", "V1"), ("N2", "V1"), ("N3", "V1")))
    assert violation.rule == 5 and "works 24 h in ISO week 2026-W10" in violation.message


def test_weekly_hours_equal_to_the_limit_in_odd_minutes() -> None:
    needs = [make_need(f"N{d}", day=d, start="08:00", end="16:20") for d in range(3)]
    dataset = make_dataset(needs, [make_volunteer(max_hours_per_week=25)])  # 3 x 8 h 20 min
    assert check_roster(dataset, roster(*((f"N{d}", "V1") for d in range(3)))) == []


def test_weekly_a_limit_of_zero_shifts() -> None:
    dataset = make_dataset([make_need()], [make_volunteer(max_shifts_per_week=0)])
    assert broken_rules(dataset, roster(("N1", "V1"))) == [5]


# --- rule 6: consecutive days -----------------------------------------------------------


def test_consecutive_seven_days_in_a_row_with_a_limit_of_six() -> None:
    needs = [make_need(f"N{d}", day=d) for d in range(7)]
    dataset = make_dataset(needs, rules=Rules(max_consecutive_days=6))
    [violation] = check_roster(dataset, roster(*((f"N{d}", "V1") for d in range(7))))
    assert violation.rule == 6 and violation.rows == tuple(range(2, 9))
    assert "7 days in a row, 2026-03-02 to 2026-03-08; at most 6" in violation.message


def test_consecutive_six_days_a_day_off_and_one_more() -> None:
    needs = [make_need(f"N{d}", day=d) for d in (0, 1, 2, 3, 4, 5, 7)]
    dataset = make_dataset(needs, rules=Rules(max_consecutive_days=6))
    assert check_roster(dataset, roster(*((n.id, "V1") for n in needs))) == []


def test_consecutive_days_count_start_days_not_working_days() -> None:
    # Night shifts every other evening end on the days between: only start days count.
    needs = [make_need(f"N{d}", day=d, start="20:00", end="08:00") for d in (0, 2, 4)]
    dataset = make_dataset(needs, rules=Rules(max_consecutive_days=1, min_rest_hours=11))
    assert check_roster(dataset, roster(*((n.id, "V1") for n in needs))) == []


# --- rule 7: region and distance --------------------------------------------------------


def test_region_a_facility_in_another_region() -> None:
    dataset = make_dataset([make_need()], facilities=[make_facility(region="south")])
    [violation] = check_roster(dataset, roster(("N1", "V1")))
    assert violation.rule == 7 and "region 'north'" in violation.message


def test_distance_equal_to_the_volunteer_limit_is_allowed() -> None:
    km = distance_km(*HOME, *HOSPITAL)
    dataset = make_dataset([make_need()], [make_volunteer(max_distance_km=km)])
    assert check_roster(dataset, roster(("N1", "V1"))) == []


def test_distance_beyond_the_volunteer_limit() -> None:
    km = distance_km(*HOME, *HOSPITAL)
    dataset = make_dataset([make_need()], [make_volunteer(max_distance_km=km * 0.999)])
    [violation] = check_roster(dataset, roster(("N1", "V1")))
    assert violation.rule == 7 and f"{km:.1f} km from home" in violation.message


def test_distance_the_dataset_limit_applies_without_a_personal_one() -> None:
    km = distance_km(*HOME, *HOSPITAL)
    needs = [make_need()]
    assert broken_rules(
        make_dataset(needs, rules=Rules(max_distance_km=km / 2)), roster(("N1", "V1"))
    ) == [7]
    assert (
        broken_rules(make_dataset(needs, rules=Rules(max_distance_km=km)), roster(("N1", "V1")))
        == []
    )


def test_distance_is_not_checked_without_a_home_location() -> None:
    dataset = make_dataset(
        [make_need()], [make_volunteer(lat=None, lon=None)], rules=Rules(max_distance_km=0.001)
    )
    assert check_roster(dataset, roster(("N1", "V1"))) == []


# --- reports and summary ----------------------------------------------------------------


def test_a_violation_reads_as_one_line_with_its_rows() -> None:
    violation = Violation(4, "V1 works N1 and N2, which overlap", (12, 15))
    assert str(violation) == (
        "Assignments:12: rule 4 (rest): V1 works N1 and N2, which overlap (rows 12, 15)"
    )
    assert str(Violation(7, "too far", (3,))) == (
        "Assignments:3: rule 7 (region and distance): too far"
    )


def test_summary_weights_filled_places_by_priority() -> None:
    volunteers = [make_volunteer(id=f"V{i}") for i in range(3)]
    needs = [
        make_need("N1", count=2, priority=Priority.CRITICAL),
        make_need("N2", day=2, count=3, priority=Priority.LOW),
    ]
    dataset = make_dataset(needs, volunteers)
    summary = roster_summary(dataset, roster(("N1", "V0"), ("N1", "V1"), ("N2", "V2")))
    assert summary == {"weighted_coverage": 201.0, "filled": 3, "demand": 5}


# --- reading a roster workbook ----------------------------------------------------------

HEADER = [
    "need_id",
    "facility_id",
    "date",
    "start",
    "end",
    "role",
    "volunteer_id",
    "volunteer_name",
]


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    """The broken-input suite's base case: N1 F1 Mon 08-16 nurse, N2 F1 Mon 20-08 orderly,
    N3 F2 Tue 16:00-00:00 junior_student; volunteers V1, V2, V3."""
    save_xlsx(base(), tmp_path / "input.xlsx")
    return load_dataset(tmp_path / "input.xlsx")[0]


def write_roster(path: Path, rows: list[list[object]], header=HEADER, title="Assignments") -> Path:
    save_xlsx({title: [header, *rows]}, path)
    return path


def test_reading_by_need_id_and_by_the_five_key_columns(tmp_path: Path, dataset: Dataset) -> None:
    tue = MON + dt.timedelta(days=1)
    path = write_roster(
        tmp_path / "roster.xlsx",
        [
            ["N1", None, None, None, None, None, "V1", "Anna"],
            [None, "F2", tue, dt.time(16), "24:00", "junior_student", "V2", "Boris"],
            [None, None, None, None, None, None, None, None],  # a blank row is skipped
            ["", "F2", "2026-03-03", "16:00", "00:00", " Junior_Student ", "V3", "Clara"],
            ["N99", "F1", MON, dt.time(20), dt.time(8), "orderly", "V1", "a stale need_id"],
        ],
    )
    assert read_assignments(path, dataset) == [
        Assignment("N1", "V1", 2),
        Assignment("N3", "V2", 3),
        Assignment("N3", "V3", 5),
        Assignment("N2", "V1", 6),
    ]


def test_reading_names_each_broken_row(tmp_path: Path, dataset: Dataset) -> None:
    path = write_roster(
        tmp_path / "roster.xlsx",
        [
            ["N1", None, None, None, None, None, "V99", ""],
            ["N7", None, None, None, None, None, "V1", ""],
            [None, "F1", "03/02/2026", "08:00", "16:00", "nurse", "V1", ""],
            [None, "F1", MON, "09:00", "16:00", "nurse", "V1", ""],
            ["N2", None, None, None, None, None, None, "nobody yet"],
        ],
    )
    with pytest.raises(InvalidInput) as caught:
        read_assignments(path, dataset)
    lines = [str(p) for p in caught.value.problems]
    assert lines[0] == (
        "Assignments:2:volunteer_id: 'V99' is not a volunteer_id of the "
        "volunteers sheet of the input"
    )
    assert lines[1].startswith("Assignments:3:need_id: 'N7' is not a need_id of the needs sheet")
    assert lines[2].startswith("Assignments:4:date: '03/02/2026' is not a date; write YYYY-MM-DD")
    assert lines[3] == (
        "Assignments:5:-: no need of the input is the shift F1, 2026-03-02, "
        "09:00-16:00, nurse; the needs of F1 that day are: 08:00-16:00 nurse, "
        "20:00-08:00 orderly"
    )
    assert lines[4].startswith("Assignments:6:volunteer_id: volunteer_id is empty")
    assert len(lines) == 5


def test_reading_a_roster_without_a_volunteer_id_column(tmp_path: Path, dataset: Dataset) -> None:
    path = write_roster(
        tmp_path / "roster.xlsx", [["N1", "Anna"]], header=["need_id", "volunteer_name"]
    )
    with pytest.raises(InvalidInput) as caught:
        read_assignments(path, dataset)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("Assignments", 1, "volunteer_id")
    assert (
        "the column 'volunteer_id' is missing; the header row has: need_id, volunteer_name"
        in problem.message
    )


def test_reading_a_workbook_without_an_assignments_sheet(tmp_path: Path, dataset: Dataset) -> None:
    path = write_roster(
        tmp_path / "roster.xlsx", [["N1", "V1"]], header=["need_id", "volunteer_id"], title="Sheet1"
    )
    with pytest.raises(InvalidInput, match="no sheet 'Assignments' \\(found: Sheet1\\)"):
        read_assignments(path, dataset)


def test_a_roster_read_back_is_checked_end_to_end(tmp_path: Path, dataset: Dataset) -> None:
    path = write_roster(
        tmp_path / "roster.xlsx",
        [
            ["N1", None, None, None, None, None, "V1", ""],
            ["N2", None, None, None, None, None, "V1", ""],  # 4 h after N1, outside Mon 08-20
        ],
        title="ASSIGNMENTS",
    )
    assert broken_rules(dataset, read_assignments(path, dataset)) == [3, 4]


def test_reading_an_assignments_csv_file(tmp_path: Path, dataset: Dataset) -> None:
    path = tmp_path / "Assignments.csv"
    path.write_text("Volunteer_ID;need_id;note\nV1;N1;by phone\n;;\nV2;N3;\n", encoding="utf-8")
    assert read_assignments(path, dataset) == [Assignment("N1", "V1", 2), Assignment("N3", "V2", 4)]
