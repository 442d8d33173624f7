"""The Volunteers sheet: each volunteer's shifts, hours and facilities, and the
people x dates grid hospital rosters use, with totals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from xlsxwriter.worksheet import Worksheet

from scheduler.outputs.roster.cells import Styles, hours_text, write_cells, write_text
from scheduler.outputs.roster.contents import Roster

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


def write_volunteers(sheet: Worksheet, style: Styles, roster: Roster) -> None:
    """Everyone, busy or not, so a coordinator also sees whom to call; a column per day."""
    dataset, days = roster.dataset, roster.days
    facilities = dataset.facility_by_id
    column_of_day = {day: len(VOLUNTEER_COLUMNS) + i for i, day in enumerate(days)}
    people = sorted(
        dataset.volunteers,
        key=lambda v: (v.region, v.name.casefold(), v.id),
    )
    _layout(sheet, style, column_of_day, len(people))
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
        write_cells(sheet, r, cells, style)
        by_day: dict[dt.date, list[str]] = defaultdict(list)
        for need in shifts:
            by_day[need.date].append(f"{hours_text(need)} {need.facility_id}")
        for day, entries in by_day.items():
            write_text(sheet, r, column_of_day[day], "\n".join(entries), style)
            working[day] += 1
        total_shifts += len(shifts)
        total_hours += hours
    _totals(sheet, style, len(people) + 1, total_shifts, total_hours, working, column_of_day)


def _layout(
    sheet: Worksheet, style: Styles, column_of_day: dict[dt.date, int], people: int
) -> None:
    """Column widths, the header row with a column per day, frozen and filtered."""
    widths = (12, 26, 15, 16, 16, 7, 7, 40)
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    days = len(column_of_day)
    if days:
        sheet.set_column(len(VOLUNTEER_COLUMNS), len(VOLUNTEER_COLUMNS) + days - 1, 17)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(people, 1), len(VOLUNTEER_COLUMNS) + days - 1)
    sheet.write_row(0, 0, VOLUNTEER_COLUMNS, style.header)
    for day, col in column_of_day.items():
        sheet.write_datetime(0, col, day, style.day_header)


def _totals(
    sheet: Worksheet,
    style: Styles,
    r: int,
    shifts: int,
    hours: float,
    working: dict[dt.date, int],
    column_of_day: dict[dt.date, int],
) -> None:
    """The total row: shifts and hours, and how many people are on shift each day."""
    sheet.write_string(r, 0, "total", style.total)
    sheet.write_string(r, 1, "people on shift per day →", style.total)
    sheet.write_number(r, 5, shifts, style.total)
    sheet.write_number(r, 6, round(hours, 2), style.total)
    for day, col in column_of_day.items():
        sheet.write_number(r, col, working[day], style.total)
