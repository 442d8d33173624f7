"""Optimal, and proven so: a part whose roster falls short of its relaxation's bound gets its whole
MIP, warm-started, and comes back proven optimal; the bound reported is never below the true
optimum, found here by solving the whole case at once, exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from pulp import LpStatusOptimal

from scheduler.domain import Dataset
from scheduler.engine.cbc import cbc_solver
from scheduler.engine.eligibility import build_instance
from scheduler.engine.model import build_model
from scheduler.engine.parts import single_part
from scheduler.engine.results import PartMethod, Settings, Status
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from tests.test_solve import DEMO, datasets


def exact_optimum(dataset: Dataset) -> float:
    """Weighted coverage of the whole case solved as one MIP by CBC to a zero gap."""
    instance = build_instance(dataset)
    if not len(instance.pairs):
        return 0.0
    part = single_part(dataset, instance)
    model = build_model(part)
    status = model.problem.solve(cbc_solver(Settings(gap=0.0), 60))
    assert status == LpStatusOptimal
    chosen = np.array([(v.varValue or 0) > 0.5 for v in model.assign])
    return float(part.weight[part.pair_need[chosen]].sum())


def test_the_demo_is_solved_to_its_proven_optimum() -> None:
    dataset, _ = load_dataset(DEMO)
    result = solve(dataset, Settings(time_limit=60))
    assert PartMethod.PROVEN in {p.method for p in result.parts}  # a part the LP left short
    assert result.status is Status.OPTIMAL
    assert result.weighted_coverage == result.upper_bound == exact_optimum(dataset)


def test_proving_can_be_turned_off() -> None:
    dataset, _ = load_dataset(DEMO)
    result = solve(dataset, Settings(time_limit=60, prove_seconds=0))
    assert PartMethod.PROVEN not in {p.method for p in result.parts}
    assert result.weighted_coverage <= exact_optimum(dataset) <= result.upper_bound


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(dataset=datasets())
def test_the_bound_is_never_below_the_optimum(dataset: Dataset) -> None:
    best = exact_optimum(dataset)
    result = solve(dataset, Settings(time_limit=30))
    assert result.upper_bound >= best - 1e-6
    assert result.weighted_coverage <= best + 1e-6
    if result.status is Status.OPTIMAL:
        assert result.weighted_coverage == pytest.approx(best)


def largest_demo_part_always_short(monkeypatch):
    """The demo's largest part, with every roster of every part seen as short of its bound."""
    from scheduler.engine import solver
    from scheduler.engine.parts import split_into_parts

    monkeypatch.setattr(solver, "_coverage", lambda part, chosen: -1.0)
    dataset, _ = load_dataset(DEMO)
    return max(split_into_parts(dataset, build_instance(dataset)), key=lambda p: p.size)


def test_a_worker_stops_proving_once_its_budget_is_spent(monkeypatch) -> None:
    """Every part looks short and every proof takes 0.4 s: with 1 s a worker tries two (each
    may reserve at most half), and the rest keep the roster they found, unproven."""
    import time
    import uuid

    from scheduler.engine import highs_bridge, proof_budget, solver

    def slow_and_inconclusive(*args, **kwargs):
        time.sleep(0.4)
        return None

    monkeypatch.setattr(highs_bridge, "prove", slow_and_inconclusive)
    part = largest_demo_part_always_short(monkeypatch)
    settings = Settings(time_limit=60, prove_seconds=1.0)
    with proof_budget.of(uuid.uuid4().hex):  # a solve of its own, even in a re-run
        results = [solver._solve_part(part, settings, 60) for _ in range(5)]
    tried = [r for r in results if "prove" in r.seconds]
    assert len(tried) == 2
    assert all(r.method is not PartMethod.PROVEN for r in results)
    with proof_budget.of(uuid.uuid4().hex):  # a new solve has its own budget
        assert "prove" in solver._solve_part(part, settings, 60).seconds


def test_a_short_part_is_searched_for_chains_before_its_proof(monkeypatch) -> None:
    """The chains run on a part short of its bound, with the allowance of checks, and not
    on a re-plan's part, whose objective is not coverage alone."""
    import dataclasses

    from scheduler.engine import solver

    calls = []

    def recording(part, chosen, checks, deadline, bound):
        calls.append((part.index, checks, bound))
        return chosen

    monkeypatch.setattr(solver, "fill_by_chains", recording)
    part = largest_demo_part_always_short(monkeypatch)
    settings = Settings(time_limit=60, prove_seconds=0)

    result = solver._solve_part(part, settings, 60)

    assert calls == [(part.index, solver.CHAINS_CHECKS, result.upper_bound)]
    assert "chains" in result.seconds
    replan = dataclasses.replace(part, pair_keep=np.zeros(part.size, bool))
    assert "chains" not in solver._solve_part(replan, settings, 60).seconds
    assert len(calls) == 1
