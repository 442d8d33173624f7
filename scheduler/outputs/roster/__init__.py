"""The roster workbook: what coordinators, hospitals and volunteers are handed.

Sheets, in the order a coordinator reads them:

- `Summary` (`summary`): demand, filled and open places and weighted coverage
  in total, by priority, by region (with a chart), by day and by facility;
  how the solver finished (status, bound, gap, time).
- `Assignments` and `Unfilled` (`contract`): the data contract's sheets.
  `Unfilled` says in words why each open place is open
  (`scheduler.outputs.unfilled`).
- `Volunteers` (`volunteers`): each volunteer's shifts, hours and facilities,
  and the people x dates grid hospital rosters use, with totals.
- one sheet per facility, or one workbook per facility with `split`
  (`walls`): the roster a hospital prints and posts on the wall, a week per
  page, days as columns, names and phone numbers, open places in red.

`cells` holds the formats and the safe way to put text in a cell, `contents`
the assignments joined with the dataset once for every sheet, `files` the
writing beside the target and renaming into place, so a crash never leaves
half a roster where a coordinator expects one.

Written with xlsxwriter rather than openpyxl: it writes a national roster
with its 160 facility sheets within a few seconds, and streams rows to disk
(`constant_memory`) when a roster is too big to hold in memory; openpyxl
reads rosters back in the tests.
Nothing needs formula evaluation: every figure is a value.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter

from scheduler.domain import Dataset
from scheduler.garbage import collector_paused
from scheduler.outputs.roster.cells import SAFE_OPTIONS, Styles, clock, volunteers_sheet
from scheduler.outputs.roster.contents import Roster
from scheduler.outputs.roster.contract import (
    ASSIGNMENT_COLUMNS,
    STAGE_WORDS,
    UNFILLED_COLUMNS,
    shift_cells,
)
from scheduler.outputs.roster.contract import write_assignments as _assignments
from scheduler.outputs.roster.contract import write_unfilled as _unfilled
from scheduler.outputs.roster.files import replacing
from scheduler.outputs.roster.summary import PRIORITY_NAMES
from scheduler.outputs.roster.summary import write_summary as _summary
from scheduler.outputs.roster.volunteers import VOLUNTEER_COLUMNS
from scheduler.outputs.roster.volunteers import write_volunteers as _volunteers
from scheduler.outputs.roster.walls import (
    cell_text,
    facility_sheet_names,
    facility_workbooks,
    week_grids,
)
from scheduler.outputs.roster.walls import write_facility as _facility
from scheduler.outputs.unfilled import Funnel

if TYPE_CHECKING:
    from scheduler.engine.results import SolveResult

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "PRIORITY_NAMES",
    "STAGE_WORDS",
    "STREAM_FROM_ROWS",
    "UNFILLED_COLUMNS",
    "VOLUNTEER_COLUMNS",
    "cell_text",
    "clock",
    "facility_sheet_names",
    "shift_cells",
    "split_folder",
    "week_grids",
    "write_roster",
]

STREAM_FROM_ROWS = 500_000  # assignments, needs and volunteers together


def write_roster(
    dataset: Dataset,
    assignments: Iterable[tuple[str, str]],
    path: Path,
    *,
    result: SolveResult | None = None,
    reasons: Mapping[str, Funnel] | None = None,
    split: bool = False,
    pinned: Collection[tuple[str, str]] = (),
) -> list[Path]:
    """Write the roster workbook (and with `split` a folder of facility workbooks).

    `result` adds how the solver finished to the Summary; a roster read back
    from a hand-edited workbook has none. `reasons` defaults to the funnel
    computed from the data. `pinned` rows (and a re-plan's kept pins) get
    `locked` = yes. Returns the files written, the workbook first.
    """
    roster = Roster(dataset, tuple(assignments), result, reasons, pinned)
    with collector_paused():  # a million cell objects at 28 days
        return _write_roster(roster, path, split)


def _write_roster(roster: Roster, path: Path, split: bool) -> list[Path]:
    # The sheet writers are called by the names of this module, where a test replaces one
    # (`_volunteers`) to see that a write failing halfway leaves the previous roster.
    dataset = roster.dataset
    # Closing the workbook closes its streamed sheet files, even when a sheet fails.
    options = _options(dataset, len(roster.assignments))
    with replacing(path) as temporary, xlsxwriter.Workbook(temporary, options) as book:
        style = Styles(book)
        _summary(book, style, roster)
        _assignments(book.add_worksheet("Assignments"), style, roster)
        _unfilled(book.add_worksheet("Unfilled"), style, roster)
        _volunteers(book.add_worksheet(volunteers_sheet()), style, roster)
        if not split:
            names = facility_sheet_names(dataset.facilities)
            for facility in dataset.facilities:
                _facility(book.add_worksheet(names[facility.id]), style, roster, facility)
    written = [path]
    if split:
        written += facility_workbooks(roster, split_folder(path))
    return written


def _options(dataset: Dataset, assignments: int) -> dict[str, object]:
    """Workbook options: rows held in memory, or streamed to disk for a huge roster.

    Held in memory, repeated text (names, facilities, roles) goes to the
    shared string table once: the national roster is written 25 % faster
    (4.4 s against 5.9 s) and the 10x one 12 % faster (53 s against 61 s,
    for about 300 MB); its sheets' XML is assembled in memory too, not in
    temporary files (national 1.34 s against 1.40 s, medians of 4; 10x 15.7 s
    against 16.1 s, for 42 MB more). Beyond that size rows stream to disk, in
    constant memory.
    """
    rows = assignments + len(dataset.needs) + len(dataset.volunteers)
    streamed = rows >= STREAM_FROM_ROWS
    return {**SAFE_OPTIONS, "constant_memory": streamed, "in_memory": not streamed}


def split_folder(path: Path) -> Path:
    """Where `write_roster(..., split=True)` puts one workbook per facility."""
    return path.with_name(f"{path.stem}-facilities")
