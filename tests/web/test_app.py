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


def test_every_text_the_engine_accepts_fits_its_column() -> None:
    """The schema's lengths may not exceed the columns: a longer value would be a 500."""
    from sqlalchemy import String

    from scheduler.intake import schema
    from web import models as m

    widths = {
        (m.Facility, "name"): schema.NAME_LENGTH,
        (m.Facility, "region"): schema.REGION_LENGTH,
        (m.Facility, "address"): schema.ADDRESS_LENGTH,
        (m.Volunteer, "name"): schema.NAME_LENGTH,
        (m.Volunteer, "role"): schema.ID_LENGTH,
        (m.Volunteer, "region"): schema.REGION_LENGTH,
        (m.Volunteer, "email"): schema.EMAIL_LENGTH,
        (m.Volunteer, "phone"): schema.PHONE_LENGTH,
        (m.Volunteer, "preferred_facilities"): schema.ID_LIST_LENGTH,
        (m.Need, "id"): schema.ID_LENGTH,
        (m.Need, "role"): schema.ID_LENGTH,
        (m.Facility, "id"): schema.ID_LENGTH,
        (m.Volunteer, "id"): schema.ID_LENGTH,
        (m.RoleCover, "can_cover"): schema.ID_LIST_LENGTH,
    }
    for (model, column), longest in widths.items():
        kind = model.__table__.c[column].type
        assert isinstance(kind, String) and kind.length is not None
        assert longest <= kind.length, f"{model.__name__}.{column}"
