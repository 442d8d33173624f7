"""Problems found in input, and the errors that carry them.

A `Problem` always says where (sheet, Excel row, column) and what: the bad
value and what would be accepted. Validation collects all of them before it
gives up, so a clerk fixes a sheet in one pass instead of one error a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scheduler.i18n import figure, gettext


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
    unlisted: int = 0  # a summary line: this many more problems, not listed one by one

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
        self.problems = _listed(sorted(problems, key=_reading_order))
        errors = [p for p in self.problems if p.is_error]
        head = "\n".join(str(p) for p in errors[:20])
        more = "\n" + gettext("… and %(count)s more", count=len(errors) - 20)
        title = gettext("%(count)s problem(s) in the input:", count=self.error_count)
        super().__init__(f"{title}\n{head}{more if len(errors) > 20 else ''}")

    @property
    def error_count(self) -> int:
        """Every error found, those counted but not listed included."""
        return sum(p.unlisted or 1 for p in self.problems if p.is_error)


SHEET_ORDER = {
    "file": 0,
    "facilities": 1,
    "volunteers": 2,
    "availability": 3,
    "needs": 4,
    "roles": 5,
    "rules": 6,
}


# Errors listed per sheet; the rest are counted in one line. A million rows with
# the same mistake must not become a million lines nobody reads.
MAX_LISTED = 1000


def _listed(problems: list[Problem]) -> list[Problem]:
    """The first `MAX_LISTED` errors of each sheet, then a line that counts the rest."""
    kept: list[Problem] = []
    listed: dict[str, int] = {}
    unlisted: dict[str, int] = {}
    for p in problems:
        whole_sheet = p.row is None and p.column is None  # a few at most: always listed
        if p.is_error and not whole_sheet and listed.get(p.sheet, 0) >= MAX_LISTED:
            unlisted[p.sheet] = unlisted.get(p.sheet, 0) + (p.unlisted or 1)
            continue
        if p.is_error and not whole_sheet:
            listed[p.sheet] = listed.get(p.sheet, 0) + 1
        kept.append(p)
    kept += [
        Problem(
            sheet,
            None,
            None,
            gettext(
                "… and %(count)s more problems in this sheet, not listed; fix the ones above "
                "(often a whole column is wrong) and try again",
                count=figure(count, ","),
            ),
            unlisted=count,
        )
        for sheet, count in unlisted.items()
    ]
    return sorted(kept, key=_reading_order) if unlisted else kept


def _reading_order(p: Problem) -> tuple:
    return (SHEET_ORDER.get(p.sheet, 9), p.sheet, p.unlisted > 0, p.row or 0)
