"""The data contract's sheets, Assignments and Unfilled: a row per place, read back by programs.

`Unfilled` says in words why each open place is open (`scheduler.outputs.unfilled`).
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from scheduler.domain import Facility, Need
from scheduler.outputs.roster.cells import Styles, clock, write_cells, write_header
from scheduler.outputs.roster.contents import Roster

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
STAGE_WORDS = {
    "role": "nobody with the role",
    "availability": "nobody available",
    "distance": "nobody near enough",
    "credentials": "nobody holds the credentials",
    "on_shift": "everyone eligible is on it",
    "limits": "weekly limit or rest",
    "weigh_more": "used on more important shifts",
    "free": "could still be filled",
}


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


def write_assignments(sheet: Worksheet, style: Styles, roster: Roster) -> None:
    """A row per filled place, by region, facility and start."""
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
    pinned = roster.pinned
    columns = (*ASSIGNMENT_COLUMNS, "locked") if pinned else ASSIGNMENT_COLUMNS
    widths = (14, 12, 30, 16, 11, 7, 7, 15, 8, 12, 26, 15, 16, 8)[: len(columns)]
    write_header(sheet, style, columns, widths, len(rows))
    for r, (_, need, facility, volunteer) in enumerate(rows, start=1):
        cells = [
            *shift_cells(need, facility),
            volunteer.id,
            volunteer.name,
            volunteer.role,
            volunteer.phone,
        ]
        if pinned:  # pins survive a round trip through Excel: the next re-plan reads them
            cells.append("yes" if (need.id, volunteer.id) in pinned else "no")
        write_cells(sheet, r, cells, style)


def write_unfilled(sheet: Worksheet, style: Styles, roster: Roster) -> None:
    """A row per need with open places, critical first, with its funnel's stage and sentence."""
    dataset, filled = roster.dataset, roster.coverage.filled_by_need
    facilities = dataset.facility_by_id
    open_needs = [n for n in dataset.needs if filled[n.id] < n.count]
    open_needs.sort(key=lambda n: (n.priority, facilities[n.facility_id].region, n.start, n.id))
    widths = (14, 12, 30, 16, 11, 7, 7, 15, 8, 7, 7, 7, 24, 90)
    write_header(sheet, style, UNFILLED_COLUMNS, widths, len(open_needs))
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
        write_cells(sheet, r, cells, style)
