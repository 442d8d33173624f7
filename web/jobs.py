"""Solve jobs: a solve run by the worker, outside the web request, from queued to its end.

Huey only carries a job id from the web process to a worker (`web.job_queue`);
everything else (status, progress, a cancel request, the result) lives in the
`solve_job` row, so any web process can show it. The solve runs in a child
process (`web.solve_process`) that the worker watches here: it relays progress,
beats, and stops the child on a cancel or an overrun. A job writes a draft
roster and nothing else: the published roster is never touched here.

Every write to the row may meet a busy or refusing database (`web.job_writes`);
a job's end that the database refuses, and a job whose worker stopped, are
`web.job_ends`'.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from flask import current_app
from sqlalchemy import select, update

from scheduler.domain import Dataset
from scheduler.engine import solver
from scheduler.engine.results import Settings, SolveResult, gap
from web import replanning, solve_process, store
from web.job_ends import Outcome, conclude
from web.job_messages import Said
from web.job_writes import Refused, changed, write
from web.models import NATIONAL, JobStatus, SolveJob, db, utcnow

# The consumer sets up the "huey" logger only; a child of it shows in the worker's log.
log = logging.getLogger("huey.solves")

INTERRUPTED = Said("interrupted")
DEFAULT_TIME_LIMIT = 120

# The function the child process runs; tests swap it for one that fails.
solve_function: Callable[..., SolveResult] = solver.solve
_children: dict[int, BaseProcess] = {}  # job id -> its solve process, in this worker only


@dataclass(frozen=True)
class Ticket:
    """What the task needs of its job row, read once: later reads could meet a lock."""

    id: int
    scope: str
    time_limit: float
    created_by: int | None
    afresh: bool = False  # keep only the published roster's pins and frozen shifts


def run_solve(job_id: int) -> None:
    """Run one queued job to its end. Never raises: the job row says what happened."""
    ticket = write(lambda: _take(job_id))
    if isinstance(ticket, Refused):
        conclude(job_id, Outcome(JobStatus.FAILED, ticket.start_said()))
        return
    if not ticket:
        return  # cancelled while queued, or taken by another worker
    try:
        outcome = _solve_in_child(ticket)
    except Exception as exc:
        log.exception("solve job %s failed", job_id)
        failed = Said("solver_failed", {"error": solve_process.describe(exc)})
        outcome = Outcome(JobStatus.FAILED, failed)
    except BaseException:  # the worker is being shut down (SIGTERM in a process worker)
        interrupt(job_id)
        raise
    _finish(ticket, outcome)


def interrupt(job_id: int) -> None:
    """The consumer is shutting down under a running solve: stop it and say so."""
    if child := _children.get(job_id):
        solve_process.kill_group(child)
    conclude(job_id, Outcome(JobStatus.FAILED, INTERRUPTED), attempts=1)


def _take(job_id: int) -> Ticket | None:
    """Queued -> running, atomically: a cancel at the same moment wins or loses whole."""
    now = utcnow()
    taken = changed(
        update(SolveJob)
        .where(SolveJob.id == job_id, SolveJob.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    if not taken:
        return None
    job = db.session.get_one(SolveJob, job_id)
    limit = float((job.settings or {}).get("time_limit", DEFAULT_TIME_LIMIT))
    afresh = bool((job.settings or {}).get("afresh", False))
    return Ticket(job.id, job.scope, limit, job.created_by, afresh)


# --- the solve, watched -----------------------------------------------------------------------


def _solve_in_child(ticket: Ticket) -> Outcome:
    """Start the child on the job's data and watch it until it answers or must stop."""
    dataset = scoped_input(ticket.scope)
    current = store.published()
    baseline = replanning.baseline_for(dataset, current, replanning.now(), afresh=ticket.afresh)
    settings = Settings(time_limit=ticket.time_limit)
    db.session.rollback()  # end the read: a long solve must not pin an old snapshot
    name = f"solve-job-{ticket.id}"
    dask = current_app.config.get("DASK_ADDRESS") or None  # SCHEDULER_DASK_ADDRESS
    child, receiver = solve_process.start(solve_function, dataset, settings, name, baseline, dask)
    _children[ticket.id] = child
    try:
        outcome = _supervise(ticket.id, child, receiver, settings.time_limit)
        return replace(outcome, based_on=current.id if current else None)
    finally:
        _children.pop(ticket.id, None)
        solve_process.kill_group(child)
        receiver.close()


def scoped_input(scope: str) -> Dataset:
    """The part of the input a solve of the scope staffs: all of it, or a region's facilities
    and their needs, the region's volunteers and their availability; roles and rules as they
    are; and how likely each volunteer is to come, from the attendance marked. Read by the
    database: a regional solve does not read the country."""
    from web import hours

    dataset = store.load() if scope == NATIONAL else store.load(store.region_facilities(scope))
    known = hours.estimates()
    people = dataset.volunteer_by_id
    return replace(dataset, reliability={v: r for v, r in known.items() if v in people})


def _supervise(job_id: int, child: BaseProcess, receiver: Connection, limit: float) -> Outcome:
    """Relay progress to the job row, beat, and stop the child on a cancel or overrun."""
    beat = float(current_app.config.get("JOB_HEARTBEAT_SECONDS", 2))
    allowed = 1.2 * limit + 60  # the solver's own grace for a late part, and more
    deadline = time.monotonic() + allowed
    progress: dict[str, float] = {}
    next_beat = time.monotonic() + beat
    while True:
        kind, payload = solve_process.receive(receiver)
        if kind == "progress":
            progress = _with_gap(payload)
        elif kind == "result":
            return Outcome(JobStatus.DONE, result=payload, progress=progress)
        elif kind == "error":
            failed = Said("solver_failed", {"error": str(payload)[:500]})
            return Outcome(JobStatus.FAILED, failed, progress=progress)
        elif kind == "gone":
            child.join(5)
            crashed = solve_process.crash_said(child.exitcode)
            return Outcome(JobStatus.FAILED, crashed, progress=progress)
        if time.monotonic() >= next_beat:
            next_beat = time.monotonic() + beat
            if stop := _heartbeat(job_id, progress):
                return stop
        if time.monotonic() > deadline:
            late = Said("timed_out", {"seconds": round(allowed)})
            return Outcome(JobStatus.FAILED, late, progress=progress)


def _with_gap(progress: dict[str, float]) -> dict[str, float]:
    bound, found = progress.get("bound", 0.0), progress.get("found", 0.0)
    return {**progress, "gap": gap(found, bound)}


def _heartbeat(job_id: int, progress: dict[str, float]) -> Outcome | None:
    """Store progress and the heartbeat; an Outcome when the job must stop now."""

    def beat() -> tuple[str, bool]:
        db.session.execute(
            update(SolveJob)
            .where(SolveJob.id == job_id, SolveJob.status == JobStatus.RUNNING)
            .values(progress=progress, heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        query = select(SolveJob.status, SolveJob.cancel_requested).where(SolveJob.id == job_id)
        return tuple(db.session.execute(query).one())  # type: ignore[return-value]

    state = write(beat, attempts=1)  # a missed beat is harmless; the next one retries
    if isinstance(state, Refused):
        return None
    status, cancel = state
    if status != JobStatus.RUNNING:
        return Outcome(None)  # declared stale or failed meanwhile: leave it so
    return Outcome(JobStatus.CANCELLED) if cancel else None


# --- the end of a job -------------------------------------------------------------------------


def _finish(ticket: Ticket, outcome: Outcome) -> None:
    """Store how the job ended: the draft, or why there is none."""
    if outcome.status is None:
        return
    if outcome.status is JobStatus.DONE:
        stored = write(lambda: _store_draft(ticket, outcome))
        if stored == "stored":
            return
        if isinstance(stored, Refused):
            outcome = Outcome(JobStatus.FAILED, stored.result_said(), progress=outcome.progress)
        else:  # a cancel came in as the solver answered
            outcome = Outcome(JobStatus.CANCELLED)
    conclude(ticket.id, outcome)


def _store_draft(ticket: Ticket, outcome: Outcome) -> str:
    """The draft roster, its assignments and the job's end, in one transaction."""
    summary = outcome.result["summary"]
    roster = store.save_draft(
        outcome.result["assignments"],
        based_on=outcome.based_on,
        scope=ticket.scope,
        summary=summary,
        created_by=ticket.created_by,
    )
    ended = changed(
        update(SolveJob)
        .where(
            SolveJob.id == ticket.id,
            SolveJob.status == JobStatus.RUNNING,
            SolveJob.cancel_requested.is_(False),
        )
        .values(
            status=JobStatus.DONE,
            roster_id=roster.id,
            finished_at=utcnow(),
            heartbeat_at=utcnow(),
            progress=outcome.progress,
            **Said(
                "draft_ready",
                {
                    k: summary[k]
                    for k in ("filled", "demand", "kept", "added", "removed", "changed_volunteers")
                    if k in summary
                },
            ).columns(),
        )
        .execution_options(synchronize_session=False)
    )
    if not ended:
        db.session.rollback()  # cancelled or declared stale meanwhile: store nothing
        return "superseded"
    return "stored"
