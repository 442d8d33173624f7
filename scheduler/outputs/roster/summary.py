"""The Summary sheet: demand, filled and open places and weighted coverage in total,
by priority, by region (with a chart), by day and by facility; how the solver finished."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from scheduler.domain import Priority
from scheduler.i18n import gettext, pgettext, priority_name
from scheduler.outputs.coverage import Tally
from scheduler.outputs.roster.cells import Styles, summary_sheet, write_cells
from scheduler.outputs.roster.contents import Roster

# In English; the sheet writes them in the current language (scheduler.i18n.priority_name).
PRIORITY_NAMES = {Priority.CRITICAL: "critical", Priority.NORMAL: "normal", Priority.LOW: "low"}
TALLY_COLUMNS = ("wanted", "filled", "open", "filled %", "weight wanted", "weight filled")


def _tally_columns() -> tuple[str, ...]:
    """TALLY_COLUMNS in the current language."""
    return (
        pgettext("summary column", "wanted"),
        pgettext("summary column", "filled"),
        pgettext("summary column", "open"),
        pgettext("summary column", "filled %"),
        pgettext("summary column", "weight wanted"),
        pgettext("summary column", "weight filled"),
    )


Figure = tuple[str, float | str, Format | None]  # label, value, number format
Labelled = tuple[tuple[object, ...], Tally]  # a table row's label cells and its tally


def write_summary(book: Workbook, style: Styles, roster: Roster) -> None:
    """The first sheet a coordinator reads: the figures, then the tables under them."""
    sheet = book.add_worksheet(summary_sheet())
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)  # the chart prints beside the tables
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, 8, 12)
    sheet.write_string(0, 0, gettext("Roster summary"), style.title)
    row = 1
    for label, value, number_format in _figures(style, roster):
        sheet.write_string(row, 0, label)
        if isinstance(value, str):
            sheet.write_string(row, 1, value)
        else:
            sheet.write_number(row, 1, value, number_format)
        row += 1
    _tables(book, sheet, style, roster, row + 1)


def _figures(style: Styles, roster: Roster) -> list[Figure]:
    """The totals, and how the solver finished (a roster read back from a workbook has no solve)."""
    total, result = roster.coverage.total, roster.result
    figures: list[Figure] = [
        (gettext("places wanted"), total.demand, style.number),
        (gettext("places filled"), total.filled, style.number),
        (gettext("places open"), total.open, style.number),
        (gettext("weighted coverage"), total.weight_filled, style.decimal),
        (gettext("weighted demand"), total.weight_wanted, style.decimal),
        (
            gettext("share of weighted demand"),
            _share(total.weight_filled, total.weight_wanted),
            style.percent,
        ),
    ]
    status = gettext("solver status")
    if result is not None:
        figures += [
            (gettext("proven upper bound"), result.upper_bound, style.decimal),
            (gettext("share of the bound"), 1 - result.gap, style.percent),
            (gettext("gap to the bound"), result.gap, style.percent),
            (status, _status(result.status.value), None),
            (gettext("how the parts were solved"), result.termination, None),
            (gettext("parts"), len(result.parts), style.number),
            (gettext("seconds"), round(sum(result.seconds.values()), 2), style.decimal),
        ]
    else:
        figures.append((status, gettext("read from a roster workbook (may be edited)"), None))
    return figures


def _status(value: str) -> str:
    """The solver's status (scheduler.engine.results.Status) in words."""
    words = {
        "optimal": pgettext("solver status", "optimal"),
        "feasible": pgettext("solver status", "feasible"),
        "fallback": pgettext("solver status", "fallback"),
    }
    return words.get(value, value)


def _tables(book: Workbook, sheet: Worksheet, style: Styles, roster: Roster, row: int) -> None:
    """The tallies by priority, by region (with its chart), by day and by facility, from `row`."""
    priorities = {priority_name(p): t for p, t in roster.coverage.by_priority.items()}
    priority = pgettext("summary column", "priority")
    row = _tally_table(sheet, style, row, gettext("By priority"), (priority,), _keyed(priorities))
    row += 1
    region_top = row + 2  # the table's first region, under its title and header
    regions = roster.coverage.by_region
    region = pgettext("summary column", "region")
    row = _tally_table(sheet, style, row, gettext("By region"), (region,), _keyed(regions))
    if regions:
        _region_chart(book, sheet, region_top, len(regions))
    row += 1
    days = [((d,), t) for d, t in roster.coverage.by_day.items()]
    date = pgettext("summary column", "date")
    row = _tally_table(sheet, style, row, gettext("By day"), (date,), days)
    row += 1
    facilities = roster.dataset.facility_by_id
    by_facility: list[Labelled] = [
        ((f, facilities[f].name, facilities[f].region_name), t)
        for f, t in roster.coverage.by_facility.items()
    ]
    labels = (
        pgettext("summary column", "facility"),
        pgettext("summary column", "name"),
        region,
    )
    _tally_table(sheet, style, row, gettext("By facility"), labels, by_facility)


def _keyed(tallies: Mapping[str, Tally]) -> list[Labelled]:
    return [((k,), t) for k, t in tallies.items()]


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 1.0


def _tally_table(
    sheet: Worksheet,
    style: Styles,
    row: int,
    title: str,
    labels: Sequence[str],
    rows: Sequence[Labelled],
) -> int:
    """A titled table of tallies; returns the row after it."""
    sheet.write_string(row, 0, title, style.heading)
    # The tallies always start in column 3, so every table lines up under the figures.
    sheet.write_row(row + 1, 0, labels, style.header)
    sheet.write_row(row + 1, 3, _tally_columns(), style.header)
    row += 2
    for label, tally in rows:
        write_cells(sheet, row, label, style)
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
            "name": gettext("places filled"),
            "categories": [sheet.name, first, 0, last, 0],
            "values": [sheet.name, first, 6, last, 6],
            "fill": {"color": "#4F81BD"},
            "gap": 40,
        }
    )
    chart.set_title({"name": gettext("Coverage by region")})
    chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})  # the first region at the top, as in the table
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": min(4000, max(300, 22 * count + 80))})
    sheet.insert_chart(first - 2, 10, chart)
