"""Problems found in input, and the errors that carry them.

A `Problem` always says where (sheet, Excel row, column) and what: the bad
value and what would be accepted. Validation collects all of them before it
gives up, so a clerk fixes a sheet in one pass instead of one error a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    sheet: str
    row: int | None  # as a person sees it in Excel: the header is row 1
    column: str | None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        row = "-" if self.row is None else str(self.row)
        return f"{self.sheet}:{row}:{self.column or '-'}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class SchedulerError(Exception):
    """Base of every error the engine raises on purpose.

    `http_status` lets the web layer answer without knowing each subclass.
    """

    http_status = 500


class InvalidInput(SchedulerError):
    """The input breaks the data contract; `problems` lists every breach found."""

    http_status = 422

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_reading_order)
        errors = [p for p in self.problems if p.is_error]
        head = "\n".join(str(p) for p in errors[:20])
        more = f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} problem(s) in the input:\n{head}{more}")


SHEET_ORDER = {
    "file": 0,
    "facilities": 1,
    "volunteers": 2,
    "availability": 3,
    "needs": 4,
    "roles": 5,
    "rules": 6,
}


def _reading_order(p: Problem) -> tuple:
    return (SHEET_ORDER.get(p.sheet, 9), p.sheet, p.row or 0)
