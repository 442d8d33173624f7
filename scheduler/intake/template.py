"""The Excel template a hospital clerk or coordinator fills in, and its CSV twin.

A clerk who starts from a blank sheet gets headers wrong; one who starts from
this workbook gets the contract's headers, dropdowns for the closed lists and
a note on every header saying what the loader will accept. The example rows
are a tiny valid dataset, so `scheduler validate` passes on the untouched
template and a newcomer sees one of everything that can go in.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import pathlib
import tempfile
from collections.abc import Iterable
from typing import Literal

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.domain import DEFAULT_COVER, Rules
from scheduler.i18n import N_, gettext
from scheduler.intake import rule_words
from scheduler.intake.template_columns import COLUMNS

INSTRUCTIONS = N_("How to fill in")  # the first sheet's title, in the template's language
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm"
LAST_ROW = 5000  # how far down the dropdowns and cell formats reach


def rule_meaning(name: str) -> str:
    """What a rule means and takes, from where the rule is declared (`Rules`)."""
    return f"{rule_words.meaning(name)} ({rule_words.accepted(name)})"


_MON = dt.date(2026, 3, 2)  # the example week starts on a Monday
_T = dt.time


def _number(value: float) -> int | float:
    """Rules are floats in the model; a clerk should read 11, not 11.0."""
    return int(value) if float(value).is_integer() else value


EXAMPLES: dict[str, list[tuple]] = {
    "facilities": [
        (
            "F01",
            "Central City Hospital",
            "North",
            50.0647,
            19.945,
            "1 Hospital Street",
            "Europe/Warsaw",  # the example coordinates are in Kraków
            "+48 12 000 00 01",
        ),
        ("F02", "Riverside Clinic", "North", None, None, "12 River Road", None, None),
    ],
    "volunteers": [
        (
            "V001",
            "Anna Novak",
            "nurse",
            "North",
            50.07,
            19.93,
            3,
            36,
            None,
            "F01",
            "anna@example.org",
            "+48 600 000 001",
        ),
        (
            "V002",
            "Ben Okafor",
            "senior_student",
            "North",
            None,
            None,
            2,
            None,
            None,
            "F01;F02",
            None,
            None,
        ),
        ("V003", "Chen Li", "doctor", "North", 50.05, 19.96, 3, None, 30, None, None, None),
    ],
    "availability": [
        ("V002", "Sat", _T(8), _T(20), "yes"),
        ("V002", "Sun", _T(8), _T(20), "yes"),
        ("V001", _MON + dt.timedelta(days=2), _T(0), _T(0), "no"),
    ],
    "needs": [
        ("N001", "F01", _MON, _T(7), _T(19), "nurse", 2, 1, None),
        ("N002", "F01", _MON, _T(19), _T(7), "nurse", 1, 1, "pcr_test; red_zone_training"),
        ("N003", "F02", _MON + dt.timedelta(days=5), _T(8), _T(16), "junior_student", 1, 2, None),
        ("N004", "F02", _MON + dt.timedelta(days=5), _T(16), _T(0), "orderly", 1, 3, None),
    ],
    "credentials": [
        ("V001", "red_zone_training", _MON - dt.timedelta(days=60), None),
        ("V001", "pcr_test", _MON - dt.timedelta(days=2), _MON + dt.timedelta(days=4)),
    ],
    "roles": [(role, "; ".join(others) or None) for role, others in DEFAULT_COVER.items()],
    "rules": [(name, _number(getattr(Rules(), name))) for name in Rules.model_fields],
}

ROLE_LIST = ",".join(DEFAULT_COVER)
WEEKDAY_LIST = "Mon,Tue,Wed,Thu,Fri,Sat,Sun"


def build_template() -> openpyxl.Workbook:
    """The whole template: instructions first, then one sheet per contract sheet."""
    workbook = openpyxl.Workbook()
    instructions = workbook.active
    assert isinstance(instructions, Worksheet)  # a new workbook's one sheet
    _fill_instructions(instructions)
    for sheet, columns in COLUMNS.items():
        worksheet = workbook.create_sheet(sheet)
        write_header(worksheet, columns)
        _write_rows(worksheet, EXAMPLES[sheet])
        format_columns(worksheet, [name for name, _, _ in columns])
        add_validations(worksheet, [name for name, _, _ in columns])
    return workbook


def write_template(path: pathlib.Path) -> None:
    """Save the template atomically, so an interrupted run never leaves half a file."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        build_template().save(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the template is for everyone
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise


def write_csv_template(folder: pathlib.Path) -> None:
    """The same sheets as one UTF-8 CSV each, for people who work without Excel."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, columns in COLUMNS.items():
        with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(name for name, _, _ in columns)
            writer.writerows([_as_text(value) for value in row] for row in EXAMPLES[sheet])


def _as_text(value: object) -> str:
    """Write a value the way the contract spells it in text: YYYY-MM-DD, HH:MM."""
    if value is None:
        return ""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_header(worksheet: Worksheet, columns: list[tuple[str, int, str]]) -> None:
    """Bold, frozen headers with a note each: the rule is where the clerk looks."""
    for index, (name, width, note) in enumerate(columns, start=1):
        cell = worksheet.cell(row=1, column=index, value=name)
        cell.font = Font(bold=True)
        comment = Comment(gettext(note), "scheduler")
        comment.width, comment.height = 260, 90
        cell.comment = comment
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A2"


def _write_rows(worksheet: Worksheet, rows: Iterable[tuple]) -> None:
    """Example rows as real cells: dates as Excel dates, times as Excel times."""
    for row in rows:
        worksheet.append(list(row))
        for cell in worksheet[worksheet.max_row]:
            if isinstance(cell.value, dt.time):
                cell.number_format = TIME_FORMAT
            elif isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT


def format_columns(worksheet: Worksheet, names: list[str]) -> None:
    """Give whole date and time columns their format, so typed entries display alike.

    Done on the column, not on thousands of empty cells, so a reader never
    mistakes formatted blank rows for data.
    """
    formats = {"date": DATE_FORMAT, "start": TIME_FORMAT, "end": TIME_FORMAT}
    for index, name in enumerate(names, start=1):
        if name in formats:
            worksheet.column_dimensions[get_column_letter(index)].number_format = formats[name]


def add_validations(worksheet: Worksheet, names: list[str]) -> None:
    """Dropdowns and number checks catch a slip while the clerk is still typing."""
    for index, name in enumerate(names, start=1):
        validation = _validation_for(worksheet.title, name)
        if validation is None:
            continue
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{LAST_ROW}")
        worksheet.add_data_validation(validation)


def _validation_for(sheet: str, column: str) -> DataValidation | None:
    """The Excel check for one column, or None when the column is free text."""
    if column == "role" and sheet in ("volunteers", "needs"):
        # A warning, not a stop: a clerk may add their own roles on the roles sheet.
        return check("list", f'"{ROLE_LIST}"', gettext("Use a role of the roles sheet."), "warning")
    if column == "priority":
        return check("list", '"1,2,3"', gettext("1 critical, 2 normal, 3 low."))
    if column == "available":
        return check(
            "list",
            '"yes,no"',
            gettext("yes or no (y/n, true/false, 1/0 also work)."),
            "warning",
        )
    if column == "day":
        # A date is just as valid as a weekday, so the list only suggests.
        validation = check("list", f'"{WEEKDAY_LIST}"', gettext("A weekday Mon...Sun or a date."))
        validation.showErrorMessage = False
        return validation
    if column == "count":
        return check("whole", "1", gettext("A whole number, 1 or more."))
    if column == "max_shifts_per_week":
        return check("whole", "0", gettext("A whole number, 0 or more."))
    return None


def check(
    kind: Literal["whole", "decimal", "list", "date", "time", "textLength", "custom"],
    formula: str,
    message: str,
    style: Literal["stop", "warning", "information"] = "stop",
) -> DataValidation:
    """One Excel data validation that explains itself both on entry and on error."""
    return DataValidation(
        type=kind,
        formula1=formula,
        allow_blank=True,
        errorStyle=style,
        operator="greaterThanOrEqual" if kind == "whole" else None,
        error=message,
        prompt=message,
        showErrorMessage=True,
        showInputMessage=True,
    )


def _fill_instructions(worksheet: Worksheet) -> None:
    """A first sheet in plain words: most clerks never open the documentation."""
    worksheet.title = gettext(INSTRUCTIONS)
    worksheet.column_dimensions["A"].width = 24
    worksheet.column_dimensions["B"].width = 14
    worksheet.column_dimensions["C"].width = 90
    write_lines(worksheet, _instruction_lines(), columns=3, characters=115)


def write_lines(
    worksheet: Worksheet, lines: Iterable[tuple], columns: int, characters: int
) -> None:
    """(kind, cell, ...) lines: titles and headings bold; a lone text cell is a paragraph
    across `columns`, its row as tall as `characters` a line need (Excel never sizes merged
    rows itself)."""
    for kind, *cells in lines:
        worksheet.append(cells)
        number = worksheet.max_row
        for cell in worksheet[number]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if kind in ("title", "heading"):
                cell.font = Font(bold=True, size=14 if kind == "title" else 11)
        if kind == "text" and len(cells) == 1:
            worksheet.merge_cells(
                start_row=number, end_row=number, start_column=1, end_column=columns
            )
            worksheet.row_dimensions[number].height = 15 * (1 + len(cells[0]) // characters)


def _instruction_lines() -> list[tuple]:
    """The instruction sheet as (kind, cell, ...) lines; kept as data so it reads top-down."""
    yes, no = gettext("yes"), gettext("no")
    lines: list[tuple] = [
        ("title", gettext("Volunteer staffing: how to fill in this workbook")),
        (
            "text",
            gettext(
                "Fill one row per item on the sheets facilities, volunteers, availability "
                "and needs. The example rows under each header show the format: replace or "
                "delete them. Keep the header row (row 1) as it is; hover over a header for "
                "its rule."
            ),
        ),
        ("blank",),
        ("heading", gettext("Sheet"), gettext("Required?"), gettext("What goes in it")),
        (
            "text",
            "facilities",
            yes,
            gettext(
                "One row per hospital or clinic: id, name, region, optionally lat/lon and address."
            ),
        ),
        (
            "text",
            "volunteers",
            yes,
            gettext(
                "One row per volunteer: id, name, role, region; optional "
                "limits (shifts and hours per week, km), preferred facilities, contact."
            ),
        ),
        (
            "text",
            "availability",
            no,
            gettext(
                "When volunteers can (yes) or cannot (no) work. A day is "
                "a date or a weekday (Mon...Sun, every week). A volunteer with no 'yes' row "
                "can work any time; with 'yes' rows, only inside them. A 'no' row always wins."
            ),
        ),
        (
            "text",
            "needs",
            yes,
            gettext(
                "One row per shift a facility wants filled: date it starts, "
                "start and end time, role, how many people (count), priority 1/2/3."
            ),
        ),
        (
            "text",
            "credentials",
            no,
            gettext(
                "What volunteers hold (a PCR test, red-zone training, a licence) and from when "
                "until when. A need's requires column names what everyone on it must hold on "
                "each day the shift touches; rows of one volunteer and credential join."
            ),
        ),
        (
            "text",
            "roles",
            no,
            gettext(
                "Which roles may fill which places. Leave it as it is for the "
                "default table below; if you change it, it replaces the defaults entirely."
            ),
        ),
        (
            "text",
            "rules",
            no,
            gettext("Limits for the whole plan. Leave out a rule to use its default."),
        ),
        ("blank",),
        ("heading", gettext("Times")),
        (
            "text",
            gettext(
                "Dates are YYYY-MM-DD, times HH:MM (24-hour clock). An end time at or before "
                "the start means the next day: 19:00-07:00 is a night shift; 08:00-08:00 is 24 "
                "hours. A shift ending at 16:00 does not clash with one starting at 16:00."
            ),
        ),
        ("blank",),
        ("heading", gettext("Rules"), gettext("Default"), gettext("Meaning")),
        *(
            ("text", name, _number(getattr(Rules(), name)), rule_meaning(name))
            for name in Rules.model_fields
        ),
        ("blank",),
        (
            "heading",
            gettext("Role"),
            "",
            gettext("Can also fill places of (every role fills its own)"),
        ),
        *(
            ("text", role, "", "; ".join(others) or gettext("(only its own)"))
            for role, others in DEFAULT_COVER.items()
        ),
        ("blank",),
        ("heading", gettext("When a cell is wrong")),
        (
            "text",
            gettext(
                "Run: scheduler validate your-file.xlsx. Every problem is listed at once, one "
                "line each as sheet:row:column: message, with the row number Excel shows. "
                "Example: needs:7:count: 0 is out of range; it must be at least 1 (cell G7). "
                "Nothing is planned until every problem is fixed. Extra columns are ignored "
                "(with a warning)."
            ),
        ),
        ("blank",),
        ("heading", gettext("Saving")),
        (
            "text",
            gettext(
                "Save as Excel workbook (.xlsx); or save each sheet as 'CSV UTF-8' into one "
                "folder, named after the sheet (facilities.csv, volunteers.csv, ...). "
                "This sheet is for reading only and is ignored by the program."
            ),
        ),
    ]
    return lines
