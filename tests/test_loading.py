"""A valid input becomes the dataset the contract describes, from xlsx and CSV alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from scheduler.domain import Priority, RoleTable, Rules
from scheduler.intake.loading import load_dataset
from scheduler.problems import InvalidInput
from tests.broken.make_cases import D, T, base, save_csv, save_xlsx


@pytest.fixture(params=["xlsx", "csv"])
def write(request, tmp_path: Path):
    def write(sheets) -> Path:
        if request.param == "xlsx":
            save_xlsx(sheets, tmp_path / "input.xlsx")
            return tmp_path / "input.xlsx"
        save_csv(sheets, tmp_path / "input")
        return tmp_path / "input"

    return write


def test_the_base_case_loads_with_its_defaults(write) -> None:
    dataset, warnings = load_dataset(write(base()))
    assert warnings == []
    assert dataset.rules == Rules()
    assert dataset.roles == RoleTable.default()
    assert [n.id for n in dataset.needs] == ["N1", "N2", "N3"]
    anna = dataset.volunteer_by_id["V1"]
    assert (anna.role, anna.region, anna.preferred_facilities) == ("nurse", "north", {"F1"})
    assert dataset.volunteer_by_id["V3"].preferred_facilities == {"F1", "F2"}
    assert dataset.volunteer_by_id["V3"].lat is None


def test_shift_times_resolve_to_absolute_datetimes(write) -> None:
    dataset, _ = load_dataset(write(base()))
    day, night, evening = dataset.needs
    assert (day.start, day.end) == (dt.datetime(2026, 3, 2, 8), dt.datetime(2026, 3, 2, 16))
    assert night.end == dt.datetime(2026, 3, 3, 8)  # end <= start: the next morning
    assert evening.end == dt.datetime(2026, 3, 4, 0)  # 00:00 ends at midnight
    assert (day.hours, night.hours, evening.hours) == (8, 12, 8)
    assert night.priority is Priority.NORMAL and evening.priority is Priority.LOW


def test_equal_start_and_end_is_a_24_hour_shift(write) -> None:
    sheets = base()
    sheets["needs"][1][3:5] = [T(8, 0), T(8, 0)]
    dataset, _ = load_dataset(write(sheets))
    assert dataset.needs[0].hours == 24


def test_defaults_fill_empty_cells(write) -> None:
    sheets = base()
    sheets["needs"][1][7] = None  # priority
    sheets["volunteers"][1][6] = None  # max_shifts_per_week
    sheets["availability"][1][4] = None  # available
    dataset, _ = load_dataset(write(sheets))
    assert dataset.needs[0].priority == 2
    assert dataset.volunteer_by_id["V1"].max_shifts_per_week == 3
    assert dataset.availability[0].available is True


def test_names_compare_without_case_or_spaces(write) -> None:
    sheets = base()
    sheets["needs"][1][5] = " NURSE "
    sheets["volunteers"][2][3] = "north  "
    dataset, _ = load_dataset(write(sheets))
    assert dataset.needs[0].role == "nurse"
    assert dataset.volunteer_by_id["V2"].region == dataset.facility_by_id["F1"].region


def test_weekly_windows_crossing_midnight_belong_to_their_start_day(write) -> None:
    dataset, _ = load_dataset(write(base()))
    saturday_night = dataset.availability[1]
    assert (saturday_night.weekday, saturday_night.start_minute, saturday_night.end_minute) == (
        5,
        18 * 60,
        30 * 60,
    )
    occurrences = list(saturday_night.intervals(D, D + dt.timedelta(days=13)))
    assert occurrences == [
        (dt.datetime(2026, 3, 7, 18), dt.datetime(2026, 3, 8, 6)),
        (dt.datetime(2026, 3, 14, 18), dt.datetime(2026, 3, 15, 6)),
    ]


def test_generated_need_ids_are_readable_and_never_equal_a_given_one(write) -> None:
    sheets = base()
    sheets["needs"][1][0] = "F1-20260302-2000-0800-orderly"  # the id N2 would get
    sheets["needs"][2][0] = None
    dataset, _ = load_dataset(write(sheets))
    generated = dataset.needs[1]
    assert not generated.id_given
    assert generated.id == "F1-20260302-2000-0800-orderly-2"


def test_a_roles_sheet_replaces_the_default_table_and_is_not_transitive(write) -> None:
    sheets = base()
    sheets["roles"] = [
        ["role", "can_cover"],
        ["doctor", "nurse"],
        ["nurse", "orderly"],
        ["orderly", ""],
        ["senior_student", ""],
        ["junior_student", ""],
    ]
    dataset, _ = load_dataset(write(sheets))
    assert dataset.roles.covers("doctor", "nurse")
    assert not dataset.roles.covers("doctor", "orderly")
    assert dataset.roles.fillers("orderly") == {"nurse", "orderly"}


def test_rules_may_be_fractional(write) -> None:
    sheets = base()
    sheets["rules"] = [
        ["rule", "value"],
        ["min_rest_hours", 9.5],
        ["weight_priority_3", 0.5],
        ["MAX_CONSECUTIVE_DAYS", 5],
    ]
    dataset, _ = load_dataset(write(sheets))
    assert dataset.rules == Rules(min_rest_hours=9.5, weight_priority_3=0.5, max_consecutive_days=5)


def test_extra_columns_and_sheets_are_ignored_with_a_warning(write) -> None:
    sheets = base()
    for i, row in enumerate(sheets["needs"]):
        row.append("notes" if i == 0 else "bring a mask")
    sheets["contacts"] = [["who"], ["me"]]
    _, warnings = load_dataset(write(sheets))
    assert "needs:1:notes: the column 'notes' is not part of the format and is ignored" in [
        str(w) for w in warnings
    ]
    assert any("contacts" in str(w) and "ignored" in str(w) for w in warnings)


def test_every_problem_is_collected_in_one_pass(write) -> None:
    sheets = base()
    sheets["needs"][1][2] = "someday"
    sheets["needs"][2][1] = "F9"
    sheets["volunteers"][3][2] = "wizard"
    with pytest.raises(InvalidInput) as caught:
        load_dataset(write(sheets))
    assert [(p.sheet, p.row, p.column) for p in caught.value.problems] == [
        ("volunteers", 4, "role"),
        ("needs", 2, "date"),
        ("needs", 3, "facility_id"),
    ]


def test_excel_24_00_and_date_cells_read_as_the_contract_says(tmp_path: Path) -> None:
    """An Excel time cell cannot hold 24:00; the value 1.0 (one day) stands for it."""
    sheets = base()
    save_xlsx(sheets, tmp_path / "input.xlsx")
    book = openpyxl.load_workbook(tmp_path / "input.xlsx")
    cell = book["needs"]["E4"]
    cell.value, cell.number_format = 1.0, "hh:mm"
    book["needs"]["C2"].value = dt.datetime(2026, 3, 2)
    book.save(tmp_path / "input.xlsx")
    dataset, _ = load_dataset(tmp_path / "input.xlsx")
    assert dataset.need_by_id["N3"].end == dt.datetime(2026, 3, 4, 0)
    assert dataset.need_by_id["N1"].date == dt.date(2026, 3, 2)


def test_xlsx_and_csv_of_the_same_data_load_equal(tmp_path: Path) -> None:
    save_xlsx(base(), tmp_path / "input.xlsx")
    save_csv(base(), tmp_path / "input")
    from_xlsx, _ = load_dataset(tmp_path / "input.xlsx")
    from_csv, _ = load_dataset(tmp_path / "input")
    assert from_xlsx == from_csv


def test_a_semicolon_separated_csv_reads_like_a_comma_separated_one(tmp_path: Path) -> None:
    save_csv(base(), tmp_path / "input", delimiter=";")
    dataset, _ = load_dataset(tmp_path / "input")
    assert dataset.volunteer_by_id["V3"].preferred_facilities == {"F1", "F2"}


def test_the_row_models_hold_exactly_the_contracts_columns() -> None:
    from scheduler.intake import schema

    for sheet, model in schema.MODELS.items():
        assert set(model.model_fields) == set(schema.columns(sheet, later=True))


def test_a_role_may_be_written_with_spaces_in_the_needs_sheet(write) -> None:
    """FORMAT.md: a run of spaces or underscores in a role name is one underscore."""
    sheets = base()
    sheets["needs"][3][5] = " Junior  student "
    dataset, _ = load_dataset(write(sheets))
    assert dataset.need_by_id["N3"].role == "junior_student"


def test_a_role_may_be_written_with_spaces_in_the_volunteers_sheet(write) -> None:
    sheets = base()
    sheets["volunteers"][2][2] = "senior student"
    dataset, _ = load_dataset(write(sheets))
    assert dataset.volunteer_by_id["V2"].role == "senior_student"


def test_a_role_may_be_written_with_spaces_in_the_roles_sheet(write) -> None:
    sheets = base()
    sheets["roles"] = [
        ["role", "can_cover"],
        ["doctor", "Senior Student; junior__student"],
        ["nurse", "orderly"],
        ["orderly", ""],
        ["Senior student", "junior student"],
        ["junior_student", ""],
    ]
    dataset, _ = load_dataset(write(sheets))
    assert set(dataset.roles.roles) == {
        "doctor",
        "nurse",
        "orderly",
        "senior_student",
        "junior_student",
    }
    assert dataset.roles.covers("doctor", "junior_student")
    assert dataset.roles.covers("senior_student", "junior_student")
