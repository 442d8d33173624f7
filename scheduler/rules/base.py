"""What a rule unit is made of, and what every rule sees.

A hard rule that depends on the rest of a roster (capacity, rest, weekly
limits, days in a row) has up to three faces, kept side by side in its module
so they cannot drift apart:

- `rows`: its constraints in the integer program (`Context` -> named rows);
- `ledger`: the fast check "may this volunteer take this shift, given what
  they already have", one pair at a time as shifts are added and removed (the
  greedy, the polish; suggestions and self-service to come);
- `blocking`: the same check for many (volunteer, shift) pairs at once
  against a fixed roster, vectorised (the why-unfilled funnel), which also
  says which of the roster's shifts are in the way.

Rules that only decide who may fill a need at all (role, availability,
region and distance) are judged once per pair before the model is built
(`scheduler.engine.eligibility`); their modules hold vectorised tests instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from scheduler.arrays import F64, I64, Mask
from scheduler.domain import Dataset, Rules

if TYPE_CHECKING:
    from scheduler.engine.parts import Part

Term = tuple[int, float]  # a column of the part's model and its coefficient


@dataclass(frozen=True, slots=True)
class Constraint:
    """One row of a part's model: `lower` <= sum of coefficient x column <= `upper`.

    Plain lists, not PuLP expressions: a dense part has a million terms, and
    building them as PuLP objects took longer than solving its LP
    (`scheduler.engine.model` makes the PuLP model from these rows when asked).
    """

    columns: list[int]
    coefficients: list[float]
    lower: float
    upper: float


Row = tuple[str, Constraint]


def rest_minutes(rules: Rules) -> int:
    """The minimum rest in whole minutes: shift times are whole minutes, so 630.3 needs 631."""
    return math.ceil(rules.min_rest_hours * 60 - 1e-9)


@dataclass(frozen=True)
class Calendar:
    """Shifts on the engine's clock and each volunteer's limits: all a roster rule reads.

    Times are minutes after an epoch, days count from it, weeks are ISO weeks
    numbered from 0. Built from a part (local numbering) or a whole dataset.
    """

    start: NDArray[np.integer]  # per need
    end: NDArray[np.integer]
    day: NDArray[np.integer]
    week: NDArray[np.integer]
    max_shifts: NDArray[np.integer]  # per volunteer
    max_hours: F64  # NaN: no limit
    rest_minutes: int
    max_consecutive_days: int

    @classmethod
    def of_dataset(
        cls,
        dataset: Dataset,
        start: NDArray[np.integer],
        end: NDArray[np.integer],
        day: NDArray[np.integer],
        week: NDArray[np.integer],
    ) -> Calendar:
        """Every need of the dataset (times as `shift_clock` gives them), every volunteer."""
        people = dataset.volunteers
        hours = [np.nan if v.max_hours_per_week is None else v.max_hours_per_week for v in people]
        return cls(
            start,
            end,
            day,
            week,
            np.array([v.max_shifts_per_week for v in people], np.int64),
            np.array(hours, np.float64),
            rest_minutes(dataset.rules),
            dataset.rules.max_consecutive_days,
        )

    @classmethod
    def of_part(cls, part: Part) -> Calendar:
        return cls(
            part.start,
            part.end,
            part.day,
            part.week,
            part.max_shifts,
            part.max_hours,
            part.rules.min_rest_minutes,
            part.rules.max_consecutive_days,
        )


@dataclass
class Context:
    """What every rule's rows see: the part, its model's columns and helper indexes."""

    part: Part
    assign: Sequence[int]  # the column of each pair, in the part's pair order
    shortfall: Sequence[int]  # the column of each need's places left open
    new_variable: Callable[[str, float, float], int]  # a continuous helper column
    volunteer_pairs: list[range] = field(init=False)

    def __post_init__(self) -> None:
        bounds = np.searchsorted(self.part.pair_volunteer, np.arange(len(self.part.volunteer) + 1))
        self.volunteer_pairs = [range(a, b) for a, b in itertools.pairwise(bounds)]


def at_most(terms: list[Term], bound: float) -> Constraint:
    return Constraint([c for c, _ in terms], [a for _, a in terms], -math.inf, bound)


def exactly(terms: list[Term], value: float) -> Constraint:
    return Constraint([c for c, _ in terms], [a for _, a in terms], value, value)


class Ledger(Protocol):
    """One rule's running account of the shifts each volunteer holds."""

    def fits(self, v: int, n: int) -> bool: ...
    def add(self, v: int, n: int) -> None: ...
    def remove(self, v: int, n: int) -> None: ...


@dataclass(frozen=True)
class Links:
    """Candidate pairs against a roster: each pair linked to every shift its volunteer holds.

    Pair p is (volunteer[p], need[p]); link i ties pair own[i] to the roster's
    shift other[i] of the same volunteer (mine[i] = need[own[i]]). `roster`
    is (volunteer, need) of every assignment, sorted by volunteer.
    """

    volunteer: I64
    need: I64
    own: I64
    other: I64
    roster: tuple[I64, I64]

    @property
    def mine(self) -> I64:
        return self.need[self.own]

    def per_pair(self, values: Mask | NDArray[np.number]) -> F64:
        """Sum over each pair's links (weighted bincount counts in floats)."""
        return np.bincount(self.own, values, minlength=len(self.need)).astype(np.float64)


@dataclass(frozen=True)
class Blocked:
    """Which pairs a rule keeps off, and which links (roster shifts) are in the way."""

    pairs: Mask
    links: Mask


@dataclass(frozen=True)
class Rule:
    """One hard rule: its number in the data contract, its settings and its faces.

    `settings` names the fields of `scheduler.domain.Rules` it reads (declared
    there once, with ranges and descriptions); `label` words a refusal the way
    a coordinator reads it ("at their weekly shift limit").
    """

    name: str
    number: int
    settings: tuple[str, ...] = ()
    rows: Callable[[Context], Iterator[Row]] | None = None
    ledger: Callable[[Calendar], Ledger] | None = None
    blocking: Callable[[Calendar, Links], Blocked] | None = None
    label: Callable[[Rules], str] | None = None
