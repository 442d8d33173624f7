"""Sheets as read, before any meaning is given to their cells, and the limits on reading.

Shared by the workbook and the CSV readers: the header found, blank rows
skipped, a sheet refused as soon as it passes `Limits.max_rows`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.i18n import figure, gettext
from scheduler.problems import InvalidInput, Problem

SHEETS = ("facilities", "volunteers", "availability", "needs", "credentials", "roles", "rules")


# The template's first sheet in each language (scheduler.intake.template.INSTRUCTIONS), and
# the names people give such a sheet: never read, never warned about.
INSTRUCTION_SHEETS = frozenset(
    {"how to fill in", "readme", "instructions", "как заполнять", "инструкция"}
)


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


def read_bytes(path: Path, limits: Limits, sheet: str | None = None) -> bytes:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise file_problem(
            path,
            gettext(
                "the file is %(size)s MB, more than the %(most)s MB accepted; split it or "
                "remove what is not needed",
                size=figure(size / 2**20, ".1f"),
                most=figure(limits.max_file_bytes / 2**20, ".0f"),
            ),
            sheet,
        )
    if size == 0:
        raise file_problem(path, gettext("the file is empty"), sheet)
    return path.read_bytes()


def assemble(
    name: str, rows: Iterator[tuple[int, list[object]]], label, limits: Limits = DEFAULT_LIMITS
) -> tuple[RawSheet | None, list[Problem]]:
    """Find the header (the first non-blank row), keep the non-blank rows below it.

    Stops at `limits.max_rows` rows: past it the sheet is refused whole,
    before more of it is held in memory.
    """
    problems: list[Problem] = []
    header_row, header_cells = next(((n, r) for n, r in rows if not is_blank(r)), (None, None))
    if header_row is None or header_cells is None:
        return None, [
            Problem(
                name,
                None,
                None,
                gettext(
                    "the sheet is empty; it needs a header row "
                    "with the column names, then one row per entry"
                ),
            )
        ]
    if len(header_cells) > limits.max_columns:
        return None, [
            Problem(
                name,
                header_row,
                None,
                gettext(
                    "the header row has %(cells)s cells, more than the %(most)s columns "
                    "accepted; delete the unused columns",
                    cells=figure(len(header_cells), ","),
                    most=limits.max_columns,
                ),
            )
        ]
    header: dict[str, int] = {}
    labels: dict[str, str] = {}
    for i, cell in enumerate(header_cells):
        column = str(cell).strip().lower() if not is_empty(cell) else ""
        if not column:
            continue
        if column in header:
            problems.append(
                Problem(
                    name,
                    header_row,
                    column,
                    gettext(
                        "the column '%(column)s' appears twice (%(first)s and %(second)s); "
                        "keep one",
                        column=column,
                        first=labels[column],
                        second=label(i),
                    ),
                )
            )
            continue
        header[column] = i
        labels[column] = label(i)
    body: list[tuple[int, list[object]]] = []
    lines = 2 * limits.max_rows  # blank rows are skipped, but reading them takes time too
    for number, cells in rows:
        if number > lines:
            raise InvalidInput(
                [
                    Problem(
                        name,
                        number,
                        None,
                        gettext(
                            "the sheet has more than %(lines)s rows, blank ones included; "
                            "delete the empty rows at its end",
                            lines=figure(lines, ","),
                        ),
                    )
                ]
            )
        if is_blank(cells):
            continue
        if len(body) == limits.max_rows:
            raise InvalidInput(
                [
                    Problem(
                        name,
                        number,
                        None,
                        gettext(
                            "the sheet has more than %(most)s rows, the most accepted "
                            "at once; split it into several files",
                            most=figure(limits.max_rows, ","),
                        ),
                    )
                ]
            )
        if len(cells) > limits.max_columns:
            cells = cells[: limits.max_columns]
        body.append((number, cells))
    return RawSheet(name, header, body, header_row, labels), problems


def is_empty(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def is_blank(cells: list[object]) -> bool:
    return all(is_empty(c) for c in cells)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def file_problem(path: Path, message: str, sheet: str | None = None) -> InvalidInput:
    """A problem with a whole file: the `sheet` part names the file (or its sheet)."""
    where = sheet or path.name
    text = message if sheet is None else f"{path.name}: {message}"
    return InvalidInput([Problem(where, None, None, text)])
