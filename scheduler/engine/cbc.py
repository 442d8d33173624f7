"""The alternative solver: CBC through PuLP's own interface, on the same PuLP model.

Slower than the HiGHS path, but independent of it: a second opinion on the
model, and the solver many PuLP users already have.
"""

from __future__ import annotations

import time

import cbcbox
import numpy as np
from pulp import COIN_CMD, LpStatusNotSolved, LpStatusOptimal

from scheduler.engine.model import StaffingModel
from scheduler.engine.results import PartMethod, PartResult, Settings, bound_from_lp


def cbc_solver(settings: Settings, time_limit: float, mip: bool = True) -> COIN_CMD:
    return COIN_CMD(
        path=cbcbox.cbc_bin_path(),
        mip=mip,
        msg=False,
        timeLimit=max(1, round(time_limit)),
        gapRel=settings.gap,
        threads=settings.threads,
    )


def solve_with_cbc(model: StaffingModel, settings: Settings, time_left: float) -> PartResult:
    """LP relaxation first (the proven bound), then the MIP with the time that is left."""
    part, problem = model.part, model.problem
    started = time.monotonic()
    relaxed = problem.solve(cbc_solver(settings, time_left, mip=False))
    lp_seconds = time.monotonic() - started
    bound = problem.objective.value() if relaxed == LpStatusOptimal else None
    status = problem.solve(cbc_solver(settings, time_left - lp_seconds))
    values = np.array([v.varValue if v.varValue is not None else 0.0 for v in model.assign])
    if status == LpStatusNotSolved or values.size != part.size:
        values = np.zeros(part.size)
    return PartResult(
        part.index,
        values > 0.5,
        bound_from_lp(bound, part),
        PartMethod.CBC,
        0,
        {"lp": lp_seconds, "mip": time.monotonic() - started - lp_seconds},
    )
