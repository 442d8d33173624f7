"""How a solve job ends: in its row, or, when the database refuses even that, in a
note in the queue's store; and jobs whose worker stopped, ended as stale.

A note keeps a refused end from being lost: the next web request that shows the
job (`expire_stale`), or the next worker start (`sweep_stale`), stores it, so the
job does not end as "the worker stopped". A worker that dies leaves a job whose
heartbeat stops, and the same two then call it failed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from web import job_queue
from web.job_messages import Said
from web.job_writes import ATTEMPTS, Refused, changed, write
from web.models import JobStatus, SolveJob, db, utcnow

log = logging.getLogger("huey.solves")

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
STALE = Said("stale")


@dataclass(frozen=True)
class Outcome:
    """How a solve ended; status None means someone else already ended the job."""

    status: JobStatus | None
    said: Said | None = None
    result: dict[str, Any] = field(default_factory=dict)
    progress: dict[str, float] = field(default_factory=dict)  # the last the child sent
    based_on: int | None = None  # the published roster when the data was read


def conclude(job_id: int, outcome: Outcome, attempts: int = ATTEMPTS) -> None:
    """Store the job's end; if the database refuses it, leave it for the web to store."""
    stored = write(partial(_end, job_id, outcome), attempts)
    if isinstance(stored, Refused):
        log.error("solve job %s: the database refused its end (%s)", job_id, stored.reason)
        _leave_note(job_id, outcome)


def _end(job_id: int, outcome: Outcome) -> bool:
    """Failed or cancelled, unless the job already ended; a cancel keeps its who-and-when."""
    values: dict[str, Any] = {"status": outcome.status, "finished_at": utcnow()}
    if outcome.progress:
        values["progress"] = outcome.progress
    if outcome.said is not None:
        values.update(outcome.said.columns())
    db.session.execute(
        update(SolveJob)
        .where(SolveJob.id == job_id, SolveJob.status.in_(ACTIVE))  # queued: the start refused
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return True


# --- jobs whose worker stopped ----------------------------------------------------------------


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
    if not isinstance(write(work, attempts=1), Refused):
        if note is not None:
            _forget_note(job.id)
        db.session.refresh(job)
    return True


def sweep_stale() -> int:
    """At worker start: every job whose worker gave up or stopped is failed, with the reason."""
    query = select(SolveJob.id).where(SolveJob.status.in_(ACTIVE))
    active = write(lambda: list(db.session.scalars(query)))
    noted = 0
    for job_id in [] if isinstance(active, Refused) else active:
        note = _left_note(job_id)
        if note is not None and not isinstance(write(partial(_end, job_id, note)), Refused):
            _forget_note(job_id)
            noted += 1
    count = write(_fail_stale)
    count = 0 if isinstance(count, Refused) else count
    if count:
        log.warning("%d solve job(s) had lost their worker; marked failed", count)
    return count + noted


def _stale_before() -> dt.datetime:
    seconds = float(current_app.config.get("JOB_STALE_SECONDS", 60))
    return utcnow() - dt.timedelta(seconds=seconds)


def _last_sign_of_life() -> Any:
    return func.coalesce(SolveJob.heartbeat_at, SolveJob.started_at, SolveJob.created_at)


def _fail_stale(*where: Any) -> int:
    return changed(
        update(SolveJob)
        .where(
            SolveJob.status == JobStatus.RUNNING,
            _last_sign_of_life() < _stale_before(),
            *where,
        )
        .values(status=JobStatus.FAILED, finished_at=utcnow(), **STALE.columns())
        .execution_options(synchronize_session=False)
    )


# --- a job's end the database refused, kept in the queue's store ------------------------------


def _note_key(job_id: int) -> str:
    return f"solve-job-{job_id}-end"


def _leave_note(job_id: int, outcome: Outcome) -> None:
    """Keep a job's end the database refused where the web and the next worker look."""
    try:
        said = outcome.said or Said("")
        note = (str(outcome.status), said.code, said.values)
        job_queue.queue(current_app).put(_note_key(job_id), note)
    except Exception:  # the queue's store refused as well: the job will end as stale
        log.exception("solve job %s: could not keep its end (%s) either", job_id, outcome)


def _left_note(job_id: int) -> Outcome | None:
    try:
        note = job_queue.queue(current_app).get(_note_key(job_id), peek=True)
    except Exception:
        log.exception("solve job %s: could not read the queue's store", job_id)
        return None
    if note is None:
        return None
    status, code, values = note
    return Outcome(JobStatus(status), Said(code, values) if code else None)


def _forget_note(job_id: int) -> None:
    with contextlib.suppress(Exception):  # a note left over is ignored once the job ended
        job_queue.queue(current_app).delete(_note_key(job_id))
