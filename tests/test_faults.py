"""Whatever fails, a valid roster comes back and the result says what happened."""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path

from scheduler.checker import check_roster
from scheduler.engine.results import PartMethod, Settings, Status
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster_reading import Assignment

DEMO = Path(__file__).parent.parent / "data" / "demo"


class CrashingExecutor(cf.Executor):
    """An executor whose every job dies, like a worker killed by the kernel."""

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_exception(RuntimeError("worker killed"))
        return future


def assignments(result) -> list[Assignment]:
    return [Assignment(n, v, row) for row, (n, v) in enumerate(result.assignments, start=2)]


def test_a_crashed_worker_leaves_a_greedy_roster_and_says_so() -> None:
    dataset, _ = load_dataset(DEMO)
    result = solve(dataset, Settings(time_limit=30), executor=CrashingExecutor())
    assert result.status is Status.FALLBACK
    crashed = [p for p in result.parts if p.method is PartMethod.GREEDY]
    assert crashed and all("worker killed" in p.message for p in crashed)
    assert result.filled > 0
    assert check_roster(dataset, assignments(result)) == []
    assert result.weighted_coverage <= result.upper_bound


def test_any_executor_can_run_the_parts() -> None:
    dataset, _ = load_dataset(DEMO)
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        threaded = solve(dataset, Settings(time_limit=30), executor=pool)
    alone = solve(dataset, Settings(time_limit=30))
    assert threaded.assignments == alone.assignments
    assert threaded.status is not Status.FALLBACK
