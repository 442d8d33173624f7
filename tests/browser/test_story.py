"""The whole story in a real browser, with a real solve worker beside the web server.

A hospital uploads a need from the template; a national coordinator starts a
solve, watches it run in the worker, publishes the draft and downloads the
roster workbook (read back and checked); the volunteer who got the new shift
signs in, sees it, and finds it in their calendar feed; the notice worker
mails them (a real SMTP server), and the confirm link in that mail marks the
shift confirmed on the hospital's page. This module has its own server and
data, so the other browser tests keep theirs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import openpyxl
import pytest

from tests.browser.conftest import (
    CHROMIUM,
    DEMO,
    DEMO_DAYS_BACK,
    PASSWORD,
    PHONE,
    Person,
    QuietHandler,
    checked_pages,
    seed,
    sign_in,
    snapshot,
)
from tests.web.mail import Mailbox, running_mailbox

if not CHROMIUM.exists():
    pytest.skip(
        f"no {CHROMIUM}: install Debian's chromium package to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from scheduler.checker import check_roster
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs.roster_reading import read_assignments
from web import create_app, store
from web.auth import hash_password
from web.models import Role, User, db

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "data" / "templates" / "staffing-template.xlsx"
NEED = {"need_id": "STORY-1", "date": "2020-05-20", "start": "10:00", "end": "14:00"}


@dataclass(frozen=True)
class Story:
    url: str
    national: Person
    hospital: Person
    facility_id: str
    app: object


def volunteer_email(volunteer_id: str) -> str:
    return f"{volunteer_id.lower()}@story.example"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture(scope="module")
def story(tmp_path_factory, mailbox: Mailbox) -> Iterator[Story]:
    """Demo data, an account for every volunteer, a web server, a solve worker and a notice
    worker that mails through the test's SMTP server."""
    folder = tmp_path_factory.mktemp("story")
    config = {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,  # type: ignore[attr-defined]
        "QUIET_HOURS": "",
        "SECRET_KEY": "story",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'scheduler.sqlite3'}",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "HUEY_IMMEDIATE": False,
        "HUEY_SQLITE_PATH": str(folder / "huey.sqlite3"),
        "NEED_DAYS_BACK": DEMO_DAYS_BACK,
    }
    dataset, _ = load_dataset(DEMO)
    # The story happens on the eve of the demo's week (May 2020): a re-plan freezes what
    # starts before that eve's noon, not before now, or every demo shift would be frozen.
    first, _ = dataset.horizon or (dt.date.today(), None)
    eve_noon = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(12))
    moscow_now = dt.datetime.now(ZoneInfo("Europe/Moscow")).replace(tzinfo=None)
    config["FREEZE_NOTICE_HOURS"] = (eve_noon - moscow_now).total_seconds() / 3600
    app = create_app(config)
    facts = seed(app, dataset, solve(dataset))
    with app.app_context():
        hashed = hash_password(PASSWORD)
        linked = {u.volunteer_id for u in db.session.query(User) if u.volunteer_id}
        for volunteer in dataset.volunteers:
            if volunteer.id in linked:
                continue
            db.session.add(
                User(
                    email=volunteer_email(volunteer.id),
                    name=volunteer.name,
                    password_hash=hashed,
                    role=Role.VOLUNTEER,
                    volunteer_id=volunteer.id,
                )
            )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    config["SITE_URL"] = app.config["SITE_URL"] = f"http://127.0.0.1:{server.port}"
    environment = {
        **os.environ,
        **{
            f"SCHEDULER_{k}": (v if isinstance(v, str) else str(v).lower())
            for k, v in config.items()
        },
    }
    workers = [
        subprocess.Popen(
            [str(Path(sys.executable).parent / "flask"), "--app", "web", command],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for command in ("worker", "notices-worker")
    ]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Story(
            url=f"http://127.0.0.1:{server.port}",
            national=facts["national"],
            hospital=facts["hospital"],
            facility_id=facts["facility"].id,
            app=app,
        )
    finally:
        server.shutdown()
        server.server_close()
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def page(browser, story: Story, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        base_url=story.url, viewport={"width": 1280, "height": 800}, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    yield from checked_pages(context, request)


def needs_from_the_template(facility_id: str, folder: Path) -> Path:
    """The template with its example needs replaced by one critical shift, as a clerk fills it."""
    book = openpyxl.load_workbook(TEMPLATE)
    sheet = book["needs"]
    sheet.delete_rows(2, sheet.max_row)
    row = {**NEED, "facility_id": facility_id, "role": "support", "count": 1, "priority": 1}
    sheet.append([row.get(c.value) for c in sheet[1]])  # an optional column left empty
    path = folder / "our-needs.xlsx"
    book.save(path)
    return path


def mail_to(mailbox: Mailbox, address: str, seconds: float = 60) -> str:
    """The plain text of the first message to `address`, waiting for the notice worker."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := mailbox.of(address):
            return found[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        time.sleep(0.2)
    raise AssertionError(f"no mail to {address} in {seconds} s; mail went to {mailbox.to()}")


def test_from_a_hospitals_upload_to_a_volunteers_calendar(
    page: Page,
    story: Story,
    mailbox: Mailbox,
    tmp_path: Path,
    demo_eve: dt.date,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1. The hospital uploads its needs from the template.
    sign_in(page, story.hospital)
    page.goto("/needs/upload")
    page.get_by_label(re.compile("file", re.I)).set_input_files(
        needs_from_the_template(story.facility_id, tmp_path)
    )
    snapshot(page, "story-1-upload")
    page.get_by_role("button", name="Check and store").click()
    expect(page.get_by_role("status")).to_contain_text("1 need added")
    snapshot(page, "story-2-uploaded")
    page.context.clear_cookies()

    # 2. The coordinator starts a solve and watches it in the worker.
    sign_in(page, story.national)
    page.goto("/plan")
    snapshot(page, "story-3-dashboard", docs="dashboard")
    page.goto("/plan/solves")
    snapshot(page, "story-4-solves")
    page.get_by_role("button", name="Start the solve").click()
    expect(page).to_have_url(re.compile(r"/plan/solves/\d+$"))
    snapshot(page, "story-4-solving")
    draft_link = page.get_by_role("link", name=re.compile("Open the draft roster"))
    expect(draft_link).to_be_visible(timeout=120_000)  # the page refreshes itself meanwhile
    expect(page.get_by_text(re.compile("parts", re.I)).first).to_be_visible()
    snapshot(page, "story-5-solved")

    # 3. ... publishes the draft, and downloads the roster workbook.
    draft_link.click()
    snapshot(page, "story-6-draft")
    page.get_by_role("button", name="Publish this draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publish draft #")
    expect(page.get_by_text(re.compile(r"volunteers? ha(s|ve) changed shifts"))).to_be_visible()
    snapshot(page, "story-7-confirm")
    page.get_by_role("button", name=re.compile(r"^Publish draft #\d+$")).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"is published as roster #\d+"))
    snapshot(page, "story-7-published")
    page.goto("/plan/rosters")
    snapshot(page, "story-8-rosters")
    page.get_by_role("link", name=re.compile(r"#\d+")).first.click()
    snapshot(page, "story-9-roster")
    with page.expect_download() as download:
        page.get_by_role("link", name="The roster workbook (.xlsx)").click()
    workbook = tmp_path / "roster.xlsx"
    download.value.save_as(workbook)
    with story.app.app_context():
        dataset = store.load()
    rows = read_assignments(workbook, dataset)
    assert check_roster(dataset, rows) == []
    takers = [r.volunteer_id for r in rows if r.need_id == NEED["need_id"]]
    assert len(takers) == 1, "the critical shift from the upload is staffed"
    page.context.clear_cookies()

    # 4. The volunteer who got it sees it on their phone page and in their calendar feed.
    volunteer = dataset.volunteer_by_id[takers[0]]
    with story.app.app_context():
        email = db.session.query(User).filter_by(volunteer_id=volunteer.id).one().email
    sign_in(page, Person(email, volunteer.name))
    page.set_viewport_size(PHONE)
    expect(page).to_have_url(re.compile(r"/my/schedule$"))
    card = (
        page.get_by_role("article")
        .filter(has_text="Wednesday, 2020-05-20")
        .filter(has_text="10:00–14:00")
    )
    expect(card).to_contain_text(dataset.facility_by_id[story.facility_id].name)
    snapshot(page, "story-10-volunteer")
    address = page.get_by_label(re.compile("subscribe to this private address")).input_value()
    answer = page.context.request.get(address)
    assert answer.status == 200
    events = icalendar.Calendar.from_ical(answer.body()).walk("VEVENT")
    assert any(NEED["need_id"] in str(e["DESCRIPTION"]) for e in events)

    # 5. The notice worker has mailed them; the confirm link in the mail needs no sign-in,
    #    and the hospital sees the shift confirmed. It is the eve of the demo's week: the
    #    shift has not started (the server runs in this process).
    eve = dt.datetime.combine(demo_eve, dt.time(12), tzinfo=ZoneInfo("Europe/Moscow"))
    monkeypatch.setattr("web.schedule.now", lambda: eve)
    page.context.clear_cookies()
    listed = volunteer.email or email
    text = mail_to(mailbox, listed)
    assert "10:00–14:00" in text, text  # given the shift, or moved to it from another
    after = text[text.index("10:00–14:00") :]  # the answer link follows its shift
    link = re.search(rf"{re.escape(story.url)}/shift/[\w.-]+", after)
    assert link, text
    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_contain_text(volunteer.name)
    snapshot(page, "story-11-answer")
    page.get_by_role("button", name="I will come").click()
    expect(page.get_by_role("status").first).to_contain_text("your shift is confirmed")
    snapshot(page, "story-12-confirmed")
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, story.hospital)
    page.goto(f"/needs?facility={story.facility_id}&date={NEED['date']}")
    row = page.get_by_role("row").filter(has_text="10:00–14:00")
    expect(row).to_contain_text(f"{volunteer.name}")
    expect(row).to_contain_text("✓ confirmed")
    snapshot(page, "story-13-hospital-sees-confirmed")
