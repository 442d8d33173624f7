"""Getting raw rows out of a workbook or a folder of CSV files, safely.

Files come from hospitals and may be broken or hostile: this module refuses
what is too big, what only pretends to be a workbook, zip bombs, formulas and
merged cells, and turns every parse failure into a `Problem`. It knows
nothing of what the columns mean; `scheduler.intake.schema` does.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree
from python_calamine import CalamineError, CalamineWorkbook

from scheduler.problems import InvalidInput, Problem, Severity

SHEETS = ("facilities", "volunteers", "availability", "needs", "roles", "rules")
INSTRUCTION_SHEETS = frozenset({"how to fill in", "readme", "instructions"})


@dataclass(frozen=True)
class Limits:
    """Ceilings that keep a hostile or mistaken file from exhausting the machine.

    National data (7,000 volunteers, 20,000 availability rows) is about 3 MB
    as xlsx and 25 MB unpacked; ten times that still fits.
    """

    max_file_bytes: int = 40 * 2**20
    max_unpacked_bytes: int = 400 * 2**20
    max_compression_ratio: int = 100  # real sheets pack 5-20x; bombs 1000x
    max_rows: int = 1_000_000
    max_columns: int = 200


DEFAULT_LIMITS = Limits()


@dataclass
class RawSheet:
    """A sheet's cells as read, before any meaning is given to them.

    `rows` holds `(excel_row_number, cells)` for every row that is not blank;
    `header` maps each normalised column name to its position.
    """

    name: str
    header: dict[str, int]
    rows: list[tuple[int, list[object]]]
    header_row: int = 1
    labels: dict[str, str] = field(default_factory=dict)  # name -> as written, e.g. "C (date)"


def read_sheets(
    path: Path, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, RawSheet], list[Problem]]:
    """Read every known sheet of INPUT (an .xlsx file or a CSV folder).

    Raises `InvalidInput` when the file itself cannot be read; returns the
    sheets and the warnings (extra sheets, extra columns) otherwise.
    """
    if path.is_dir():
        return _read_csv_folder(path, limits)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raise _file_problem(
            path,
            "a single CSV file holds one sheet only; put facilities.csv, volunteers.csv, "
            "needs.csv (and the optional sheets) into one folder and give the folder",
        )
    if suffix not in (".xlsx", ".xlsm"):
        raise _file_problem(
            path,
            f"'{path.name}' is not an .xlsx workbook; save it from Excel as "
            "'Excel Workbook (.xlsx)', or give a folder of CSV files",
        )
    return read_workbook(path, limits)


# --- workbooks -------------------------------------------------------------------------


def read_workbook(
    path: Path,
    limits: Limits = DEFAULT_LIMITS,
    known: tuple[str, ...] = SHEETS,
    warn_unknown: bool = True,
) -> tuple[dict[str, RawSheet], list[Problem]]:
    """The sheets named in `known` (compared without case), after every safety check."""
    data = _read_bytes(path, limits)
    _check_is_zip(path, data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _file_problem(
            path, f"the workbook is damaged ({exc}); open and save it again in Excel"
        ) from None
    with archive:
        _check_unpacked_size(path, archive, limits)
        parts = _sheet_parts(path, archive)
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (CalamineError, ValueError, OSError) as exc:
            raise _file_problem(
                path,
                f"the workbook cannot be read ({exc}); open and save it again in Excel as .xlsx",
            ) from None
        sheets: dict[str, RawSheet] = {}
        problems: list[Problem] = []
        for title in book.sheet_names:
            name = title.strip().lower()
            if name not in known:
                if warn_unknown and name not in INSTRUCTION_SHEETS:
                    problems.append(
                        Problem(
                            title,
                            None,
                            None,
                            "this sheet is not part of the format and is ignored",
                            Severity.WARNING,
                        )
                    )
                continue
            if name in sheets:
                problems.append(
                    Problem(
                        title, None, None, f"a second sheet named '{name}'; keep one sheet per name"
                    )
                )
                continue
            sheet, found = _read_calamine_sheet(book, title, name, limits)
            problems += found
            if sheet is not None:
                problems += _formula_problems(archive, parts.get(title), sheet)
                sheets[name] = sheet
        return sheets, problems


def _read_bytes(path: Path, limits: Limits, sheet: str | None = None) -> bytes:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _file_problem(
            path,
            f"the file is {size / 2**20:.1f} MB, more than the "
            f"{limits.max_file_bytes / 2**20:.0f} MB accepted; split it or "
            "remove what is not needed",
            sheet,
        )
    if size == 0:
        raise _file_problem(path, "the file is empty", sheet)
    return path.read_bytes()


def _check_is_zip(path: Path, data: bytes) -> None:
    if data.startswith(b"PK\x03\x04"):
        return
    head = data[:512].lstrip().lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        what = (
            "an old Excel 97-2003 (.xls) workbook or a password-protected one; open it in "
            "Excel, remove any password and save it as 'Excel Workbook (.xlsx)'"
        )
    elif data.startswith(b"%PDF"):
        what = "a PDF document renamed to .xlsx; the scheduler needs the spreadsheet itself"
    elif head.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        what = (
            "a web page or XML file renamed to .xlsx; open it in Excel and save it as "
            "'Excel Workbook (.xlsx)'"
        )
    elif _looks_like_text(data[:4096]):
        what = (
            "a text (CSV?) file renamed to .xlsx; open it in Excel and save it as "
            "'Excel Workbook (.xlsx)', or put one CSV per sheet into a folder"
        )
    else:
        what = "not an Excel .xlsx workbook; save it from Excel as 'Excel Workbook (.xlsx)'"
    raise _file_problem(path, f"this file is {what}")


def _looks_like_text(sample: bytes) -> bool:
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # a character cut at the end of the sample
    return True


def _check_unpacked_size(path: Path, archive: zipfile.ZipFile, limits: Limits) -> None:
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise _file_problem(
            path,
            f"the workbook unpacks to {total / 2**20:,.0f} MB, more than "
            f"the {limits.max_unpacked_bytes / 2**20:,.0f} MB accepted; it is "
            "either far too large or built to exhaust memory (a zip bomb)",
        )
    for m in members:
        if m.file_size > 2**20 and m.file_size > limits.max_compression_ratio * max(
            m.compress_size, 1
        ):
            raise _file_problem(
                path,
                f"part '{m.filename}' is compressed "
                f"{m.file_size // max(m.compress_size, 1):,} to 1, which no real "
                "spreadsheet is (a zip bomb); the file was not read",
            )


def _read_calamine_sheet(
    book: CalamineWorkbook, title: str, name: str, limits: Limits
) -> tuple[RawSheet | None, list[Problem]]:
    try:
        sheet = book.get_sheet_by_name(title)
        if sheet.total_height > limits.max_rows + 1 or sheet.total_width > limits.max_columns:
            return None, [
                Problem(
                    name,
                    None,
                    None,
                    f"the sheet spans {sheet.total_height:,} rows "
                    f"and {sheet.total_width:,} columns, more than the "
                    f"{limits.max_rows:,} rows and {limits.max_columns} columns "
                    "accepted; delete the unused rows and columns",
                )
            ]
        cells = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except (CalamineError, ValueError, OverflowError) as exc:
        return None, [
            Problem(
                name,
                None,
                None,
                f"the sheet cannot be read ({exc}); save the workbook again in Excel",
            )
        ]
    rows = (
        (number, ["" if c is None else c for c in row]) for number, row in enumerate(cells, start=1)
    )
    sheet_data, problems = _assemble(name, rows, lambda i: _column_letter(i), limits)
    if sheet_data is not None:
        problems += _merged_problems(sheet_data, merged)
    return sheet_data, problems


def _merged_problems(sheet: RawSheet, merged: list) -> list[Problem]:
    used = {i: col for col, i in sheet.header.items()}
    problems = []
    for (r0, c0), (r1, c1) in merged:
        columns = [used[c] for c in range(c0, c1 + 1) if c in used]
        if not columns or r1 + 1 <= sheet.header_row:
            continue
        span = f"{_column_letter(c0)}{r0 + 1}:{_column_letter(c1)}{r1 + 1}"
        problems.append(
            Problem(
                sheet.name,
                r0 + 1,
                columns[0],
                f"cells {span} are merged; "
                "unmerge them and write the value into every row it applies to",
            )
        )
    return problems


_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)<)'
)


def _formula_problems(archive: zipfile.ZipFile, part: str | None, sheet: RawSheet) -> list[Problem]:
    """Formulas in columns we read: we never evaluate them, so a clerk must paste values."""
    if part is None:
        return []
    xml = archive.read(part)
    if b"<f" not in xml and b":f" not in xml:
        return []
    columns = {_column_letter(i): name for name, i in sheet.header.items()}
    problems = []
    for match in _FORMULA_CELL.finditer(xml):
        letters, row = match.group(1).decode(), int(match.group(2))
        if letters not in columns or row <= sheet.header_row:
            continue
        text = (match.group(3) or b"").decode("utf-8", "replace")
        shown = f" (={text})" if text else ""
        problems.append(
            Problem(
                sheet.name,
                row,
                columns[letters],
                f"cell {letters}{row} holds "
                f"a formula{shown}; formulas are not evaluated: replace it by its "
                "value (Copy, then Paste Special > Values)",
            )
        )
    return problems


def _sheet_parts(path: Path, archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> its XML part inside the archive, from the workbook's own index."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise _file_problem(
            path,
            "this zip file is not an Excel workbook (no xl/workbook.xml); "
            "save the data from Excel as 'Excel Workbook (.xlsx)'",
        ) from None
    except Exception as exc:  # defusedxml raises several types for hostile XML
        raise _file_problem(
            path,
            f"the workbook's index cannot be read ({type(exc).__name__}); "
            "open and save it again in Excel",
        ) from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for element in book.iter():
        if element.tag.endswith("}sheet"):
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            full = (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
            )
            parts[element.get("name", "")] = full
    return {title: part for title, part in parts.items() if part in archive.namelist()}


# --- CSV folders ------------------------------------------------------------------------


def _read_csv_folder(folder: Path, limits: Limits) -> tuple[dict[str, RawSheet], list[Problem]]:
    sheets: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    for file in sorted(folder.iterdir()):
        if file.suffix.lower() != ".csv" or not file.is_file():
            continue
        name = file.stem.strip().lower()
        if name not in SHEETS:
            problems.append(
                Problem(
                    file.name,
                    None,
                    None,
                    "this file is not part of the format and is ignored",
                    Severity.WARNING,
                )
            )
            continue
        if name in sheets:
            problems.append(
                Problem(
                    file.name,
                    None,
                    None,
                    f"a second file for the sheet '{name}'"
                    " (file names are compared without case); keep one",
                )
            )
            continue
        try:
            sheet, found = read_csv_sheet(file, name, limits)
        except InvalidInput as exc:
            problems += exc.problems
            continue
        problems += found
        if sheet is not None:
            sheets[name] = sheet
    if not sheets and not problems:
        raise _file_problem(
            folder,
            "the folder holds no CSV files; it needs facilities.csv, "
            "volunteers.csv and needs.csv (availability.csv, roles.csv and "
            "rules.csv are optional)",
        )
    return sheets, problems


def read_csv_sheet(
    file: Path, name: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[RawSheet | None, list[Problem]]:
    """One CSV file as the sheet `name`; raises `InvalidInput` if it cannot be decoded."""
    records = _csv_rows(_decode_csv(file, limits, name), name)
    return _assemble(name, records, lambda i: f"column {i + 1}", limits)


def _decode_csv(file: Path, limits: Limits, sheet: str) -> str:
    data = _read_bytes(file, limits, sheet)
    if b"\x00" in data[:4096]:
        raise _file_problem(
            file,
            "this is not a text CSV file (it holds binary data); in Excel "
            "use Save As > 'CSV UTF-8 (Comma delimited)'",
            sheet,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _file_problem(
            file,
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} on "
            f"line {line}); in Excel use Save As > 'CSV UTF-8 (Comma delimited)'",
            sheet,
        ) from None


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, list[object]]]:
    """Records numbered as Excel shows a CSV: one row per record, header row 1.

    The text is handed to the parser a line at a time, never copied whole:
    a 40 MB file stays 40 MB in memory.
    """
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = max(",;\t", key=first_line.count)  # Excel in many locales writes ';'
    reader = csv.reader(_lines(text), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(
                [
                    Problem(
                        name,
                        number + 1,
                        None,
                        f"this row cannot be read ({exc}); a cell may hold more than "
                        f"{csv.field_size_limit():,} characters, often because a quote "
                        '" opens a cell and is never closed',
                    )
                ]
            ) from None
        number += 1
        yield number, cells  # type: ignore[misc]


def _lines(text: str) -> Iterator[str]:
    """The lines of `text`, each with its line ending, as `csv.reader` takes them."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


# --- shared -----------------------------------------------------------------------------


def _assemble(
    name: str, rows: Iterator[tuple[int, list[object]]], label, limits: Limits = DEFAULT_LIMITS
) -> tuple[RawSheet | None, list[Problem]]:
    """Find the header (the first non-blank row), keep the non-blank rows below it.

    Stops at `limits.max_rows` rows: past it the sheet is refused whole,
    before more of it is held in memory.
    """
    problems: list[Problem] = []
    header_row, header_cells = next(((n, r) for n, r in rows if not _blank(r)), (None, None))
    if header_row is None or header_cells is None:
        return None, [
            Problem(
                name,
                None,
                None,
                "the sheet is empty; it needs a header row "
                "with the column names, then one row per entry",
            )
        ]
    if len(header_cells) > limits.max_columns:
        return None, [
            Problem(
                name,
                header_row,
                None,
                f"the header row has {len(header_cells):,} cells, more than the "
                f"{limits.max_columns} columns accepted; delete the unused columns",
            )
        ]
    header: dict[str, int] = {}
    labels: dict[str, str] = {}
    for i, cell in enumerate(header_cells):
        column = str(cell).strip().lower() if not _empty(cell) else ""
        if not column:
            continue
        if column in header:
            problems.append(
                Problem(
                    name,
                    header_row,
                    column,
                    f"the column '{column}' appears "
                    f"twice ({labels[column]} and {label(i)}); keep one",
                )
            )
            continue
        header[column] = i
        labels[column] = label(i)
    body = []
    for number, cells in rows:
        if _blank(cells):
            continue
        if len(body) == limits.max_rows:
            raise InvalidInput(
                [
                    Problem(
                        name,
                        number,
                        None,
                        f"the sheet has more than {limits.max_rows:,} rows, the most accepted "
                        "at once; split it into several files",
                    )
                ]
            )
        if len(cells) > limits.max_columns:
            cells = cells[: limits.max_columns]
        body.append((number, cells))
    return RawSheet(name, header, body, header_row, labels), problems


def _empty(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _blank(cells: list[object]) -> bool:
    return all(_empty(c) for c in cells)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _file_problem(path: Path, message: str, sheet: str | None = None) -> InvalidInput:
    """A problem with a whole file: the `sheet` part names the file (or its sheet)."""
    where = sheet or path.name
    text = message if sheet is None else f"{path.name}: {message}"
    return InvalidInput([Problem(where, None, None, text)])
