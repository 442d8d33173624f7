"""A worker's proof time is counted per solve: one solve's proofs never eat another's."""

from __future__ import annotations

import threading

from scheduler.engine import proof_budget


def test_each_solve_has_its_own_account() -> None:
    with proof_budget.of("first"):
        assert proof_budget.take(5.0, 3.0) == 3.0
        assert proof_budget.take(5.0, 3.0) == 2.0  # only what is left
        assert proof_budget.take(5.0, 3.0) == 0.0
    with proof_budget.of("second"):
        assert proof_budget.take(5.0, 3.0) == 3.0


def test_what_a_proof_did_not_use_is_given_back() -> None:
    with proof_budget.of("refunded"):
        granted = proof_budget.take(5.0, 4.0)
        proof_budget.give_back(granted - 1.5)  # it took 1.5 s
        assert proof_budget.take(5.0, 10.0) == 3.5


def test_threads_of_one_worker_never_take_the_same_seconds() -> None:
    granted: list[float] = []

    def work() -> None:
        with proof_budget.of("shared"):
            for _ in range(100):
                granted.append(proof_budget.take(5.0, 0.01))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert round(sum(granted), 9) == 5.0


def test_only_recent_solves_are_remembered() -> None:
    for i in range(proof_budget.KEPT + 10):
        with proof_budget.of(f"old-{i}"):
            proof_budget.take(5.0, 1.0)
    with proof_budget.of("old-0"):
        assert proof_budget.take(5.0, 5.0) == 5.0  # forgotten: a worker's memory stays bounded
