"""The objective of a part's model: weighted coverage first, then the tie-breaks.

Soft rules return objective terms (`Terms`); the hard rules are in
`scheduler.rules`. Preferred facilities and short travel are served after the
solve (`scheduler.engine.polish`), see the note at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from scheduler.engine.parts import Part
from scheduler.rules.base import Context, Row, at_most


@dataclass
class Terms:
    """Objective terms of one soft rule, and any rows that define its helper variables."""

    variables: Sequence[int]  # columns of the part's model
    coefficients: list[float]
    rows: list[Row] = field(default_factory=list)


def tie_break_epsilon(part: Part) -> float:
    """The worth of one tie-break point, so that all of them together stay below half a unit.

    The most tie-break a roster can collect is 4.5 points per volunteer (fair
    load); rounding down to a power of ten keeps the coefficients readable
    and clear of solver tolerances.
    """
    ceiling = 4.5 * len(part.volunteer)
    return 10.0 ** np.floor(np.log10(0.5 * part.rules.unit / ceiling))


def weighted_coverage(ctx: Context, epsilon: float) -> Terms:
    """Soft, primary: the weight of each filled place (the contract's quality figure); in a
    re-plan, a kept baseline assignment is worth `keep_weight` times its weight more."""
    part = ctx.part
    weight = part.weight[part.pair_need]
    if part.pair_keep is not None and part.rules.keep_weight:
        weight = weight * (1.0 + part.rules.keep_weight * part.pair_keep)
    return Terms(ctx.assign, weight.tolist())


def fair_load(ctx: Context, epsilon: float) -> Terms:
    """Soft: spread shifts over people: 3 points for a volunteer's first shift, 1.5 for the second.

    Concave in the load, so giving someone a first or second shift beats
    giving anyone a third.
    """
    variables, coefficients, rows = [], [], []
    for v, pairs in enumerate(ctx.volunteer_pairs):
        name = ctx.part.volunteer_names[v]
        first = ctx.new_variable(f"first_shift__{name}", 0.0, 1.0)
        second = ctx.new_variable(f"second_shift__{name}", 0.0, 1.0)
        terms = [(first, 1.0), (second, 1.0)] + [(ctx.assign[k], -1.0) for k in pairs]
        rows.append((f"fair_load__{name}", at_most(terms, 0.0)))
        variables += [first, second]
        coefficients += [3.0 * epsilon, 1.5 * epsilon]
    return Terms(variables, coefficients, rows)


SOFT_RULES: tuple[Callable[[Context, float], Terms], ...] = (
    weighted_coverage,
    fair_load,
)
# Preferred facilities and short travel are per-pair preferences: as LP costs they
# cost the simplex ten times the iterations on a national part (48 s against 4 s,
# measured), so they are served after the solve by `scheduler.engine.polish`, which swaps
# volunteers between equal places without touching coverage or fair load.
