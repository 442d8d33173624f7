"""The integer program of one part: built as arrays, readable as a PuLP model.

The rules give their rows as plain column lists (`scheduler.rules.base.Row`),
and the model is assembled straight into the arrays HiGHS takes in one call
(`LinearProgram`). The same model as PuLP objects (`StaffingModel.problem`)
is made only when asked, for CBC, for writing an LP or MPS file a person can
read, and for the tests that hold both to be the same model: building every
variable and row as a PuLP object took longer than the LP solve on dense
parts (5.5 s of 30 on a 1.07 M-pair part) and two fifths of the solve's
worker time on the 10x case.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pulp import (
    LpAffineExpression,
    LpBinary,
    LpConstraint,
    LpConstraintEQ,
    LpConstraintGE,
    LpConstraintLE,
    LpContinuous,
    LpMaximize,
    LpProblem,
    LpVariable,
)

from scheduler.engine.linear_program import LinearProgram
from scheduler.engine.objective import SOFT_RULES, tie_break_epsilon
from scheduler.engine.parts import Part
from scheduler.rules import ROSTER_RULES, Rule
from scheduler.rules.base import Context, Row

MAXIMISE = -1  # PuLP's LpMaximize and HiGHS's kMaximize


@dataclass
class StaffingModel:
    """Columns: one binary per eligible pair (the part's pair order), one shortfall per
    need, then the rules' helpers in the order they were made."""

    part: Part
    arrays: LinearProgram
    helper_names: list[str]
    epsilon: float  # worth of one tie-break point
    _pulp: tuple[LpProblem, list[LpVariable]] | None = field(default=None, repr=False)

    @property
    def problem(self) -> LpProblem:
        return self._as_pulp()[0]

    @property
    def columns(self) -> list[LpVariable]:
        """Every PuLP variable, in the arrays' column order."""
        return self._as_pulp()[1]

    @property
    def assign(self) -> list[LpVariable]:
        return self.columns[: self.part.size]

    @property
    def shortfall(self) -> list[LpVariable]:
        return self.columns[self.part.size : self.part.size + len(self.part.need)]

    def column_names(self) -> list[str]:
        part = self.part
        vnames, nnames = part.volunteer_names, part.need_names
        pairs = zip(part.pair_volunteer.tolist(), part.pair_need.tolist(), strict=True)
        return [
            *(f"assign__{vnames[v]}__{nnames[n]}" for v, n in pairs),
            *(f"shortfall__{name}" for name in nnames),
            *self.helper_names,
        ]

    def _as_pulp(self) -> tuple[LpProblem, list[LpVariable]]:
        if self._pulp is None:
            self._pulp = _to_pulp(self)
        return self._pulp


def build_model(part: Part, rules: Sequence[Rule] = ROSTER_RULES) -> StaffingModel:
    """The part's model with the hard rules given (all of them but in tests)."""
    helpers = _Helpers(first=part.size + len(part.need))
    ctx = Context(
        part,
        range(part.size),
        range(part.size, part.size + len(part.need)),
        helpers.add,
    )
    rows = _Rows()
    for rule in rules:
        if rule.rows is not None:
            rows.extend(rule.rows(ctx))
    epsilon = tie_break_epsilon(part)
    cost_of_pairs = np.zeros(part.size)
    others: list[tuple[int, float]] = []
    for soft in SOFT_RULES:
        terms = soft(ctx, epsilon)
        rows.extend(terms.rows)
        if terms.variables is ctx.assign:
            cost_of_pairs += np.asarray(terms.coefficients)
        else:
            others += zip(terms.variables, terms.coefficients, strict=True)
    columns = helpers.first + len(helpers.names)
    cost = np.zeros(columns)
    cost[: part.size] = cost_of_pairs
    if others:
        at, value = zip(*others, strict=True)
        np.add.at(cost, list(at), value)
    lower = np.concatenate([np.zeros(helpers.first), helpers.lower])
    if part.pair_fixed is not None:  # a pinned or frozen pair of a re-plan is 1 whatever happens
        lower[: part.size][part.pair_fixed] = 1.0
    upper = np.concatenate([np.ones(part.size), part.count.astype(float), helpers.upper])
    integer = np.zeros(columns, bool)
    integer[: part.size] = True
    arrays = LinearProgram(
        sense=MAXIMISE,
        offset=0.0,
        cost=cost,
        lower=lower,
        upper=upper,
        integer=integer,
        row_lower=np.asarray(rows.lower, np.float64),
        row_upper=np.asarray(rows.upper, np.float64),
        row_start=np.asarray(rows.start, np.int32),
        row_index=np.asarray(rows.index, np.int32),
        row_value=np.asarray(rows.value, np.float64),
        row_names=rows.names,
    )
    return StaffingModel(part, arrays, helpers.names, epsilon)


@dataclass
class _Helpers:
    """The rules' continuous helper columns, numbered after the pairs and shortfalls."""

    first: int
    names: list[str] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def add(self, name: str, low: float, high: float) -> int:
        self.names.append(name)
        self.lower.append(low)
        self.upper.append(high)
        return self.first + len(self.names) - 1


@dataclass
class _Rows:
    names: list[str] = field(default_factory=list)
    start: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def extend(self, rows: Iterable[Row]) -> None:
        for name, row in rows:
            self.names.append(name)
            self.index += row.columns
            self.value += row.coefficients
            self.start.append(len(self.index))
            self.lower.append(row.lower)
            self.upper.append(row.upper)


def _to_pulp(model: StaffingModel) -> tuple[LpProblem, list[LpVariable]]:
    """The very same model as PuLP objects, column for column and row for row."""
    lp, part = model.arrays, model.part
    problem = LpProblem(f"staffing_part_{part.index}", LpMaximize)
    variables = [
        problem.add_variable(name, lo, hi, LpBinary if whole else LpContinuous)
        for name, lo, hi, whole in zip(
            model.column_names(),
            lp.lower.tolist(),
            lp.upper.tolist(),
            lp.integer.tolist(),
            strict=True,
        )
    ]
    for k in np.flatnonzero(lp.integer & (lp.lower > 0)).tolist():
        variables[k].lowBound = 1  # PuLP resets a binary's bounds to 0..1 when it is made
    rows = []
    for r, name in enumerate(lp.row_names):
        span = slice(lp.row_start[r], lp.row_start[r + 1])
        terms = zip(
            (variables[c] for c in lp.row_index[span].tolist()),
            lp.row_value[span].tolist(),
            strict=True,
        )
        rows.append((name, _constraint(name, terms, lp.row_lower[r], lp.row_upper[r])))
    problem.extend(rows)
    problem.setObjective(
        LpAffineExpression(
            (variables[c], a) for c, a in enumerate(lp.cost.tolist()) if a or c < part.size
        )
    )
    return problem, variables


def _constraint(name: str, terms: Iterable, low: float, high: float) -> LpConstraint:
    """A PuLP row has one side: a rule's row is ≤, ≥ or =, never a range nor free."""
    if low == high:
        sense, rhs = LpConstraintEQ, low
    elif math.isinf(low) and not math.isinf(high):
        sense, rhs = LpConstraintLE, high
    elif math.isinf(high) and not math.isinf(low):
        sense, rhs = LpConstraintGE, low
    else:
        raise ValueError(f"row {name} has bounds {low}..{high}: a PuLP row has one side")
    constraint = LpConstraint(LpAffineExpression(terms), sense, rhs=float(rhs))
    constraint.name = name
    return constraint
