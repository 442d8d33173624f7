"""The roster workbook: what coordinators, hospitals and volunteers are handed.

Sheets, in the order a coordinator reads them:

- `Summary`: demand, filled and open places and weighted coverage in total,
  by priority, by region (with a chart), by day and by facility; how the
  solver finished (status, bound, gap, time).
- `Assignments` and `Unfilled`: the data contract's sheets. `Unfilled` says
  in words why each open place is open (`scheduler.outputs.unfilled`).
- `Volunteers`: each volunteer's shifts, hours and facilities, and the
  people x dates grid hospital rosters use, with totals.
- one sheet per facility (or one workbook per facility with `split`): the
  roster a hospital prints and posts on the wall, a week per page, days as
  columns, names and phone numbers, open places in red.

Written with xlsxwriter rather than openpyxl: it writes a national roster
with its 160 facility sheets within a few seconds, and streams rows to disk
(`constant_memory`) when a roster is too big to hold in memory; openpyxl
reads rosters back in the tests.
Nothing needs formula evaluation: every figure is a value. Text from
uploads is never a formula: formulas are off for strings, and a cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return also carries
Excel's quote prefix, so it stays text even when someone edits it.
Every file is written beside its target and renamed into place, so a crash
never leaves half a roster where a coordinator expects one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from scheduler.domain import Dataset, Facility, Need, Priority, Volunteer
from scheduler.garbage import collector_paused
from scheduler.outputs.coverage import Coverage, Tally, coverage
from scheduler.outputs.unfilled import Funnel, explain_unfilled

if TYPE_CHECKING:
    from scheduler.engine.results import SolveResult

# The shift a row is about: what Assignments and Unfilled both start with.
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
UNFILLED_COLUMNS = (*SHIFT_COLUMNS, "count", "filled", "open", "why", "reason")
VOLUNTEER_COLUMNS = (
    "volunteer_id",
    "volunteer_name",
    "role",
    "region",
    "phone",
    "shifts",
    "hours",
    "facilities",
)
FIXED_SHEETS = ("Summary", "Assignments", "Unfilled", "Volunteers")
PRIORITY_NAMES = {Priority.CRITICAL: "critical", Priority.NORMAL: "normal", Priority.LOW: "low"}
STAGE_WORDS = {
    "role": "nobody with the role",
    "availability": "nobody available",
    "distance": "nobody near enough",
    "on_shift": "everyone eligible is on it",
    "limits": "weekly limit or rest",
    "weigh_more": "used on more important shifts",
    "free": "could still be filled",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SAFE_OPTIONS = {
    "strings_to_formulas": False,  # text is text, whatever it starts with
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "yyyy-mm-dd",
}
STREAM_FROM_ROWS = 500_000  # assignments, needs and volunteers together


def _options(dataset: Dataset, assignments: int) -> dict[str, object]:
    """Workbook options: rows held in memory, or streamed to disk for a huge roster.

    Held in memory, repeated text (names, facilities, roles) goes to the
    shared string table once: the national roster is written 25 % faster
    (4.4 s against 5.9 s) and the 10x one 12 % faster (53 s against 61 s,
    for about 300 MB). Beyond that size rows stream to disk, in constant memory.
    """
    rows = assignments + len(dataset.needs) + len(dataset.volunteers)
    return {**SAFE_OPTIONS, "constant_memory": rows >= STREAM_FROM_ROWS}


Pairs = Sequence[tuple[str, str]]


def write_roster(
    dataset: Dataset,
    assignments: Iterable[tuple[str, str]],
    path: Path,
    *,
    result: SolveResult | None = None,
    reasons: Mapping[str, Funnel] | None = None,
    split: bool = False,
) -> list[Path]:
    """Write the roster workbook (and with `split` a folder of facility workbooks).

    `result` adds how the solver finished to the Summary; a roster read back
    from a hand-edited workbook has none. `reasons` defaults to the funnel
    computed from the data. Returns the files written, the workbook first.
    """
    with collector_paused():  # a million cell objects at 28 days
        return _write_roster(Roster(dataset, tuple(assignments), result, reasons), path, split)


def _write_roster(roster: Roster, path: Path, split: bool) -> list[Path]:
    dataset = roster.dataset
    # Closing the workbook closes its streamed sheet files, even when a sheet fails.
    options = _options(dataset, len(roster.assignments))
    with _replacing(path) as temporary, xlsxwriter.Workbook(temporary, options) as book:
        style = Styles(book)
        _summary(book, style, roster)
        _assignments(book.add_worksheet("Assignments"), style, roster)
        _unfilled(book.add_worksheet("Unfilled"), style, roster)
        _volunteers(book.add_worksheet("Volunteers"), style, roster)
        if not split:
            names = facility_sheet_names(dataset.facilities)
            for facility in dataset.facilities:
                _facility(book.add_worksheet(names[facility.id]), style, roster, facility)
    written = [path]
    if split:
        written += _facility_workbooks(roster, split_folder(path))
    return written


def split_folder(path: Path) -> Path:
    """Where `write_roster(..., split=True)` puts one workbook per facility."""
    return path.with_name(f"{path.stem}-facilities")


# --- what the sheets show, computed once --------------------------------------------------


class Roster:
    """The assignments joined with the dataset, in the shapes the sheets need."""

    def __init__(
        self,
        dataset: Dataset,
        assignments: Pairs,
        result: SolveResult | None,
        reasons: Mapping[str, Funnel] | None,
    ):
        self.dataset = dataset
        self.assignments = assignments
        self.result = result
        self.coverage: Coverage = coverage(dataset, assignments)
        self.reasons = explain_unfilled(dataset, assignments) if reasons is None else reasons
        needs, volunteers = dataset.need_by_id, dataset.volunteer_by_id
        self.people: dict[str, list[Volunteer]] = defaultdict(list)  # by need id
        self.shifts: dict[str, list[Need]] = defaultdict(list)  # by volunteer id
        for need_id, volunteer_id in assignments:
            self.people[need_id].append(volunteers[volunteer_id])
            self.shifts[volunteer_id].append(needs[need_id])
        for people in self.people.values():
            people.sort(key=lambda v: (v.name.casefold(), v.id))
        for shifts in self.shifts.values():
            shifts.sort(key=lambda n: (n.start, n.id))
        self.needs_at: dict[str, list[Need]] = defaultdict(list)  # by facility id
        for need in dataset.needs:
            self.needs_at[need.facility_id].append(need)

    @property
    def days(self) -> list[dt.date]:
        """Every day of the horizon, including days without needs."""
        if self.dataset.horizon is None:
            return []
        first, last = self.dataset.horizon
        return [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]


class Styles:
    """The workbook's cell formats, made once (xlsxwriter formats belong to one workbook)."""

    def __init__(self, book: Workbook):
        add = book.add_format
        self.title = add({"bold": True, "font_size": 14, "quote_prefix": True})
        self.heading = add({"bold": True, "font_size": 12})
        self.bold = add({"bold": True})
        self.header = add({"bold": True, "bottom": 1, "bg_color": "#DDE7F0", "text_wrap": True})
        self.quoted = add({"quote_prefix": True})
        self.percent = add({"num_format": "0.0%"})
        self.number = add({"num_format": "#,##0"})
        self.decimal = add({"num_format": "#,##0.0"})
        self.date = add({"num_format": "yyyy-mm-dd"})
        self.day_header = add(
            {"bold": True, "num_format": "ddd d mmm", "bottom": 1, "bg_color": "#DDE7F0"}
        )
        self.total = add({"bold": True, "top": 1, "num_format": "#,##0.##"})
        cell = {"text_wrap": True, "valign": "top", "border": 1, "quote_prefix": True}
        self.slot = add({**cell, "bold": True, "bg_color": "#F2F2F2"})
        self.filled = add(cell)
        self.open = add({**cell, "bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.closed = add({**cell, "bg_color": "#D9D9D9"})
        self.grid_day = add(
            {"bold": True, "num_format": "dddd d mmm", "border": 1, "bg_color": "#DDE7F0"}
        )


def _text(sheet: Worksheet, row: int, col: int, value: str, style: Styles) -> None:
    """Text that stays text: a leading formula character gets Excel's quote prefix."""
    if value.startswith(FORMULA_START):
        sheet.write_string(row, col, value, style.quoted)
    else:
        sheet.write_string(row, col, value)


def _row(sheet: Worksheet, row: int, values: Sequence[object], style: Styles) -> None:
    for col, value in enumerate(values):
        if isinstance(value, str):
            if value:
                _text(sheet, row, col, value, style)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, style.date)
        elif value is not None:
            sheet.write_number(row, col, value)


def _header(
    sheet: Worksheet, style: Styles, columns: Sequence[str], widths: Sequence[int], rows: int
) -> None:
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(rows, 1), len(columns) - 1)
    sheet.write_row(0, 0, columns, style.header)


def clock(moment: dt.datetime, *, end_of: dt.date | None = None) -> str:
    """HH:MM; a shift ending at midnight after its start day reads 24:00, as people write it."""
    if end_of is not None and moment.time() == dt.time() and moment.date() > end_of:
        return "24:00"
    return f"{moment.hour:02d}:{moment.minute:02d}"  # strftime costs 5 µs a call


def shift_cells(need: Need, facility: Facility) -> list[object]:
    """The cells of SHIFT_COLUMNS for one need."""
    return [
        need.id,
        facility.id,
        facility.name,
        facility.region_name,
        need.date,
        clock(need.start),
        clock(need.end, end_of=need.date),
        need.role,
        int(need.priority),
    ]


def hours_text(need: Need) -> str:
    return f"{clock(need.start)}–{clock(need.end, end_of=need.date)}"


# --- Summary ---------------------------------------------------------------------------


TALLY_COLUMNS = ("wanted", "filled", "open", "filled %", "weight wanted", "weight filled")


def _summary(book: Workbook, style: Styles, roster: Roster) -> None:
    sheet = book.add_worksheet("Summary")
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)  # the chart prints beside the tables
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, 8, 12)
    total, result = roster.coverage.total, roster.result
    sheet.write_string(0, 0, "Roster summary", style.title)
    figures: list[tuple[str, object, Format | None]] = [
        ("places wanted", total.demand, style.number),
        ("places filled", total.filled, style.number),
        ("places open", total.open, style.number),
        ("weighted coverage", total.weight_filled, style.decimal),
        ("weighted demand", total.weight_wanted, style.decimal),
        (
            "share of weighted demand",
            _share(total.weight_filled, total.weight_wanted),
            style.percent,
        ),
    ]
    if result is not None:
        figures += [
            ("proven upper bound", result.upper_bound, style.decimal),
            ("share of the bound", 1 - result.gap, style.percent),
            ("gap to the bound", result.gap, style.percent),
            ("solver status", result.status.value, None),
            ("how the parts were solved", result.termination, None),
            ("parts", len(result.parts), style.number),
            ("seconds", round(sum(result.seconds.values()), 2), style.decimal),
        ]
    else:
        figures.append(("solver status", "read from a roster workbook (may be edited)", None))
    row = 1
    for label, value, number_format in figures:
        sheet.write_string(row, 0, label)
        if isinstance(value, str):
            sheet.write_string(row, 1, value)
        else:
            sheet.write_number(row, 1, value, number_format)
        row += 1

    row += 1
    priorities = {PRIORITY_NAMES[p]: t for p, t in roster.coverage.by_priority.items()}
    row = _tally_table(sheet, style, row, "By priority", ("priority",), _keyed(priorities))
    row += 1
    region_top = row + 2  # the table's first region, under its title and header
    regions = roster.coverage.by_region
    row = _tally_table(sheet, style, row, "By region", ("region",), _keyed(regions))
    if regions:
        _region_chart(book, sheet, region_top, len(regions))
    row += 1
    days = roster.coverage.by_day
    row = _tally_table(sheet, style, row, "By day", ("date",), [((d,), t) for d, t in days.items()])
    row += 1
    facilities = roster.dataset.facility_by_id
    by_facility = [
        ((f, facilities[f].name, facilities[f].region_name), t)
        for f, t in roster.coverage.by_facility.items()
    ]
    _tally_table(sheet, style, row, "By facility", ("facility", "name", "region"), by_facility)


def _keyed(tallies: Mapping[str, Tally]) -> list[tuple[tuple[object, ...], Tally]]:
    return [((k,), t) for k, t in tallies.items()]


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 1.0


def _tally_table(
    sheet: Worksheet,
    style: Styles,
    row: int,
    title: str,
    labels: Sequence[str],
    rows: Sequence[tuple[tuple[object, ...], Tally]],
) -> int:
    """A titled table of tallies; returns the row after it."""
    sheet.write_string(row, 0, title, style.heading)
    # The tallies always start in column 3, so every table lines up under the figures.
    sheet.write_row(row + 1, 0, labels, style.header)
    sheet.write_row(row + 1, 3, TALLY_COLUMNS, style.header)
    row += 2
    for label, tally in rows:
        _row(sheet, row, label, style)
        _tally_cells(sheet, style, row, 3, tally)
        row += 1
    return row


def _tally_cells(sheet: Worksheet, style: Styles, row: int, col: int, tally: Tally) -> None:
    sheet.write_number(row, col, tally.demand, style.number)
    sheet.write_number(row, col + 1, tally.filled, style.number)
    sheet.write_number(row, col + 2, tally.open, style.number)
    sheet.write_number(row, col + 3, tally.share, style.percent)
    sheet.write_number(row, col + 4, tally.weight_wanted, style.decimal)
    sheet.write_number(row, col + 5, tally.weight_filled, style.decimal)


def _region_chart(book: Workbook, sheet: Worksheet, first: int, count: int) -> None:
    """A bar per region: the share of its places filled, beside the table it reads."""
    chart = book.add_chart({"type": "bar"})
    last = first + count - 1
    chart.add_series(
        {
            "name": "places filled",
            "categories": ["Summary", first, 0, last, 0],
            "values": ["Summary", first, 6, last, 6],
            "fill": {"color": "#4F81BD"},
            "gap": 40,
        }
    )
    chart.set_title({"name": "Coverage by region"})
    chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})  # the first region at the top, as in the table
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": min(4000, max(300, 22 * count + 80))})
    sheet.insert_chart(first - 2, 10, chart)


# --- Assignments and Unfilled ------------------------------------------------------------


def _assignments(sheet: Worksheet, style: Styles, roster: Roster) -> None:
    dataset = roster.dataset
    facilities, volunteers, needs = (
        dataset.facility_by_id,
        dataset.volunteer_by_id,
        dataset.need_by_id,
    )
    rows = []
    for need_id, volunteer_id in roster.assignments:
        need, volunteer = needs[need_id], volunteers[volunteer_id]
        facility = facilities[need.facility_id]
        order = (facility.region, facility.id, need.start, need.id, volunteer.name, volunteer.id)
        rows.append((order, need, facility, volunteer))
    rows.sort(key=lambda r: r[0])
    widths = (14, 12, 30, 16, 11, 7, 7, 15, 8, 12, 26, 15, 16)
    _header(sheet, style, ASSIGNMENT_COLUMNS, widths, len(rows))
    for r, (_, need, facility, volunteer) in enumerate(rows, start=1):
        cells = [
            *shift_cells(need, facility),
            volunteer.id,
            volunteer.name,
            volunteer.role,
            volunteer.phone,
        ]
        _row(sheet, r, cells, style)


def _unfilled(sheet: Worksheet, style: Styles, roster: Roster) -> None:
    dataset, filled = roster.dataset, roster.coverage.filled_by_need
    facilities = dataset.facility_by_id
    open_needs = [n for n in dataset.needs if filled[n.id] < n.count]
    open_needs.sort(key=lambda n: (n.priority, facilities[n.facility_id].region, n.start, n.id))
    widths = (14, 12, 30, 16, 11, 7, 7, 15, 8, 7, 7, 7, 24, 90)
    _header(sheet, style, UNFILLED_COLUMNS, widths, len(open_needs))
    for r, need in enumerate(open_needs, start=1):
        funnel = roster.reasons.get(need.id)
        cells = [
            *shift_cells(need, facilities[need.facility_id]),
            need.count,
            filled[need.id],
            need.count - filled[need.id],
            STAGE_WORDS.get(funnel.stage, funnel.stage) if funnel else "",
            funnel.reason if funnel else "",
        ]
        _row(sheet, r, cells, style)


# --- Volunteers ----------------------------------------------------------------------------


def _volunteers(sheet: Worksheet, style: Styles, roster: Roster) -> None:
    """Everyone, busy or not, so a coordinator also sees whom to call; a column per day."""
    dataset, days = roster.dataset, roster.days
    facilities = dataset.facility_by_id
    column_of_day = {day: len(VOLUNTEER_COLUMNS) + i for i, day in enumerate(days)}
    widths = (12, 26, 15, 16, 16, 7, 7, 40)
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    if days:
        sheet.set_column(len(VOLUNTEER_COLUMNS), len(VOLUNTEER_COLUMNS) + len(days) - 1, 17)
    people = sorted(
        dataset.volunteers,
        key=lambda v: (v.region, v.name.casefold(), v.id),
    )
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(len(people), 1), len(VOLUNTEER_COLUMNS) + len(days) - 1)
    sheet.write_row(0, 0, VOLUNTEER_COLUMNS, style.header)
    for day, col in column_of_day.items():
        sheet.write_datetime(0, col, day, style.day_header)
    working = dict.fromkeys(days, 0)
    total_shifts, total_hours = 0, 0.0
    region_label = {f.region: f.region_name for f in dataset.facilities}
    for r, volunteer in enumerate(people, start=1):
        shifts = roster.shifts.get(volunteer.id, [])
        hours = sum(n.hours for n in shifts)
        names = sorted({facilities[n.facility_id].name for n in shifts}, key=str.casefold)
        cells = [
            volunteer.id,
            volunteer.name,
            volunteer.role,
            region_label.get(volunteer.region, volunteer.region),
            volunteer.phone,
            len(shifts),
            round(hours, 2),
            "; ".join(names),
        ]
        _row(sheet, r, cells, style)
        by_day: dict[dt.date, list[str]] = defaultdict(list)
        for need in shifts:
            by_day[need.date].append(f"{hours_text(need)} {need.facility_id}")
        for day, entries in by_day.items():
            _text(sheet, r, column_of_day[day], "\n".join(entries), style)
            working[day] += 1
        total_shifts += len(shifts)
        total_hours += hours
    r = len(people) + 1
    sheet.write_string(r, 0, "total", style.total)
    sheet.write_string(r, 1, "people on shift per day →", style.total)
    sheet.write_number(r, 5, total_shifts, style.total)
    sheet.write_number(r, 6, round(total_hours, 2), style.total)
    for day, col in column_of_day.items():
        sheet.write_number(r, col, working[day], style.total)


# --- the facility rosters ------------------------------------------------------------------


@dataclass(frozen=True)
class WeekGrid:
    """One printed page of a facility's roster: a week, a row per shift slot, a column per day."""

    monday: dt.date
    slots: tuple[tuple[str, str, str], ...]  # (start, end, role) as printed
    cells: dict[tuple[int, int], Need]  # (slot index, weekday) -> the need there

    @property
    def days(self) -> list[dt.date]:
        return [self.monday + dt.timedelta(days=d) for d in range(7)]


def week_grids(needs: Iterable[Need]) -> list[WeekGrid]:
    """A facility's needs laid out week by week, Monday to Sunday, as rosters on walls are."""
    weeks: dict[dt.date, list[Need]] = defaultdict(list)
    for need in needs:
        weeks[need.date - dt.timedelta(days=need.date.weekday())].append(need)
    grids = []
    for monday, week in sorted(weeks.items()):
        slot_of = {}
        for need in sorted(week, key=lambda n: (n.start.time(), n.end - n.start, n.role)):
            slot_of.setdefault(need, _slot(need))
        slots = tuple(dict.fromkeys(slot_of.values()))
        index = {slot: i for i, slot in enumerate(slots)}
        cells = {(index[slot_of[n]], n.date.weekday()): n for n in week}
        grids.append(WeekGrid(monday, slots, cells))
    return grids


def _slot(need: Need) -> tuple[str, str, str]:
    return (clock(need.start), clock(need.end, end_of=need.date), need.role)


DAY_WIDTH = 26  # characters: a name and a phone number on one line


def printed_lines(text: str, width: int = DAY_WIDTH) -> int:
    """How many lines a wrapped cell takes, so the row is tall enough to show every name."""
    return sum(max(1, -(-len(line) // (width - 2))) for line in text.split("\n"))


def cell_text(need: Need, people: Sequence[Volunteer], filled: int) -> str:
    """Who is coming (name and phone), then the places still open, one per line."""
    lines = [f"{v.name}  {v.phone}".rstrip() for v in people]
    open_places = need.count - filled
    if open_places > 0:
        label = "OPEN" if open_places == 1 else f"OPEN ×{open_places}"
        if need.priority is Priority.CRITICAL:
            label += " (critical)"
        lines.append(label)
    return "\n".join(lines)


def _facility(sheet: Worksheet, style: Styles, roster: Roster, facility: Facility) -> None:
    """The wall roster: landscape, a page per week, the title repeated on every page."""
    grids = week_grids(roster.needs_at.get(facility.id, []))
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as the weeks need
    sheet.repeat_rows(0, 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.set_footer("&L&A&RPage &P of &N")
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 7, DAY_WIDTH)
    sheet.set_row(0, 20)  # rows are streamed: a row's height is set before its cells
    sheet.write_string(0, 0, f"{facility.name} — {facility.region_name}", style.title)
    horizon = roster.dataset.horizon
    details = [facility.address, f"facility {facility.id}"]
    if horizon:
        details.append(f"shifts {horizon[0]:%d %b %Y} – {horizon[1]:%d %b %Y}")
    _text(sheet, 1, 0, "   ·   ".join(d for d in details if d), style)
    row = 3
    breaks = []
    filled, people = roster.coverage.filled_by_need, roster.people
    for number, grid in enumerate(grids):
        if number:
            breaks.append(row)
        sheet.write_string(row, 0, f"Week of {grid.monday:%d %b}", style.grid_day)
        for d, day in enumerate(grid.days, start=1):
            sheet.write_datetime(row, d, day, style.grid_day)
        row += 1
        for s, (start, end, role) in enumerate(grid.slots):
            texts = {}
            for d in range(7):
                need = grid.cells.get((s, d))
                if need is not None:
                    texts[d] = (need, cell_text(need, people.get(need.id, []), filled[need.id]))
            tallest = max((printed_lines(t) for _, t in texts.values()), default=1)
            sheet.set_row(row, max(30, 15 * tallest))
            sheet.write_string(row, 0, f"{start}–{end}\n{role}", style.slot)
            for d in range(7):
                if d not in texts:
                    sheet.write_blank(row, d + 1, None, style.closed)
                    continue
                need, text = texts[d]
                cell_style = style.open if filled[need.id] < need.count else style.filled
                sheet.write_string(row, d + 1, text, cell_style)
            row += 1
        row += 1
    if not grids:
        sheet.write_string(row, 0, "No shifts are wanted at this facility in this roster.")
    if breaks:
        sheet.set_h_pagebreaks(breaks)


_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def facility_sheet_names(facilities: Sequence[Facility]) -> dict[str, str]:
    """A sheet name per facility id: Excel's rules (31 characters, no []:*?/\\), unique."""
    taken = {name.casefold() for name in (*FIXED_SHEETS, "History")}
    names = {}
    for facility in facilities:
        # Cut, then strip: Excel refuses a name that starts or ends with an apostrophe, and a
        # cut can end in one ("F0004 Berezedolsk War Veterans' Hospital").
        base = _SHEET_UNSAFE.sub("_", f"{facility.id} {facility.name}")[:31].strip("' ")
        name, k = base or "facility", 1
        while name.casefold() in taken:
            k += 1
            suffix = f" ~{k}"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.casefold())
        names[facility.id] = name
    return names


def _facility_workbooks(roster: Roster, folder: Path) -> list[Path]:
    """One workbook per facility, replacing the folder of an earlier run as a whole."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        names = facility_sheet_names(roster.dataset.facilities)
        files = _file_names(roster.dataset.facilities)
        written = []
        for facility in roster.dataset.facilities:
            target = staging / files[facility.id]
            with xlsxwriter.Workbook(str(target), SAFE_OPTIONS) as book:
                _facility(book.add_worksheet(names[facility.id]), Styles(book), roster, facility)
            written.append(folder / target.name)
        os.chmod(staging, 0o755)
        if folder.exists():
            retired = folder.with_name(f".{folder.name}-old")
            shutil.rmtree(retired, ignore_errors=True)
            folder.rename(retired)
            staging.rename(folder)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(folder)
        return written
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


_FILE_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


def _file_names(facilities: Sequence[Facility]) -> dict[str, str]:
    """`<facility id>.xlsx`, cleaned for any file system; numbered if cleaning merges two."""
    names: dict[str, str] = {}
    seen: set[str] = set()
    for k, facility in enumerate(facilities, start=1):
        stem = _FILE_UNSAFE.sub("_", facility.id).strip("._") or "facility"
        name = f"{stem}.xlsx"
        if name.casefold() in seen:
            name = f"{stem}-{k}.xlsx"
        seen.add(name.casefold())
        names[facility.id] = name
    return names


@contextmanager
def _replacing(path: Path) -> Iterator[str]:
    """A temporary file beside `path` that replaces it only once it is complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=path.suffix or ".xlsx", dir=path.parent)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
