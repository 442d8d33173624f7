"""Hand a part's model to HiGHS in one call, and solve it as LP, fix, then a small MIP.

PuLP's own HiGHS interface adds rows one at a time (5.5 s for the national
week). The model is built as arrays (`scheduler.engine.model`) and passed
whole; `to_arrays` reads any PuLP model the same way, and the tests use it
to hold both to be the same model, coefficient for coefficient.

The method, measured in ../shared/SOLVER-NOTES.md: solve the LP relaxation
(its value is the proven bound; with clique rows it is almost integral), fix
every variable the LP already decided, and solve the few undecided ones as a
MIP. If that MIP finds nothing in time, the undecided ones are rounded down,
which always keeps a roster valid.
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
import os
import sys
import time
from dataclasses import dataclass
from enum import StrEnum

import highspy
import numpy as np
from numpy.typing import NDArray
from pulp import LpInteger, LpProblem, LpVariable
from scipy.sparse import csc_matrix, csr_matrix

from scheduler.engine.linear_program import LinearProgram

INTEGRAL_TOLERANCE = 1e-6
MIP_MIN_SECONDS = 3.0
ALTERNATIVES_PER_UNDECIDED = 40
DUAL, PRIMAL = 1, 4  # HiGHS's simplex_strategy
SIFTING_BATCH_SHARE = 20  # columns join a working set at most a 20th of them at a time
PRIMAL_SHARE = 0.05  # sifting adds columns by the primal simplex below this share of those held
_column = operator.attrgetter("_highs_column")


def to_arrays(problem: LpProblem, columns: list[LpVariable]) -> LinearProgram:
    """Read the PuLP model once; `columns` fixes the column order (PuLP's own sorts by name).

    Each variable is told its column (`_highs_column`), so the million
    non-zeros of a national part are read by C-level attribute lookups
    rather than through a dictionary keyed by variable hash: the whole read
    of that part takes 0.35-0.5 s instead of 0.65-0.75 s.
    """
    for i, variable in enumerate(columns):
        variable._highs_column = i
    constraints = problem.constraints()
    starts = np.zeros(len(constraints) + 1, np.int32)
    index: list[int] = []
    value: list[float] = []
    lower = np.empty(len(constraints))
    upper = np.empty(len(constraints))
    for r, c in enumerate(constraints):
        index.extend(map(_column, c.expr))  # C-level loops: 1 M non-zeros
        value.extend(c.expr.values())
        starts[r + 1] = len(index)
        lo, hi = c.getLb(), c.getUb()
        lower[r] = -np.inf if lo is None else lo
        upper[r] = np.inf if hi is None else hi
    cost = np.zeros(len(columns))
    objective = problem.objective
    if objective is not None:
        cost[list(map(_column, objective))] = list(objective.values())
    bounds = np.array([(v.lowBound, v.upBound) for v in columns], float).reshape(-1, 2)
    return LinearProgram(
        sense=problem.sense,
        offset=float(objective.constant) if objective is not None else 0.0,
        cost=cost,
        lower=np.where(np.isnan(bounds[:, 0]), -np.inf, bounds[:, 0]),  # None (no bound) is nan
        upper=np.where(np.isnan(bounds[:, 1]), np.inf, bounds[:, 1]),
        integer=np.array([v.cat == LpInteger for v in columns], bool),
        row_lower=lower,
        row_upper=upper,
        row_start=starts,
        row_index=np.asarray(index, np.int32),
        row_value=np.asarray(value, np.float64),
        row_names=[c.name for c in constraints],
    )


class Phase(StrEnum):
    LP_OPTIMAL_INTEGRAL = "lp_integral"  # the LP answer was already whole
    RESIDUAL_MIP = "residual_mip"  # undecided variables solved as a MIP
    ROUNDED_DOWN = "rounded_down"  # the residual MIP found nothing in time
    LP_FAILED = "lp_failed"  # no LP answer in time: the caller falls back


@dataclass(frozen=True)
class Outcome:
    values: NDArray[np.float64] | None  # column values of the roster, None if LP_FAILED
    lp_objective: float | None  # the relaxation's optimum: an upper bound (maximising)
    objective: float | None
    phase: Phase
    undecided: int  # integer columns fractional in the LP
    lp_seconds: float
    mip_seconds: float
    bound_objective: float | None = None  # the relaxation's optimum for `bound_cost`, if asked


def solve_relax_and_fix(
    lp: LinearProgram,
    time_limit: float,
    gap: float = 1e-4,
    threads: int = 1,
    start_columns: NDArray[np.bool_] | None = None,
    bound_cost: NDArray[np.float64] | None = None,
) -> Outcome:
    """LP relaxation (by sifting when `start_columns` is given), fix, residual MIP.

    With `bound_cost`, the relaxation is solved once more for those costs at the
    end, warm from its optimal basis: a re-plan's objective rewards kept
    assignments, and this gives the proven bound on coverage alone.
    """
    started = time.monotonic()
    work = _WorkingSet(lp, new_highs(threads), start_columns)
    work.highs.setOptionValue("time_limit", max(1.0, time_limit))
    relaxed = work.solve_relaxation()
    lp_seconds = time.monotonic() - started
    if relaxed is None:
        return Outcome(None, None, None, Phase.LP_FAILED, 0, lp_seconds, 0.0)
    bound, values, reduced_cost = relaxed
    undecided = lp.integer & (values > INTEGRAL_TOLERANCE) & (values < 1 - INTEGRAL_TOLERANCE)
    if not undecided.any():
        final = _snap(values, lp.integer)
        return Outcome(
            final,
            bound,
            float(lp.cost @ final),
            Phase.LP_OPTIMAL_INTEGRAL,
            0,
            lp_seconds,
            0.0,
            _bound_for(work, bound_cost),
        )
    free = undecided | _alternatives(work.rows, work.columns_matrix, lp, undecided, reduced_cost)
    # The residual MIP refines what the LP left open; it gets as long as the LP took
    # (at least a few seconds), never the whole budget: rounding down is always valid.
    mip_budget = min(time_limit - lp_seconds, max(MIP_MIN_SECONDS, lp_seconds))
    found = _residual_mip(lp, work, values, free, mip_budget, gap, threads)
    mip_seconds = time.monotonic() - started - lp_seconds
    if found is not None:
        final, phase = _snap(found, lp.integer), Phase.RESIDUAL_MIP
    else:
        final, phase = _snap(np.where(undecided, 0.0, values), lp.integer), Phase.ROUNDED_DOWN
    return Outcome(
        final,
        bound,
        float(lp.cost @ final),
        phase,
        int(free.sum()),
        lp_seconds,
        mip_seconds,
        _bound_for(work, bound_cost),
    )


@dataclass(frozen=True)
class Proof:
    """What the part's whole MIP proved in its time."""

    values: NDArray[np.float64] | None  # its best roster, if it has one
    dual_bound: float  # a proven bound on the objective (maximising: from above)
    optimal: bool  # HiGHS closed the gap


def prove(
    lp: LinearProgram,
    start: NDArray[np.float64],
    time_limit: float,
    absolute_gap: float,
    threads: int = 1,
) -> Proof | None:
    """The part's whole MIP, warm-started from the roster found, under a time limit: a bound
    at least as tight as the relaxation's, and the optimum when the search closes the gap to
    `absolute_gap` (less than one unit of coverage: the rest is tie-break). None when HiGHS
    gives no bound in time."""
    rows = csr_matrix((lp.row_value, lp.row_index, lp.row_start), shape=lp.shape).tocsc()
    highs = new_highs(threads)
    highs.setOptionValue("time_limit", max(0.1, time_limit))
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", absolute_gap)
    # A proof starts from a roster, so a primal heuristic that looks for a first one adds
    # little: without it the proofs of all short parts took 0.91 s against 1.06 s
    # (national), 1.78 against 2.05 s (28 days), 16.3 against 18.4 s (10x), same bounds.
    highs.setOptionValue("mip_heuristic_run_feasibility_jump", False)
    highs.passModel(
        lp.shape[1],
        lp.shape[0],
        rows.nnz,
        int(highspy.MatrixFormat.kColwise),
        lp.sense,
        lp.offset,
        lp.cost,
        lp.lower,
        lp.upper,
        lp.row_lower,
        lp.row_upper,
        rows.indptr.astype(np.int32),
        rows.indices.astype(np.int32),
        rows.data,
        lp.integer.astype(np.int32),
    )
    warm = highspy.HighsSolution()
    warm.col_value = start.tolist()
    warm.value_valid = True
    highs.setSolution(warm)
    highs.run()
    info = highs.getInfo()
    bound = float(info.mip_dual_bound)
    if not np.isfinite(bound):
        return None
    solution = highs.getSolution()
    found = solution.value_valid and info.primal_solution_status == 2
    optimal = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return Proof(np.asarray(solution.col_value) if found else None, bound, optimal)


def _bound_for(work: _WorkingSet, cost: NDArray[np.float64] | None) -> float | None:
    """The relaxation's optimum for other costs, from the basis at hand (None if not asked,
    or if HiGHS gives none in time: the caller then keeps the first, weaker bound)."""
    if cost is None:
        return None
    relaxed = work.with_costs(cost).solve_relaxation()
    return None if relaxed is None else relaxed[0]


def _residual_mip(
    lp: LinearProgram,
    work: _WorkingSet,
    values: NDArray[np.float64],
    free: NDArray[np.bool_],
    time_limit: float,
    gap: float,
    threads: int,
) -> NDArray[np.float64] | None:
    """Solve only what is open, as a small model of its own.

    Its columns are the free integer ones and every continuous column that
    shares a row with them (closed under shared rows); every other column
    keeps its LP value, which is whole for integer columns, and moves into
    the row bounds. Handing HiGHS this small model instead of the whole part
    with most columns fixed spares a presolve of the whole part, which on
    large parts ignored its time limit (seen: 48 s over a 16 s limit).
    """
    rows, cols = work.rows, work.columns_matrix
    inside = free.copy()
    while True:
        touched = _rows_of(cols, np.flatnonzero(inside))
        reach = np.zeros(len(lp.cost), bool)
        reach[rows[touched].indices] = True
        grown = inside | (reach & ~lp.integer)
        if grown.sum() == inside.sum():
            break
        inside = grown
    kept = np.where(inside, 0.0, values)
    kept[lp.integer & ~inside] = np.round(values[lp.integer & ~inside])
    fixed_activity = rows[touched] @ kept
    sub = cols[:, np.flatnonzero(inside)][touched].tocsc()
    columns = np.flatnonzero(inside)
    highs = new_highs(threads)
    highs.setOptionValue("time_limit", max(1.0, time_limit))
    highs.setOptionValue("mip_rel_gap", gap)
    highs.passModel(
        len(columns),
        len(touched),
        sub.nnz,
        int(highspy.MatrixFormat.kColwise),
        lp.sense,
        0.0,
        lp.cost[columns],
        lp.lower[columns],
        lp.upper[columns],
        lp.row_lower[touched] - fixed_activity,
        lp.row_upper[touched] - fixed_activity,
        sub.indptr.astype(np.int32),
        sub.indices.astype(np.int32),
        sub.data,
        lp.integer[columns].astype(np.int32),
    )
    highs.run()
    solution = highs.getSolution()
    if not (solution.value_valid and highs.getInfo().primal_solution_status == 2):
        return None
    result = kept.copy()
    result[columns] = solution.col_value
    return result


class _WorkingSet:
    """The columns HiGHS currently holds, grown by pricing (sifting).

    A national part has 170,000 columns and 11,000 rows: the dual simplex
    spends its time pricing columns that never enter. Sifting solves the LP
    over a working set, prices every other column with the duals
    (reduced cost c - A'y, one sparse product), adds those that would
    improve, and stops when none would: the optimum is then the optimum of
    the whole LP, and the columns left out stay at zero.
    """

    def __init__(
        self, lp: LinearProgram, highs: highspy.Highs, start: NDArray[np.bool_] | None
    ) -> None:
        self.lp, self.highs = lp, highs
        self.rows = csr_matrix((lp.row_value, lp.row_index, lp.row_start), shape=lp.shape)
        self.columns_matrix = self.rows.tocsc()
        inside = np.ones(len(lp.cost), bool) if start is None else start | ~lp.integer
        self.held = np.flatnonzero(inside)  # full index of each HiGHS column
        self.position = np.full(len(lp.cost), -1, np.int64)
        self.position[self.held] = np.arange(len(self.held))
        sub = self.columns_matrix[:, self.held]
        nrow = lp.shape[0]
        highs.passModel(
            len(self.held),
            nrow,
            sub.nnz,
            int(highspy.MatrixFormat.kColwise),
            lp.sense,
            lp.offset,
            lp.cost[self.held],
            lp.lower[self.held],
            lp.upper[self.held],
            lp.row_lower,
            lp.row_upper,
            sub.indptr.astype(np.int32),
            sub.indices.astype(np.int32),
            sub.data,
            np.zeros(len(self.held), np.int32),
        )  # the relaxation: no integrality

    def solve_relaxation(self) -> tuple[float, NDArray[np.float64], NDArray[np.float64]] | None:
        while True:
            self.highs.run()
            if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            solution = self.highs.getSolution()
            duals = np.array(solution.row_dual)
            reduced = self.lp.cost - self.rows.T @ duals
            entering = np.flatnonzero((self.position < 0) & (reduced > 1e-7) & (self.lp.upper > 0))
            if not len(entering):
                break
            batch = max(2000, len(self.lp.cost) // SIFTING_BATCH_SHARE)
            adding = entering[np.argsort(-reduced[entering])[:batch]]
            # The basis stays primal feasible when columns join: a few of them are priced
            # in by the primal simplex in a few hundred iterations, where the dual simplex
            # starts over its dual repair (seen: 20,000 iterations, 4 s, for 208 columns of
            # a 1.07 M-pair part); a large batch is still the dual's job.
            few = len(adding) < PRIMAL_SHARE * len(self.held)
            self.highs.setOptionValue("simplex_strategy", PRIMAL if few else DUAL)
            self.include_columns(adding)
        values = np.zeros(len(self.lp.cost))
        values[self.held] = solution.col_value
        return self.highs.getInfo().objective_function_value, values, reduced

    def with_costs(self, cost: NDArray[np.float64]) -> _WorkingSet:
        """The same columns and basis, priced by other costs from now on."""
        self.lp = dataclasses.replace(self.lp, cost=cost)
        held = self.held.astype(np.int32)
        self.highs.changeColsCost(len(held), np.arange(len(held), dtype=np.int32), cost[held])
        return self

    def include_columns(self, columns: NDArray[np.int64]) -> None:
        if not len(columns):
            return
        lp, sub = self.lp, self.columns_matrix[:, columns]
        self.highs.addCols(
            len(columns),
            lp.cost[columns],
            lp.lower[columns],
            lp.upper[columns],
            sub.nnz,
            sub.indptr.astype(np.int32),
            sub.indices.astype(np.int32),
            sub.data,
        )
        self.position[columns] = np.arange(len(self.held), len(self.held) + len(columns))
        self.held = np.concatenate([self.held, columns])


def _rows_of(columns: csc_matrix, which: NDArray[np.int64]) -> NDArray[np.int64]:
    """The rows in which any of these columns has a non-zero."""
    return np.unique(columns[:, which].indices)


def _alternatives(
    rows: csr_matrix,
    columns: csc_matrix,
    lp: LinearProgram,
    undecided: NDArray[np.bool_],
    reduced_cost: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Integer columns the LP was indifferent about, in rows that hold an undecided one.

    They cost nothing in the LP (zero reduced cost), so leaving them free lets
    the residual MIP swap people around the fractional spots instead of only
    rounding them. At most `ALTERNATIVES_PER_UNDECIDED` per undecided column
    (those sharing most rows with them): on a 28-day part the whole set is
    200,000 columns, more than a MIP can take in seconds.
    """
    touched_rows = _rows_of(columns, np.flatnonzero(undecided))
    shared = np.bincount(rows[touched_rows].indices, minlength=len(lp.cost))
    candidates = np.flatnonzero(
        (shared > 0) & lp.integer & ~undecided & (np.abs(reduced_cost) <= INTEGRAL_TOLERANCE)
    )
    limit = ALTERNATIVES_PER_UNDECIDED * int(undecided.sum())
    if len(candidates) > limit:
        candidates = candidates[np.argsort(-shared[candidates], kind="stable")[:limit]]
    chosen = np.zeros(len(lp.cost), bool)
    chosen[candidates] = True
    return chosen


def _snap(values: NDArray[np.float64], integer: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Integer columns read as whole numbers (a solver may return 0.9999999 or -0.0)."""
    out = values.copy()
    out[integer] = np.round(values[integer]) + 0.0
    return out


_banner_shown = False


def new_highs(threads: int = 1) -> highspy.Highs:
    """A silent HiGHS: its one-time banner must not reach stdout, where --json goes."""
    global _banner_shown
    if _banner_shown:
        highs = highspy.Highs()
    else:
        with _stdout_silenced():
            highs = highspy.Highs()
        _banner_shown = True
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", threads)
    highs.setOptionValue("random_seed", 0)
    return highs


@contextlib.contextmanager
def _stdout_silenced():
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
