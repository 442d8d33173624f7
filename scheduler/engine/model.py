"""The integer program of one part, as a PuLP model.

The model is plain PuLP: it can be written to an LP or MPS file, read by a
person and solved by any solver PuLP supports. `scheduler.engine.highs_bridge`
hands this very model to HiGHS without PuLP's row-by-row copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pulp import (
    LpAffineExpression,
    LpBinary,
    LpConstraint,
    LpContinuous,
    LpMaximize,
    LpProblem,
    LpVariable,
)

from scheduler.engine.objective import SOFT_RULES, tie_break_epsilon
from scheduler.engine.parts import Part
from scheduler.rules import ROSTER_RULES, Rule
from scheduler.rules.base import Context


@dataclass
class StaffingModel:
    part: Part
    problem: LpProblem
    assign: list[LpVariable]  # one binary per eligible pair, in the part's pair order
    shortfall: list[LpVariable]  # one per need: places left open
    columns: list[LpVariable]  # every variable, in creation order
    epsilon: float  # worth of one tie-break point


def build_model(part: Part, rules: Sequence[Rule] = ROSTER_RULES) -> StaffingModel:
    """The part's model with the hard rules given (all of them but in tests)."""
    problem = LpProblem(f"staffing_part_{part.index}", LpMaximize)
    columns: list[LpVariable] = []

    def new_variable(name: str, low: float, high: float, cat: str = LpContinuous) -> LpVariable:
        variable = problem.add_variable(name, low, high, cat)
        columns.append(variable)
        return variable

    vnames, nnames = part.volunteer_names, part.need_names
    assign = [
        new_variable(f"assign__{vnames[v]}__{nnames[n]}", 0, 1, LpBinary)
        for v, n in zip(part.pair_volunteer.tolist(), part.pair_need.tolist(), strict=True)
    ]
    if part.pair_fixed is not None:  # a pinned or frozen pair of a re-plan is 1 whatever happens
        for k in np.flatnonzero(part.pair_fixed).tolist():
            assign[k].lowBound = 1  # after creation: PuLP resets a binary's bounds to 0..1
    shortfall = [
        new_variable(f"shortfall__{name}", 0, float(count))
        for name, count in zip(nnames, part.count.tolist(), strict=True)
    ]
    ctx = Context(part, assign, shortfall, new_variable)
    for rule in rules:
        if rule.rows is not None:
            problem.extend(_named(rule.rows(ctx)))
    epsilon = tie_break_epsilon(part)
    problem.setObjective(_objective(ctx, problem, epsilon))
    return StaffingModel(part, problem, assign, shortfall, columns, epsilon)


def _objective(ctx: Context, problem: LpProblem, epsilon: float) -> LpAffineExpression:
    """All soft terms summed: rules either price the assignments or their own helpers."""
    on_assign = np.zeros(len(ctx.assign))
    others: list[tuple[LpVariable, float]] = []
    for rule in SOFT_RULES:
        terms = rule(ctx, epsilon)
        problem.extend(_named(terms.rows))
        if terms.variables is ctx.assign:
            on_assign += np.asarray(terms.coefficients)
        else:
            others += zip(terms.variables, terms.coefficients, strict=True)
    return LpAffineExpression([*zip(ctx.assign, on_assign.tolist(), strict=True), *others])


def _named(rows: Iterable[tuple[str, LpConstraint]]) -> list[tuple[str, LpConstraint]]:
    """Rows for `LpProblem.extend`, which takes them whole.

    `addConstraint` would register every variable of every row one by one
    (a fifth of the build time on a national part); PuLP registers them
    anyway when it next lists the problem's variables.
    """
    named = []
    for name, constraint in rows:
        constraint.name = name
        named.append((name, constraint))
    return named
