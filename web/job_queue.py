"""The task queue that carries solve jobs from the web process to the worker.

Huey only carries a job id; everything else lives in the job's row (`web.jobs`).
Where the queue lives, from the app config (SCHEDULER_* in the environment):
SQLite in the instance folder by default (no server to run; HUEY_SQLITE_PATH
moves it), Redis when HUEY_REDIS_URL is set, and in the web process itself
("immediate") when HUEY_IMMEDIATE is true, which is the default under TESTING.

Start the worker beside the web app with `flask --app web worker` or
`huey_consumer web.worker.huey`; both build the app from the environment.

Notices (`web.outbox`) have a queue of their own, `scheduler-notices`, with
its own consumer (`flask --app web notices-worker`, or `huey_consumer
web.worker.notices`), so a long solve never holds a notice back: the
notice worker sends whenever a change wakes it and, to retry and catch up,
every minute.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.signals import SIGNAL_INTERRUPTED

QUEUE_NAME = "scheduler-solves"
NOTICE_QUEUE_NAME = "scheduler-notices"


def queue(app: Flask) -> Huey:
    """The app's task queue, built on first use, so a test may change the config before."""
    if "huey" not in app.extensions:
        app.extensions["huey"] = _build_queue(app)
    return app.extensions["huey"]


def _build_queue(app: Flask) -> Huey:
    """The queue with its task and the worker's hooks: a sweep at start, an interrupt."""
    from web import job_ends, jobs  # imported here: both use this module's queue

    huey = _huey(app, QUEUE_NAME)

    def run_solve_task(job_id: int) -> None:
        with app.app_context():
            jobs.run_solve(job_id)

    app.extensions["huey_solve"] = huey.task(name="run_solve")(run_solve_task)

    @huey.on_startup()
    def sweep() -> None:
        with app.app_context():
            job_ends.sweep_stale()

    @huey.signal(SIGNAL_INTERRUPTED)
    def interrupted(signal_name: str, task: Any) -> None:
        with app.app_context():
            jobs.interrupt(int(task.args[0]))

    return huey


def _huey(app: Flask, name: str) -> Huey:
    config = app.config
    immediate = bool(config.get("HUEY_IMMEDIATE", config.get("TESTING", False)))
    if url := config.get("HUEY_REDIS_URL"):
        return RedisHuey(name, url=url, results=False, immediate=immediate)
    path = config.get("HUEY_SQLITE_PATH") or Path(app.instance_path) / "huey.sqlite3"
    return SqliteHuey(name, filename=str(path), results=False, immediate=immediate)


def notice_queue(app: Flask) -> Huey:
    """The notices' queue: a task to send what is due; every minute, the reminders that are
    due are posted, unanswered invitations followed by the next wave (and coordinators
    alerted of places still open near their start), and everything due is sent; every hour,
    the warnings of credentials running out."""
    if "huey_notices" not in app.extensions:
        from web import cover_cases, credential_expiry, notices, outbox
        from web.models import db

        huey = _huey(app, NOTICE_QUEUE_NAME)

        def send_notices_task() -> None:
            with app.app_context():
                outbox.send_due()

        def every_minute() -> None:
            with app.app_context():
                notices.post_reminders()
                db.session.commit()
                cover_cases.advance()
                outbox.send_due()

        def every_hour() -> None:
            with app.app_context():
                credential_expiry.warn()
                db.session.commit()
                outbox.send_due()

        app.extensions["huey_send_notices"] = huey.task(name="send_notices")(send_notices_task)
        huey.periodic_task(crontab(minute="*"), name="notices_every_minute")(every_minute)
        huey.periodic_task(crontab(minute="5"), name="credential_warnings")(every_hour)
        app.extensions["huey_notices"] = huey
    return app.extensions["huey_notices"]


def send_notices_now() -> None:
    """Wake the notice worker (in immediate mode: send here and now)."""
    notice_queue(current_app)
    current_app.extensions["huey_send_notices"]()


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
    _log_to_stderr()
    huey.create_consumer(workers=workers, max_delay=1.0).run()


@click.command("notices-worker")
@with_appcontext
def notices_worker() -> None:
    """Run the notice worker: sends each notice when a change is made, and every minute."""
    from web import mailing

    huey = notice_queue(current_app._get_current_object())  # type: ignore[attr-defined]
    if huey.immediate:
        raise click.ClickException("HUEY_IMMEDIATE is on: notices are sent in the web process")
    _log_to_stderr()
    click.echo(f"Notices by e-mail go to {mailing.where()}.")
    huey.create_consumer(workers=1, max_delay=1.0, periodic=True).run()


def _log_to_stderr() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    for name in ("huey", "web"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
