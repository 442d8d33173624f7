"""The Volunteers sheet: each volunteer's shifts, hours and facilities, and the
people x dates grid hospital rosters use, with totals.

The grid has a column per day on which some shift starts (not per day of the
horizon: one need dated years away would add thousands of empty columns), at
most MAX_DAY_COLUMNS of them; a note after the last says how many more days
have shifts, which the facility sheets show.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from xlsxwriter.worksheet import Worksheet

from scheduler.i18n import ngettext, pgettext, role_name
from scheduler.outputs.roster.cells import Styles, hours_text, write_cells, write_text
from scheduler.outputs.roster.contents import Roster

MAX_DAY_COLUMNS = 366  # a year of days with shifts; Excel holds 16,384 columns

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


def _headers() -> tuple[str, ...]:
    """VOLUNTEER_COLUMNS in the current language."""
    return (
        pgettext("volunteers column", "volunteer_id"),
        pgettext("volunteers column", "volunteer_name"),
        pgettext("volunteers column", "role"),
        pgettext("volunteers column", "region"),
        pgettext("volunteers column", "phone"),
        pgettext("volunteers column", "shifts"),
        pgettext("volunteers column", "hours"),
        pgettext("volunteers column", "facilities"),
    )


def write_volunteers(sheet: Worksheet, style: Styles, roster: Roster) -> None:
    """Everyone, busy or not, so a coordinator also sees whom to call; a column per day."""
    dataset, every_day = roster.dataset, roster.shift_days
    days = every_day[:MAX_DAY_COLUMNS]
    facilities = dataset.facility_by_id
    column_of_day = {day: len(VOLUNTEER_COLUMNS) + i for i, day in enumerate(days)}
    people = sorted(
        dataset.volunteers,
        key=lambda v: (v.region, v.name.casefold(), v.id),
    )
    _layout(sheet, style, column_of_day, len(people), len(every_day) - len(days))
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
            role_name(volunteer.role),
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
            if day not in column_of_day:
                continue  # past the last day column: on the facility sheets
            write_text(sheet, r, column_of_day[day], "\n".join(entries), style)
            working[day] += 1
        total_shifts += len(shifts)
        total_hours += hours
    _totals(sheet, style, len(people) + 1, total_shifts, total_hours, working, column_of_day)


def _layout(
    sheet: Worksheet, style: Styles, column_of_day: dict[dt.date, int], people: int, left_out: int
) -> None:
    """Column widths, the header row with a column per day, frozen and filtered; a note
    after the last day column when `left_out` more days have shifts."""
    widths = (12, 26, 15, 16, 16, 7, 7, 40)
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    days = len(column_of_day)
    if days:
        sheet.set_column(len(VOLUNTEER_COLUMNS), len(VOLUNTEER_COLUMNS) + days - 1, 17)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(people, 1), len(VOLUNTEER_COLUMNS) + days - 1)
    sheet.write_row(0, 0, _headers(), style.header)
    for day, col in column_of_day.items():
        sheet.write_datetime(0, col, day, style.day_header)
    if left_out:
        note = ngettext(
            "%(count)s more day with shifts is not shown here; see the facility sheets",
            "%(count)s more days with shifts are not shown here; see the facility sheets",
            left_out,
        )
        sheet.write_string(0, len(VOLUNTEER_COLUMNS) + days, note, style.bold)


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
    sheet.write_string(r, 0, pgettext("volunteers column", "total"), style.total)
    sheet.write_string(
        r, 1, pgettext("volunteers column", "people on shift per day →"), style.total
    )
    sheet.write_number(r, 5, shifts, style.total)
    sheet.write_number(r, 6, round(hours, 2), style.total)
    for day, col in column_of_day.items():
        sheet.write_number(r, col, working[day], style.total)
