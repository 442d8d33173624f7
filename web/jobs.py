"""Solve jobs: the task queue that runs a solve outside the web request.

Huey only carries a job id from the web process to a worker; everything else
(status, progress, a cancel request, the result) lives in the `solve_job`
row, so any web process can show it, and a worker that dies leaves a job
whose heartbeat stops (`expire_stale` then calls it failed). The solve runs
in a child process that leads its own process group, so a cancel or a time
limit ends it together with its pool workers, and a solver that crashes
takes only the child down. A job writes a draft roster and nothing else: the
published roster is never touched here.

A database that refuses the worker's writes (read-only, full, not permitted)
is told apart from a busy one, and the job says so in the database's words.
When it refuses even the job's end, the worker leaves that end in the queue's
own store (`_leave_note`); the next web request that shows the job, or the
next worker start, stores it, so the job does not end as "the worker stopped".

Where the queue lives, from the app config (SCHEDULER_* in the environment):
SQLite in the instance folder by default (no server to run; HUEY_SQLITE_PATH
moves it), Redis when HUEY_REDIS_URL is set, and in the web process itself
("immediate") when HUEY_IMMEDIATE is true, which is the default under TESTING.

Start the worker beside the web app with `flask --app web worker` or
`huey_consumer web.worker.huey`; both build the app from the environment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import Huey, RedisHuey, SqliteHuey
from huey.signals import SIGNAL_INTERRUPTED
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from scheduler.domain import Dataset
from scheduler.engine import solver
from scheduler.engine.results import Settings, SolveResult, gap
from web import store
from web.models import NATIONAL, JobStatus, SolveJob, db
from web.refusals import Refusal, judge

# The consumer sets up the "huey" logger only; a child of it shows in the worker's log.
log = logging.getLogger("huey.solves")

QUEUE_NAME = "scheduler-solves"
UNCHANGED = "the published roster is unchanged"
STALE = f"the worker stopped while solving (killed or crashed); {UNCHANGED}"
INTERRUPTED = f"the worker was shut down while solving; {UNCHANGED}. Start the solve again."
NOT_STORED = (
    f"the roster could not be stored (the database stayed busy); {UNCHANGED}. "
    "Start the solve again."
)
NOT_STARTED = (
    f"the solve could not start (the database stayed busy); {UNCHANGED}. Start the solve again."
)
ASK_ADMIN = (
    "Ask whoever runs the server to check the database's disk space and write permission, "
    "then start the solve again."
)
# PostgreSQL's codes for "busy": serialization failure, deadlock, lock or statement timeout
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
DEFAULT_TIME_LIMIT = 120
RETRY_PAUSES = (0.5, 1.0)  # seconds between attempts at a job write the database refused
T = TypeVar("T")

# The function the child process runs; tests swap it for one that fails.
solve_function: Callable[..., SolveResult] = solver.solve
_children: dict[int, BaseProcess] = {}  # job id -> its solve process, in this worker only


# --- the queue --------------------------------------------------------------------------------


def queue(app: Flask) -> Huey:
    """The app's task queue, built on first use, so a test may change the config before."""
    if "huey" not in app.extensions:
        app.extensions["huey"] = _build_queue(app)
    return app.extensions["huey"]


def _build_queue(app: Flask) -> Huey:
    config = app.config
    immediate = bool(config.get("HUEY_IMMEDIATE", config.get("TESTING", False)))
    if url := config.get("HUEY_REDIS_URL"):
        huey: Huey = RedisHuey(QUEUE_NAME, url=url, results=False, immediate=immediate)
    else:
        path = config.get("HUEY_SQLITE_PATH") or Path(app.instance_path) / "huey.sqlite3"
        huey = SqliteHuey(QUEUE_NAME, filename=str(path), results=False, immediate=immediate)

    def run_solve_task(job_id: int) -> None:
        with app.app_context():
            run_solve(job_id)

    app.extensions["huey_solve"] = huey.task(name="run_solve")(run_solve_task)

    @huey.on_startup()
    def sweep() -> None:
        with app.app_context():
            sweep_stale()

    @huey.signal(SIGNAL_INTERRUPTED)
    def interrupted(signal_name: str, task: Any) -> None:
        with app.app_context():
            _interrupt(int(task.args[0]))

    return huey


def task_id(job_id: int) -> str:
    """The queue's id of a job's task, so a queued job can be revoked by its job id."""
    return f"solve-job-{job_id}"


def enqueue(job_id: int) -> None:
    """Hand a committed job to the worker (in immediate mode: run it now)."""
    queue(current_app)
    task = current_app.extensions["huey_solve"]
    task.huey.enqueue(task.s(job_id, id=task_id(job_id)))


def revoke(job_id: int) -> None:
    queue(current_app).revoke_by_id(task_id(job_id), revoke_once=True)


@click.command("worker")
@click.option("--workers", "-w", default=1, show_default=True, help="Solves run at once.")
@with_appcontext
def worker(workers: int) -> None:
    """Run the solve worker (the task-queue consumer) for this app's queue."""
    huey = queue(current_app._get_current_object())  # type: ignore[attr-defined]
    if huey.immediate:
        raise click.ClickException("HUEY_IMMEDIATE is on: solves run in the web process")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("huey").addHandler(handler)
    logging.getLogger("huey").setLevel(logging.INFO)
    huey.create_consumer(workers=workers, max_delay=1.0).run()


# --- the task ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How a solve ended; status None means someone else already ended the job."""

    status: JobStatus | None
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    progress: dict[str, float] = field(default_factory=dict)  # the last the child sent
    based_on: int | None = None  # the published roster when the data was read


@dataclass(frozen=True)
class Ticket:
    """What the task needs of its job row, read once: later reads could meet a lock."""

    id: int
    scope: str
    time_limit: float
    created_by: int | None


def run_solve(job_id: int) -> None:
    """Run one queued job to its end. Never raises: the job row says what happened."""
    ticket = _write(lambda: _take(job_id))
    if isinstance(ticket, Refused):
        _conclude(job_id, Outcome(JobStatus.FAILED, ticket.start_message()))
        return
    if not ticket:
        return  # cancelled while queued, or taken by another worker
    try:
        outcome = _solve_in_child(ticket)
    except Exception as exc:
        log.exception("solve job %s failed", job_id)
        outcome = Outcome(JobStatus.FAILED, f"the solver failed: {_describe(exc)}; {UNCHANGED}")
    except BaseException:  # the worker is being shut down (SIGTERM in a process worker)
        _interrupt(job_id)
        raise
    _finish(ticket, outcome)


def _take(job_id: int) -> Ticket | bool:
    """Queued -> running, atomically: a cancel at the same moment wins or loses whole."""
    now = utcnow()
    taken = db.session.execute(
        update(SolveJob)
        .where(SolveJob.id == job_id, SolveJob.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        return False
    job = db.session.get(SolveJob, job_id)
    limit = float((job.settings or {}).get("time_limit", DEFAULT_TIME_LIMIT))
    return Ticket(job.id, job.scope, limit, job.created_by)


def _solve_in_child(ticket: Ticket) -> Outcome:
    """Start the child on the job's data and watch it until it answers or must stop."""
    dataset = scoped(store.load(), ticket.scope)
    current = store.published()
    settings = Settings(time_limit=ticket.time_limit)
    db.session.rollback()  # end the read: a long solve must not pin an old snapshot
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: the worker has threads
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main,
        args=(solve_function, dataset, settings, sender, os.getpid()),
        name=f"solve-job-{ticket.id}",
    )
    child.start()
    sender.close()  # the child holds the only sending end: its death reads as EOF
    _children[ticket.id] = child
    try:
        outcome = _supervise(ticket.id, child, receiver, settings.time_limit)
        return replace(outcome, based_on=current.id if current else None)
    finally:
        _children.pop(ticket.id, None)
        _kill_group(child)
        receiver.close()


def scoped(dataset: Dataset, scope: str) -> Dataset:
    """The part of the input a regional solve staffs: the region's facilities and their
    needs, the region's volunteers and their availability; roles and rules as they are."""
    if scope == NATIONAL:
        return dataset
    facilities = tuple(f for f in dataset.facilities if f.region == scope)
    ids = {f.id for f in facilities}
    volunteers = tuple(v for v in dataset.volunteers if v.region == scope)
    people = {v.id for v in volunteers}
    return Dataset(
        facilities,
        volunteers,
        tuple(n for n in dataset.needs if n.facility_id in ids),
        tuple(a for a in dataset.availability if a.volunteer_id in people),
        dataset.roles,
        dataset.rules,
    )


def _supervise(job_id: int, child: BaseProcess, receiver: Connection, limit: float) -> Outcome:
    """Relay progress to the job row, beat, and stop the child on a cancel or overrun."""
    beat = float(current_app.config.get("JOB_HEARTBEAT_SECONDS", 2))
    allowed = 1.2 * limit + 60  # the solver's own grace for a late part, and more
    deadline = time.monotonic() + allowed
    progress: dict[str, float] = {}
    next_beat = time.monotonic() + beat
    while True:
        kind, payload = _receive(receiver)
        if kind == "progress":
            progress = _with_gap(payload)
        elif kind == "result":
            return Outcome(JobStatus.DONE, result=payload, progress=progress)
        elif kind == "error":
            message = f"the solver failed: {payload}; {UNCHANGED}"
            return Outcome(JobStatus.FAILED, message, progress=progress)
        elif kind == "gone":
            child.join(5)
            return Outcome(JobStatus.FAILED, _crash_message(child.exitcode), progress=progress)
        if time.monotonic() >= next_beat:
            next_beat = time.monotonic() + beat
            if stop := _heartbeat(job_id, progress):
                return stop
        if time.monotonic() > deadline:
            message = f"the solver did not finish within {allowed:.0f} s and was stopped"
            return Outcome(JobStatus.FAILED, f"{message}; {UNCHANGED}", progress=progress)


def _receive(receiver: Connection) -> tuple[str, Any]:
    try:
        if receiver.poll(0.2):
            return receiver.recv()
    except (EOFError, OSError):
        return "gone", None
    return "", None


def _with_gap(progress: dict[str, float]) -> dict[str, float]:
    bound, found = progress.get("bound", 0.0), progress.get("found", 0.0)
    return {**progress, "gap": gap(found, bound)}


def _crash_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        how = f"was killed by signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            how += " (out of memory, or stopped by the system)"
    else:
        how = f"stopped with exit code {exitcode}"
    return f"the solver process {how}; {UNCHANGED}"


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

    state = _write(beat, attempts=1)  # a missed beat is harmless; the next one retries
    if isinstance(state, Refused):
        return None
    status, cancel = state
    if status != JobStatus.RUNNING:
        return Outcome(None)  # declared stale or failed meanwhile: leave it so
    return Outcome(JobStatus.CANCELLED) if cancel else None


# --- the child process ------------------------------------------------------------------------


def _child_main(
    solve: Callable[..., SolveResult],
    dataset: Dataset,
    settings: Settings,
    sender: Connection,
    parent_pid: int,
) -> None:
    """In the child: lead a process group, solve, send progress and then the result."""
    with contextlib.suppress(OSError):  # not POSIX: no group, the child alone is stopped
        os.setpgid(0, 0)
    threading.Thread(target=_die_with_parent, args=(parent_pid,), daemon=True).start()

    def progress(done: int, total: int, found: float, bound: float) -> None:
        sender.send(("progress", {"done": done, "total": total, "found": found, "bound": bound}))

    try:
        result = solve(dataset, settings, progress=progress)
    except BaseException as exc:
        traceback.print_exc()
        sender.send(("error", _describe(exc)))
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


def _kill_group(child: BaseProcess) -> None:
    """End the child and everything it started (its pool, the fork server)."""
    if child.pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)  # the group exists while any member lives
    if child.is_alive():  # it had not made its group yet
        child.kill()
    child.join(10)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


# --- the end of a job -------------------------------------------------------------------------


def _finish(ticket: Ticket, outcome: Outcome) -> None:
    """Store how the job ended: the draft, or why there is none."""
    if outcome.status is None:
        return
    if outcome.status is JobStatus.DONE:
        stored = _write(lambda: _store_draft(ticket, outcome))
        if stored == "stored":
            return
        if isinstance(stored, Refused):
            outcome = Outcome(JobStatus.FAILED, stored.result_message(), progress=outcome.progress)
        else:  # a cancel came in as the solver answered
            outcome = Outcome(JobStatus.CANCELLED)
    _conclude(ticket.id, outcome)


def _conclude(job_id: int, outcome: Outcome, attempts: int = len(RETRY_PAUSES) + 1) -> None:
    """Store the job's end; if the database refuses it, leave it for the web to store."""
    stored = _write(partial(_end, job_id, outcome), attempts)
    if isinstance(stored, Refused):
        log.error("solve job %s: the database refused its end (%s)", job_id, stored.reason)
        _leave_note(job_id, outcome)


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
    ended = db.session.execute(
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
            message=f"draft roster ready: {summary['filled']} of {summary['demand']} places filled",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not ended:
        db.session.rollback()  # cancelled or declared stale meanwhile: store nothing
        return "superseded"
    return "stored"


def _end(job_id: int, outcome: Outcome) -> bool:
    """Failed or cancelled, unless the job already ended; a cancel keeps its who-and-when."""
    values: dict[str, Any] = {"status": outcome.status, "finished_at": utcnow()}
    if outcome.progress:
        values["progress"] = outcome.progress
    if outcome.message:
        values["message"] = outcome.message
    db.session.execute(
        update(SolveJob)
        .where(SolveJob.id == job_id, SolveJob.status.in_(ACTIVE))  # queued: the start refused
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return True


def _interrupt(job_id: int) -> None:
    """The consumer is shutting down under a running solve: stop it and say so."""
    if child := _children.get(job_id):
        _kill_group(child)
    _conclude(job_id, Outcome(JobStatus.FAILED, INTERRUPTED), attempts=1)


# --- writes that may meet a busy or refusing database ------------------------------------------


@dataclass(frozen=True)
class Refused(Refusal):
    """A job write the database did not take, in the database's own words.

    `busy`: another writer held the lock until the attempts ran out. Otherwise the
    database refused outright (read-only, full, not permitted) and was not asked again.
    """

    @classmethod
    def of(cls, exc: DBAPIError) -> Refused:
        found = judge(exc)
        return cls(found.reason, found.busy)

    def result_message(self) -> str:
        if self.busy:
            return NOT_STORED
        return f"the database refused to store the roster ({self.reason}); {UNCHANGED}. {ASK_ADMIN}"

    def start_message(self) -> str:
        if self.busy:
            return NOT_STARTED
        return f"the database refused to start the solve ({self.reason}); {UNCHANGED}. {ASK_ADMIN}"


def _write(work: Callable[[], T], attempts: int = len(RETRY_PAUSES) + 1) -> T | Refused:
    """Run `work` and commit, retrying briefly when the database is busy or locked.

    Returns what `work` returned, or how the database refused the last attempt.
    """
    refused = Refused("", busy=True)
    for attempt in range(attempts):
        try:
            _busy_timeout()
            value = work()
            db.session.commit()
            return value
        except DBAPIError as exc:
            db.session.rollback()
            refused = Refused.of(exc)
            log.warning("job write refused (attempt %d): %s", attempt + 1, refused.reason)
            if not (refused.busy or exc.connection_invalidated):
                break  # read-only, full or forbidden: asking again changes nothing
            if attempt < min(attempts - 1, len(RETRY_PAUSES)):
                time.sleep(RETRY_PAUSES[attempt])
    return refused


def _busy_timeout() -> None:
    """JOB_BUSY_TIMEOUT_MS: how long a job write waits for SQLite's lock (tests shorten it)."""
    milliseconds = current_app.config.get("JOB_BUSY_TIMEOUT_MS")
    if milliseconds is not None and db.engine.dialect.name == "sqlite":
        db.session.execute(text(f"PRAGMA busy_timeout={int(milliseconds)}"))


# --- jobs whose worker stopped ----------------------------------------------------------------


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _stale_before() -> dt.datetime:
    seconds = float(current_app.config.get("JOB_STALE_SECONDS", 60))
    return utcnow() - dt.timedelta(seconds=seconds)


def _last_sign_of_life() -> Any:
    return func.coalesce(SolveJob.heartbeat_at, SolveJob.started_at, SolveJob.created_at)


def is_stale(job: SolveJob) -> bool:
    """Running, but the worker has not beaten for JOB_STALE_SECONDS (default 60)."""
    last = job.heartbeat_at or job.started_at or job.created_at
    return job.status == JobStatus.RUNNING and last < _stale_before()


def expire_stale(job: SolveJob) -> bool:
    """End a job whose worker left its end behind (see `_leave_note`) or stopped beating.

    True when the job has ended so, even if the database refused to store it.
    """
    if not JobStatus(job.status).active:
        return False
    if (note := _left_note(job.id)) is not None:
        work: Callable[[], Any] = partial(_end, job.id, note)
    elif is_stale(job):
        work = partial(_fail_stale, SolveJob.id == job.id)
    else:
        return False
    if not isinstance(_write(work, attempts=1), Refused):
        if note is not None:
            _forget_note(job.id)
        db.session.refresh(job)
    return True


def sweep_stale() -> int:
    """At worker start: every job whose worker gave up or stopped is failed, with the reason."""
    query = select(SolveJob.id).where(SolveJob.status.in_(ACTIVE))
    active = _write(lambda: list(db.session.scalars(query)))
    noted = 0
    for job_id in [] if isinstance(active, Refused) else active:
        note = _left_note(job_id)
        if note is not None and not isinstance(_write(partial(_end, job_id, note)), Refused):
            _forget_note(job_id)
            noted += 1
    count = _write(_fail_stale)
    count = 0 if isinstance(count, Refused) else count
    if count:
        log.warning("%d solve job(s) had lost their worker; marked failed", count)
    return count + noted


# --- a job's end the database refused, kept in the queue's store ------------------------------


def _note_key(job_id: int) -> str:
    return f"solve-job-{job_id}-end"


def _leave_note(job_id: int, outcome: Outcome) -> None:
    """Keep a job's end the database refused where the web and the next worker look."""
    try:
        queue(current_app).put(_note_key(job_id), (str(outcome.status), outcome.message))
    except Exception:  # the queue's store refused as well: the job will end as stale
        log.exception("solve job %s: could not keep its end (%s) either", job_id, outcome)


def _left_note(job_id: int) -> Outcome | None:
    try:
        note = queue(current_app).get(_note_key(job_id), peek=True)
    except Exception:
        log.exception("solve job %s: could not read the queue's store", job_id)
        return None
    return None if note is None else Outcome(JobStatus(note[0]), note[1])


def _forget_note(job_id: int) -> None:
    with contextlib.suppress(Exception):  # a note left over is ignored once the job ended
        queue(current_app).delete(_note_key(job_id))


def _fail_stale(*where: Any) -> int:
    return db.session.execute(
        update(SolveJob)
        .where(
            SolveJob.status == JobStatus.RUNNING,
            _last_sign_of_life() < _stale_before(),
            *where,
        )
        .values(status=JobStatus.FAILED, message=STALE, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
