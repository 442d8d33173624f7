"""A worker's proof time is counted per solve: one solve's proofs never eat another's."""

from __future__ import annotations

import threading

from scheduler.engine import proof_budget


def test_each_solve_has_its_own_account() -> None:
    with proof_budget.of("first"):
        proof_budget.spend(3.0)
        assert proof_budget.left(5.0) == 2.0
    with proof_budget.of("second"):
        assert proof_budget.left(5.0) == 5.0
    with proof_budget.of("first"):
        proof_budget.spend(2.5)
        assert proof_budget.left(5.0) == -0.5


def test_threads_of_one_worker_charge_the_solve_they_work_for() -> None:
    def work(solve: str) -> None:
        with proof_budget.of(solve):
            proof_budget.spend(1.0)

    threads = [threading.Thread(target=work, args=(f"t{i % 2}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for solve in ("t0", "t1"):
        with proof_budget.of(solve):
            assert proof_budget.left(5.0) == 2.0


def test_only_recent_solves_are_remembered() -> None:
    for i in range(proof_budget.KEPT + 10):
        with proof_budget.of(f"old-{i}"):
            proof_budget.spend(1.0)
    with proof_budget.of("old-0"):
        assert proof_budget.left(5.0) == 5.0  # forgotten: a worker's memory stays bounded
    with proof_budget.of(f"old-{proof_budget.KEPT + 9}"):
        assert proof_budget.left(5.0) == 4.0
