"""What to generate: the sizes and the seed that fix a dataset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scheduler.synthetic.assumptions import FIRST_MONDAY


@dataclass(frozen=True)
class GeneratorSpec:
    """What to generate; the seed fixes everything else."""

    volunteers: int
    facilities: int
    days: int = 7
    regions: int | None = None
    seed: int = 0
    start: dt.date | None = None

    def __post_init__(self) -> None:
        for name in ("volunteers", "facilities", "days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.regions is not None and self.regions < 1:
            raise ValueError(f"regions must be at least 1, got {self.regions}")

    @property
    def region_count(self) -> int:
        """Every region holds a facility, so never more regions than facilities."""
        wanted = self.regions if self.regions is not None else round(self.facilities / 4)
        return max(1, min(wanted, self.facilities))

    @property
    def first_day(self) -> dt.date:
        """A Monday fixed by the seed, so a 7-day horizon is exactly one ISO week."""
        if self.start is not None:
            return self.start
        return FIRST_MONDAY + dt.timedelta(weeks=self.seed % 13)
