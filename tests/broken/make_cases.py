"""Build the deliberately broken inputs in this folder (run it to regenerate them).

Each case is a folder holding `input.xlsx` or an `input/` folder of CSV files,
and `expected.txt`: lines `scheduler validate` must print, exactly. Two cases
too large to keep in git (a 50 MB CSV and nothing else) are made by the tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
CASES = HERE / "cases"
D = dt.date(2026, 3, 2)
T = dt.time

BASE: dict[str, list[list[object]]] = {
    "facilities": [
        ["facility_id", "name", "region", "lat", "lon", "address"],
        ["F1", "City Hospital No. 1", "North", 55.75, 37.62, "1 Main St"],
        ["F2", "Infectious Diseases Hospital", "North", 55.80, 37.50, "2 Field Rd"],
    ],
    "volunteers": [
        [
            "volunteer_id",
            "name",
            "role",
            "region",
            "lat",
            "lon",
            "max_shifts_per_week",
            "preferred_facilities",
        ],
        ["V1", "Anna Petrova", "nurse", "North", 55.76, 37.60, 3, "F1"],
        ["V2", "Boris Ivanov", "senior_student", "North", 55.70, 37.55, 2, ""],
        ["V3", "Clara Smith", "doctor", "North", None, None, 4, "F1;F2"],
    ],
    "availability": [
        ["volunteer_id", "day", "start", "end", "available"],
        ["V1", "Mon", T(8, 0), T(20, 0), "yes"],
        ["V2", "Sat", T(18, 0), T(6, 0), "yes"],
        ["V3", D, T(0, 0), T(12, 0), "no"],
    ],
    "needs": [
        ["need_id", "facility_id", "date", "start", "end", "role", "count", "priority"],
        ["N1", "F1", D, T(8, 0), T(16, 0), "nurse", 2, 1],
        ["N2", "F1", D, T(20, 0), T(8, 0), "orderly", 1, 2],
        ["N3", "F2", D + dt.timedelta(days=1), T(16, 0), T(0, 0), "junior_student", 3, 3],
    ],
}

Sheets = dict[str, list[list[object]]]


def base() -> Sheets:
    return {name: [list(row) for row in rows] for name, rows in BASE.items()}


def save_xlsx(
    sheets: Sheets, path: Path | io.BytesIO, edit: Callable[[openpyxl.Workbook], None] | None = None
) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, dt.time):
                    cell.number_format = "hh:mm"
    if edit:
        edit(book)
    book.save(path)


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def save_csv(sheets: Sheets, folder: Path, encoding: str = "utf-8", delimiter: str = ",") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(
            [_csv_cell(v) for v in row] for row in rows
        )
        (folder / f"{name}.csv").write_bytes(out.getvalue().encode(encoding))


def case(name: str, expected: list[str]) -> Path:
    folder = CASES / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "expected.txt").write_text("\n".join(expected) + "\n", encoding="utf-8")
    return folder


def xlsx_case(
    name: str,
    expected: list[str],
    change: Callable[[Sheets], None] | None = None,
    edit: Callable[[openpyxl.Workbook], None] | None = None,
) -> None:
    sheets = base()
    if change:
        change(sheets)
    save_xlsx(sheets, case(name, expected) / "input.xlsx", edit)


def csv_case(name: str, expected: list[str], change: Callable[[Sheets], None]) -> None:
    sheets = base()
    change(sheets)
    save_csv(sheets, case(name, expected) / "input")


def set_cell(sheet: str, row: int, column: str, value: object) -> Callable[[Sheets], None]:
    """Change one cell; `row` is the Excel row (header = 1)."""

    def change(sheets: Sheets) -> None:
        header = sheets[sheet][0]
        sheets[sheet][row - 1][header.index(column)] = value

    return change


def add_row(sheet: str, row: list[object]) -> Callable[[Sheets], None]:
    return lambda sheets: sheets[sheet].append(row)


def file_cases() -> None:
    (
        case(
            "csv_renamed_to_xlsx",
            [
                "input.xlsx:-:-: this file is a text (CSV?) file renamed to "
                ".xlsx; open it in Excel and save it as 'Excel Workbook (.xlsx)', or put one CSV per "
                "sheet into a folder"
            ],
        )
        / "input.xlsx"
    ).write_text("facility_id,name,region\nF1,City Hospital,North\n", encoding="utf-8")
    (
        case(
            "old_xls_renamed",
            [
                "input.xlsx:-:-: this file is an old Excel 97-2003 (.xls) workbook "
                "or a password-protected one; open it in Excel, remove any password and save it as "
                "'Excel Workbook (.xlsx)'"
            ],
        )
        / "input.xlsx"
    ).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (case("empty_file", ["input.xlsx:-:-: the file is empty"]) / "input.xlsx").write_bytes(b"")
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("photo.txt", "not a workbook")
    (
        case(
            "zip_not_workbook",
            [
                "input.xlsx:-:-: this zip file is not an Excel workbook (no "
                "xl/workbook.xml); save the data from Excel as 'Excel Workbook (.xlsx)'"
            ],
        )
        / "input.xlsx"
    ).write_bytes(plain.getvalue())
    zip_bomb()


def zip_bomb() -> None:
    """A valid workbook whose one sheet unpacks to 512 MB of blanks (about 0.5 MB packed)."""
    good = io.BytesIO()
    save_xlsx(base(), good)
    folder = case(
        "zip_bomb",
        [
            "input.xlsx:-:-: the workbook unpacks to 512 MB, more than the "
            "400 MB accepted; it is either far too large or built to exhaust "
            "memory (a zip bomb)"
        ],
    )
    with (
        zipfile.ZipFile(good) as src,
        zipfile.ZipFile(folder / "input.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
    ):
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet4.xml":
                with z.open(item.filename, "w", force_zip64=True) as out:
                    out.write(data[: -len(b"</worksheet>")])
                    blank = b" " * 2**20
                    for _ in range(512 - 1):
                        out.write(blank)
                    out.write(b" " * (2**20 - len(data) + len(b"</worksheet>") - 12))
                    out.write(b"</worksheet>")
            else:
                z.writestr(item, data)


def formula(book: openpyxl.Workbook) -> None:
    book["needs"]["G3"] = "=1+1"


def merged(book: openpyxl.Workbook) -> None:
    book["needs"]["B3"] = None
    book["needs"].merge_cells("B2:B3")


def blank_rows(sheets: Sheets) -> None:
    needs = sheets["needs"]
    needs.insert(2, [None] * 8)
    needs.insert(3, [None] * 8)
    needs[4][5] = "surgeon"  # the row that was N2, now Excel row 5


def cyrillic(sheets: Sheets) -> None:
    sheets["facilities"][1][0] = "Больница-1"
    sheets["facilities"][1][1] = "Городская больница №1"
    sheets["volunteers"][1][:2] = ["В-001", "Анна Петрова"]
    sheets["volunteers"][1][7] = "Больница-1"
    sheets["availability"][1][0] = "В-001"
    sheets["needs"][1][1] = "Больница-1"
    sheets["needs"][2][1] = "Больница-7"


def no_needs_sheet(sheets: Sheets) -> None:
    del sheets["needs"]


def drop_column(sheet: str, column: str) -> Callable[[Sheets], None]:
    def change(sheets: Sheets) -> None:
        index = sheets[sheet][0].index(column)
        for row in sheets[sheet]:
            del row[index]

    return change


def header_only(sheet: str) -> Callable[[Sheets], None]:
    def change(sheets: Sheets) -> None:
        del sheets[sheet][1:]

    return change


def roles_sheet(rows: list[list[object]]) -> Callable[[Sheets], None]:
    def change(sheets: Sheets) -> None:
        sheets["roles"] = [["role", "can_cover"], *rows]

    return change


DEFAULT_ROLES = [
    ["doctor", "senior_student;junior_student;orderly;support"],
    ["nurse", "junior_student;orderly;support"],
    ["senior_student", "junior_student;orderly;support"],
    ["junior_student", "orderly;support"],
    ["orderly", "support"],
    ["support", ""],
]


def rules_sheet(rows: list[list[object]]) -> Callable[[Sheets], None]:
    return lambda sheets: sheets.__setitem__("rules", [["rule", "value"], *rows])


def duplicate_header(sheets: Sheets) -> None:
    sheets["facilities"][0][5] = "Region"


def several(*changes: Callable[[Sheets], None]) -> Callable[[Sheets], None]:
    def change(sheets: Sheets) -> None:
        for c in changes:
            c(sheets)

    return change


def sheet_cases() -> None:
    x = xlsx_case
    x(
        "formula_in_count",
        [
            "needs:3:count: cell G3 holds a formula (=1+1); formulas are not "
            "evaluated: replace it by its value (Copy, then Paste Special > Values)"
        ],
        edit=formula,
    )
    x(
        "merged_cells",
        [
            "needs:2:facility_id: cells B2:B3 are merged; unmerge them and write the "
            "value into every row it applies to"
        ],
        edit=merged,
    )
    x(
        "blank_rows_in_the_middle",
        [
            "needs:5:role: 'surgeon' is not a known role; known roles are "
            "doctor, nurse, paramedic, senior_student, junior_student, orderly, support (a roles sheet "
            "can define others)"
        ],
        blank_rows,
    )
    x(
        "excel_serial_date_as_number",
        [
            "needs:2:date: 46083 is a plain number, not a date (as an "
            "Excel serial date it would be 2026-03-02); format the cell as a Date or write YYYY-MM-DD "
            "(cell C2)"
        ],
        set_cell("needs", 2, "date", 46083),
    )
    x(
        "cyrillic_unknown_facility",
        ["needs:3:facility_id: 'Больница-7' is not a facility_id of the facilities sheet"],
        cyrillic,
    )
    x(
        "missing_needs_sheet",
        [
            "needs:-:-: the sheet 'needs' is missing (found: availability, "
            "facilities, volunteers); add it with its header row"
        ],
        no_needs_sheet,
    )
    x(
        "missing_role_column",
        [
            "volunteers:1:role: the column 'role' is missing; the header row "
            "has: volunteer_id, name, region, lat, lon, max_shifts_per_week, preferred_facilities"
        ],
        drop_column("volunteers", "role"),
    )
    x(
        "duplicate_volunteer_id",
        [
            "volunteers:3:volunteer_id: 'V1' is already used in row 2; each "
            "volunteer_id must be unique"
        ],
        set_cell("volunteers", 3, "volunteer_id", "V1"),
    )
    x(
        "duplicate_need_midnight_spelling",
        [
            "needs:5:-: the same shift as row 4 (F2, 2026-03-03, "
            "16:00-24:00, junior_student); put the total count in one row"
        ],
        add_row(
            "needs",
            [None, "F2", D + dt.timedelta(days=1), T(16, 0), "24:00", "Junior_Student", 1, 2],
        ),
    )
    x(
        "lat_without_lon",
        [
            "facilities:2:lon: lon is empty while the other coordinate is given; "
            "fill in both lat and lon, or neither (cell E2)"
        ],
        set_cell("facilities", 2, "lon", None),
    )
    x(
        "latitude_out_of_range",
        ["facilities:3:lat: 95.8 is out of range; it must be from -90 to 90 (cell D3)"],
        set_cell("facilities", 3, "lat", 95.8),
    )
    x(
        "unknown_volunteer_role",
        [
            "volunteers:4:role: 'surgeon' is not a known role; known roles "
            "are doctor, nurse, paramedic, senior_student, junior_student, orderly, support (a roles "
            "sheet can define others)"
        ],
        set_cell("volunteers", 4, "role", "Surgeon"),
    )
    x(
        "can_cover_unknown_role",
        [
            "roles:3:can_cover: 'paramedic' is not a role of this sheet; add "
            "a row for it or remove it (roles: doctor, junior_student, nurse, orderly, senior_student, "
            "support)"
        ],
        roles_sheet([DEFAULT_ROLES[0], ["nurse", "paramedic;orderly"], *DEFAULT_ROLES[2:]]),
    )
    x(
        "availability_unknown_volunteer",
        ["availability:3:volunteer_id: 'V99' is not a volunteer_id of the volunteers sheet"],
        set_cell("availability", 3, "volunteer_id", "V99"),
    )
    x(
        "unknown_rule",
        [
            "rules:3:rule: 'max_hours' is not a known rule; the rules are "
            "min_rest_hours, max_consecutive_days, max_distance_km, weight_priority_1, "
            "weight_priority_2, weight_priority_3"
        ],
        rules_sheet([["min_rest_hours", 9.5], ["max_hours", 40]]),
    )
    x(
        "fractional_consecutive_days",
        [
            "rules:2:value: 2.5 is not accepted for "
            "max_consecutive_days; it must be a whole number from 1 to 366"
        ],
        rules_sheet([["max_consecutive_days", 2.5]]),
    )
    x(
        "needs_header_only",
        ["needs:-:-: the sheet has a header but no rows below it"],
        header_only("needs"),
    )
    x(
        "time_25_00",
        [
            "needs:3:end: '25:00' is not a time; write HH:MM from 00:00 to 24:00, e.g. "
            "08:00 (cell E3)"
        ],
        set_cell("needs", 3, "end", "25:00"),
    )
    x(
        "count_zero",
        ["needs:2:count: 0 is out of range; it must be from 1 to 1000 (cell G2)"],
        set_cell("needs", 2, "count", 0),
    )
    x(
        "fractional_count",
        ["needs:4:count: 2.5 is not a whole number (cell G4)"],
        set_cell("needs", 4, "count", 2.5),
    )
    x(
        "priority_4",
        ["needs:4:priority: 4 is out of range; it must be from 1 to 3 (cell H4)"],
        set_cell("needs", 4, "priority", 4),
    )
    x(
        "unknown_weekday",
        [
            "availability:2:day: 'Funday' is neither a date (YYYY-MM-DD) nor a "
            "weekday (Mon, Tue, … Sun, or the full English name) (cell B2)"
        ],
        set_cell("availability", 2, "day", "Funday"),
    )
    x(
        "available_maybe",
        [
            "availability:4:available: 'maybe' is not yes or no; write yes or no "
            "(y/n, true/false, 1/0) (cell E4)"
        ],
        set_cell("availability", 4, "available", "maybe"),
    )
    x(
        "unknown_preferred_facility",
        [
            "volunteers:4:preferred_facilities: 'F2, F3' is not a "
            "facility_id of the facilities sheet; separate several ids with ';'"
        ],
        set_cell("volunteers", 4, "preferred_facilities", "F1;F2, F3"),
    )
    x(
        "duplicate_column",
        ["facilities:1:region: the column 'region' appears twice (C and F); keep one"],
        duplicate_header,
    )
    x(
        "shift_starting_at_24_00",
        [
            "needs:2:start: '24:00' can only end a shift or window; a start "
            "at midnight is 00:00 of the next day (cell D2)"
        ],
        set_cell("needs", 2, "start", "24:00"),
    )
    x(
        "empty_facility_id",
        [
            "facilities:3:facility_id: facility_id is empty; it needs a facility "
            "id, unique in the sheet (cell A3)"
        ],
        set_cell("facilities", 3, "facility_id", "  "),
    )
    x(
        "negative_weekly_limit",
        [
            "volunteers:3:max_shifts_per_week: -1 is out of range; it must be from 0 to 168 (cell G3)"
        ],
        set_cell("volunteers", 3, "max_shifts_per_week", -1),
    )
    x(
        "date_written_day_first",
        ["needs:2:date: '02.03.2026' is not a date; write YYYY-MM-DD, e.g. 2026-03-02 (cell C2)"],
        set_cell("needs", 2, "date", "02.03.2026"),
    )
    x(
        "duplicate_need_id",
        ["needs:4:need_id: 'N1' is already used in row 2; each need_id must be unique"],
        set_cell("needs", 4, "need_id", "N1"),
    )
    x(
        "date_in_year_1",
        [
            "needs:3:date: '0001-01-01' is out of range; dates from 1900-01-01 to 2199-12-31 are accepted (cell C3)"
        ],
        set_cell("needs", 3, "date", "0001-01-01"),
    )
    x(
        "date_in_year_9999",
        [
            "availability:4:day: 9999-12-31 is out of range; dates from 1900-01-01 to 2199-12-31 are accepted (cell B4)"
        ],
        set_cell("availability", 4, "day", dt.date(9999, 12, 31)),
    )
    x(
        "count_a_million",
        ["needs:2:count: 1000000 is out of range; it must be from 1 to 1000 (cell G2)"],
        set_cell("needs", 2, "count", 1_000_000),
    )
    x(
        "count_1e30",
        ["needs:3:count: 1e+30 is out of range; it must be from 1 to 1000 (cell G3)"],
        set_cell("needs", 3, "count", "1e30"),
    )
    x(
        "weight_1e30",
        [
            "rules:2:value: 1e+30 is not accepted for weight_priority_1; it must be a weight, more than 0 and at most 1,000,000"
        ],
        rules_sheet([["weight_priority_1", 1e30]]),
    )
    x(
        "name_of_32767_characters",
        [
            "volunteers:2:name: '"
            + "A" * 60
            + "…' (32,767 characters) is too long; at most 300 characters are accepted (cell B2)"
        ],
        set_cell("volunteers", 2, "name", "A" * 32_767),  # the most an Excel cell holds
    )
    x(
        "line_break_in_facility_id",
        ["facilities:3:facility_id: 'F2\\nX' holds a line break; write it on one line (cell A3)"],
        set_cell("facilities", 3, "facility_id", "F2\r\nX"),
    )
    csv_case(
        "control_code_in_address",
        ["facilities:2:address: '1 Main\\x07St' holds the control character U+0007; delete it"],
        set_cell("facilities", 2, "address", "1 Main\x07St"),
    )
    csv_case(
        "csv_semicolon_bad_time",
        ["needs:3:start: '8h' is not a time; write HH:MM from 00:00 to 24:00, e.g. 08:00"],
        set_cell("needs", 3, "start", "8h"),
    )


def cp1251_case() -> None:
    sheets = base()
    sheets["volunteers"][1][1] = "Анна Петрова"
    folder = (
        case(
            "csv_not_utf8",
            [
                "volunteers:-:-: volunteers.csv: the file is not UTF-8 text "
                "(byte 0xc0 on line 2); in Excel use Save As > 'CSV UTF-8 "
                "(Comma delimited)'"
            ],
        )
        / "input"
    )
    save_csv({k: v for k, v in sheets.items() if k != "volunteers"}, folder)
    save_csv({"volunteers": sheets["volunteers"]}, folder, encoding="cp1251")


def main() -> None:
    shutil.rmtree(CASES, ignore_errors=True)
    file_cases()
    sheet_cases()
    cp1251_case()
    print(f"{len(list(CASES.iterdir()))} cases in {CASES}")


if __name__ == "__main__":
    main()
