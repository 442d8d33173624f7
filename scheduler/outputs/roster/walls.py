"""The facility rosters: what a hospital prints and posts on the wall.

One sheet per facility (or one workbook per facility with `split`): a week
per page, days as columns, a row per shift slot, names and phone numbers,
open places in red.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from babel.dates import format_date
from xlsxwriter.worksheet import Worksheet

from scheduler.domain import Facility, Need, Priority, Volunteer
from scheduler.i18n import DEFAULT, gettext, language, role_name
from scheduler.outputs.roster.cells import (
    SAFE_OPTIONS,
    Styles,
    clock,
    summary_sheet,
    volunteers_sheet,
    write_text,
)
from scheduler.outputs.roster.contents import Roster
from scheduler.outputs.roster.files import replacing_folder

FIXED_SHEETS = ("Summary", "Assignments", "Unfilled", "Volunteers")  # before the facilities'
DAY_WIDTH = 26  # characters: a name and a phone number on one line

Slot = tuple[str, str, str]  # (start, end, role) as printed


@dataclass(frozen=True)
class WeekGrid:
    """One printed page of a facility's roster: a week, a row per shift slot, a column per day."""

    monday: dt.date
    slots: tuple[Slot, ...]
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
        slot_of: dict[Need, Slot] = {}
        for need in sorted(week, key=lambda n: (n.start.time(), n.end - n.start, n.role)):
            slot_of.setdefault(need, _slot(need))
        slots = tuple(dict.fromkeys(slot_of.values()))
        index = {slot: i for i, slot in enumerate(slots)}
        cells = {(index[slot_of[n]], n.date.weekday()): n for n in week}
        grids.append(WeekGrid(monday, slots, cells))
    return grids


def _slot(need: Need) -> Slot:
    return (clock(need.start), clock(need.end, end_of=need.date), need.role)


def printed_lines(text: str, width: int = DAY_WIDTH) -> int:
    """How many lines a wrapped cell takes, so the row is tall enough to show every name."""
    return sum(max(1, -(-len(line) // (width - 2))) for line in text.split("\n"))


def cell_text(need: Need, people: Sequence[Volunteer], filled: int) -> str:
    """Who is coming (name and phone), then the places still open, one per line."""
    lines = [f"{v.name}  {v.phone}".rstrip() for v in people]
    open_places = need.count - filled
    if open_places > 0:
        if open_places == 1:
            label = gettext("OPEN")
        else:
            label = gettext("OPEN ×%(count)s", count=open_places)
        if need.priority is Priority.CRITICAL:
            label = gettext("%(open)s (critical)", open=label)
        lines.append(label)
    return "\n".join(lines)


def write_facility(sheet: Worksheet, style: Styles, roster: Roster, facility: Facility) -> None:
    """The wall roster: landscape, a page per week, the title repeated on every page."""
    grids = week_grids(roster.needs_at.get(facility.id, []))
    _page(sheet, style, roster, facility)
    row = 3
    breaks = []
    for number, grid in enumerate(grids):
        if number:
            breaks.append(row)
        row = _week(sheet, style, roster, grid, row) + 1
    if not grids:
        sheet.write_string(row, 0, gettext("No shifts are wanted at this facility in this roster."))
    if breaks:
        sheet.set_h_pagebreaks(breaks)


def _page(sheet: Worksheet, style: Styles, roster: Roster, facility: Facility) -> None:
    """Landscape A4, one page wide, and the two title rows every page repeats."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as the weeks need
    sheet.repeat_rows(0, 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.set_footer("&L&A&R" + gettext("Page %(page)s of %(pages)s", page="&P", pages="&N"))
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 7, DAY_WIDTH)
    sheet.set_row(0, 20)  # rows are streamed: a row's height is set before its cells
    sheet.write_string(0, 0, f"{facility.name} — {facility.region_name}", style.title)
    details = [facility.address, gettext("facility %(id)s", id=facility.id)]
    days = sorted({need.date for need in roster.needs_at.get(facility.id, [])})
    if days:  # this facility's own shifts, not the whole roster's
        first, last = _day(days[0]), _day(days[-1])
        details.append(gettext("shifts %(first)s – %(last)s", first=first, last=last))
    write_text(sheet, 1, 0, "   ·   ".join(d for d in details if d), style)


def _day(day: dt.date, pattern: str = "dd MMM yyyy") -> str:
    """02 Mar 2026 in English (as strftime writes it), 02 мар. 2026 г. in Russian."""
    if language() == DEFAULT:
        return day.strftime("%d %b %Y" if pattern == "dd MMM yyyy" else "%d %b")
    return format_date(day, pattern, locale=language())


def _week(sheet: Worksheet, style: Styles, roster: Roster, grid: WeekGrid, row: int) -> int:
    """One week from `row`: its days, then a row per slot; returns the row after the last slot."""
    filled, people = roster.coverage.filled_by_need, roster.people
    monday = _day(grid.monday, "dd MMM")
    sheet.write_string(row, 0, gettext("Week of %(monday)s", monday=monday), style.grid_day)
    for d, day in enumerate(grid.days, start=1):
        sheet.write_datetime(row, d, day, style.grid_day)
    row += 1
    for s, (start, end, role) in enumerate(grid.slots):
        texts: dict[int, tuple[Need, str]] = {}
        for d in range(7):
            need = grid.cells.get((s, d))
            if need is not None:
                texts[d] = (need, cell_text(need, people.get(need.id, []), filled[need.id]))
        tallest = max((printed_lines(t) for _, t in texts.values()), default=1)
        sheet.set_row(row, max(30, 15 * tallest))
        sheet.write_string(row, 0, f"{start}–{end}\n{role_name(role)}", style.slot)
        for d in range(7):
            if d not in texts:
                sheet.write_blank(row, d + 1, None, style.closed)
                continue
            need, text = texts[d]
            cell_style = style.open if filled[need.id] < need.count else style.filled
            sheet.write_string(row, d + 1, text, cell_style)
        row += 1
    return row


_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def facility_sheet_names(facilities: Sequence[Facility]) -> dict[str, str]:
    """A sheet name per facility id: Excel's rules (31 characters, no []:*?/\\), unique."""
    fixed = (*FIXED_SHEETS, "History", summary_sheet(), volunteers_sheet())
    taken = {name.casefold() for name in fixed}
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


def facility_workbooks(roster: Roster, folder: Path) -> list[Path]:
    """One workbook per facility, replacing the folder of an earlier run as a whole."""
    with replacing_folder(folder) as staging:
        names = facility_sheet_names(roster.dataset.facilities)
        files = _file_names(roster.dataset.facilities)
        written = []
        for facility in roster.dataset.facilities:
            target = staging / files[facility.id]
            with xlsxwriter.Workbook(str(target), SAFE_OPTIONS) as book:
                sheet = book.add_worksheet(names[facility.id])
                write_facility(sheet, Styles(book), roster, facility)
            written.append(folder / target.name)
    return written


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
