"""The solve's own process: a fresh interpreter that leads its own process group.

A cancel or a time limit then ends it together with its pool workers, and a
solver that crashes takes only this child down, not the worker. The child sends
progress and then its result (or its error) through a pipe; its death reads as
the end of the pipe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from scheduler.domain import Dataset
from scheduler.engine.baseline import Baseline
from scheduler.engine.results import Settings, SolveResult
from web.job_messages import Said

Solve = Callable[..., SolveResult]


def start(
    solve: Solve,
    dataset: Dataset,
    settings: Settings,
    name: str,
    baseline: Baseline | None = None,
    dask_address: str | None = None,
) -> tuple[BaseProcess, Connection]:
    """Start the child on `dataset` (re-planning against `baseline` if given, its parts on
    the Dask cluster at `dask_address` if given); the caller holds the pipe's receiving end."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: the worker has threads
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main,
        args=(solve, dataset, settings, sender, os.getpid(), baseline, dask_address),
        name=name,
    )
    child.start()
    sender.close()  # the child holds the only sending end: its death reads as EOF
    return child, receiver


def receive(receiver: Connection) -> tuple[str, Any]:
    """The child's next message within 0.2 s: ("", None) if none came, "gone" if it died."""
    try:
        if receiver.poll(0.2):
            return receiver.recv()
    except (EOFError, OSError):
        return "gone", None
    return "", None


def crash_said(exitcode: int | None) -> Said:
    """How the child ended without an answer, for the job's message."""
    if exitcode is not None and exitcode < 0:
        if -exitcode == signal.SIGKILL:
            return Said("solver_out_of_memory", {"signal": -exitcode})
        return Said("solver_killed", {"signal": -exitcode})
    return Said("solver_exited", {"code": exitcode})


def kill_group(child: BaseProcess) -> None:
    """End the child and everything it started (its pool, the fork server)."""
    if child.pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)  # the group exists while any member lives
    if child.is_alive():  # it had not made its group yet
        child.kill()
    child.join(10)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _child_main(
    solve: Solve,
    dataset: Dataset,
    settings: Settings,
    sender: Connection,
    parent_pid: int,
    baseline: Baseline | None = None,
    dask_address: str | None = None,
) -> None:
    """In the child: lead a process group, solve, send progress and then the result."""
    with contextlib.suppress(OSError):  # not POSIX: no group, the child alone is stopped
        os.setpgid(0, 0)
    threading.Thread(target=_die_with_parent, args=(parent_pid,), daemon=True).start()

    def progress(done: int, total: int, found: float, bound: float) -> None:
        sender.send(("progress", {"done": done, "total": total, "found": found, "bound": bound}))

    try:
        with contextlib.ExitStack() as stack:
            executor = None
            if dask_address:
                from scheduler.engine.cluster import dask_executor

                executor = stack.enter_context(dask_executor(dask_address))
            extra = {"executor": executor} if executor is not None else {}
            result = solve(dataset, settings, progress=progress, baseline=baseline, **extra)
    except BaseException as exc:
        traceback.print_exc()
        sender.send(("error", describe(exc)))
        raise SystemExit(1) from None
    sender.send(("result", {"assignments": result.assignments, "summary": result.summary()}))
    sender.close()


def _die_with_parent(parent_pid: int) -> None:
    """A worker killed with -9 cannot stop its child: the child notices and ends its group."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)
