"""A call under a hard time limit: its answer, or None when it overruns or fails."""

from __future__ import annotations

import time

import numpy as np
import pytest

from scheduler.engine.forked import within


def test_the_answer_comes_back_whole() -> None:
    values = np.arange(300_000, dtype=np.float64)  # larger than a pipe's buffer
    answer = within(30, lambda: (values * 2, "done"))
    assert answer is not None
    np.testing.assert_array_equal(answer[0], values * 2)
    assert answer[1] == "done"


def test_a_call_that_overruns_is_stopped_and_gives_none() -> None:
    started = time.monotonic()
    assert within(0.5, lambda: time.sleep(120)) is None
    assert time.monotonic() - started < 60  # killed, not waited for


def test_a_call_that_fails_gives_none() -> None:
    def broken() -> int:
        raise RuntimeError("boom")

    assert within(30, broken) is None


def test_the_child_changes_nothing_here() -> None:
    held = {"count": 0}

    def change() -> int:
        held["count"] += 1
        return held["count"]

    assert within(30, change) == 1
    assert held == {"count": 0}


@pytest.mark.parametrize("answer", [None, 0, ""])
def test_an_empty_answer_is_still_an_answer(answer) -> None:
    assert within(30, lambda: answer) == answer
