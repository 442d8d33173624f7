"""Solving a tiny case end to end, and judging the roster with the independent checker.

Every case is solved end to end (`solve`), and every roster is also judged
by the independent checker, so a test fails both when the engine breaks a
rule and when it leaves a place open that the rule does not forbid.
2026-03-02 is a Monday; 2026-03-08 a Sunday, the last day of ISO week 10.
"""

from __future__ import annotations

import pytest

from scheduler.checker import check_roster, roster_summary
from scheduler.domain import Dataset
from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.outputs.roster_reading import Assignment
from tests.factories import make_need, make_volunteer

SUNDAY = "2026-03-08"
NEXT_MONDAY = "2026-03-09"


def roster(dataset: Dataset) -> set[tuple[str, str]]:
    """The solved roster as {(need_id, volunteer_id)}, after checking it breaks no rule."""
    result = solve(dataset, Settings(time_limit=30))
    assignments = [Assignment(n, v, row) for row, (n, v) in enumerate(result.assignments, 2)]
    assert check_roster(dataset, assignments) == []
    summary = roster_summary(dataset, assignments)
    assert result.weighted_coverage == pytest.approx(summary["weighted_coverage"])
    assert result.weighted_coverage <= result.upper_bound + 1e-6
    return set(result.assignments)


def filled(dataset: Dataset) -> set[str]:
    """The ids of the needs that got somebody."""
    return {need for need, _ in roster(dataset)}


def two_volunteers(**second) -> list:
    return [make_volunteer(), make_volunteer(id="V2", name="Boris", **second)]


TWO_DAYS = [make_need(id="N1"), make_need(id="N2", date="2026-03-03")]  # 8 h each


def days(*dates: str) -> list:
    """One 8-hour need a day, N1, N2, ..."""
    return [make_need(id=f"N{i}", date=d) for i, d in enumerate(dates, 1)]
