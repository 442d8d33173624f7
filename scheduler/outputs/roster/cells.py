"""Values into cells: the workbook's formats, text that stays text, times as people write them.

Text from uploads is never a formula: formulas are off for strings
(`SAFE_OPTIONS`), and a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return also carries Excel's quote prefix, so it stays text even
when someone edits it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from scheduler.domain import Need
from scheduler.i18n import language, pgettext

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SAFE_OPTIONS = {
    "strings_to_formulas": False,  # text is text, whatever it starts with
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "yyyy-mm-dd",
}


DATE_LOCALES = {"ru": "[$-419]"}  # Excel's locale code for a format's day and month names


def summary_sheet() -> str:
    """The Summary sheet's name in the current language."""
    return pgettext("sheet", "Summary")


def volunteers_sheet() -> str:
    """The Volunteers sheet's name in the current language."""
    return pgettext("sheet", "Volunteers")


class Styles:
    """The workbook's cell formats, made once (xlsxwriter formats belong to one workbook)."""

    def __init__(self, book: Workbook):
        add = book.add_format
        # Day and month names in the workbook's language, whatever language Excel speaks
        words = DATE_LOCALES.get(language(), "")
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
            {"bold": True, "num_format": f"{words}ddd d mmm", "bottom": 1, "bg_color": "#DDE7F0"}
        )
        self.total = add({"bold": True, "top": 1, "num_format": "#,##0.##"})
        cell = {"text_wrap": True, "valign": "top", "border": 1, "quote_prefix": True}
        self.slot = add({**cell, "bold": True, "bg_color": "#F2F2F2"})
        self.filled = add(cell)
        self.open = add({**cell, "bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.closed = add({**cell, "bg_color": "#D9D9D9"})
        self.grid_day = add(
            {"bold": True, "num_format": f"{words}dddd d mmm", "border": 1, "bg_color": "#DDE7F0"}
        )


def write_text(sheet: Worksheet, row: int, col: int, value: str, style: Styles) -> None:
    """Text that stays text: a leading formula character gets Excel's quote prefix."""
    if value.startswith(FORMULA_START):
        sheet.write_string(row, col, value, style.quoted)
    else:
        sheet.write_string(row, col, value)


def write_cells(sheet: Worksheet, row: int, values: Sequence[object], style: Styles) -> None:
    """A row of values, each as its kind: safe text, a real date, a number; blanks stay empty."""
    for col, value in enumerate(values):
        if isinstance(value, str):
            if value:
                write_text(sheet, row, col, value, style)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, style.date)
        elif value is not None:
            sheet.write_number(row, col, value)


def write_header(
    sheet: Worksheet, style: Styles, columns: Sequence[str], widths: Sequence[int], rows: int
) -> None:
    """A table sheet's header row, frozen and filtered over its `rows` rows."""
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


def hours_text(need: Need) -> str:
    """A shift's times as one label: 08:00–16:00."""
    return f"{clock(need.start)}–{clock(need.end, end_of=need.date)}"
