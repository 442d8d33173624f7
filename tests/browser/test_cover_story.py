"""Issue 15's story in a real browser: a declined shift is covered from an invitation.

A volunteer on a phone, in Russian, says they cannot come to an upcoming shift;
the hospital's staff find the open place under "Open places", see who could take
it and invite them; the notice worker mails the invitations (a real SMTP server);
one invitee takes the shift from the link in their mail, on their phone, without
signing in, and the next finds it taken. Then the published roster, both
volunteers' calendars, the open places and the coordinators' dashboard agree:
the second volunteer holds the place, the first one's calendar has it cancelled,
and every figure is back where it was before the decline.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import Flask, got_request_exception
from playwright.sync_api import Page, expect
from sqlalchemy import select

from scheduler import domain
from scheduler.outputs.calendars import assignment_uid
from scheduler.outputs.suggestions import suggest
from tests.browser import test_story as upload_story
from tests.browser.conftest import DESKTOP, PHONE, Person, checked_pages, sign_in, snapshot
from tests.browser.test_story import Story, mail_to
from tests.web.mail import Mailbox
from web import models as m
from web import store
from web.models import User, db

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# test_story's server, workers and mailbox, built afresh for this module (module-scoped).
story = upload_story.story
mailbox = upload_story.mailbox

MOSCOW = ZoneInfo("Europe/Moscow")


@dataclass(frozen=True)
class Shift:
    """The need the story is about, the volunteer on it, and who could take it instead."""

    need: domain.Need
    holder: Person
    holder_id: str
    could_take: list[str]


@contextmanager
def server_errors(app: Flask) -> Iterator[list[str]]:
    """The exceptions the server met while the block ran (the story's app does not collect them)."""
    errors: list[str] = []

    def remember(sender, exception: BaseException, **extra) -> None:
        errors.append("".join(traceback.format_exception(exception)))

    got_request_exception.connect(remember, app)
    try:
        yield errors
    finally:
        got_request_exception.disconnect(remember, app)


@pytest.fixture
def new_page(
    browser, story: Story, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Pages, each in a fresh browser context (no cookies) and checked by axe-core on every load.

    Phone-sized and touch-enabled unless given `viewport=DESKTOP`.
    """
    with ExitStack() as stack:

        def new(locale: str = "en-GB", viewport: dict = PHONE) -> Page:
            phone = viewport == PHONE
            context = browser.new_context(
                base_url=story.url,
                viewport=viewport,
                locale=locale,
                is_mobile=phone,
                has_touch=phone,
            )
            context.set_default_timeout(20_000)
            return stack.enter_context(contextmanager(checked_pages)(context, request))

        yield new


def account(app: Flask, volunteer_id: str) -> Person:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.volunteer_id == volunteer_id)).one()
        return Person(user.email, user.name)


def address_of(app: Flask, volunteer_id: str) -> str:
    """Where notices to the volunteer go: the list's address, else their account's."""
    with app.app_context():
        listed = db.session.get(m.Volunteer, volunteer_id).email  # type: ignore[union-attr]
    return listed or account(app, volunteer_id).email


def a_shift_to_decline(app: Flask, facility_id: str, not_before: dt.datetime) -> Shift:
    """A one-place shift of the hospital's, held by one volunteer, starting after `not_before`,
    that at least two others could take as things stand (so one takes it, one finds it taken)."""
    with app.app_context():
        dataset = store.load()
        pairs = store.roster_assignments(store.published().id)  # type: ignore[union-attr]
        declined = store.declined_pairs()
    held: defaultdict[str, list[str]] = defaultdict(list)
    for need_id, volunteer_id in pairs:
        held[need_id].append(volunteer_id)
    needs = sorted(
        (n for n in dataset.needs if n.facility_id == facility_id),
        key=lambda n: (n.start, n.id),
    )
    for need in needs:
        holders = held[need.id]
        if need.count != 1 or len(holders) != 1 or need.start < not_before:
            continue
        found = suggest(dataset, pairs, need.id, declined=declined)
        direct = [c.volunteer_id for c in found.candidates if not c.moves]
        if len(direct) >= 2:
            return Shift(need, account(app, holders[0]), holders[0], direct)
    pytest.fail(f"no shift of {facility_id} that two volunteers could take instead")


def event(calendar: bytes, uid: str) -> icalendar.cal.Component:
    found = [e for e in icalendar.Calendar.from_ical(calendar).walk("VEVENT") if e["UID"] == uid]
    assert len(found) == 1, f"{len(found)} events with UID {uid}"
    return found[0]


def figures(page: Page) -> dict[str, str]:
    """The headline figures of a coverage page: each box's heading and its number."""
    boxes = page.locator(".figures > article")
    return {
        box.locator("header").inner_text(): box.locator("strong").first.inner_text()
        for box in boxes.all()
    }


def filled(shown: dict[str, str]) -> int:
    return int(re.sub(r"\D", "", shown["Filled"]))


def downloaded_calendar(page: Page) -> bytes:
    """The volunteer's calendar as their own page's download link gives it."""
    with page.expect_download() as download:
        page.locator("a[href$='/my/schedule.ics']").click()
    return Path(download.value.path()).read_bytes()


def invitation_link(mailbox: Mailbox, address: str, site: str) -> str:
    text = mail_to(mailbox, address, seconds=30)
    link = re.search(rf"{re.escape(site)}/invitation/[\w.-]+", text)
    assert link, text
    return link.group(0)


def test_a_declined_shift_is_covered_from_an_invitation(
    story: Story,
    mailbox: Mailbox,
    new_page: Callable[..., Page],
    demo_eve: dt.date,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # It is noon on the eve of the demo's week (the server runs in this process): its shifts
    # are upcoming, and one a day away may still be declined on the volunteer's page.
    eve = dt.datetime.combine(demo_eve, dt.time(12))
    monkeypatch.setattr("web.schedule.now", lambda: eve.replace(tzinfo=MOSCOW))
    app = cast(Flask, story.app)
    shift = a_shift_to_decline(app, story.facility_id, eve + dt.timedelta(days=1))
    need = shift.need
    card_of = f"article.shift:has(form[action$='/my/shifts/{need.id}/answer'])"
    cover_link = f"a[href$='/cover/{need.id}']"
    with app.app_context():
        dataset = store.load()
    name_of = {v.id: v.name for v in dataset.volunteers}

    with server_errors(app) as errors:
        # 0. The coordinator's figures before anything happens.
        coordinator = new_page(viewport=DESKTOP)
        sign_in(coordinator, story.national)
        coordinator.goto("/plan")
        nationally = figures(coordinator)
        coordinator.goto(f"/plan/facilities/{story.facility_id}")
        at_the_hospital = figures(coordinator)
        assert nationally and at_the_hospital

        # 1. The volunteer, on a phone in Russian, has the shift in their calendar, and
        #    says they cannot come.
        holder = new_page(locale="ru-RU")
        sign_in(holder, shift.holder)
        expect(holder).to_have_url(re.compile(r"/my/schedule$"))
        their_uid = assignment_uid(need, shift.holder_id)
        assert event(downloaded_calendar(holder), their_uid)["STATUS"] == "CONFIRMED"
        card = holder.locator(card_of)
        expect(card).to_contain_text(f"{need.start:%H:%M}")
        snapshot(holder, "cover-1-volunteer")
        card.get_by_role("button", name="Я не смогу прийти").click()
        expect(holder.get_by_role("status").first).to_contain_text("Вы сняты с этой смены")
        expect(holder.locator(card_of)).to_have_count(0)
        snapshot(holder, "cover-2-declined")
        cancelled = event(downloaded_calendar(holder), their_uid)
        assert cancelled["STATUS"] == "CANCELLED"
        assert str(cancelled["SUMMARY"]).startswith("Отменено: "), cancelled["SUMMARY"]

        # 2. The hospital's staff see the open place, why it opened, who could take it, and
        #    invite them.
        hospital = new_page(viewport=DESKTOP)
        sign_in(hospital, story.hospital)
        hospital.goto("/cover")
        row = hospital.get_by_role("row").filter(has=hospital.locator(cover_link))
        expect(row).to_contain_text(f"{shift.holder.name} declined")
        snapshot(hospital, "cover-3-open-places")
        row.locator(cover_link).click()
        case_page = hospital.locator("main").inner_text()  # checked last: see the end
        ranked = hospital.locator("section").filter(
            has=hospital.get_by_role("heading", name="Who could take it now")
        )
        for volunteer_id in shift.could_take[:2]:
            expect(ranked).to_contain_text(name_of[volunteer_id])
        hospital.get_by_role("button", name="Invite").click()
        expect(hospital.get_by_role("status").first).to_contain_text("invited")
        snapshot(hospital, "cover-4-invited")
        coordinator.goto(f"/plan/facilities/{story.facility_id}")
        assert filled(figures(coordinator)) == filled(at_the_hospital) - 1
        with app.app_context():
            invited = sorted(
                db.session.scalars(
                    select(m.Invitation.volunteer_id).where(m.Invitation.need_id == need.id)
                )
            )
        assert len(invited) >= 2, invited
        assert shift.holder_id not in invited
        taker, latecomer = invited[:2]

        # 3. One invitee takes the shift from the link in their mail, without signing in;
        #    the next one to open theirs finds it taken.
        link = invitation_link(mailbox, address_of(app, taker), story.url)
        phone = new_page()
        phone.goto(link)
        expect(phone.get_by_role("heading", level=1)).to_contain_text(name_of[taker])
        snapshot(phone, "cover-5-invitation")
        phone.get_by_role("button", name="Take this shift").click()
        expect(phone.get_by_role("status").first).to_contain_text("The shift is yours")
        expect(phone.get_by_role("status").filter(has_text="This shift is yours.")).to_be_visible()
        snapshot(phone, "cover-6-taken")
        late = new_page()
        late.goto(invitation_link(mailbox, address_of(app, latecomer), story.url))
        expect(late.get_by_role("status").first).to_contain_text(
            "Someone else took this place first"
        )
        expect(late.get_by_role("button", name="Take this shift")).to_have_count(0)
        snapshot(late, "cover-7-too-late")

        # 4. The published roster has the taker on the shift, and not the one who declined.
        with app.app_context():
            pairs = store.roster_assignments(store.published().id)  # type: ignore[union-attr]
        assert sorted(v for n, v in pairs if n == need.id) == [taker]

        # 5. Both calendars agree: cancelled in the one, there in the other.
        assert event(downloaded_calendar(holder), their_uid)["STATUS"] == "CANCELLED"
        sign_in(phone, account(app, taker))
        expect(phone.locator(card_of)).to_have_count(1)
        snapshot(phone, "cover-8-taker-schedule")
        feed = phone.get_by_label(re.compile("subscribe to this private address")).input_value()
        theirs = event(phone.context.request.get(feed).body(), assignment_uid(need, taker))
        assert theirs["STATUS"] == "CONFIRMED"

        # 6. The place is no longer open, and the dashboard counts it filled again.
        hospital.goto("/cover")
        expect(hospital.locator(cover_link)).to_have_count(0)
        snapshot(hospital, "cover-9-no-longer-open")
        coordinator.goto(f"/plan/facilities/{story.facility_id}")
        need_row = coordinator.get_by_role("row").filter(
            has=coordinator.locator(f"input[name=need_id][value='{need.id}']")
        )
        expect(need_row).to_contain_text("1 / 1")
        expect(need_row).to_contain_text(name_of[taker])
        expect(need_row).not_to_contain_text(shift.holder.name)
        assert figures(coordinator) == at_the_hospital
        snapshot(coordinator, "cover-10-facility")
        coordinator.goto("/plan")
        assert figures(coordinator) == nationally
        snapshot(coordinator, "cover-11-dashboard")
    assert not errors, "the server failed:\n" + "\n".join(errors)
    # Last, so that it does not hide the rest of the story: the case page names the volunteer
    # as they are named (it capitalised the sentence with Jinja's `capitalize`, which also
    # lowercases the rest: "Galina denisova declined").
    assert f"{shift.holder.name} declined" in case_page, case_page
