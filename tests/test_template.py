"""The shipped template: contract headers, real date/time cells, consistent examples.

The expected headers are written out here rather than taken from
`scheduler.intake.template`, so a slip in the module cannot agree with itself.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from scheduler.domain import DEFAULT_COVER, Rules
from scheduler.intake import schema
from scheduler.intake.template import write_csv_template, write_template

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_XLSX = ROOT / "data" / "templates" / "staffing-template.xlsx"
SHIPPED_CSV = ROOT / "data" / "templates" / "csv"

CONTRACT = {sheet: schema.columns(sheet, later=True) for sheet in schema.MODELS}


@pytest.fixture(scope="module")
def template_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "staffing-template.xlsx"
    write_template(path)
    return path


@pytest.fixture(scope="module")
def frames(template_path) -> dict[str, pd.DataFrame]:
    """The workbook as pandas reads it with calamine, the engine the loader uses."""
    return pd.read_excel(template_path, sheet_name=None, engine="calamine", dtype=object)


def _ids(cell: object) -> list[str]:
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def _filled(frame: pd.DataFrame, column: str) -> list:
    return [v for v in frame[column] if not pd.isna(v) and v != ""]


def test_instructions_come_first_then_every_contract_sheet(template_path):
    book = openpyxl.load_workbook(template_path)
    assert book.sheetnames == ["How to fill in", *CONTRACT]
    text = " ".join(
        str(c.value)
        for row in book["How to fill in"].iter_rows()
        for c in row
        if c.value is not None
    )
    for must in ("min_rest_hours", "senior_student", "sheet:row:column", "CSV UTF-8", ".xlsx"):
        assert must in text


@pytest.mark.parametrize("sheet", CONTRACT)
def test_headers_are_the_contract_bold_frozen_and_explained(template_path, sheet):
    worksheet = openpyxl.load_workbook(template_path)[sheet]
    header = list(worksheet[1])
    assert [c.value for c in header] == CONTRACT[sheet]
    assert all(c.font.bold for c in header)
    assert all(c.comment is not None and c.comment.text.strip() for c in header)
    assert worksheet.freeze_panes == "A2"
    assert worksheet.max_row >= 3, "at least two example rows"


@pytest.mark.parametrize("sheet", CONTRACT)
def test_pandas_calamine_reads_the_contract_headers(frames, sheet):
    assert list(frames[sheet].columns) == CONTRACT[sheet]
    assert len(frames[sheet]) >= 2


def test_dates_and_times_are_real_excel_cells(template_path):
    book = openpyxl.load_workbook(template_path)
    for sheet, columns in (("needs", ("date", "start", "end")), ("availability", ("start", "end"))):
        worksheet = book[sheet]
        index = {c.value: c.column - 1 for c in worksheet[1]}
        for row in worksheet.iter_rows(min_row=2):
            for column in columns:
                cell = row[index[column]]
                assert cell.is_date, f"{sheet}!{cell.coordinate} is not a date/time cell"
                wanted = "yyyy-mm-dd" if column == "date" else "hh:mm"
                assert cell.number_format == wanted
                kind = dt.datetime if column == "date" else dt.time
                assert isinstance(cell.value, kind)
    days = [row[1] for row in book["availability"].iter_rows(min_row=2)]
    assert any(c.is_date and c.number_format == "yyyy-mm-dd" for c in days), "a dated row"


def test_calamine_sees_dates_and_times_not_text(frames):
    needs = frames["needs"]
    assert all(isinstance(v, dt.datetime) for v in needs["date"])
    assert all(isinstance(v, dt.time) for v in [*needs["start"], *needs["end"]])


def test_examples_refer_to_each_other(frames):
    facilities = set(frames["facilities"]["facility_id"])
    volunteers = frames["volunteers"]
    roles = set(frames["roles"]["role"])
    assert set(frames["needs"]["facility_id"]) <= facilities
    assert set(frames["availability"]["volunteer_id"]) <= set(volunteers["volunteer_id"])
    assert set(volunteers["role"]) | set(frames["needs"]["role"]) <= roles
    for cell in _filled(volunteers, "preferred_facilities"):
        assert set(_ids(cell)) <= facilities
    regions = set(frames["facilities"]["region"])
    assert set(volunteers["region"]) <= regions


def test_examples_obey_the_contract_rules(frames):
    needs = frames["needs"]
    assert needs["need_id"].is_unique
    keys = needs[["facility_id", "date", "start", "end", "role"]].astype(str)
    assert not keys.duplicated().any()
    assert all(int(c) >= 1 for c in needs["count"])
    assert set(needs["priority"]) <= {1, 2, 3}
    assert set(frames["availability"]["available"]) <= {"yes", "no"}
    for sheet in ("facilities", "volunteers"):
        located = frames[sheet][["lat", "lon"]].isna()
        assert (located["lat"] == located["lon"]).all(), f"{sheet}: lat and lon go together"


def test_roles_and_rules_sheets_hold_the_defaults(frames):
    roles = {
        r: tuple(_ids(c)) if not pd.isna(c) else ()
        for r, c in zip(frames["roles"]["role"], frames["roles"]["can_cover"], strict=True)
    }
    assert roles == dict(DEFAULT_COVER)
    rules = dict(zip(frames["rules"]["rule"], frames["rules"]["value"], strict=True))
    defaults = Rules()
    assert {k: float(v) for k, v in rules.items()} == {
        k: float(getattr(defaults, k)) for k in rules
    }
    assert set(rules) == set(Rules.model_fields)


def test_dropdowns_and_number_checks_guard_the_closed_columns(template_path):
    book = openpyxl.load_workbook(template_path)

    def checked(sheet: str) -> dict[str, str]:
        worksheet = book[sheet]
        header = [c.value for c in worksheet[1]]
        return {
            header[cells.min_col - 1]: validation.type
            for validation in worksheet.data_validations.dataValidation
            for cells in validation.sqref.ranges
        }

    assert checked("needs") == {"role": "list", "priority": "list", "count": "whole"}
    assert checked("availability") == {"day": "list", "available": "list"}
    assert checked("volunteers")["role"] == "list"


def test_write_is_atomic_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "sub" / "t.xlsx"
    write_template(target)
    write_template(target)  # overwriting works too
    assert [p.name for p in target.parent.iterdir()] == ["t.xlsx"]
    assert openpyxl.load_workbook(target).sheetnames[0] == "How to fill in"


def _cells(book: openpyxl.Workbook) -> dict[str, list[tuple]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_shipped_workbook_is_the_current_template(template_path):
    """`make data` regenerates it; this catches a template change without a rerun."""
    shipped = _cells(openpyxl.load_workbook(SHIPPED_XLSX))
    assert shipped == _cells(openpyxl.load_workbook(template_path))


def test_shipped_csv_folder_is_the_current_template(tmp_path):
    write_csv_template(tmp_path)
    wanted = {p.name: p.read_bytes() for p in tmp_path.glob("*.csv")}
    assert {p.name: p.read_bytes() for p in SHIPPED_CSV.glob("*.csv")} == wanted


def test_csv_folder_matches_the_workbook(frames):
    for sheet, columns in CONTRACT.items():
        frame = pd.read_csv(SHIPPED_CSV / f"{sheet}.csv", dtype=str, keep_default_na=False)
        assert list(frame.columns) == columns
        assert len(frame) == len(frames[sheet])
    needs = pd.read_csv(SHIPPED_CSV / "needs.csv", dtype=str)
    assert list(needs["date"]) == [d.strftime("%Y-%m-%d") for d in frames["needs"]["date"]]
    assert list(needs["start"]) == [t.strftime("%H:%M") for t in frames["needs"]["start"]]


@pytest.mark.parametrize("path", [SHIPPED_XLSX, SHIPPED_CSV], ids=["xlsx", "csv"])
def test_the_template_loads_without_problems(path):
    loading = pytest.importorskip("scheduler.intake.loading")
    dataset, warnings = loading.load_dataset(path)
    assert [str(w) for w in warnings] == []
    assert (len(dataset.facilities), len(dataset.volunteers), len(dataset.needs)) == (2, 3, 4)
    assert dataset.rules == Rules()


def test_the_format_docs_give_each_rule_its_declared_default_and_range():
    """docs/format.md's rules table says what `Rules` declares (one home for each setting)."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "format.md").read_text()
    text = text[text.index("\n## Rules\n") :]
    for name, info in Rules.model_fields.items():
        default = info.default
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert (cells[1], cells[-1]) == (shown, Rules.accepted(name)), row
