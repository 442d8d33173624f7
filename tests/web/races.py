"""Two (or more) requests at the same instant: how every race test starts its contenders."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(*calls: Callable[[], T], timeout: float = 30) -> list[T]:
    """Run the calls in threads released together by a barrier; their results, in order.

    A thread that raises fails the test with its exception rather than
    leaving a missing result.
    """
    start = threading.Barrier(len(calls), timeout=10)
    results: list[T | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(k: int, call: Callable[[], T]) -> None:
        try:
            start.wait()
            results[k] = call()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k, c)) for k, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), "a contender did not finish in time"
    return results  # type: ignore[return-value]
