"""Reading CSV files: one per sheet, in a folder or uploaded alone, a line at a time."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from scheduler.i18n import figure, gettext
from scheduler.intake.raw import (
    DEFAULT_LIMITS,
    SHEETS,
    Limits,
    RawSheet,
    assemble,
    file_problem,
    read_bytes,
)
from scheduler.problems import InvalidInput, Problem, Severity


def read_csv_folder(folder: Path, limits: Limits) -> tuple[dict[str, RawSheet], list[Problem]]:
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
                    gettext("this file is not part of the format and is ignored"),
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
                    gettext(
                        "a second file for the sheet '%(name)s' (file names are compared "
                        "without case); keep one",
                        name=name,
                    ),
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
        raise file_problem(
            folder,
            gettext(
                "the folder holds no CSV files; it needs facilities.csv, "
                "volunteers.csv and needs.csv (availability.csv, credentials.csv, roles.csv "
                "and rules.csv are optional)"
            ),
        )
    return sheets, problems


def read_csv_sheet(
    file: Path, name: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[RawSheet | None, list[Problem]]:
    """One CSV file as the sheet `name`; raises `InvalidInput` if it cannot be decoded."""
    records = _csv_rows(_decode_csv(file, limits, name), name)
    return assemble(name, records, lambda i: gettext("column %(number)s", number=i + 1), limits)


def _decode_csv(file: Path, limits: Limits, sheet: str) -> str:
    data = read_bytes(file, limits, sheet)
    if b"\x00" in data[:4096]:
        raise file_problem(
            file,
            gettext(
                "this is not a text CSV file (it holds binary data); in Excel "
                "use Save As > 'CSV UTF-8 (Comma delimited)'"
            ),
            sheet,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = f"0x{data[exc.start]:02x}"
        raise file_problem(
            file,
            gettext(
                "the file is not UTF-8 text (byte %(byte)s on line %(line)s); in Excel use "
                "Save As > 'CSV UTF-8 (Comma delimited)'",
                byte=byte,
                line=line,
            ),
            sheet,
        ) from None


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, list[object]]]:
    """Records numbered as Excel shows a CSV: one row per record, header row 1.

    The text is handed to the parser a line at a time: the decoded text is
    held once, not copied again into a buffer or a list of lines.
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
                        gettext(
                            "this row cannot be read (%(error)s); a cell may hold more than "
                            '%(most)s characters, often because a quote " opens a cell and '
                            "is never closed",
                            error=exc,
                            most=figure(csv.field_size_limit(), ","),
                        ),
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
