"""Faults for the web tests: a database that refuses writes, as a read-only or full one does."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import event

from web.models import db

SQLITE_LARGEST = 4294967294  # max_page_count back to SQLite's own limit


class RefusedWrites:
    """While `on` is set, each connection the app's engine hands out refuses writes.

    kind "read-only": SQLite's `query_only`, which answers "attempt to write a readonly
    database" as a read-only file does; PostgreSQL's `default_transaction_read_only`, as
    a standby or a database made read-only answers. kind "full" (SQLite only):
    `max_page_count` at the current size, so a write needing room fails as on a full disk.
    The setting is made at each checkout, so a flip applies from the next transaction.
    """

    def __init__(self, app: Flask, kind: str = "read-only") -> None:
        self.app, self.kind = app, kind
        self.on = threading.Event()
        with app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "checkout", self._checkout)

    def _checkout(self, connection, _record, _proxy) -> None:
        cursor = connection.cursor()
        refuse = self.on.is_set()
        if self.engine.dialect.name == "postgresql":
            assert self.kind == "read-only", "PostgreSQL cannot be filled up in a test"
            cursor.execute(f"SET default_transaction_read_only = {'on' if refuse else 'off'}")
            connection.commit()
        elif self.kind == "read-only":
            cursor.execute(f"PRAGMA query_only = {int(refuse)}")
        else:
            pages = cursor.execute("PRAGMA page_count").fetchone()[0] if refuse else SQLITE_LARGEST
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    def close(self) -> None:
        self.on.clear()
        event.remove(self.engine, "checkout", self._checkout)
        self.engine.dispose()  # no pooled connection keeps refusing
