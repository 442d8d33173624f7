"""A database that does not take a write: busy (ask again) or refusing (read-only, full, not
permitted), told apart and put in the database's own words for a message."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext
from sqlalchemy.exc import DBAPIError

# PostgreSQL's "try again" codes: serialization failure, deadlock, lock not available,
# statement cancelled (a lock timeout).
BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57014"})
TELL = lazy_gettext("Tell whoever runs the server.")


@dataclass(frozen=True)
class Refusal:
    reason: str  # the database's first line, at most 300 characters
    busy: bool  # another writer held the lock: the same write may pass in a moment


def judge(exc: DBAPIError) -> Refusal:
    """Busy (SQLite BUSY or LOCKED, PostgreSQL's lock and serialization codes) or refusing."""
    cause = exc.orig
    if (code := getattr(cause, "sqlite_errorcode", None)) is not None:
        busy = code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    else:
        busy = getattr(cause, "sqlstate", None) in BUSY_SQLSTATES
    lines = str(cause or exc).strip().splitlines()
    return Refusal((lines[0] if lines else type(cause).__name__)[:300], busy)


def message(refusal: Refusal) -> str:
    """What a person is told: nothing was changed, and what to do about it."""
    if refusal.busy:
        return gettext(
            "This change was not stored: the database is busy with another change. "
            "Nothing was changed; try again in a moment."
        )
    return gettext(
        "This change was not stored: the database refused it (%(reason)s). %(tell)s",
        reason=refusal.reason,
        tell=TELL,
    )
