"""The collector pause restores whatever state it found, even when the block fails."""

from __future__ import annotations

import gc

import pytest

from scheduler.garbage import collector_paused


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failing_block_turns_the_collector_back_on() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a bad row")
    assert gc.isenabled()


def test_a_collector_someone_else_paused_stays_paused() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_process_that_spares_the_last_collection_freezes_its_heap_and_finishes() -> None:
    """At exit the heap is frozen, once however often asked, and the process still writes
    all its output, runs its other exit handlers and exits 0."""
    import subprocess
    import sys

    program = """
import atexit, gc, sys
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))  # runs last
from scheduler.garbage import spare_the_last_collection
before = atexit._ncallbacks()
spare_the_last_collection()
spare_the_last_collection()
print(atexit._ncallbacks() - before)
sys.stdout.write("x" * 1_000_000 + "\\n")
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n") == ["1", "x" * 1_000_000, "frozen at exit: True", ""]
