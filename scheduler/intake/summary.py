"""A few lines that tell a coordinator what a dataset holds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from scheduler.domain import Dataset, Priority


def _count(n: int, noun: str, plural: str = "") -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"


def describe(dataset: Dataset, source: Path | str) -> str:
    horizon = dataset.horizon
    span = f"{horizon[0]} to {horizon[1]}" if horizon else "no dates"
    by_priority: Counter[int] = Counter()
    for need in dataset.needs:
        by_priority[need.priority] += need.count
    demand = ", ".join(f"{by_priority[p]:,} {p.name.lower()}" for p in Priority)
    capacity = sum(v.max_shifts_per_week for v in dataset.volunteers)
    roles = Counter(v.role for v in dataset.volunteers)
    by_role = ", ".join(f"{n:,} {r}" for r, n in roles.most_common())
    return "\n".join(
        [
            f"{source}: valid.",
            f"  {_count(len(dataset.facilities), 'facility', 'facilities')} in "
            f"{_count(len(dataset.regions), 'region')}; "
            f"{len(dataset.volunteers):,} volunteers ({by_role})",
            f"  {len(dataset.needs):,} needs from {span}: {dataset.demand:,} places ({demand})",
            f"  {len(dataset.availability):,} availability rows; volunteers offer up to "
            f"{capacity:,} shifts a week",
        ]
    )
