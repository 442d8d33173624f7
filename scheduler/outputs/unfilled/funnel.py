"""What an explanation says about one need: the Funnel, its stages and the blocking rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scheduler import rules

# A blocked candidate counts under the first rule it would break, in the data
# contract's order (rule 4, then 5, then 6), so the counts add up to the candidates.
BLOCKING_RULES = tuple(rule.name for rule in rules.BLOCKING_RULES)
STAGES = (
    "role",
    "availability",
    "distance",
    "credentials",
    "on_shift",
    "limits",
    "weigh_more",
    "free",
)


@dataclass(frozen=True, slots=True)
class Funnel:
    """Why one need still has open places: who drops out at each stage, and the sentence.

    `available` counts those whose windows hold the whole shift and whose
    weekly limits allow a shift this long at all (the engine reads both as
    availability). `blocked` maps each rule of BLOCKING_RULES to the
    candidates it keeps off, each counted once, under the first rule they
    would break; rules that block nobody are left out. `free` lists every
    candidate who could still take it, nearest first.
    """

    need_id: str
    open: int
    in_region_with_role: int
    available: int
    within_distance: int
    holding: int  # of those, who hold every credential the need requires on its days
    on_this_shift: int
    blocked: Mapping[str, int]
    weigh_more: int  # blocked candidates whose blocking shifts all weigh more
    free: tuple[str, ...]
    stage: str  # one of STAGES: where the funnel empties, or "free"
    reason: str

    @property
    def candidates(self) -> int:
        """Eligible volunteers not already on this shift."""
        return self.holding - self.on_this_shift
