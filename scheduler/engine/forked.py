"""A call under a hard time limit, in a forked child that is killed when the time is up.

For solver calls that may overrun their own limit: HiGHS's MIP search, after
a restart at its root node, was seen taking 56 s of a 5 s `time_limit` on a
dense region's part (in cut separation, which does not look at the clock).
The child shares the parent's memory until either writes, so the call's
inputs are not copied; only its result comes back, pickled through a pipe.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
CHUNK = 1 << 20


def within(seconds: float, call: Callable[[], T]) -> T | None:
    """`call()`'s result, or None if it fails or has not returned after `seconds`.

    Where processes cannot fork (Windows), the call runs here, with only its
    own limit to stop it.
    """
    if not hasattr(os, "fork"):
        return call()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe and leave without any clean-up
        status = 1
        try:
            os.close(read)
            with os.fdopen(write, "wb") as out:
                out.write(pickle.dumps(call(), protocol=pickle.HIGHEST_PROTOCOL))
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    try:
        answer = _read_until(read, time.monotonic() + seconds)
    finally:
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not answer:
        return None
    try:
        result: T = pickle.loads(answer)
    except Exception:  # a child killed halfway through its answer
        return None
    return result


def _read_until(pipe: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([pipe], [], [], left)[0]:
            return None
        chunk = os.read(pipe, CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
