"""Issue 16's story in a real browser: a volunteer sends a credential, a coordinator verifies it.

A volunteer, on a phone in Russian, follows the link on their schedule page to
send a PCR test: they type its days as Russians write them and attach a photo.
A web page saved as "scan.png" is refused next to the field, and nothing is
kept; the real photo is sent, and waits for a coordinator, not counted yet. A
coordinator of the volunteer's region (another region's cannot see the file)
opens "Допуски", opens the evidence, gets the very bytes that were sent, and
verifies it. The volunteer's pages then count it, and it is among the verified
credentials the engine reads. The volunteer's credential page, the
coordinators' list and the places waiting for a credential are checked by
axe-core. This module has its own server, data and evidence folder, so the
other browser tests keep theirs.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import (
    CHROMIUM,
    DESKTOP,
    PASSWORD,
    PHONE,
    Person,
    checked_pages,
    served,
    sign_in,
    snapshot,
    story_app,
)

if not CHROMIUM.exists():
    pytest.skip(
        f"no {CHROMIUM}: install Debian's chromium package to run the browser tests",
        allow_module_level=True,
    )

from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from scheduler import domain
from web import models as m
from web import store
from web.auth import hash_password
from web.models import Role, User, db

pytestmark = pytest.mark.browser

# The demo's week starts on 18 May 2020: a test taken then, good for a week, typed as
# Russians write days; how the pages then show it; and what the engine should read.
TYPED = {"Допуск": "pcr_test", "Действует с": "18.05.2020", "Действует по": "24.05.2020"}
SHOWN = "pcr test: действует с 18.05.2020 по 24.05.2020"
NOT_YET = "ещё не проверен координатором: пока не учитывается"
NOT_A_PHOTO = "Отправьте PDF или фото (JPEG, PNG, WebP или HEIC); этот файл ни то ни другое."
FIRST, LAST = dt.date(2020, 5, 18), dt.date(2020, 5, 24)
# The first check after a click that loads a page: longer than expect's 5 s, as the whole
# suite may be running beside this test on a small machine.
LOADING = 20_000


def png(width: int = 2, height: int = 2) -> bytes:
    """A small, real PNG: white pixels, 8-bit RGB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


PHOTO = png()
# A web page dressed as a photo: its name and the browser's word for it say PNG.
WEB_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@dataclass(frozen=True)
class Desk:
    """The module's server, its evidence folder, the exceptions it met, and who acts."""

    url: str
    app: Flask
    evidence: Path
    errors: list[str]
    volunteer: Person
    volunteer_id: str
    coordinator: Person  # regional, of the volunteer's region
    stranger: Person  # regional, of another region


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Iterator[Desk]:
    """The demo data and its published roster, served with its own evidence folder; the
    conftest's accounts, and a regional coordinator of the volunteer's own region."""
    folder = tmp_path_factory.mktemp("credentials")
    evidence = folder / "evidence"
    app, dataset, facts = story_app(folder, "credentials-story", EVIDENCE_FOLDER=str(evidence))
    volunteer: Person = facts["volunteer"]
    with app.app_context():
        volunteer_id = db.session.scalars(
            select(User.volunteer_id).where(User.email == volunteer.email)
        ).one()
        assert volunteer_id is not None
        region = dataset.volunteer_by_id[volunteer_id].region
        coordinator = Person("own-region@browser.example", "Regina Regional")
        db.session.add(
            User(
                email=coordinator.email,
                name=coordinator.name,
                password_hash=hash_password(PASSWORD),
                role=Role.REGIONAL,
                region=region,
            )
        )
        db.session.commit()
    stranger: Person = facts["regional"]
    assert facts["facility"].region != region, "the conftest's regional is of another region"
    with served(app, "credentials") as (url, errors):
        yield Desk(
            url=url,
            app=app,
            evidence=evidence,
            errors=errors,
            volunteer=volunteer,
            volunteer_id=volunteer_id,
            coordinator=coordinator,
            stranger=stranger,
        )


@pytest.fixture
def new_page(browser, desk: Desk, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Pages in Russian, each in a fresh browser context (no cookies) and checked by axe-core
    on every load. Phone-sized and touch-enabled unless given `viewport=DESKTOP`."""
    with ExitStack() as stack:

        def new(viewport: dict = PHONE) -> Page:
            phone = viewport == PHONE
            context = browser.new_context(
                base_url=desk.url,
                viewport=viewport,
                locale="ru-RU",
                is_mobile=phone,
                has_touch=phone,
            )
            context.set_default_timeout(20_000)  # the whole suite may be running beside it
            return stack.enter_context(contextmanager(checked_pages)(context, request))

        yield new


def rows_of(app: Flask, volunteer_id: str) -> int:
    with app.app_context():
        count = select(func.count()).where(m.Credential.volunteer_id == volunteer_id)
        return db.session.scalar(count) or 0


def held(app: Flask, volunteer_id: str) -> list[domain.Credential]:
    """The verified credentials of the volunteer, as the engine reads them."""
    with app.app_context():
        return [c for c in store.load().credentials if c.volunteer_id == volunteer_id]


def field(where: Page | Locator, label: str) -> Locator:
    """A form field by its label's own words (the label goes on with the field's hint)."""
    return where.get_by_label(re.compile(rf"^\s*{label}(\s|$)"))


def send(page: Page, name: str, mime_type: str, content: bytes) -> None:
    """Fill the credential form as a Russian volunteer does, attach a file, and send it."""
    form = page.locator("main form[enctype='multipart/form-data']")
    for label, value in TYPED.items():
        field(form, label).fill(value)
    field(form, "Документ").set_input_files(
        {"name": name, "mimeType": mime_type, "buffer": content}
    )
    form.get_by_role("button", name="Отправить", exact=True).click()


def test_a_volunteer_sends_a_credential_and_a_coordinator_verifies_it(
    desk: Desk, new_page: Callable[..., Page]
) -> None:
    app, volunteer_id = desk.app, desk.volunteer_id
    sent = domain.Credential(volunteer_id, "pcr_test", FIRST, LAST)
    before = held(app, volunteer_id)
    assert sent not in before
    rows_before = rows_of(app, volunteer_id)

    # 1. On their phone, in Russian, the volunteer goes from their shifts to their credentials.
    volunteer = new_page()
    sign_in(volunteer, desk.volunteer)
    expect(volunteer).to_have_url(re.compile(r"/my/schedule$"))
    volunteer.get_by_role("link", name="Отправить тест или свидетельство об обучении").click()
    expect(volunteer).to_have_url(re.compile(r"/my/credentials$"), timeout=LOADING)
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("Мои допуски")
    expect(field(volunteer, "Действует с")).to_have_attribute("placeholder", "ДД.ММ.ГГГГ")
    snapshot(volunteer, "credentials-1-volunteer-form")

    # 2. A web page named like a photo is refused next to the field; nothing is kept.
    send(volunteer, "scan.png", "image/png", WEB_PAGE)
    evidence_field = field(volunteer, "Документ")
    expect(evidence_field).to_have_attribute("aria-invalid", "true", timeout=LOADING)
    expect(volunteer.locator("#evidence-error")).to_have_text(NOT_A_PHOTO)
    expect(field(volunteer, "Действует с")).to_have_value("18.05.2020")
    snapshot(volunteer, "credentials-2-not-a-photo")
    assert rows_of(app, volunteer_id) == rows_before
    assert not desk.evidence.exists() or not any(desk.evidence.iterdir())

    # 3. The photo is sent, and waits for a coordinator: it does not count yet.
    send(volunteer, "pcr-test.png", "image/png", PHOTO)
    expect(volunteer.get_by_role("status").first).to_contain_text(
        "Отправлено: координатор вашего региона проверит документ", timeout=LOADING
    )
    expect(volunteer).to_have_url(re.compile(r"/my/credentials$"))
    listed = volunteer.locator("main li").filter(has_text=SHOWN)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(NOT_YET)
    snapshot(volunteer, "credentials-3-sent")
    assert rows_of(app, volunteer_id) == rows_before + 1
    assert held(app, volunteer_id) == before
    (kept,) = desk.evidence.iterdir()
    assert kept.read_bytes() == PHOTO and kept.suffix == ".png" and "scan" not in kept.name
    volunteer.goto("/my/schedule")
    expect(volunteer.locator("#credentials-title + ul li").filter(has_text=SHOWN)).to_contain_text(
        NOT_YET
    )
    snapshot(volunteer, "credentials-4-schedule-waiting")

    # 4. A coordinator of another region neither lists it nor sees its file.
    stranger = new_page(viewport=DESKTOP)
    sign_in(stranger, desk.stranger)
    stranger.goto("/credentials")
    expect(stranger.locator("main")).not_to_contain_text(desk.volunteer.name)
    snapshot(stranger, "credentials-5-other-region")

    # 5. The coordinator of the volunteer's region opens "Допуски", looks at the file, verifies.
    coordinator = new_page(viewport=DESKTOP)
    sign_in(coordinator, desk.coordinator)
    coordinator.get_by_role("link", name="Допуски", exact=True).click()
    expect(coordinator).to_have_url(re.compile(r"/credentials$"), timeout=LOADING)
    row = coordinator.get_by_role("row").filter(has_text=desk.volunteer.name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("pcr test")
    expect(row).to_contain_text("действует с 18.05.2020 по 24.05.2020")
    snapshot(coordinator, "credentials-6-waiting")
    link = row.get_by_role("link", name="Открыть файл").get_attribute("href")
    assert link
    shown = coordinator.context.request.get(link)
    assert shown.status == 200, shown.status
    assert shown.headers["content-type"] == "image/png"
    assert "no-store" in shown.headers["cache-control"]
    assert shown.body() == PHOTO
    assert volunteer.context.request.get(link).body() == PHOTO  # their own file, too
    assert stranger.context.request.get(link).status == 404
    row.get_by_role("button", name="Подтвердить", exact=True).click()
    expect(coordinator.get_by_role("status").first).to_contain_text("Подтверждено", timeout=LOADING)
    expect(coordinator).to_have_url(re.compile(r"/credentials$"))
    expect(coordinator.get_by_role("row").filter(has_text=desk.volunteer.name)).to_have_count(0)
    expect(coordinator.locator("main")).to_contain_text("Проверки ничего не ждёт.")
    snapshot(coordinator, "credentials-7-verified")
    coordinator.goto("/plan/credentials")
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text("Места, ждущие допуска")
    snapshot(coordinator, "credentials-8-places-waiting")

    # 6. The volunteer's pages count it now, and the engine reads it among the verified.
    volunteer.reload()
    counted = volunteer.locator("#credentials-title + ul li").filter(has_text=SHOWN)
    expect(counted).to_have_count(1)
    expect(counted).not_to_contain_text(NOT_YET)
    snapshot(volunteer, "credentials-9-schedule-counted")
    volunteer.goto("/my/credentials")
    mine = volunteer.locator("main li").filter(has_text=SHOWN)
    expect(mine).to_contain_text("(проверен)")
    expect(mine).not_to_contain_text(NOT_YET)
    expect(mine.get_by_role("button", name="Отозвать")).to_have_count(0)
    snapshot(volunteer, "credentials-10-mine-counted")
    assert sorted(held(app, volunteer_id), key=repr) == sorted([*before, sent], key=repr)
    with app.app_context():
        row_now = db.session.scalars(
            select(m.Credential).where(
                m.Credential.volunteer_id == volunteer_id,
                m.Credential.credential == sent.credential,
                m.Credential.valid_from == sent.valid_from,
            )
        ).one()
        verifier = db.session.get(User, row_now.verified_by)
        assert verifier is not None and verifier.email == desk.coordinator.email

    assert not desk.errors, "the server failed:\n" + "\n".join(desk.errors)
