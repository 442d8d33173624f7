"""Reading an .xlsx workbook safely: files come from hospitals and may be broken or hostile.

Refuses what is too big, what only pretends to be a workbook, zip bombs,
formulas and merged cells, and turns every parse failure into a `Problem`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree
from python_calamine import CalamineError, CalamineWorkbook

from scheduler.i18n import figure, gettext
from scheduler.intake.raw import (
    DEFAULT_LIMITS,
    INSTRUCTION_SHEETS,
    SHEETS,
    Limits,
    RawSheet,
    assemble,
    column_letter,
    file_problem,
    read_bytes,
)
from scheduler.problems import Problem, Severity


def read_workbook(
    path: Path,
    limits: Limits = DEFAULT_LIMITS,
    known: tuple[str, ...] = SHEETS,
    warn_unknown: bool = True,
) -> tuple[dict[str, RawSheet], list[Problem]]:
    """The sheets named in `known` (compared without case), after every safety check."""
    data = read_bytes(path, limits)
    _check_is_zip(path, data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise file_problem(
            path,
            gettext(
                "the workbook is damaged (%(error)s); open and save it again in Excel", error=exc
            ),
        ) from None
    with archive:
        _check_unpacked_size(path, archive, limits)
        parts = _sheet_parts(path, archive)
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (CalamineError, ValueError, OSError) as exc:
            raise file_problem(
                path,
                gettext(
                    "the workbook cannot be read (%(error)s); open and save it again in Excel "
                    "as .xlsx",
                    error=exc,
                ),
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
                            gettext("this sheet is not part of the format and is ignored"),
                            Severity.WARNING,
                        )
                    )
                continue
            if name in sheets:
                problems.append(
                    Problem(
                        title,
                        None,
                        None,
                        gettext(
                            "a second sheet named '%(name)s'; keep one sheet per name", name=name
                        ),
                    )
                )
                continue
            sheet, found = _read_calamine_sheet(book, title, name, limits)
            problems += found
            if sheet is not None:
                problems += _formula_problems(archive, parts.get(title), sheet)
                sheets[name] = sheet
        return sheets, problems


def _check_is_zip(path: Path, data: bytes) -> None:
    if data.startswith(b"PK\x03\x04"):
        return
    head = data[:512].lstrip().lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        what = gettext(
            "this file is an old Excel 97-2003 (.xls) workbook or a password-protected one; "
            "open it in Excel, remove any password and save it as 'Excel Workbook (.xlsx)'"
        )
    elif data.startswith(b"%PDF"):
        what = gettext(
            "this file is a PDF document renamed to .xlsx; the scheduler needs the "
            "spreadsheet itself"
        )
    elif head.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        what = gettext(
            "this file is a web page or XML file renamed to .xlsx; open it in Excel and save "
            "it as 'Excel Workbook (.xlsx)'"
        )
    elif _looks_like_text(data[:4096]):
        what = gettext(
            "this file is a text (CSV?) file renamed to .xlsx; open it in Excel and save it "
            "as 'Excel Workbook (.xlsx)', or put one CSV per sheet into a folder"
        )
    else:
        what = gettext(
            "this file is not an Excel .xlsx workbook; save it from Excel as "
            "'Excel Workbook (.xlsx)'"
        )
    raise file_problem(path, what)


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
        raise file_problem(
            path,
            gettext(
                "the workbook unpacks to %(size)s MB, more than the %(most)s MB accepted; it "
                "is either far too large or built to exhaust memory (a zip bomb)",
                size=figure(total / 2**20, ",.0f"),
                most=figure(limits.max_unpacked_bytes / 2**20, ",.0f"),
            ),
        )
    for m in members:
        if m.file_size > 2**20 and m.file_size > limits.max_compression_ratio * max(
            m.compress_size, 1
        ):
            raise file_problem(
                path,
                gettext(
                    "part '%(part)s' is compressed %(ratio)s to 1, which no real "
                    "spreadsheet is (a zip bomb); the file was not read",
                    part=m.filename,
                    ratio=figure(m.file_size // max(m.compress_size, 1), ","),
                ),
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
                    gettext(
                        "the sheet spans %(rows)s rows and %(columns)s columns, more than the "
                        "%(most_rows)s rows and %(most_columns)s columns accepted; delete the "
                        "unused rows and columns",
                        rows=figure(sheet.total_height, ","),
                        columns=figure(sheet.total_width, ","),
                        most_rows=figure(limits.max_rows, ","),
                        most_columns=limits.max_columns,
                    ),
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
                gettext(
                    "the sheet cannot be read (%(error)s); save the workbook again in Excel",
                    error=exc,
                ),
            )
        ]
    rows: Iterator[tuple[int, list[object]]] = (
        (number, ["" if c is None else c for c in row]) for number, row in enumerate(cells, start=1)
    )
    sheet_data, problems = assemble(name, rows, lambda i: column_letter(i), limits)
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
        span = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
        problems.append(
            Problem(
                sheet.name,
                r0 + 1,
                columns[0],
                gettext(
                    "cells %(span)s are merged; "
                    "unmerge them and write the value into every row it applies to",
                    span=span,
                ),
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
    columns = {column_letter(i): name for name, i in sheet.header.items()}
    problems = []
    for match in _FORMULA_CELL.finditer(xml):
        letters, row = match.group(1).decode(), int(match.group(2))
        if letters not in columns or row <= sheet.header_row:
            continue
        text = (match.group(3) or b"").decode("utf-8", "replace")
        formula = gettext("a formula (=%(text)s)", text=text) if text else gettext("a formula")
        cell = f"{letters}{row}"
        problems.append(
            Problem(
                sheet.name,
                row,
                columns[letters],
                gettext(
                    "cell %(cell)s holds %(formula)s; formulas are not evaluated: replace it by "
                    "its value (Copy, then Paste Special > Values)",
                    cell=cell,
                    formula=formula,
                ),
            )
        )
    return problems


def _sheet_parts(path: Path, archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> its XML part inside the archive, from the workbook's own index."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise file_problem(
            path,
            gettext(
                "this zip file is not an Excel workbook (no xl/workbook.xml); "
                "save the data from Excel as 'Excel Workbook (.xlsx)'"
            ),
        ) from None
    except Exception as exc:  # defusedxml raises several types for hostile XML
        raise file_problem(
            path,
            gettext(
                "the workbook's index cannot be read (%(error)s); open and save it again in Excel",
                error=type(exc).__name__,
            ),
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
