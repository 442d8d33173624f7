"""The needs-only template hospital staff download: their facilities, nothing else to delete.

The whole template (`scheduler.intake.template`) is for coordinators loading
a campaign: six sheets with example rows. A hospital clerk uploads needs
alone, so their workbook is the instructions and one empty needs sheet:
nothing to delete, no sheet the upload would report as not read. Their
facilities are listed on the instructions sheet (never read) and offered in
a dropdown on the needs sheet when the list is short enough for Excel.
"""

from __future__ import annotations

from collections.abc import Sequence

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.i18n import gettext
from scheduler.intake.template import (
    COLUMNS,
    INSTRUCTIONS,
    LAST_ROW,
    add_validations,
    check,
    format_columns,
    write_header,
    write_lines,
)

LIST_LIMIT = 255  # characters Excel allows in a dropdown written into the validation


def build_needs_template(facilities: Sequence[tuple[str, str]]) -> openpyxl.Workbook:
    """Instructions naming `facilities` (id, name), and an empty needs sheet."""
    workbook = openpyxl.Workbook()
    instructions = workbook.active
    assert isinstance(instructions, Worksheet)  # a new workbook's one sheet
    _fill_instructions(instructions, facilities)
    needs = workbook.create_sheet("needs")
    columns = COLUMNS["needs"]
    names = [name for name, _, _ in columns]
    write_header(needs, columns)
    format_columns(needs, names)
    add_validations(needs, names)
    ids = ",".join(facility_id for facility_id, _ in facilities)
    if facilities and len(ids) + 2 <= LIST_LIMIT and '"' not in ids:
        letter = get_column_letter(names.index("facility_id") + 1)
        dropdown = check("list", f'"{ids}"', gettext("One of your facilities' ids."), "warning")
        dropdown.add(f"{letter}2:{letter}{LAST_ROW}")
        needs.add_data_validation(dropdown)
    workbook.active = 1  # opens on the needs sheet
    return workbook


def _fill_instructions(worksheet: Worksheet, facilities: Sequence[tuple[str, str]]) -> None:
    worksheet.title = gettext(INSTRUCTIONS)
    worksheet.column_dimensions["A"].width = 18
    worksheet.column_dimensions["B"].width = 90
    lines: list[tuple[str, ...]] = [
        ("title", gettext("Shifts wanted: how to fill in this workbook")),
        (
            "text",
            gettext(
                "One row per shift on the needs sheet: the facility, the date, the start and "
                "end (24:00 for midnight; an end before the start runs into the next day), "
                "the role, how many people and the priority (1 critical, 2 normal, 3 low). "
                "Leave need_id empty for a new shift; to change a shift already posted, "
                "write its id from the needs page. Keep the header row (row 1) as it is; "
                "hover over a header for its rule."
            ),
        ),
        ("blank",),
        ("heading", "facility_id", gettext("Your facilities")),
        *(("text", facility_id, name) for facility_id, name in facilities),
    ]
    write_lines(worksheet, lines, columns=2, characters=90)
