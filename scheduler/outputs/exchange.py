"""Assignments as a CSV file, for the payroll, messaging and HR systems that do not read xlsx.

The file has the roster's `Assignments` columns in the roster's order, so a
program written against one reads the other; `scheduler check` reads it back
as a roster. It is UTF-8 with a byte-order mark, because Excel opens a CSV
without one in the local code page and turns Cyrillic names into mojibake.

**Formula injection.** Names, addresses and phones come from uploads we do
not control, and a spreadsheet that opens the CSV runs a cell such as
`=HYPERLINK("http://evil","click")` as a formula. Following the OWASP
CSV-injection advice, every cell that starts with `=`, `+`, `-`, `@`, a tab
or a carriage return is written with a single quote `'` in front, which
spreadsheets treat as "this is text". We quote without exceptions: a phone
`+7 900 …` or a name `-2+3` gets the quote too (OWASP: `-2+3` is a formula,
and recognising "harmless" numbers is where bypasses live; no column we write
holds a negative number). Two more leading characters are quoted to keep the
rule reversible and conservative: a line feed, and the quote itself (so
`'tis` is written `''tis`). A program that wants the exact text back drops
one leading `'` from any cell that has one: `restore(defuse(x)) == x`.

Files are written beside their target and renamed into place, so a crash
never leaves half a file where another system picks it up.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from scheduler.domain import Dataset, Facility, Need, Volunteer
from scheduler.outputs.roster import ASSIGNMENT_COLUMNS, shift_cells

# OWASP's list (= + - @ tab CR), plus LF and the quote itself (see the module docstring).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "'")

Resolved = tuple[Need, Volunteer, Facility]


def write_assignments_csv(
    dataset: Dataset, assignments: Iterable[tuple[str, str]], path: Path
) -> None:
    """One row per (need_id, volunteer_id), sorted like the roster's Assignments sheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 and Excel both want CRLF
    writer.writerow(ASSIGNMENT_COLUMNS)
    writer.writerows(
        [defuse(cell) for cell in row] for row in assignment_rows(dataset, assignments)
    )
    write_atomically(path, buffer.getvalue().encode("utf-8-sig"))


def assignment_rows(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The ASSIGNMENT_COLUMNS cells as plain text (not yet defused), in the workbook's order.

    Sorted by region, facility, shift start, need id, volunteer name and id,
    as the roster sorts its Assignments sheet.
    """
    rows = []
    for need, volunteer, facility in resolve(dataset, assignments):
        key = (facility.region, facility.id, need.start, need.id, volunteer.name, volunteer.id)
        cells = [*shift_text(need, facility), volunteer.id, volunteer.name, volunteer.role]
        rows.append((key, [*cells, volunteer.phone]))
    rows.sort(key=lambda r: r[0])
    return [cells for _, cells in rows]


def shift_text(need: Need, facility: Facility) -> list[str]:
    """The workbook's SHIFT_COLUMNS cells as text (a CSV has no date or number cells).

    Dates are ISO, times `HH:MM`, and a shift ending at midnight reads
    `24:00`, as clerks write it, so no reader takes it for 00:00 of its start day.
    """
    return [
        cell.isoformat() if isinstance(cell, dt.date) else str(cell)
        for cell in shift_cells(need, facility)
    ]


def defuse(cell: str) -> str:
    """The cell with a leading `'` when a spreadsheet could take it for a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def restore(cell: str) -> str:
    """The exact text `defuse` was given: drop one leading `'`."""
    return cell.removeprefix("'")


def resolve(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> list[Resolved]:
    """Each (need_id, volunteer_id) as its need, volunteer and facility.

    An export must never drop a shift quietly, so unknown ids raise
    `ValueError` naming every one of them.
    """
    needs, volunteers = dataset.need_by_id, dataset.volunteer_by_id
    pairs = list(assignments)
    unknown_needs = sorted({n for n, _ in pairs if n not in needs})
    unknown_volunteers = sorted({v for _, v in pairs if v not in volunteers})
    if unknown_needs or unknown_volunteers:
        raise ValueError(
            "the assignments name ids the dataset does not have "
            f"(need_id: {unknown_needs or 'none'}; volunteer_id: {unknown_volunteers or 'none'}); "
            "export the assignments of a roster solved or checked against this same input"
        )
    facilities = dataset.facility_by_id
    return [(needs[n], volunteers[v], facilities[needs[n].facility_id]) for n, v in pairs]


def write_atomically(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, rename it into place.

    A reader sees the old file or the whole new one, never a half-written one.
    `sync=False` skips the fsync, for thousands of small files written in one
    go (calendars), where it would cost seconds and guard only against a
    power cut, after which the export is simply run again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            if sync:
                os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; an export is for others to read
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
