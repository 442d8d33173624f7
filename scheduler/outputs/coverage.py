"""How much of the demand a roster covers, in total and by priority, region, facility and day.

Pure arithmetic over a dataset and a list of (need_id, volunteer_id) pairs,
shared by the roster workbook's Summary sheet and the web dashboard. A roster
edited by hand may put more people on a shift than it asked for; the extra
people fill nothing here (the checker reports them as a broken rule).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from scheduler.domain import Dataset, Need, Priority


@dataclass(frozen=True, slots=True)
class Tally:
    """Places wanted and filled, counted and weighted, for one group of needs."""

    demand: int = 0
    filled: int = 0
    weight_wanted: float = 0.0
    weight_filled: float = 0.0

    @property
    def open(self) -> int:
        return self.demand - self.filled

    @property
    def share(self) -> float:
        """Filled places over wanted places; 1.0 for a group that wants nothing."""
        return self.filled / self.demand if self.demand else 1.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.demand + other.demand,
            self.filled + other.filled,
            self.weight_wanted + other.weight_wanted,
            self.weight_filled + other.weight_filled,
        )


@dataclass(frozen=True)
class Tallies:
    """The tallies a coordinator reads first; every mapping is sorted for display.

    The web's dashboard gets them from the database's sums; `Coverage` from a roster.
    """

    total: Tally
    by_priority: dict[Priority, Tally]
    by_region: dict[str, Tally]  # keyed by the region as people wrote it
    by_facility: dict[str, Tally]  # keyed by facility id
    by_day: dict[dt.date, Tally]


@dataclass(frozen=True)
class Coverage(Tallies):
    """A roster's tallies, and how many places it fills of each need."""

    filled_by_need: Counter[str] = field(repr=False)

    @property
    def weighted_coverage(self) -> float:
        return self.total.weight_filled


def filled_places(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> Counter[str]:
    """Places filled per need id, never more than the need asked for."""
    people = Counter(need_id for need_id, _ in assignments)
    needs = dataset.need_by_id
    return Counter({n: min(k, needs[n].count) for n, k in people.items() if n in needs})


def coverage(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> Coverage:
    filled = filled_places(dataset, assignments)
    facilities = dataset.facility_by_id
    tallies = [(need, _need_tally(dataset, need, filled[need.id])) for need in dataset.needs]

    def by(key: Callable[[Need], Hashable]) -> dict:
        groups: dict = {}
        for need, tally in tallies:
            k = key(need)
            groups[k] = groups.get(k, Tally()) + tally
        return groups

    regions = by(lambda n: facilities[n.facility_id].region_name)
    return Coverage(
        total=sum((t for _, t in tallies), Tally()),
        by_priority=dict(sorted(by(lambda n: n.priority).items())),
        by_region=dict(sorted(regions.items(), key=lambda kv: kv[0].casefold())),
        by_facility=dict(sorted(by(lambda n: n.facility_id).items())),
        by_day=dict(sorted(by(lambda n: n.date).items())),
        filled_by_need=filled,
    )


def _need_tally(dataset: Dataset, need: Need, filled: int) -> Tally:
    weight = dataset.rules.weight(need.priority)
    return Tally(need.count, filled, need.count * weight, filled * weight)
