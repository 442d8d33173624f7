"""A call under a hard time limit, in a forked child that is killed when the time is up.

For solver calls that may overrun their own limit: HiGHS's MIP search, after
a restart at its root node, was seen taking 56 s of a 5 s `time_limit` on a
dense region's part (in cut separation, which does not look at the clock).
The child shares the parent's memory until either writes, so the call's
inputs are not copied; only its result comes back, pickled through a pipe,
its length first. The child closes every other descriptor it inherited and
dies with its parent (Linux), so a solve stopped from outside leaves no
search running. A process with other threads forks too: the child runs only
the call, and if a lock another thread held leaves it stuck, the limit ends it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import select
import signal
import struct
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
CHUNK = 1 << 20
LENGTH = struct.Struct("<Q")
PR_SET_PDEATHSIG = 1


def within(seconds: float, call: Callable[[], T]) -> T | None:
    """`call()`'s result, or None if it fails or has not returned after `seconds`.

    Where processes cannot fork (Windows), the call runs here, with only its
    own limit to stop it.
    """
    if not hasattr(os, "fork"):
        return call()
    read, write = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:  # no memory or no process slot left for a child: no answer
        os.close(read)
        os.close(write)
        return None
    if pid == 0:
        _answer(write, read, parent, call)
    os.close(write)
    try:
        answer = _read_until(read, time.monotonic() + seconds)
    finally:
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # reaped already (SIGCHLD ignored)
            os.waitpid(pid, 0)
    if answer is None:
        return None
    try:
        result: T = pickle.loads(answer)
    except Exception:
        return None
    return result


def _answer(write: int, read: int, parent: int, call: Callable[[], object]) -> None:
    """The child: answer through the pipe and leave without any clean-up."""
    status = 1
    try:
        os.close(read)
        _close_all_but(write)  # nothing the parent holds stays open in here
        _die_with_parent()
        if os.getppid() != parent:  # the parent died before the child could follow it
            return
        data = pickle.dumps(call(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(LENGTH.pack(len(data)))
            out.write(data)
        status = 0
    finally:
        os._exit(status)


def _close_all_but(keep: int) -> None:
    """Close every descriptor above stderr but `keep`: those listed in /proc (a few), not a
    loop up to the limit, which is a million descriptors one by one without close_range."""
    try:
        opened = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        os.closerange(3, keep)
        os.closerange(keep + 1, 4096)
        return
    for fd in opened:
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):  # the listing's own, closed already
                os.close(fd)


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _read_until(pipe: int, deadline: float) -> bytes | None:
    """The answer, once its announced length has arrived; None if the time runs out or the
    child ends without one."""
    poller = select.poll()
    poller.register(pipe, select.POLLIN)
    received = bytearray()
    while len(received) < LENGTH.size or len(received) < LENGTH.size + _length(received):
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            return None
        chunk = os.read(pipe, CHUNK)
        if not chunk:
            return None
        received += chunk
    return bytes(received[LENGTH.size :])


def _length(received: bytearray) -> int:
    return int(LENGTH.unpack_from(received)[0])
