"""The roster workbook: the contract's `Assignments` and `Unfilled` sheets, and a summary.

Written with openpyxl in write-only mode (streamed, so national rosters stay
fast and small in memory) and atomically: a crash never leaves half a file
where a coordinator expects a roster.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from scheduler.domain import Dataset, Need
from scheduler.solver import SolveResult

ASSIGNMENT_COLUMNS = ("need_id", "facility_id", "facility_name", "region", "date", "start",
                      "end", "role", "priority", "volunteer_id", "volunteer_name",
                      "volunteer_role", "phone")
UNFILLED_COLUMNS = ("need_id", "facility_id", "facility_name", "region", "date", "start", "end",
                    "role", "priority", "count", "filled", "open", "reason")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_roster(dataset: Dataset, result: SolveResult, path: Path) -> None:
    book = Workbook(write_only=True)
    _summary(book.create_sheet("Summary"), dataset, result)
    _assignments(book.create_sheet("Assignments"), dataset, result.assignments)
    _unfilled(book.create_sheet("Unfilled"), dataset, result.assignments, result.eligible)
    _save_atomically(book, path)


def _summary(sheet: WriteOnlyWorksheet, dataset: Dataset, result: SolveResult) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 22
    share = result.weighted_coverage / result.upper_bound if result.upper_bound else 1.0
    rows = [
        ("Roster summary", ""),
        ("weighted coverage", result.weighted_coverage),
        ("proven upper bound", result.upper_bound),
        ("share of the bound", f"{share:.3%}"),
        ("places filled", result.filled),
        ("places wanted", result.demand),
        ("places open", result.demand - result.filled),
        ("solver status", result.status.value),
        ("how the parts were solved", result.termination),
        ("seconds", round(sum(result.seconds.values()), 2)),
    ]
    for label, value in rows:
        sheet.append([_cell(sheet, label, bold=label == "Roster summary"), value])


def _assignments(sheet: WriteOnlyWorksheet, dataset: Dataset,
                 assignments: Iterable[tuple[str, str]]) -> None:
    _header(sheet, ASSIGNMENT_COLUMNS, (14, 12, 30, 14, 11, 7, 7, 15, 8, 12, 26, 15, 16))
    facilities, volunteers, needs = dataset.facility_by_id, dataset.volunteer_by_id, dataset.need_by_id
    rows = []
    for need_id, volunteer_id in assignments:
        need, volunteer = needs[need_id], volunteers[volunteer_id]
        facility = facilities[need.facility_id]
        rows.append(((facility.region, facility.id, need.start, need.id, volunteer.name),
                     [need.id, facility.id, facility.name, facility.region_name, *_when(need),
                      need.role, int(need.priority), volunteer.id, volunteer.name, volunteer.role,
                      volunteer.phone]))
    for _, row in sorted(rows, key=lambda r: r[0]):
        sheet.append(_safe(sheet, row))


def _unfilled(sheet: WriteOnlyWorksheet, dataset: Dataset, assignments: Iterable[tuple[str, str]],
              eligible: dict[str, int]) -> None:
    _header(sheet, UNFILLED_COLUMNS, (14, 12, 30, 14, 11, 7, 7, 15, 8, 7, 7, 7, 70))
    filled = Counter(need_id for need_id, _ in assignments)
    facilities = dataset.facility_by_id
    open_needs = [n for n in dataset.needs if filled[n.id] < n.count]
    open_needs.sort(key=lambda n: (n.priority, facilities[n.facility_id].region, n.start))
    for need in open_needs:
        facility = facilities[need.facility_id]
        row = [need.id, facility.id, facility.name, facility.region_name, *_when(need), need.role,
               int(need.priority), need.count, filled[need.id], need.count - filled[need.id],
               unfilled_reason(eligible.get(need.id, 0), filled[need.id])]
        sheet.append(_safe(sheet, row))


def unfilled_reason(eligible: int, filled: int) -> str:
    """A first reason in words; the full funnel (role, availability, distance...) is richer."""
    if eligible == 0:
        return ("no volunteer can take this shift: none in the region has a role that covers "
                "it, is available for the whole shift and lives within the distance limit")
    spare = eligible - filled
    if spare <= 0:
        return f"all {eligible} eligible volunteer(s) are already on this shift"
    return (f"{spare} more volunteer(s) could take it, but each is needed on a shift that "
            "weighs more or has reached a weekly, rest or consecutive-day limit")


def _when(need: Need) -> list[object]:
    end = "24:00" if need.end.time() == dt.time() else need.end.strftime("%H:%M")
    return [need.date, need.start.strftime("%H:%M"), end]


def _header(sheet: WriteOnlyWorksheet, columns: tuple[str, ...], widths: tuple[int, ...]) -> None:
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(65 + i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{chr(64 + len(columns))}1"
    sheet.append([_cell(sheet, c, bold=True) for c in columns])


def _safe(sheet: WriteOnlyWorksheet, row: list[object]) -> list[object]:
    """Plain values stream fast; only text that looks like a formula needs a typed cell."""
    return [_cell(sheet, v) if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            for v in row]


def _cell(sheet: WriteOnlyWorksheet, value: object, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # text that looks like a formula stays text
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _save_atomically(book: Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        book.save(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
