"""The web app factory: the thin layer starts and answers."""

from __future__ import annotations

from web import create_app


def test_the_app_factory_answers_a_health_check() -> None:
    client = create_app({"TESTING": True}).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_unknown_pages_are_404() -> None:
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/nowhere").status_code == 404


def test_the_migrations_create_exactly_the_models(app) -> None:
    """A model changed without a migration would break every existing database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from web.models import Base, db

    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
