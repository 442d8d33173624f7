"""The proof time a worker process has left for the solve it is working on.

Each worker spends at most `Settings.prove_seconds` of one solve on proofs,
however many of its parts fall short. The local pool's processes serve one
solve; a Dask worker serves many, one task per thread, so the account is
named by the solve (a context variable of the task's thread), and only the
latest accounts are kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

KEPT = 64  # accounts of recent solves

_solve: ContextVar[str] = ContextVar("solve", default="")
_spent: OrderedDict[str, float] = OrderedDict()
_lock = threading.Lock()


@contextmanager
def of(solve: str) -> Iterator[None]:
    """Charge proofs made inside to `solve`'s account."""
    token = _solve.set(solve)
    try:
        yield
    finally:
        _solve.reset(token)


def take(budget: float, wanted: float) -> float:
    """Reserve up to `wanted` seconds of the solve's `budget` (what is left of it); threads
    working for one solve cannot both take the same seconds. `settle` once it is known what
    was used."""
    solve = _solve.get()
    with _lock:
        granted = max(0.0, min(wanted, budget - _spent.get(solve, 0.0)))
        _spent[solve] = _spent.get(solve, 0.0) + granted
        _spent.move_to_end(solve)
        while len(_spent) > KEPT:
            _spent.popitem(last=False)
    return granted


def settle(reserved: float, used: float) -> None:
    """Charge what a proof used rather than what it reserved: give back the rest, or charge
    the overrun of one that had to be stopped."""
    solve = _solve.get()
    with _lock:
        if solve in _spent:
            _spent[solve] += used - reserved
