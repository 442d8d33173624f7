"""A solve job's writes to its row, which may meet a busy or a refusing database.

A busy database (another writer holds the lock) is asked again after a pause. One
that refuses outright (read-only, full, not permitted) is not asked again, and the
job says so in the database's own words: `web.refusals` tells the two apart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from web.job_messages import Said
from web.models import db
from web.refusals import Refusal, judge
from web.tables import changed  # noqa: F401  (re-exported: the jobs' writes use it)

# The consumer sets up the "huey" logger only; a child of it shows in the worker's log.
log = logging.getLogger("huey.solves")

RETRY_PAUSES = (0.5, 1.0)  # seconds between attempts at a job write the database refused
ATTEMPTS = len(RETRY_PAUSES) + 1
T = TypeVar("T")


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

    def result_said(self) -> Said:
        return Said("not_stored") if self.busy else Said("store_refused", {"reason": self.reason})

    def start_said(self) -> Said:
        return Said("not_started") if self.busy else Said("start_refused", {"reason": self.reason})


def write(work: Callable[[], T], attempts: int = ATTEMPTS) -> T | Refused:
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
