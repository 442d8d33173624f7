"""The roster workbook: the contract's `Assignments` and `Unfilled` sheets, and a summary.

Written with xlsxwriter, streamed row by row (a national roster in about a
second), with formulas switched off: a name such as `=HYPERLINK(...)` from a
hostile upload is stored as text and never runs in a coordinator's Excel.
The file is written beside its target and renamed, so a crash never leaves
half a roster where a coordinator expects one.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from scheduler.domain import Dataset, Facility, Need
from scheduler.solver import SolveResult

# The shift a row is about: what both sheets start with.
SHIFT_COLUMNS = (
    "need_id",
    "facility_id",
    "facility_name",
    "region",
    "date",
    "start",
    "end",
    "role",
    "priority",
)
ASSIGNMENT_COLUMNS = (*SHIFT_COLUMNS, "volunteer_id", "volunteer_name", "volunteer_role", "phone")
UNFILLED_COLUMNS = (*SHIFT_COLUMNS, "count", "filled", "open", "reason")
SAFE_OPTIONS = {
    "strings_to_formulas": False,  # text is text, whatever it starts with
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "constant_memory": True,
    "default_date_format": "yyyy-mm-dd",
}


def write_roster(dataset: Dataset, result: SolveResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(temporary, SAFE_OPTIONS)
        bold = book.add_format({"bold": True})
        _summary(book.add_worksheet("Summary"), bold, result)
        _assignments(book.add_worksheet("Assignments"), bold, dataset, result.assignments)
        _unfilled(
            book.add_worksheet("Unfilled"), bold, dataset, result.assignments, result.eligible
        )
        book.close()
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _summary(sheet: Worksheet, bold, result: SolveResult) -> None:
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 24)
    share = result.weighted_coverage / result.upper_bound if result.upper_bound else 1.0
    sheet.write_string(0, 0, "Roster summary", bold)
    rows = [
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
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)


def _assignments(
    sheet: Worksheet, bold, dataset: Dataset, assignments: Iterable[tuple[str, str]]
) -> None:
    facilities, volunteers, needs = (
        dataset.facility_by_id,
        dataset.volunteer_by_id,
        dataset.need_by_id,
    )
    rows = []
    for need_id, volunteer_id in assignments:
        need, volunteer = needs[need_id], volunteers[volunteer_id]
        facility = facilities[need.facility_id]
        rows.append(
            (
                (facility.region, facility.id, need.start, need.id, volunteer.name),
                [
                    *_shift(need, facility),
                    volunteer.id,
                    volunteer.name,
                    volunteer.role,
                    volunteer.phone,
                ],
            )
        )
    rows.sort(key=lambda r: r[0])
    _header(
        sheet,
        bold,
        ASSIGNMENT_COLUMNS,
        (14, 12, 30, 16, 11, 7, 7, 15, 8, 12, 26, 15, 16),
        len(rows),
    )
    for r, (_, row) in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)


def _unfilled(
    sheet: Worksheet,
    bold,
    dataset: Dataset,
    assignments: Iterable[tuple[str, str]],
    eligible: dict[str, int],
) -> None:
    filled = Counter(need_id for need_id, _ in assignments)
    facilities = dataset.facility_by_id
    open_needs = [n for n in dataset.needs if filled[n.id] < n.count]
    open_needs.sort(key=lambda n: (n.priority, facilities[n.facility_id].region, n.start))
    _header(
        sheet,
        bold,
        UNFILLED_COLUMNS,
        (14, 12, 30, 16, 11, 7, 7, 15, 8, 7, 7, 7, 80),
        len(open_needs),
    )
    for r, need in enumerate(open_needs, start=1):
        facility = facilities[need.facility_id]
        sheet.write_row(
            r,
            0,
            [
                *_shift(need, facility),
                need.count,
                filled[need.id],
                need.count - filled[need.id],
                unfilled_reason(eligible.get(need.id, 0), filled[need.id]),
            ],
        )


def unfilled_reason(eligible: int, filled: int) -> str:
    """A first reason in words, from the count of volunteers eligible for the shift."""
    if eligible == 0:
        return (
            "no volunteer can take this shift: none in the region has a role that covers "
            "it, is available for the whole shift and lives within the distance limit"
        )
    spare = eligible - filled
    if spare <= 0:
        return f"all {eligible} eligible volunteer(s) are already on this shift"
    return (
        f"{spare} more volunteer(s) could take it, but each is needed on a shift that "
        "weighs more or has reached a weekly, rest or consecutive-day limit"
    )


def _shift(need: Need, facility: Facility) -> list[object]:
    """The cells of SHIFT_COLUMNS for one need."""
    end = "24:00" if need.end.time() == dt.time() else need.end.strftime("%H:%M")
    return [
        need.id,
        facility.id,
        facility.name,
        facility.region_name,
        need.date,
        need.start.strftime("%H:%M"),
        end,
        need.role,
        int(need.priority),
    ]


def _header(
    sheet: Worksheet, bold, columns: Sequence[str], widths: Sequence[int], rows: int
) -> None:
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, rows, len(columns) - 1)
    sheet.write_row(0, 0, columns, bold)
