"""Each row of a sheet checked against its schema model, every problem collected.

A row that fails is kept as a partial row (its bad columns None) so that the
checks across rows and sheets still see its ids: one pass reports everything.
"""

from __future__ import annotations

import contextlib
from functools import cache
from typing import Annotated

from pydantic import TypeAdapter, ValidationError

from scheduler.i18n import figure, gettext
from scheduler.intake.raw import RawSheet, is_empty
from scheduler.intake.schema import (
    REQUIRED_SHEETS,
    RoleRow,
    Row,
    RuleRow,
)
from scheduler.problems import MAX_LISTED, Problem, Severity

Rows = list[tuple[int, Row, frozenset]]  # (Excel row, row, columns that failed)


def validate_rows(sheet: RawSheet, model: type[Row]) -> tuple[Rows | None, list[Problem]]:
    """Check the header, then every row.

    A row that fails is reported and kept as a partial row (its bad columns
    None, listed in `failed`) so that cross-sheet checks still see its ids:
    one pass reports every problem.
    """
    problems = _header_problems(sheet, model)
    if any(p.is_error for p in problems):
        return None, problems
    known = [
        (column, index) for column, index in sheet.header.items() if column in model.model_fields
    ]
    rows: Rows = []
    for k, (number, cells_) in enumerate(sheet.rows):
        record = {c: cells_[i] for c, i in known if i < len(cells_) and not is_empty(cells_[i])}
        try:
            rows.append((number, model.model_validate(record), frozenset()))
        except ValidationError as exc:
            found = _row_problems(sheet, number, model, exc)
            problems += found
            rows.append((number, _partial(model, record), frozenset(p.column for p in found)))
            if len(problems) >= MAX_LISTED and k + 1 < len(sheet.rows):
                return None, [*problems, _stopped(sheet, number, len(sheet.rows) - k - 1)]
    if not sheet.rows and model is not RuleRow and model is not RoleRow:
        severity = Severity.ERROR if sheet.name in REQUIRED_SHEETS else Severity.WARNING
        problems.append(
            Problem(
                sheet.name,
                None,
                None,
                gettext("the sheet has a header but no rows below it"),
                severity,
            )
        )
    return rows, problems


def _stopped(sheet: RawSheet, number: int, unchecked: int) -> Problem:
    """Past MAX_LISTED problems a sheet is wrong wholesale: checking the rest costs time and
    memory (a 100,000-row upload) and tells the clerk nothing new."""
    return Problem(
        sheet.name,
        None,
        None,
        gettext(
            "checking stopped after %(most)s problems at row %(row)s; the %(unchecked)s "
            "rows below it were not checked. Fix the problems listed (often a whole column is "
            "wrong) and try again",
            most=figure(MAX_LISTED, ","),
            row=figure(number, ","),
            unchecked=figure(unchecked, ","),
        ),
    )


@cache
def _field_adapter(model: type[Row], column: str) -> TypeAdapter:
    info = model.model_fields[column]
    return TypeAdapter(Annotated[info.annotation, *info.metadata])  # type: ignore[arg-type]


def _partial(model: type[Row], record: dict[str, object]) -> Row:
    """The columns of a failed row that are valid on their own; the rest None."""
    values: dict[str, object] = dict.fromkeys(model.model_fields)
    for column, info in model.model_fields.items():
        if column not in record:
            values[column] = None if info.is_required() else info.get_default()
            continue
        with contextlib.suppress(ValidationError):  # a bad cell stays None
            values[column] = _field_adapter(model, column).validate_python(record[column])
    return model.model_construct(None, **values)


def _header_problems(sheet: RawSheet, model: type[Row]) -> list[Problem]:
    problems = []
    present = ", ".join(sheet.header) or gettext("nothing")
    for column in model.required():
        if column not in sheet.header:
            problems.append(
                Problem(
                    sheet.name,
                    sheet.header_row,
                    column,
                    gettext(
                        "the column '%(column)s' is missing; the header row has: %(present)s",
                        column=column,
                        present=present,
                    ),
                )
            )
    for column in sheet.header:
        if column not in model.model_fields:
            problems.append(
                Problem(
                    sheet.name,
                    sheet.header_row,
                    column,
                    gettext(
                        "the column '%(column)s' is not part of the format and is ignored",
                        column=column,
                    ),
                    Severity.WARNING,
                )
            )
    return problems


def _row_problems(
    sheet: RawSheet, number: int, model: type[Row], exc: ValidationError
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        column = str(error["loc"][0]) if error["loc"] else ctx.get("column")
        if error["type"] == "missing":
            message = gettext(
                "%(column)s is empty; it needs %(hint)s",
                column=column,
                hint=model.hint(str(column)),
            )
        elif "error" in ctx:
            message = str(ctx["error"])
        else:
            message = str(ctx.get("message", error["msg"]))
        where = sheet.labels.get(column or "")
        if where and len(where) <= 3:  # an Excel column letter
            cell = f"{where}{number}"
            message = gettext("%(message)s (cell %(cell)s)", message=message, cell=cell)
        problems.append(Problem(sheet.name, number, column, message))
    return problems
