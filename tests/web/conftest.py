"""Fixtures for the web app: `app`, `client`, `runner`, the demo data and one account per role.

The database is SQLite by default: the migrations run once into a template
file that each test copies. With `TEST_DATABASE_URL` set (`.ci/run` sets it
to the PostgreSQL it starts), the same tests run against that server: the
migrations run once, and every table is emptied after each test.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from scheduler.engine.results import SolveResult
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from web import create_app, store
from web.auth import hash_password
from web.models import Base, Facility, Role, User, db

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"
PASSWORD = "correct horse battery staple"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def settings(url: str, **more) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "SESSION_COOKIE_SECURE": False,  # the test client speaks plain http
        "REMEMBER_COOKIE_SECURE": False,
        # the demo's week is in May 2020: needs are taken for its dates too
        "NEED_DAYS_BACK": (dt.date.today() - dt.date(2020, 1, 1)).days,
        **more,
    }


def compile_catalogs(folder: Path = TRANSLATIONS) -> None:
    """Each catalog's .mo, as `make` builds it, when missing or older than its .po.

    `make test` has compiled them already; this is for `pytest` run by hand after a
    translation was edited. Fuzzy entries are left out, as `pybabel compile` does.
    """
    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    compile_catalogs()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Where the migrated, empty schema lives for this test session."""
    if POSTGRES_URL:
        app = create_app(settings(POSTGRES_URL))
        with app.app_context():
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            upgrade()
            db.session.remove()
            db.engine.dispose()  # no connection left for the garbage collector to warn about
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app(settings(f"sqlite:///{template}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return f"sqlite:///{template}"


@pytest.fixture
def app_config() -> dict:
    """More settings for the app of a test; a module overrides it (a mail server, say)."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict) -> Iterator[Flask]:
    if POSTGRES_URL:
        url = database_url
    else:
        copy = tmp_path / "scheduler.sqlite3"
        shutil.copy(database_url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    app = create_app(settings(url, **app_config))
    yield app
    with app.app_context():
        if POSTGRES_URL:
            for table in reversed(Base.metadata.sorted_tables):  # children first
                db.session.execute(table.delete())
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def demo_solution() -> tuple:
    """The demo dataset and its solved roster, computed once for every test."""
    dataset, _ = load_dataset(DEMO)
    result: SolveResult = solve(dataset)
    return dataset, result


@dataclass(frozen=True)
class Accounts:
    """One account per role, plus a second of the kinds whose data must stay apart."""

    national: str = "national@test.example"
    regional: str = "regional@test.example"
    other_regional: str = "regional2@test.example"
    hospital: str = "hospital@test.example"
    other_hospital: str = "hospital2@test.example"
    volunteer: str = "volunteer@test.example"
    other_volunteer: str = "volunteer2@test.example"


@pytest.fixture
def demo(app: Flask, demo_solution) -> dict:
    """The demo data stored, its roster published, and the accounts of `Accounts`.

    Returns facts tests need: the hospital's facility, the other hospital's,
    the two volunteers' ids, the two regions.
    """
    dataset, result = demo_solution
    busy = sorted({v for _, v in result.assignments})
    regions = sorted({f.region for f in dataset.facilities})
    mine = next(f for f in dataset.facilities if f.region == regions[0])
    theirs = next(f for f in dataset.facilities if f.region == regions[1])
    with app.app_context():
        store.replace_all(dataset)
        store.publish(result.assignments, {"filled": result.filled})
        facility = {f.id: f for f in db.session.query(Facility)}
        people = [
            (Accounts.national, Role.NATIONAL, None, [], None),
            (Accounts.regional, Role.REGIONAL, regions[0], [], None),
            (Accounts.other_regional, Role.REGIONAL, regions[1], [], None),
            (Accounts.hospital, Role.HOSPITAL, None, [facility[mine.id]], None),
            (Accounts.other_hospital, Role.HOSPITAL, None, [facility[theirs.id]], None),
            (Accounts.volunteer, Role.VOLUNTEER, None, [], busy[0]),
            (Accounts.other_volunteer, Role.VOLUNTEER, None, [], busy[1]),
        ]
        hashed = hash_password(PASSWORD)
        for k, (email, role, region, facilities, volunteer_id) in enumerate(people):
            db.session.add(
                User(
                    email=email,
                    name=email.split("@")[0].title(),
                    password_hash=hashed,
                    role=role,
                    region=region,
                    facilities=facilities,
                    volunteer_id=volunteer_id,
                    calendar_token=f"token-{k}-{'x' * 30}" if volunteer_id else None,
                )
            )
        db.session.commit()
    return {
        "dataset": dataset,
        "result": result,
        "facility": mine.id,
        "other_facility": theirs.id,
        "region": regions[0],
        "other_region": regions[1],
        "volunteer": busy[0],
        "other_volunteer": busy[1],
    }


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client: FlaskClient, page: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form as a browser would."""
    html = client.get(page).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, f"no csrf_token on {page}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


# The only script a page may load: the copy button's, from our own static folder.
OWN_SCRIPTS = ['<script src="/static/copy.js" defer>']
SCRIPT_TAG = re.compile(r"<script\b[^>]*>")


def scripts(html: str) -> list[str]:
    """Every script tag of a page: an injected one (a name like <script>...) would show here."""
    return SCRIPT_TAG.findall(html)
