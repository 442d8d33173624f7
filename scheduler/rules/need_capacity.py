"""Rule 2: a need gets at most `count` volunteers, and one volunteer fills one place of it."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from scheduler.rules.base import Context, Row, Rule, exactly


def rows(ctx: Context) -> Iterator[Row]:
    """Filled + shortfall = count: the model is always feasible, and its shortfall
    variables say what it could not fill. (One place per volunteer holds by
    construction: a pair has one binary variable.)"""
    part = ctx.part
    order = np.argsort(part.pair_need, kind="stable")
    bounds = np.searchsorted(part.pair_need[order], np.arange(len(part.need) + 1))
    for n, name in enumerate(part.need_names):
        terms = [(ctx.assign[k], 1.0) for k in order[bounds[n] : bounds[n + 1]].tolist()]
        terms.append((ctx.shortfall[n], 1.0))
        yield f"capacity__{name}", exactly(terms, float(part.count[n]))


RULE = Rule("capacity", 2, rows=rows)
