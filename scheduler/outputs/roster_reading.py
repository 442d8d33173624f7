"""Reading a roster back: the `Assignments` sheet of a roster workbook, row by row.

A coordinator may have edited the roster in Excel, so every row is read as
people type: a need is found by its `need_id` or, when that is empty or
unknown, by the five columns that identify a shift (facility_id, date, start,
end, role). Every problem is collected and raised together as `InvalidInput`
with the sheet, the Excel row and the column, like input validation does.
The checker (`scheduler.checker`) then judges the assignments read here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from scheduler.domain import Dataset, Need
from scheduler.intake import cells
from scheduler.intake.cells import MINUTES_PER_DAY, CellError
from scheduler.intake.csv_files import read_csv_sheet
from scheduler.intake.raw import DEFAULT_LIMITS, Limits, RawSheet
from scheduler.intake.workbook import read_workbook
from scheduler.outputs.exchange import FORMULA_STARTS
from scheduler.problems import InvalidInput, Problem

SHEET = "Assignments"
KEY_COLUMNS = ("facility_id", "date", "start", "end", "role")


@dataclass(frozen=True)
class Assignment:
    """One roster row: a volunteer filling one place of a need."""

    need_id: str
    volunteer_id: str
    row: int  # the Excel row of the Assignments sheet (header is row 1)


def read_assignments(
    path: Path, dataset: Dataset, limits: Limits = DEFAULT_LIMITS
) -> list[Assignment]:
    """The assignments of a roster workbook (or an `assignments.csv` file), in sheet order.

    Raises `InvalidInput` listing every row that names no known need or
    volunteer, or holds a cell that cannot be read.
    """
    sheet = _read_roster_sheet(path, limits)
    from_csv = path.suffix.lower() == ".csv"
    problems = _header_problems(sheet)
    if problems:
        raise InvalidInput(problems)
    shifts_by_day: dict[tuple[str, dt.date], list[Need]] = {}
    for shift in dataset.needs:
        shifts_by_day.setdefault((shift.facility_id, shift.date), []).append(shift)
    assignments = []
    for number, row in sheet.rows:
        values = {c: row[i] for c, i in sheet.header.items() if i < len(row) and not _empty(row[i])}
        if from_csv:
            values = {c: _unquoted(v) for c, v in values.items()}
        need, found = _find_need(dataset, shifts_by_day, values, number)
        volunteer_id, more = _find_volunteer(dataset, values, number)
        problems += found + more
        if need is not None and volunteer_id is not None:
            assignments.append(Assignment(need.id, volunteer_id, number))
    if problems:
        raise InvalidInput(problems)
    return assignments


@dataclass(frozen=True)
class BaselineRoster:
    """A roster read back to re-plan against: its assignments and the pinned ones."""

    assignments: tuple[tuple[str, str], ...]
    pinned: frozenset[tuple[str, str]]


def read_baseline(path: Path, dataset: Dataset, limits: Limits = DEFAULT_LIMITS) -> BaselineRoster:
    """The assignments of a roster to re-plan against, with its `locked` rows pinned.

    Unlike `read_assignments`, a row may name a need or a volunteer the new
    input no longer has (a shift withdrawn, a volunteer who left): it is kept
    by the ids it gives, and the re-plan says why it cannot be kept if it was
    pinned. A row whose shift is named only by its columns and no longer
    exists keeps that shift's description as its need id. Unreadable cells
    raise `InvalidInput`, as everywhere.
    """
    sheet = _read_roster_sheet(path, limits)
    from_csv = path.suffix.lower() == ".csv"
    problems = _header_problems(sheet)
    if problems:
        raise InvalidInput(problems)
    rows, pinned = [], set()
    for number, row in sheet.rows:
        values = {c: row[i] for c, i in sheet.header.items() if i < len(row) and not _empty(row[i])}
        if from_csv:
            values = {c: _unquoted(v) for c, v in values.items()}
        pair, more = _baseline_pair(dataset, values, number)
        problems += more
        if pair is None:
            continue
        rows.append(pair)
        try:
            if "locked" in values and cells.yes_no(values["locked"]):
                pinned.add(pair)
        except CellError as exc:
            problems.append(Problem(SHEET, number, "locked", str(exc)))
    if problems:
        raise InvalidInput(problems)
    return BaselineRoster(tuple(rows), frozenset(pinned))


def _baseline_pair(
    dataset: Dataset, values: dict[str, object], number: int
) -> tuple[tuple[str, str] | None, list[Problem]]:
    try:
        volunteer_id = (
            cells.identifier(values["volunteer_id"]) if "volunteer_id" in values else None
        )
        need_id = cells.identifier(values["need_id"]) if "need_id" in values else None
    except CellError as exc:
        return None, [Problem(SHEET, number, None, str(exc))]
    if volunteer_id is None:
        return None, []  # a row without a volunteer fills nothing
    if need_id is not None and (
        need_id in dataset.need_by_id or not any(c in values for c in KEY_COLUMNS)
    ):
        return (need_id, volunteer_id), []
    key, problems = _shift_key(values, number)
    if key is None:
        return None, problems
    need = dataset.need_by_key.get(key)
    if need is not None:
        return (need.id, volunteer_id), []
    facility, day, start, end, role = key
    return (need_id or f"{facility} {day} {start:%H:%M}-{end:%H:%M} {role}", volunteer_id), []


# --- the sheet --------------------------------------------------------------------------


def _read_roster_sheet(path: Path, limits: Limits) -> RawSheet:
    """The Assignments sheet, read with the same safety checks as an input workbook."""
    if path.suffix.lower() == ".csv" and path.is_file():
        sheet, problems = read_csv_sheet(path, SHEET, limits)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets, problems = read_workbook(path, limits, known=(SHEET.lower(),))
        others = [p.sheet for p in problems if not p.is_error]  # the sheets it skipped
        problems = [p for p in problems if p.is_error]
        sheet = sheets.get(SHEET.lower())
        if sheet is None and not problems:
            found = ", ".join(others) or "no other sheets"
            raise InvalidInput(
                [
                    Problem(
                        path.name,
                        None,
                        None,
                        f"the workbook has no sheet "
                        f"'{SHEET}' (found: {found}); a roster lists one "
                        "assignment per row in that sheet",
                    )
                ]
            )
    else:
        raise InvalidInput(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    f"'{path.name}' is not a roster "
                    "workbook; give the .xlsx file that `scheduler solve` wrote "
                    "(or an assignments.csv file)",
                )
            ]
        )
    errors = [p for p in problems if p.is_error]
    if errors or sheet is None:
        raise InvalidInput(errors or problems)
    return sheet


def _header_problems(sheet: RawSheet) -> list[Problem]:
    present = ", ".join(sheet.header) or "nothing"
    problems = []
    if "volunteer_id" not in sheet.header:
        problems.append(
            Problem(
                SHEET,
                sheet.header_row,
                "volunteer_id",
                f"the column 'volunteer_id' is missing; the header row has: {present}",
            )
        )
    missing_keys = [c for c in KEY_COLUMNS if c not in sheet.header]
    if "need_id" not in sheet.header and missing_keys:
        problems.append(
            Problem(
                SHEET,
                sheet.header_row,
                "need_id",
                "the column 'need_id' is "
                f"missing, and so are {', '.join(missing_keys)}; a row names its "
                "need by need_id or by facility_id, date, start, end and role "
                f"(the header row has: {present})",
            )
        )
    return problems


def _unquoted(cell: object) -> object:
    """A CSV cell without the `'` our CSV export puts before formula-like text."""
    if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _empty(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# --- one row ----------------------------------------------------------------------------


def _find_volunteer(
    dataset: Dataset, values: dict[str, object], number: int
) -> tuple[str | None, list[Problem]]:
    if "volunteer_id" not in values:
        return None, [
            Problem(
                SHEET,
                number,
                "volunteer_id",
                "volunteer_id is empty; write the "
                "id of the volunteer who fills this place, or delete the row",
            )
        ]
    try:
        volunteer_id = cells.identifier(values["volunteer_id"])
    except CellError as exc:
        return None, [Problem(SHEET, number, "volunteer_id", str(exc))]
    if volunteer_id not in dataset.volunteer_by_id:
        return None, [
            Problem(
                SHEET,
                number,
                "volunteer_id",
                f"'{volunteer_id}' is not a volunteer_id of the volunteers sheet of the input",
            )
        ]
    return volunteer_id, []


def _find_need(
    dataset: Dataset,
    shifts_by_day: dict[tuple[str, dt.date], list[Need]],
    values: dict[str, object],
    number: int,
) -> tuple[Need | None, list[Problem]]:
    """By need_id when it is known; else by the five key columns."""
    need_id = None
    if "need_id" in values:
        try:
            need_id = cells.identifier(values["need_id"])
        except CellError as exc:
            return None, [Problem(SHEET, number, "need_id", str(exc))]
        if need_id in dataset.need_by_id:
            return dataset.need_by_id[need_id], []
    if not any(c in values for c in KEY_COLUMNS):
        if need_id is None:
            return None, [
                Problem(
                    SHEET,
                    number,
                    "need_id",
                    "need_id is empty and so are "
                    "facility_id, date, start, end and role; name the need this "
                    "row fills, or delete the row",
                )
            ]
        return None, [
            Problem(
                SHEET,
                number,
                "need_id",
                f"'{need_id}' is not a need_id of the "
                "needs sheet of the input; correct it, or give the shift's "
                "facility_id, date, start, end and role instead",
            )
        ]
    key, problems = _shift_key(values, number)
    if key is None:
        return None, problems
    need = dataset.need_by_key.get(key)
    if need is None:
        return None, [_unknown_shift(dataset, shifts_by_day, key, need_id, number)]
    return need, []


def _shift_key(values: dict[str, object], number: int) -> tuple[tuple | None, list[Problem]]:
    """(facility_id, date, start, end, role) as `Need.key` holds it; end <= start is next day."""
    parsers = {
        "facility_id": cells.identifier,
        "date": cells.date,
        "start": cells.time_of_day,
        "end": cells.time_of_day,
        "role": lambda v: cells.text(v).lower(),
    }
    parsed: dict[str, object] = {}
    problems = []
    for column, parse in parsers.items():
        if column not in values:
            problems.append(
                Problem(
                    SHEET,
                    number,
                    column,
                    f"{column} is empty; without a known "
                    "need_id a row names its need by facility_id, date, start, "
                    "end and role",
                )
            )
            continue
        try:
            parsed[column] = parse(values[column])
        except CellError as exc:
            problems.append(Problem(SHEET, number, column, str(exc)))
    if parsed.get("start") == MINUTES_PER_DAY:
        problems.append(
            Problem(
                SHEET,
                number,
                "start",
                "'24:00' can only end a shift; a start at midnight is 00:00 of the next day",
            )
        )
    if problems:
        return None, problems
    start, end, day = int(parsed["start"]), int(parsed["end"]), parsed["date"]  # type: ignore[call-overload]
    assert isinstance(day, dt.date)  # cells.date made it
    if end <= start:
        end += MINUTES_PER_DAY
    midnight = dt.datetime.combine(day, dt.time())
    return (
        str(parsed["facility_id"]),
        day,
        midnight + dt.timedelta(minutes=start),
        midnight + dt.timedelta(minutes=end),
        str(parsed["role"]),
    ), []


def _unknown_shift(
    dataset: Dataset,
    shifts_by_day: dict[tuple[str, dt.date], list[Need]],
    key: tuple,
    need_id: str | None,
    number: int,
) -> Problem:
    facility, day, start, end, role = key
    shift = f"{facility}, {day}, {start:%H:%M}-{end:%H:%M}, {role}"
    prefix = f"'{need_id}' is not a need_id of the needs sheet, and " if need_id else ""
    if facility not in dataset.facility_by_id:
        return Problem(
            SHEET,
            number,
            "facility_id",
            f"{prefix}'{facility}' is not a facility_id of the facilities sheet of the input",
        )
    same_day = sorted(
        f"{n.start:%H:%M}-{n.end:%H:%M} {n.role}" for n in shifts_by_day.get((facility, day), ())
    )
    if same_day:
        more = " …" if len(same_day) > 8 else ""
        hint = f"; the needs of {facility} that day are: {', '.join(same_day[:8])}{more}"
    else:
        hint = f"; {facility} has no need that day"
    return Problem(
        SHEET,
        number,
        "need_id" if need_id else None,
        f"{prefix}no need of the input is the shift {shift}{hint}",
    )
