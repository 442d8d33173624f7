"""Solve jobs when things go wrong: the published roster stays, and the job says what happened.

The worker killed mid-solve and a cancel of a running solve use a real
`huey_consumer` process on a SQLite queue in the test's folder, configured
through SCHEDULER_* variables as in production, with a dataset big enough
to take several seconds. The solver failing, the database locked and the
database refusing writes (read-only or full) run the job inside the request
(the queue's immediate mode) or call the task directly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text, update

from scheduler.domain import Dataset
from scheduler.intake.loading import load_dataset
from scheduler.intake.writing import write_tables
from scheduler.synthetic import GeneratorSpec, generate
from tests.web.conftest import PASSWORD, POSTGRES_URL, Accounts, csrf_token, login
from tests.web.faults import RefusedWrites
from web import job_ends, job_writes, jobs, store
from web.auth import hash_password
from web.job_messages import Said
from web.models import NATIONAL, Assignment, JobStatus, Role, Roster, SolveJob, User, db, utcnow

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = Path(sys.executable).parent / "huey_consumer"
STALE_SECONDS = 3
sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's own file lock")

UNCHANGED = "the published roster is unchanged"
STALE = f"the worker stopped while solving (killed or crashed); {UNCHANGED}"
NOT_STORED = (
    f"the roster could not be stored (the database stayed busy); {UNCHANGED}. "
    "Start the solve again."
)


# --- solvers that fail, run in the job's child process (so defined at module level) -----------


def raising_solve(dataset, settings, progress=None, baseline=None):
    raise RuntimeError("HiGHS could not allocate its workspace")


def killed_solve(dataset, settings, progress=None, baseline=None):
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would


# --- helpers ----------------------------------------------------------------------------------


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def published(app: Flask) -> tuple[int, list[tuple[str, str]]]:
    with app.app_context():
        roster = store.published()
        return roster.id, sorted((a.need_id, a.volunteer_id) for a in roster.assignments)


def drafts(app: Flask) -> tuple[int, int]:
    """Draft rosters and assignments that belong to no published roster."""
    with app.app_context():
        count = db.session.scalar(select(func.count()).where(Roster.status == "draft"))
        stray = db.session.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(Roster)
            .where(Roster.status != "published")
        )
        return count, stray


def job_state(client: FlaskClient, job_id: int) -> dict:
    return client.get(f"/plan/solves/{job_id}.json").get_json()


def start_national(client: FlaskClient, token: str) -> int:
    response = client.post(
        "/plan/solves",
        json={"scope": NATIONAL, "time_limit": 120},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def solve_group(consumer_pid: int) -> list[psutil.Process]:
    """The solve child (a group leader under the worker) and every process of its group."""
    found = []
    for process in psutil.Process(consumer_pid).children(recursive=True):
        try:
            found.append((process, os.getpgid(process.pid)))
        except ProcessLookupError:
            continue
    leaders = {pid for process, pid in found if pid == process.pid}
    return [process for process, pid in found if pid in leaders]


def gone(processes: list[psutil.Process]) -> bool:
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            continue
    return True


def kill_all(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Dataset:
    """Four regions, 3,000 volunteers: a national solve takes a dozen seconds."""
    folder = tmp_path_factory.mktemp("synthetic") / "data"
    spec = GeneratorSpec(volunteers=3000, facilities=60, days=7, regions=4, seed=1)
    write_tables(generate(spec), folder)
    dataset, _ = load_dataset(folder)
    return dataset


@pytest.fixture
def big(app: Flask, client: FlaskClient, synthetic: Dataset) -> str:
    """The synthetic data stored, a roster published, a national coordinator signed in."""
    with app.app_context():
        store.replace_all(synthetic)
        pairs = zip(synthetic.needs[:40], synthetic.volunteers[:40], strict=True)
        store.publish([(n.id, v.id) for n, v in pairs], {"filled": 40})
        db.session.add(
            User(
                email=Accounts.national,
                name="National",
                password_hash=hash_password(PASSWORD),
                role=Role.NATIONAL,
            )
        )
        db.session.commit()
    assert login(client, Accounts.national).status_code == 302
    return csrf_token(client, "/plan/solves")


@pytest.fixture
def consumer(app: Flask, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """A real worker in its own session, on the test's database and a SQLite queue."""
    queue_file = str(tmp_path / "huey.sqlite3")
    app.config.update(
        HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=queue_file, JOB_STALE_SECONDS=STALE_SECONDS
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.pop("DATABASE_URL", None)
    env.update(
        SCHEDULER_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SCHEDULER_SECRET_KEY="test",
        SCHEDULER_HUEY_SQLITE_PATH=queue_file,
        SCHEDULER_JOB_HEARTBEAT_SECONDS="0.5",
        SCHEDULER_JOB_STALE_SECONDS=str(STALE_SECONDS),
    )
    log = (tmp_path / "consumer.log").open("w")
    command = [str(CONSUMER), "web.worker.huey", "-w", "1", "-k", "thread", "-m", "0.5"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    log.close()


# --- the worker process ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_worker_killed_mid_solve_leaves_a_failed_job_and_the_roster(
    app, client, big, consumer
) -> None:
    before = published(app)
    job_id = start_national(client, big)
    group = wait_for(
        lambda: len(solve_group(consumer.pid)) >= 3 and solve_group(consumer.pid),
        60,
        "the solver's pool",
    )
    assert job_state(client, job_id)["status"] == "running"
    try:
        os.killpg(consumer.pid, signal.SIGKILL)  # kill -9 the worker, as the OOM killer or a deploy
        consumer.wait()
        wait_for(lambda: gone(group), 10, "the orphaned solver to end its own group")
    finally:
        kill_all(group)
    state = wait_for(
        lambda: (s := job_state(client, job_id))["status"] != "running" and s,
        STALE_SECONDS + 10,
        "the job to be declared stale",
    )
    assert state["status"] == "failed"
    assert state["message"] == STALE
    assert published(app) == before
    assert drafts(app) == (0, 0)


@pytest.mark.slow
def test_cancelling_a_running_solve_stops_its_process_and_pool(app, client, big, consumer) -> None:
    before = published(app)
    job_id = start_national(client, big)
    group = wait_for(
        lambda: len(solve_group(consumer.pid)) >= 3 and solve_group(consumer.pid),
        60,
        "the solver's pool",
    )
    try:
        response = client.post(f"/plan/solves/{job_id}/cancel", data={"csrf_token": big})
        assert response.status_code == 302
        state = wait_for(
            lambda: (s := job_state(client, job_id))["status"] != "running" and s, 20, "the cancel"
        )
        assert state["status"] == "cancelled"
        assert state["message"].startswith("cancelled by National at ")
        wait_for(lambda: gone(group), 10, "the solver and its pool to end")
    finally:
        kill_all(group)
    assert consumer.poll() is None  # the worker itself goes on
    assert solve_group(consumer.pid) == []
    assert published(app) == before
    assert drafts(app) == (0, 0)


# --- the solver failing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        (raising_solve, "the solver failed: RuntimeError: HiGHS could not allocate its workspace"),
        (killed_solve, "the solver process was killed by signal 9 (out of memory"),
    ],
)
def test_a_failing_solver_fails_the_job_and_keeps_the_roster(
    app, client, demo, monkeypatch, broken, said
) -> None:
    monkeypatch.setattr(jobs, "solve_function", broken)
    before = published(app)
    assert login(client, Accounts.national).status_code == 302
    token = csrf_token(client, "/plan/solves")
    response = client.post(
        "/plan/solves", data={"scope": NATIONAL, "time_limit": 60, "csrf_token": token}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    state = job_state(client, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert state["status"] == "failed"
    assert state["message"].startswith(said)
    assert state["message"].endswith(UNCHANGED)
    assert "Failed:" in page and said in page
    assert published(app) == before
    assert drafts(app) == (0, 0)


# --- the database locked ----------------------------------------------------------------------


def sqlite_file(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


@sqlite_only
def test_a_database_locked_under_the_result_leaves_no_half_draft(app, client, demo) -> None:
    app.config.update(JOB_BUSY_TIMEOUT_MS=100, JOB_STALE_SECONDS=1, JOB_HEARTBEAT_SECONDS=0.2)
    before = published(app)
    held, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        """Another program takes the write lock once the job runs, and keeps it."""
        connection = sqlite3.connect(sqlite_file(app), timeout=10, isolation_level=None)
        running = "SELECT count(*) FROM solve_job WHERE status = 'running'"
        while not connection.execute(running).fetchone()[0]:
            time.sleep(0.01)
        connection.execute("BEGIN EXCLUSIVE")
        held.set()
        release.wait(60)
        connection.execute("ROLLBACK")
        connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert login(client, Accounts.national).status_code == 302
        token = csrf_token(client, "/plan/solves")
        response = client.post(
            "/plan/solves", data={"scope": NATIONAL, "time_limit": 60, "csrf_token": token}
        )
        assert held.is_set()  # the whole job, result included, met the lock
    finally:
        release.set()
        holder.join()
    time.sleep(1.1)  # the job's last heartbeat is older than JOB_STALE_SECONDS now
    state = job_state(client, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert state["status"] == "failed"
    assert state["message"] in (STALE, NOT_STORED)
    assert drafts(app) == (0, 0)
    assert published(app) == before


@sqlite_only
def test_a_brief_lock_is_waited_out(app, demo) -> None:
    """A job write the database refuses for a moment goes through on a later attempt."""
    app.config.update(JOB_BUSY_TIMEOUT_MS=50)
    with app.app_context():
        job = SolveJob(scope=NATIONAL, status=JobStatus.RUNNING)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    connection = sqlite3.connect(sqlite_file(app), isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.3, lambda: connection.execute("ROLLBACK")).start()
    attempts = []

    def work() -> int:
        attempts.append(time.monotonic())
        change = update(SolveJob).where(SolveJob.id == job_id).values(message="written")
        return db.session.execute(change).rowcount

    with app.app_context():
        assert job_writes.write(work) == 1
        assert db.session.get(SolveJob, job_id).message == "written"
    connection.close()
    assert len(attempts) == 2


# --- the database refusing writes ---------------------------------------------------------------

# What each database says, as the job's message must repeat it
REFUSALS = {
    ("sqlite", "read-only"): "attempt to write a readonly database",
    ("sqlite", "full"): "database or disk is full",
    ("postgresql", "read-only"): "read-only transaction",
}


def database_kind(app: Flask) -> str:
    return (
        "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres") else "sqlite"
    )


def refuse_once_running(app: Flask, refusal: RefusedWrites) -> None:
    """Once the job runs, the database refuses writes: a disk remounted read-only, or full."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # not the app's pool
    running = text("SELECT count(*) FROM solve_job WHERE status = 'running'")
    deadline = time.monotonic() + 60
    try:
        with engine.connect() as connection:
            while not connection.execute(running).scalar() and time.monotonic() < deadline:
                connection.rollback()
                time.sleep(0.01)
        refusal.on.set()
    finally:
        engine.dispose()


def start_from_the_page(client: FlaskClient) -> int:
    assert login(client, Accounts.national).status_code == 302
    token = csrf_token(client, "/plan/solves")
    response = client.post(
        "/plan/solves", data={"scope": NATIONAL, "time_limit": 60, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("kind", ["read-only", pytest.param("full", marks=sqlite_only)])
def test_a_database_that_refuses_the_result_says_so_in_the_job(app, client, demo, kind) -> None:
    """Not "the worker stopped while solving": the database's refusal, in its own words."""
    app.config.update(JOB_HEARTBEAT_SECONDS=0.2, JOB_STALE_SECONDS=1)
    before = published(app)
    refusal = RefusedWrites(app, kind)
    watcher = threading.Thread(target=refuse_once_running, args=(app, refusal))
    watcher.start()
    try:
        job_id = start_from_the_page(client)
    finally:
        watcher.join()
        assert refusal.on.is_set()  # the job met the refusal
        refusal.close()  # the disk is writable again when someone looks
    time.sleep(1.1)  # and the job's heartbeat is older than JOB_STALE_SECONDS by then
    state = job_state(client, job_id)
    assert state["status"] == "failed"
    assert state["message"].startswith("the database refused to store the roster (")
    assert REFUSALS[database_kind(app), kind] in state["message"]
    assert UNCHANGED in state["message"] and "whoever runs the server" in state["message"]
    assert drafts(app) == (0, 0)
    assert published(app) == before


def test_a_worker_whose_database_is_read_only_fails_the_job_with_the_reason(
    app, client, demo, tmp_path
) -> None:
    """The worker cannot even mark the job running: it does not stay queued for ever."""
    app.config.update(HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "huey.sqlite3"))
    before = published(app)
    job_id = start_from_the_page(client)
    assert job_state(client, job_id)["status"] == "queued"
    refusal = RefusedWrites(app)
    refusal.on.set()
    try:
        with app.app_context():
            jobs.run_solve(job_id)  # as the worker would, on a read-only database
        assert client.get(f"/plan/solves/{job_id}.json").status_code == 200  # no 500 meanwhile
    finally:
        refusal.close()
    state = job_state(client, job_id)
    assert state["status"] == "failed"
    assert state["message"].startswith("the database refused to start the solve (")
    assert REFUSALS[database_kind(app), "read-only"] in state["message"]
    assert published(app) == before


def test_a_worker_starting_again_stores_the_end_its_predecessor_could_not(app, demo) -> None:
    """The sweep at worker start stores a refused end, not "the worker stopped"."""
    app.config.update(JOB_STALE_SECONDS=1)
    refused = Said("store_refused", {"reason": "database or disk is full"})
    with app.app_context():
        an_hour_ago = utcnow() - dt.timedelta(hours=1)
        noted, lost = (
            SolveJob(scope=scope, status=JobStatus.RUNNING, heartbeat_at=an_hour_ago)
            for scope in (NATIONAL, "somewhere")
        )
        db.session.add_all([noted, lost])
        db.session.commit()
        job_ends._leave_note(noted.id, job_ends.Outcome(JobStatus.FAILED, refused))
        assert job_ends.sweep_stale() == 2
        db.session.expire_all()
        assert (noted.status, noted.message_code) == (JobStatus.FAILED, "store_refused")
        assert noted.message == (
            "the database refused to store the roster (database or disk is full); "
            f"{UNCHANGED}. Ask whoever runs the server to check the database's disk space "
            "and write permission, then start the solve again."
        )
        assert (lost.status, lost.message) == (JobStatus.FAILED, STALE)
        assert job_ends._left_note(noted.id) is None  # stored once, then forgotten
