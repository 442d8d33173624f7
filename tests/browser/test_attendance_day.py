"""Issue 17's story in a real browser: the story gains a day, and the day becomes hours.

On the first morning of the demo's week a volunteer rostered at the hospital
account's facility arrives ten minutes early and, on a phone in Russian, checks
in with "Я на месте: отметиться"; the phone says where it is (the browser is
placed at the facility), and the page says they are checked in. The hospital's
staff see the check-in waiting under "Явка", cannot mark it before the shift
starts, and, after the shift, confirm it. The volunteer's "Мои часы" then
count the shift's hours; they download a certificate of hours for the week
(the days typed as Russians write them) and the PDF names them, the hours and
its verification code; that code's public page, opened without signing in,
says the certificate is genuine, and a forged code is not found. The
attendance page, the hours page and the certificate's page are checked by
axe-core, as every page loaded is. This module has its own server and data,
so the other browser tests keep theirs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    CHROMIUM,
    DEMO,
    DESKTOP,
    PASSWORD,
    PHONE,
    Person,
    checked_pages,
    served,
    sign_in,
    story_app,
    violations,
)

if not CHROMIUM.exists():
    pytest.skip(
        f"no {CHROMIUM}: install Debian's chromium package to run the browser tests",
        allow_module_level=True,
    )

from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from scheduler import domain
from scheduler.intake.loading import load_dataset
from web import models as m
from web import store
from web.auth import hash_password
from web.models import Role, User, db

pytestmark = pytest.mark.browser

MOSCOW = ZoneInfo("Europe/Moscow")  # the site's zone; the demo's facilities name none
EARLY = dt.timedelta(minutes=10)  # the volunteer checks in this long before the start
AFTER = dt.timedelta(minutes=30)  # staff mark the shift this long after its end
CHECKED_IN = "Вы отметились; персонал подтвердит."
CODE = re.compile(r"\b[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}\b")
# The first check after a click that loads a page: longer than expect's 5 s, as the whole
# suite may be running beside this test on a small machine.
LOADING = 20_000


@dataclass(frozen=True)
class Day:
    """The module's server, the exceptions it met, the shift the story is about and who acts."""

    url: str
    app: Flask
    errors: list[str]
    facility: domain.Facility
    need: domain.Need
    volunteer: Person
    volunteer_id: str
    hospital: Person


def a_day_shift(
    dataset: domain.Dataset, pairs: list[tuple[str, str]], facility_id: str
) -> tuple[domain.Need, str]:
    """The facility's first shift wholly in daytime (no night hours) with someone on it, and
    the first of them by id."""
    held: dict[str, list[str]] = {}
    for need_id, volunteer_id in pairs:
        held.setdefault(need_id, []).append(volunteer_id)
    for need in sorted(dataset.needs, key=lambda n: (n.start, n.id)):
        daytime = (
            need.start.date() == need.end.date() and 6 <= need.start.hour <= need.end.hour < 22
        )
        if need.facility_id == facility_id and daytime and held.get(need.id):
            return need, sorted(held[need.id])[0]
    pytest.fail(f"no daytime shift of {facility_id} with a volunteer on it")


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> Iterator[Day]:
    """The demo data and its published roster, served; the conftest's accounts, and one for a
    volunteer rostered at the hospital account's facility (unless they have one)."""
    folder = tmp_path_factory.mktemp("attendance")
    app, dataset, facts = story_app(folder, "attendance-day")
    facility: domain.Facility = facts["facility"]
    assert facility.lat is not None and facility.lon is not None
    with app.app_context():
        pairs = store.roster_assignments(store.published().id)  # type: ignore[union-attr]
        need, volunteer_id = a_day_shift(dataset, pairs, facility.id)
        user = db.session.scalars(select(User).where(User.volunteer_id == volunteer_id)).first()
        if user is None:
            user = User(
                email=f"{volunteer_id.lower()}@attendance.example",
                name=dataset.volunteer_by_id[volunteer_id].name,
                password_hash=hash_password(PASSWORD),
                role=Role.VOLUNTEER,
                volunteer_id=volunteer_id,
            )
            db.session.add(user)
            db.session.commit()
        volunteer = Person(user.email, dataset.volunteer_by_id[volunteer_id].name)
    with served(app, "attendance-day") as (url, errors):
        yield Day(
            url=url,
            app=app,
            errors=errors,
            facility=facility,
            need=need,
            volunteer=volunteer,
            volunteer_id=volunteer_id,
            hospital=facts["hospital"],
        )


@pytest.fixture
def new_page(browser, day: Day, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Pages in Russian, each in a fresh browser context (no cookies) and checked by axe-core
    on every load. Phone-sized, touch-enabled and standing at the facility (the site may ask
    where it is) unless given `viewport=DESKTOP`."""
    with ExitStack() as stack:

        def new(viewport: dict = PHONE) -> Page:
            phone = viewport == PHONE
            where = {"latitude": day.facility.lat, "longitude": day.facility.lon}
            context = browser.new_context(
                base_url=day.url,
                viewport=viewport,
                locale="ru-RU",
                is_mobile=phone,
                has_touch=phone,
                accept_downloads=True,
                geolocation=where if phone else None,
                permissions=["geolocation"] if phone else [],
            )
            context.set_default_timeout(20_000)  # the whole suite may be running beside it
            return stack.enter_context(contextmanager(checked_pages)(context, request))

        yield new


class Clock:
    """The app's "now" (the server runs in this process), on Moscow's wall clock."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: dt.datetime) -> None:
        self.at = at
        monkeypatch.setattr("web.schedule.now", lambda: self.at.replace(tzinfo=MOSCOW))
        monkeypatch.setattr("web.schedule.today", lambda: self.at.date())


def mark_of(app: Flask, need_id: str, volunteer_id: str) -> m.Attendance | None:
    with app.app_context():
        row = db.session.scalars(
            select(m.Attendance).where(
                m.Attendance.need_id == need_id, m.Attendance.volunteer_id == volunteer_id
            )
        ).first()
        if row is not None:
            db.session.expunge(row)
        return row


def look(page: Page, name: str, found: list[str]) -> None:
    """Check the page with axe-core, and on a phone that it does not scroll sideways, and save
    it as tests/artifacts/<name>.png. What is wrong is kept in `found`, asserted at the end,
    so that one page's fault does not hide the rest of the story."""
    found.extend(f"axe-core on {page.url}: {problem}" for problem in violations(page))
    if page.viewport_size == PHONE:
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > PHONE["width"]:
            found.append(
                f"{page.url} scrolls sideways on a phone: {wide} px wide, not {PHONE['width']}"
            )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def pdf_text(path: Path) -> str:
    """The PDF's text, its runs of white space made one space (lines wrap anywhere)."""
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def test_a_check_in_becomes_hours_and_a_certificate(
    day: Day, new_page: Callable[..., Page], monkeypatch: pytest.MonkeyPatch
) -> None:
    need, name = day.need, day.volunteer.name
    hours = (need.end - need.start) / dt.timedelta(hours=1)
    shown = f"{hours:g}".replace(".", ",")  # as the Russian pages and the PDF write it: "8"
    span = f"{need.start:%H:%M}–{need.end:%H:%M}"
    first_day = min(n.date for n in load_dataset(DEMO)[0].needs)
    week = (f"{first_day:%d.%m.%Y}", f"{first_day + dt.timedelta(days=6):%d.%m.%Y}")
    found: list[str] = []  # what is wrong with the pages seen, asserted at the end (`look`)
    row_of = f".attendance-row:has(form[action$='/attendance/{need.id}/{day.volunteer_id}'])"

    # 1. Ten minutes before the shift, the volunteer, on their phone at the facility, checks in.
    clock = Clock(monkeypatch, need.start - EARLY)
    volunteer = new_page()
    sign_in(volunteer, day.volunteer)
    expect(volunteer).to_have_url(re.compile(r"/my/schedule$"))
    card = volunteer.locator("article.shift").filter(
        has=volunteer.locator(f"form[action$='/my/shifts/{need.id}/check-in']")
    )
    expect(card).to_contain_text(span)
    expect(card).to_contain_text(day.facility.name)
    look(volunteer, "attendance-1-volunteer-can-check-in", found)
    card.get_by_role("button", name="Я на месте: отметиться").click()
    expect(volunteer.get_by_role("status").first).to_have_text(CHECKED_IN, timeout=LOADING)
    expect(volunteer).to_have_url(re.compile(r"/my/schedule$"))
    expect(volunteer.locator(f"form[action$='/my/shifts/{need.id}/check-in']")).to_have_count(0)
    done = volunteer.locator("article.shift").filter(has_text=CHECKED_IN)
    expect(done).to_have_count(1)
    expect(done).to_contain_text(span)
    look(volunteer, "attendance-2-volunteer-checked-in", found)
    waiting = mark_of(day.app, need.id, day.volunteer_id)
    assert waiting is not None and not waiting.confirmed
    assert waiting.checked_in_km is not None, "check_in.js sent no location"
    assert waiting.checked_in_km < 0.05, waiting.checked_in_km
    assert (waiting.start, waiting.end) == (need.start, need.end)  # early counts from the start

    # 2. The hospital's staff see it waiting under "Явка": not to be marked before the start.
    hospital = new_page(viewport=DESKTOP)
    sign_in(hospital, day.hospital)
    hospital.get_by_role("link", name="Явка", exact=True).click()
    expect(hospital).to_have_url(re.compile(r"/attendance$"), timeout=LOADING)
    expect(hospital.get_by_role("heading", level=1)).to_have_text("Явка")
    person = hospital.locator(".attendance-row").filter(has_text=name)
    expect(person.first).to_contain_text(
        f"отметился(-ась) в {need.start - EARLY:%H:%M}, ждёт вашего подтверждения"
    )
    expect(person.first).to_contain_text("(0 км от учреждения)")
    expect(person.first).to_contain_text("Отметить можно после начала смены.")
    expect(hospital.locator(row_of)).to_have_count(0)
    look(hospital, "attendance-3-waiting-before-the-start", found)

    # 3. After the shift they confirm it: present, from start to end.
    clock.at = need.end + AFTER
    hospital.reload()
    row = hospital.locator(row_of)
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("ждёт вашего подтверждения")
    expect(row.locator("input[name=start]")).to_have_value(f"{need.start:%H:%M}")
    expect(row.locator("input[name=end]")).to_have_value(f"{need.end:%H:%M}")
    for other in ("Частично", "Отсутствует"):
        expect(row.get_by_role("button", name=other, exact=True)).to_be_visible()
    look(hospital, "attendance-4-to-confirm", found)
    row.get_by_role("button", name="Подтвердить: присутствует", exact=True).click()
    expect(hospital.get_by_role("status").first).to_have_text(
        f"{name}: присутствовал(а).", timeout=LOADING
    )
    row = hospital.locator(row_of)
    expect(row).to_contain_text(f"присутствовал(а), {span}")
    expect(row).not_to_contain_text("ждёт вашего подтверждения")
    expect(row.get_by_role("button", name="Присутствует", exact=True)).to_be_visible()
    look(hospital, "attendance-5-confirmed", found)
    confirmed = mark_of(day.app, need.id, day.volunteer_id)
    assert confirmed is not None and confirmed.confirmed and confirmed.status == "present"

    # 4. The volunteer's hours count the shift.
    volunteer.get_by_text("Меню", exact=True).click()
    volunteer.get_by_role("link", name="Мои часы", exact=True).click()
    expect(volunteer).to_have_url(re.compile(r"/my/hours$"), timeout=LOADING)
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("Мои часы")
    expect(volunteer.locator("main")).to_contain_text(
        f"Всего: {shown} ч, из них ночью 0 ч, смен: 1."
    )
    entry = volunteer.get_by_role("row").filter(has_text=day.facility.name)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(span)
    expect(entry.get_by_role("cell").nth(2)).to_have_text(shown)  # day and time, facility, hours
    look(volunteer, "attendance-6-my-hours", found)

    # 5. They download a certificate of the week, the days typed as Russians write them.
    expect(volunteer.locator("#from")).to_have_attribute("placeholder", "ДД.ММ.ГГГГ")
    volunteer.locator("#from").fill(week[0])
    volunteer.locator("#to").fill(week[1])
    with volunteer.expect_download(timeout=LOADING) as download:
        volunteer.get_by_role("button", name="Скачать справку (PDF)").click()
    assert re.fullmatch(r"certificate-[0-9A-F-]+\.pdf", download.value.suggested_filename)
    text = pdf_text(Path(download.value.path()))
    for said in ("Справка о часах", name, f"с {week[0]} по {week[1]}"):
        assert said in text, f"{said!r} not in the certificate: {text}"
    assert span in text.replace("– ", "–"), text  # the table's cell wraps after the dash
    assert f"волонтёром-медиком {shown} ч, из них ночью 0 ч, смен: 1" in text, text
    codes = set(CODE.findall(text))
    assert len(codes) == 1, text
    (code,) = codes
    assert f"{day.url}/certificates/{code}" in text.replace(" ", ""), text

    # 6. Anyone with the paper checks its code, without signing in; a forged one is not found.
    reader = new_page(viewport=DESKTOP)
    reader.goto(f"/certificates/{code}")
    expect(reader.get_by_role("heading", level=1)).to_have_text(f"Справка {code} подлинная")
    said = reader.locator("main")
    expect(said).to_contain_text(f"Волонтёр: {name}")
    expect(said).to_contain_text(f"Период: с {week[0]} по {week[1]}")
    expect(said).to_contain_text(f"Часов: {shown}, из них ночью 0, смен: 1")
    expect(said).to_contain_text(day.facility.name)
    look(reader, "attendance-7-certificate-genuine", found)
    forged = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = reader.goto(f"/certificates/{forged}")
    assert response is not None and response.status == 404
    expect(reader.get_by_role("heading", level=1)).to_have_text("Справки с таким кодом нет")
    expect(reader.locator("main")).to_contain_text(forged)
    look(reader, "attendance-8-certificate-forged", found)

    assert not day.errors, "the server failed:\n" + "\n".join(day.errors)
    assert not found, "\n".join(found)
