"""What every table is built on: the declarative base with named constraints, the database
handle, the id column type and the time stamp."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CursorResult, Delete, MetaData, String, Update
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints, so Alembic can alter them later (SQLite rebuilds tables by name).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)

ID: String = String(100)  # facility, volunteer and need ids as people write them


def utcnow() -> dt.datetime:
    """When a row is stamped: UTC without a zone, as every time column here holds it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def changed(statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE in the session and count the rows it changed: how a
    conditional statement tells whether it won a race.

    The session types every result as a plain `Result`; these have a row count.
    """
    return cast("CursorResult[Any]", db.session.execute(statement)).rowcount
