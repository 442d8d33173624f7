"""What the sheets show, computed once: the assignments joined with the dataset."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from scheduler.domain import Dataset, Need, Volunteer
from scheduler.outputs.coverage import Coverage, coverage
from scheduler.outputs.unfilled import Funnel, explain_unfilled

if TYPE_CHECKING:
    from scheduler.engine.results import SolveResult

Pairs = Sequence[tuple[str, str]]


class Roster:
    """The assignments joined with the dataset, in the shapes the sheets need."""

    def __init__(
        self,
        dataset: Dataset,
        assignments: Pairs,
        result: SolveResult | None,
        reasons: Mapping[str, Funnel] | None,
        pinned: Collection[tuple[str, str]] = (),
    ):
        self.dataset = dataset
        self.assignments = assignments
        replan = result.replan if result is not None else None
        # pinned rows, written as `locked` so a re-plan against this workbook keeps them
        self.pinned = frozenset(pinned) | (replan.pinned if replan is not None else frozenset())
        self.result = result
        self.coverage: Coverage = coverage(dataset, assignments)
        self.reasons = explain_unfilled(dataset, assignments) if reasons is None else reasons
        needs, volunteers = dataset.need_by_id, dataset.volunteer_by_id
        self.people: dict[str, list[Volunteer]] = defaultdict(list)  # by need id
        self.shifts: dict[str, list[Need]] = defaultdict(list)  # by volunteer id
        for need_id, volunteer_id in assignments:
            self.people[need_id].append(volunteers[volunteer_id])
            self.shifts[volunteer_id].append(needs[need_id])
        for people in self.people.values():
            people.sort(key=lambda v: (v.name.casefold(), v.id))
        for shifts in self.shifts.values():
            shifts.sort(key=lambda n: (n.start, n.id))
        self.needs_at: dict[str, list[Need]] = defaultdict(list)  # by facility id
        for need in dataset.needs:
            self.needs_at[need.facility_id].append(need)

    @property
    def days(self) -> list[dt.date]:
        """Every day of the horizon, including days without needs."""
        if self.dataset.horizon is None:
            return []
        first, last = self.dataset.horizon
        return [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]

    @property
    def shift_days(self) -> list[dt.date]:
        """The days on which some shift starts, in order: a need years away from the rest
        adds one day, not the years between."""
        return sorted({need.date for need in self.dataset.needs})
