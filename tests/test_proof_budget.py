"""A worker's proof time is counted per solve: one solve's proofs never eat another's."""

from __future__ import annotations

import threading
import uuid

from scheduler.engine import proof_budget


def fresh() -> str:
    """A solve's name never used before (a test re-run in one process starts afresh)."""
    return uuid.uuid4().hex


def test_each_solve_has_its_own_account() -> None:
    first, second = fresh(), fresh()
    with proof_budget.of(first):
        assert proof_budget.take(5.0, 3.0) == 3.0
        assert proof_budget.take(5.0, 3.0) == 2.0  # only what is left
        assert proof_budget.take(5.0, 3.0) == 0.0
    with proof_budget.of(second):
        assert proof_budget.take(5.0, 3.0) == 3.0


def test_a_proof_is_charged_what_it_used() -> None:
    with proof_budget.of(fresh()):
        granted = proof_budget.take(5.0, 2.5)
        proof_budget.settle(granted, 1.5)  # it took 1.5 s: 1 s comes back
        assert proof_budget.take(5.0, 10.0) == 3.5
    with proof_budget.of(fresh()):
        granted = proof_budget.take(5.0, 2.5)
        proof_budget.settle(granted, 3.5)  # stopped a second after its limit: charged in full
        assert proof_budget.take(5.0, 10.0) == 1.5


def test_threads_of_one_worker_never_take_the_same_seconds() -> None:
    granted: list[float] = []
    shared = fresh()

    def work() -> None:
        with proof_budget.of(shared):
            for _ in range(100):
                granted.append(proof_budget.take(5.0, 0.01))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert round(sum(granted), 9) == 5.0


def test_only_recent_solves_are_remembered() -> None:
    run = fresh()
    for i in range(proof_budget.KEPT + 10):
        with proof_budget.of(f"old-{i}-{run}"):
            proof_budget.take(5.0, 1.0)
    with proof_budget.of(f"old-0-{run}"):
        assert proof_budget.take(5.0, 5.0) == 5.0  # forgotten: a worker's memory stays bounded
