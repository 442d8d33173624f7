"""What a solve takes and gives: its settings, each part's result, the whole result.

Apart from `scheduler.engine.solver` so that the solver backends (HiGHS,
CBC) can return a `PartResult` without importing the solver that calls them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scheduler.engine.baseline import Replan
    from scheduler.engine.parts import Part


class SolverName(StrEnum):
    HIGHS = "highs"
    CBC = "cbc"


class Status(StrEnum):
    OPTIMAL = "optimal"  # coverage equals the proven bound
    FEASIBLE = "feasible"  # a valid roster; the bound may be higher
    FALLBACK = "fallback"  # some parts were staffed by the greedy coordinator


class PartMethod(StrEnum):
    LP_INTEGRAL = "lp_integral"
    RESIDUAL_MIP = "residual_mip"
    ROUNDED_DOWN = "rounded_down"
    PROVEN = "mip_proven"  # the whole part's MIP, warm-started, closed the gap
    CHAINS = "chains"  # chains of moves filled places the residual MIP had left open
    CBC = "cbc"
    GREEDY = "greedy"  # fallback: the solver failed or ran out of time


@dataclass(frozen=True)
class Settings:
    solver: SolverName = SolverName.HIGHS
    time_limit: float = 120.0  # seconds for the whole solve
    gap: float = 1e-4  # relative MIP gap at which a part's search stops
    threads: int = 1  # solver threads per part
    workers: int = 0  # parallel parts; 0 = one per core
    prove_seconds: float = 5.0  # per worker and solve, proving short parts optimal; 0: never


@dataclass(frozen=True)
class PartResult:
    index: int
    chosen: np.ndarray  # bool per pair of the part
    upper_bound: float  # proven bound on the part's weighted coverage
    method: PartMethod
    undecided: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class SolveResult:
    assignments: tuple[tuple[str, str], ...]  # (need_id, volunteer_id), one per filled place
    status: Status
    weighted_coverage: float
    upper_bound: float
    filled: int
    demand: int
    seconds: dict[str, float]
    parts: tuple[PartResult, ...]
    eligible: dict[str, int] = field(default_factory=dict)  # eligible volunteers per need id
    replan: Replan | None = None  # against the baseline, when the solve re-planned one

    @property
    def gap(self) -> float:
        """Relative distance to the bound: 0 means provably the best roster."""
        return gap(self.weighted_coverage, self.upper_bound)

    @property
    def is_ok(self) -> bool:
        return self.status is not Status.FALLBACK

    @property
    def termination(self) -> str:
        methods = sorted({p.method.value for p in self.parts})
        return ", ".join(methods) or "nothing to solve"

    def summary(self) -> dict[str, object]:
        """The figures every report of a solve gives (CLI --json, a draft, the workbook)."""
        return {
            "weighted_coverage": self.weighted_coverage,
            "upper_bound": self.upper_bound,
            "filled": self.filled,
            "demand": self.demand,
            "gap": self.gap,
            "status": self.status.value,
            "termination": self.termination,
            "parts": len(self.parts),
            "seconds": round(sum(self.seconds.values()), 3),
            **(self.replan.summary() if self.replan else {}),
        }


def gap(found: float, bound: float) -> float:
    """Relative distance from what was found to the proven bound; 0 when they meet."""
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - found) / bound)


def bound_from_lp(lp_objective: float | None, part: Part) -> float:
    """A proven bound on weighted coverage from the relaxation's optimum.

    Tie-break terms are non-negative, so coverage <= LP optimum; coverage is
    a multiple of the unit, so round down (with room for solver tolerance).
    """
    if lp_objective is None:
        return part.demand_weight
    unit = part.rules.unit
    return min(part.demand_weight, unit * math.floor(lp_objective / unit + 1e-3))
