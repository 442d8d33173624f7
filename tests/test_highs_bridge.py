"""The HiGHS bridge solves exactly the PuLP model: same optimum as PuLP's own interfaces."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pulp
import pytest

from scheduler.engine.eligibility import build_instance
from scheduler.engine.highs_bridge import Phase, solve_relax_and_fix, to_arrays
from scheduler.engine.model import build_model
from scheduler.engine.parts import split_into_parts
from scheduler.intake.loading import load_dataset

DEMO = Path(__file__).parent.parent / "data" / "demo"


@pytest.fixture(scope="module")
def parts():
    dataset, _ = load_dataset(DEMO)
    return split_into_parts(dataset, build_instance(dataset))


def test_the_arrays_hold_every_row_and_column_of_the_model(parts) -> None:
    model = build_model(parts[0])
    lp = to_arrays(model.problem, model.columns)
    constraints = model.problem.constraints()
    assert lp.shape == (len(constraints), len(model.problem.variables()))
    assert len(lp.row_value) == sum(len(c.expr) for c in constraints)
    assert lp.row_names == [c.name for c in constraints]
    assert lp.integer.sum() == len(model.assign)


def test_the_arrays_built_directly_are_the_pulp_model_coefficient_for_coefficient(parts) -> None:
    """What HiGHS gets (`model.arrays`) is exactly what PuLP holds, read back from PuLP."""
    pinned = [dataclasses.replace(p, pair_fixed=np.arange(p.size) % 3 == 0) for p in parts]
    for part in [*parts, *pinned]:
        model = build_model(part)
        direct, read = model.arrays, to_arrays(model.problem, model.columns)
        assert direct.shape == read.shape
        assert (direct.rows() != read.rows()).nnz == 0
        assert direct.row_names == read.row_names
        for field in ("cost", "lower", "upper", "integer", "row_lower", "row_upper"):
            np.testing.assert_array_equal(getattr(direct, field), getattr(read, field), field)
        assert (direct.sense, direct.offset) == (read.sense, read.offset)
        assert [v.name for v in model.columns] == model.column_names()
        canonical = direct.rows().copy()
        canonical.sum_duplicates()
        assert canonical.nnz == direct.rows().nnz, "a row names a column twice"


def test_the_lp_optimum_equals_pulps_own_highs_interface(parts) -> None:
    for part in parts:
        model = build_model(part)
        outcome = solve_relax_and_fix(to_arrays(model.problem, model.columns), time_limit=30)
        model.problem.solve(pulp.HiGHS(mip=False, msg=False))
        assert outcome.lp_objective == pytest.approx(model.problem.objective.value(), abs=1e-6)


def test_the_roster_satisfies_every_row_of_the_pulp_model(parts) -> None:
    for part in parts:
        model = build_model(part)
        outcome = solve_relax_and_fix(to_arrays(model.problem, model.columns), time_limit=30)
        assert outcome.phase is not Phase.LP_FAILED
        for variable, value in zip(model.columns, outcome.values, strict=True):
            variable.varValue = value
        assert model.problem.valid(eps=1e-6)
        assert outcome.objective <= outcome.lp_objective + 1e-6
        assert set(np.unique(outcome.values[: part.size])) <= {0.0, 1.0}


def test_relax_and_fix_is_close_to_the_full_mip_on_the_demo(parts) -> None:
    for part in parts:
        model = build_model(part)
        outcome = solve_relax_and_fix(to_arrays(model.problem, model.columns), time_limit=30)
        model.problem.solve(pulp.HiGHS(msg=False, gapRel=1e-9))
        best = model.problem.objective.value()
        assert outcome.objective <= best + 1e-6
        assert outcome.objective >= 0.99 * best
