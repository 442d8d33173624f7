"""Migrations that move data, run on a database holding the old shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.web.conftest import settings
from web import create_app
from web.models import db


def test_published_as_moves_from_the_summary_to_its_column_and_back(tmp_path: Path) -> None:
    app = create_app(settings(f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    with app.app_context():
        upgrade(revision="1d77fe7a0ef8")
        db.session.execute(
            text(
                "INSERT INTO roster (id, created_at, status, scope, summary) VALUES "
                "(1, '2026-12-01', 'draft', 'national', '{\"filled\": 5, \"published_as\": 2}'),"
                "(2, '2026-12-01', 'published', 'national', '{\"draft\": 1}'),"
                "(3, '2026-12-02', 'draft', 'national', '{\"filled\": 4}')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO assignment (roster_id, need_id, volunteer_id) VALUES "
                "(1, 'N1', 'V1'), (2, 'N1', 'V1'), (2, 'N2', 'V2'), (3, 'N1', 'V2')"
            )
        )
        db.session.commit()
        upgrade()
        # SQLite rebuilt the roster table: with foreign keys on, that cascaded into them
        assert db.session.execute(text("SELECT count(*) FROM assignment")).scalar() == 4
        rows = db.session.execute(text("SELECT id, published_as, summary FROM roster ORDER BY id"))
        assert [(i, p, s) for i, p, s in rows] == [
            (1, 2, '{"filled": 5}'),
            (2, None, '{"draft": 1}'),
            (3, None, '{"filled": 4}'),
        ]
        downgrade(revision="1d77fe7a0ef8")
        rows = db.session.execute(text("SELECT id, summary FROM roster ORDER BY id"))
        assert tuple(rows.first()) == (1, '{"filled": 5, "published_as": 2}')
        assert db.session.execute(text("SELECT count(*) FROM assignment")).scalar() == 4
        db.session.remove()
        db.engine.dispose()


def test_a_migration_that_breaks_a_foreign_key_is_rolled_back_whole(tmp_path: Path) -> None:
    """SQLite migrates with its keys off; their check at the end undoes every step."""
    app = create_app(settings(f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    with app.app_context():
        upgrade(revision="1d77fe7a0ef8")
        db.session.execute(
            text(
                "INSERT INTO roster (id, created_at, status, scope, summary) VALUES "
                "(1, '2026-12-01', 'draft', 'national', '{\"published_as\": 99}')"
            )
        )
        db.session.commit()
        with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError and exits 1
            upgrade()
        version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == "1d77fe7a0ef8"
        with db.engine.connect() as connection:  # the pool hands back a connection with keys on
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.session.remove()
        db.engine.dispose()
