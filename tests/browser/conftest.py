"""A live server with the demo data and a browser that drives it.

The server is the real app (`web.create_app`) on a migrated SQLite file in a
temp folder, with `data/demo` loaded, its roster published and one account
per role, served by Werkzeug on a free port in a daemon thread. The browser
is Debian's chromium (`/usr/bin/chromium`) driven by Playwright; no browser
is ever downloaded. Playwright gives each launch a fresh temporary profile.

Every page a test visits is saved, full length, under `tests/artifacts/`, and
checked by axe-core (`axe-playwright-python` bundles it): a serious or critical
violation fails the test, each named with its rule, where and how to fix it. The
page fixtures remember every page loaded, and a test that left one unchecked
fails. With `UPDATE_DOCS_IMAGES=1` the page a test names for the README is also
saved, viewport-sized, as `docs/images/web-<role>.png`; otherwise a test run
leaves the committed images alone.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask, got_request_exception
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from scheduler import domain
from scheduler.engine.results import SolveResult
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from tests.web.conftest import compile_catalogs
from web import create_app, store
from web.auth import hash_password
from web.models import Facility, Role, User, db

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
# The demo's week is in May 2020: needs are taken for its dates too.
DEMO_DAYS_BACK = (dt.date.today() - dt.date(2020, 1, 1)).days
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_IMAGES = ROOT / "docs" / "images"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}  # a small phone: what fits above the fold matters
AXE = Axe()
BLOCKING = ("serious", "critical")  # axe-core's impacts that fail a test
# Violations known and left for now, by rule and the page's path, each with its reason.
# Keep this short: an entry is a debt, not a decision.
KNOWN_VIOLATIONS: dict[tuple[str, re.Pattern[str]], str] = {}


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class Site:
    """The running server and the facts tests check pages against."""

    url: str
    errors: list[str]  # tracebacks of exceptions the server met, until a test checks them
    national: Person
    regional: Person
    hospital: Person
    volunteer: Person
    facility: domain.Facility  # the hospital staff's; its region is the regional's
    region_facilities: frozenset[str]  # names of the facilities in that region
    other_facilities: frozenset[str]  # names of every other facility
    shifts: int  # the volunteer's shifts in the published roster


class QuietHandler(WSGIRequestHandler):
    """No line per request: a failing test's output shows the failure, not the page loads."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def seed(app: Flask, dataset: domain.Dataset, result: SolveResult) -> dict:
    """Store the demo data and its published roster; one account per role. Returns facts."""
    mine = dataset.facilities[0]
    shifts = Counter(v for _, v in result.assignments)
    busiest = max(shifts, key=lambda v: (shifts[v], v))
    people = {
        Role.NATIONAL: Person("national@browser.example", "Nadia National"),
        Role.REGIONAL: Person("regional@browser.example", "Roman Regional"),
        Role.HOSPITAL: Person("hospital@browser.example", "Hanna Hospital"),
        Role.VOLUNTEER: Person("volunteer@browser.example", dataset.volunteer_by_id[busiest].name),
    }
    with app.app_context():
        upgrade()
        store.replace_all(dataset)
        store.publish(result.assignments, {"filled": result.filled})
        facility = db.session.get(Facility, mine.id)
        hashed = hash_password(PASSWORD)
        for role, person in people.items():
            db.session.add(
                User(
                    email=person.email,
                    name=person.name,
                    password_hash=hashed,
                    role=role,
                    region=mine.region if role is Role.REGIONAL else None,
                    facilities=[facility] if role is Role.HOSPITAL else [],
                    volunteer_id=busiest if role is Role.VOLUNTEER else None,
                )
            )
        db.session.commit()
    return {
        **{role.value: person for role, person in people.items()},
        "facility": mine,
        "region_facilities": frozenset(
            f.name for f in dataset.facilities if f.region == mine.region
        ),
        "other_facilities": frozenset(
            f.name for f in dataset.facilities if f.region != mine.region
        ),
        "shifts": shifts[busiest],
    }


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    compile_catalogs()  # as `make` does, for a `pytest` run by hand after editing a .po
    app, _, facts = story_app(tmp_path_factory.mktemp("browser"), "browser-tests")
    with served(app, "live-server") as (url, errors):
        yield Site(url=url, errors=errors, **facts)


def story_app(folder: Path, secret: str, **more: object) -> tuple[Flask, domain.Dataset, dict]:
    """An app on its own SQLite file in `folder`, the demo data seeded with its roster
    published and one account per role (`seed`); `more` settings on top."""
    app = create_app(
        {
            "SECRET_KEY": secret,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'scheduler.sqlite3'}",
            "SESSION_COOKIE_SECURE": False,  # the live server speaks plain http
            "REMEMBER_COOKIE_SECURE": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "NEED_DAYS_BACK": DEMO_DAYS_BACK,
            **more,
        }
    )
    dataset, _ = load_dataset(DEMO)
    return app, dataset, seed(app, dataset, solve(dataset))


@contextmanager
def served(app: Flask, name: str) -> Iterator[tuple[str, list[str]]]:
    """The app on a live server in a thread: its address, and the tracebacks of the requests
    it failed (a test asserts there are none); closed and the database let go after."""
    errors: list[str] = []

    def remember(sender, exception: BaseException, **extra) -> None:
        errors.append("".join(traceback.format_exception(exception)))

    got_request_exception.connect(remember, app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}", errors
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        got_request_exception.disconnect(remember, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def demo_eve() -> dt.date:
    dataset, _ = load_dataset(DEMO)
    return min(n.date for n in dataset.needs) - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def on_the_eve_of_the_demo(demo_eve: dt.date) -> Iterator[None]:
    """The demo roster is in May 2020: the day before it is "today", so its shifts are upcoming.

    Patched for each browser test alone: the live server runs in this process, so a
    patch held for the session would also change "today" for the web tests run after
    it (their volunteer then had no past shifts).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("web.schedule.today", lambda: demo_eve)
        yield


@pytest.fixture(autouse=True)
def no_server_errors(site: Site) -> Iterator[None]:
    """A page that failed on the server fails its test with the server's traceback."""
    site.errors.clear()
    yield
    if site.errors:
        pytest.fail("the server failed:\n" + "\n".join(site.errors), pytrace=False)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def desktop(browser, site: Site, request: pytest.FixtureRequest):
    """A page in a fresh browser context (no cookies), desktop-sized."""
    context = browser.new_context(base_url=site.url, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    yield from checked_pages(context, request)


@pytest.fixture
def phone(browser, site: Site, request: pytest.FixtureRequest):
    """A page in a fresh browser context (no cookies), phone-sized and touch-enabled."""
    context = browser.new_context(
        base_url=site.url,
        viewport=PHONE,
        locale="en-GB",
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    yield from checked_pages(context, request)


def sign_in(page, person: Person) -> None:
    """Sign in from /login in whatever language it is in (its fields by name, not by label).

    Both /login and the page it leads to are checked by axe-core.
    """
    page.goto("/login")
    accessible(page)
    page.locator("input[name=email]").fill(person.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    accessible(page)


def snapshot(page, name: str, docs: str | None = None) -> None:
    """Check the page with axe-core and save it whole as tests/artifacts/<name>.png.

    `docs` names the README image.
    """
    accessible(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    if docs and os.environ.get("UPDATE_DOCS_IMAGES") == "1":
        page.screenshot(path=DOCS_IMAGES / f"web-{docs}.png")


# --- accessibility --------------------------------------------------------------------------

# Per page: the addresses it loaded and those axe-core checked (the fixtures compare them).
LOADED: dict[object, set[str]] = {}
CHECKED: dict[object, set[str]] = {}
# Pages with script turned off: axe-core cannot run there (it is script); with script on,
# the same pages are checked by the tests that visit them so.
SCRIPTLESS: set[object] = set()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report kept on the test, so a fixture knows whether the test itself passed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def checked_pages(context, request: pytest.FixtureRequest, script: bool = True) -> Iterator:
    """A page of `context` whose loads are remembered; after a passing test each was checked.

    `script=False` for a context made with `java_script_enabled=False`.
    """
    page = context.new_page()
    LOADED[page], CHECKED[page] = set(), set()
    page.on("load", lambda loaded: LOADED[page].add(loaded.url))
    if not script:
        SCRIPTLESS.add(page)
    try:
        yield page
        unchecked = LOADED[page] - CHECKED[page]
        passed = getattr(request.node, "report_call", None)
        assert not (passed and passed.passed and unchecked), (
            f"pages loaded but never checked by axe-core: {sorted(unchecked)}; "
            "call snapshot(page, ...) or accessible(page) on each"
        )
    finally:
        LOADED.pop(page), CHECKED.pop(page)
        SCRIPTLESS.discard(page)
        context.close()


def violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now; it counts as checked.

    Each names its rule, impact and help, and the elements at fault. None on a page
    without script, where axe-core cannot run.
    """
    if page in CHECKED:
        CHECKED[page].add(page.url)
    if page in SCRIPTLESS:
        return []
    path = urlsplit(page.url).path
    found = [
        v
        for v in AXE.run(page).response["violations"]
        if not any(v["id"] == rule and where.fullmatch(path) for rule, where in KNOWN_VIOLATIONS)
    ]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} ({v['helpUrl']})\n"
        + "\n".join(f"    at {' '.join(map(str, n['target']))}" for n in v["nodes"])
        for v in found
        if v["impact"] in BLOCKING
    ]


def accessible(page) -> None:
    """Fail the test on a serious or critical axe-core violation of the page as it is now."""
    problems = violations(page)
    if problems:
        pytest.fail(f"axe-core on {page.url}:\n" + "\n".join(problems), pytrace=False)
