"""A volunteer's own shifts: the page, the .ics download and the private calendar feed.

Calendars are parsed with icalendar and compared with the published roster
as data; pages are checked for what they must show and for what they must
never show (anyone else's name).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import delete, func, select

from scheduler.outputs.calendars import assignment_uid
from tests.factories import make_facility, make_need
from tests.web.conftest import OWN_SCRIPTS, Accounts, csrf_token, login, scripts
from web import schedule
from web.models import AuditEntry, Need, Roster, User, Volunteer, db

TOKEN = {Accounts.volunteer: f"token-5-{'x' * 30}", Accounts.other_volunteer: f"token-6-{'x' * 30}"}
STAFF = [Accounts.national, Accounts.regional, Accounts.other_regional, Accounts.hospital]
CARD = '<article class="shift">'
SERVER_NOW = schedule.now  # before the fixture below replaces it
MOSCOW = ZoneInfo("Europe/Moscow")  # the site's zone in the tests; the demo names none


def at(*when: int) -> dt.datetime:
    """An instant given as Moscow's wall clock."""
    return dt.datetime(*when, tzinfo=MOSCOW)  # type: ignore[misc]


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    """The demo roster is 18-24 May 2020: with "now" before it, every shift is upcoming."""
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def own_needs(demo: dict, volunteer_id: str) -> list:
    dataset = demo["dataset"]
    ids = [n for n, v in demo["result"].assignments if v == volunteer_id]
    return sorted((dataset.need_by_id[n] for n in ids), key=lambda n: n.start)


def events(data: bytes) -> set[tuple]:
    """(UID, start, end) of each event in an .ics file."""
    calendar = Calendar.from_ical(data)
    return {(str(e["UID"]), e["DTSTART"].dt, e["DTEND"].dt) for e in calendar.walk("VEVENT")}


def expected_events(demo: dict, volunteer_id: str) -> set[tuple]:
    """What the published roster says this volunteer's calendar holds."""
    return {
        (
            assignment_uid(n, volunteer_id),
            n.start.replace(tzinfo=MOSCOW),
            n.end.replace(tzinfo=MOSCOW),
        )
        for n in own_needs(demo, volunteer_id)
    }


def colleagues(demo: dict, volunteer_id: str) -> set[str]:
    """Names of everyone else on the volunteer's shifts, and of the other test volunteer."""
    mine = {n.id for n in own_needs(demo, volunteer_id)}
    others = {v for n, v in demo["result"].assignments if n in mine and v != volunteer_id}
    others |= {demo["volunteer"], demo["other_volunteer"]} - {volunteer_id}
    return {demo["dataset"].volunteer_by_id[v].name for v in others}


# --- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["volunteer", "other_volunteer"])
def test_the_page_shows_each_own_shift_as_a_card(client, demo, who) -> None:
    login(client, getattr(Accounts, who))
    html = client.get("/my/schedule").get_data(as_text=True)
    needs = own_needs(demo, demo[who])
    assert needs and html.count(CARD) == len(needs)
    facilities = demo["dataset"].facility_by_id
    for need in needs:
        facility = facilities[need.facility_id]
        assert f"{need.date:%A}, {need.date.isoformat()}" in html
        assert f"{need.start:%H:%M}–" in html
        assert facility.name.replace("'", "&#39;") in html
        assert facility.address in html
        assert need.role.replace("_", " ") in html
    assert "openstreetmap.org/?mlat=" in html
    assert scripts(html) == OWN_SCRIPTS  # no map widget or other third-party script


@pytest.mark.parametrize("who", ["volunteer", "other_volunteer"])
def test_the_page_and_calendar_never_name_anyone_else(client, demo, who) -> None:
    login(client, getattr(Accounts, who))
    html = client.get("/my/schedule").get_data(as_text=True)
    ics = client.get("/my/schedule.ics").get_data(as_text=True)
    names = colleagues(demo, demo[who])
    assert names
    for name in names:
        assert name not in html and name not in ics


def test_shifts_before_today_are_listed_apart_newest_first(client, demo, monkeypatch) -> None:
    needs = own_needs(demo, demo["other_volunteer"])
    day = dt.date(2020, 5, 21)
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 21, 10))
    login(client, Accounts.other_volunteer)
    html = client.get("/my/schedule").get_data(as_text=True)
    upcoming, past = html.split("<details>")
    midnight = dt.datetime.combine(day, dt.time())
    ahead = [n for n in needs if n.end > midnight]  # a night shift into today is still ahead
    behind = [n for n in needs if n.end <= midnight]
    assert ahead and behind
    assert upcoming.count(CARD) == len(ahead) and past.count(CARD) == len(behind)
    assert f"Past shifts ({len(behind)})" in past
    dates = [m.group(1) for m in re.finditer(r"<h3>\w+, (\d{4}-\d\d-\d\d)</h3>", past)]
    assert dates == sorted((n.date.isoformat() for n in behind), reverse=True)


def test_after_the_roster_every_shift_is_past(client, demo, monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2026, 1, 1, 12))
    login(client, Accounts.volunteer)
    html = client.get("/my/schedule").get_data(as_text=True)
    assert "You have no upcoming shifts" in html
    assert "Past shifts (1)" in html


def test_now_is_this_instant() -> None:
    before = dt.datetime.now(dt.UTC)
    assert before <= SERVER_NOW() <= dt.datetime.now(dt.UTC)


@pytest.mark.parametrize(
    ("start", "end", "shown", "next_day"),
    [
        ("16:00", "24:00", "24:00", False),
        ("20:00", "08:00", "08:00", True),
        ("08:00", "16:30", "16:30", False),
    ],
)
def test_a_shift_ending_at_midnight_shows_24_00(start, end, shown, next_day) -> None:
    shift = schedule.Shift(make_need(start=start, end=end), make_facility())
    assert (shift.start, shift.end, shift.next_day) == (start, shown, next_day)


def test_a_facility_without_coordinates_links_a_map_search_for_its_address() -> None:
    shift = schedule.Shift(make_need(), make_facility(lat=None, lon=None, address="1 Main St"))
    assert shift.map_url == "https://www.openstreetmap.org/search?query=1+Main+St"
    bare = schedule.Shift(make_need(), make_facility(lat=None, lon=None, address=""))
    assert bare.map_url == ""


def test_the_page_shows_midnight_as_24_00(app, client, demo) -> None:
    need_id = own_needs(demo, demo["volunteer"])[0].id
    with app.app_context():
        need = db.session.get(Need, need_id)
        need.end = dt.datetime.combine(need.date + dt.timedelta(days=1), dt.time())
        db.session.commit()
    login(client, Accounts.volunteer)
    assert "–24:00</strong>" in client.get("/my/schedule").get_data(as_text=True)


def test_a_need_withdrawn_after_publishing_is_left_out(app, client, demo) -> None:
    needs = own_needs(demo, demo["other_volunteer"])
    with app.app_context():
        db.session.execute(delete(Need).where(Need.id == needs[0].id))
        db.session.commit()
    login(client, Accounts.other_volunteer)
    assert client.get("/my/schedule").get_data(as_text=True).count(CARD) == len(needs) - 1
    assert len(events(client.get("/my/schedule.ics").data)) == len(needs) - 1


def test_before_any_roster_is_published_there_is_nothing_to_show(app, client, demo) -> None:
    with app.app_context():
        db.session.execute(delete(Roster))
        db.session.commit()
    login(client, Accounts.volunteer)
    assert "You have no upcoming shifts" in client.get("/my/schedule").get_data(as_text=True)
    assert events(client.get("/my/schedule.ics").data) == set()


def test_an_account_whose_volunteer_is_gone_gets_a_message(app, client, demo) -> None:
    with app.app_context():
        db.session.execute(delete(Volunteer).where(Volunteer.id == demo["volunteer"]))
        db.session.commit()
    login(client, Accounts.volunteer)
    page = client.get("/my/schedule")
    assert page.status_code == 200
    assert "not linked to a volunteer" in page.get_data(as_text=True)
    download = client.get("/my/schedule.ics", follow_redirects=True)
    assert download.status_code == 200 and "not linked to a volunteer" in download.get_data(
        as_text=True
    )
    assert client.get(f"/calendar/{TOKEN[Accounts.volunteer]}.ics").status_code == 404


# --- the calendars -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["volunteer", "other_volunteer"])
def test_the_download_holds_exactly_the_published_shifts(client, demo, who) -> None:
    login(client, getattr(Accounts, who))
    response = client.get("/my/schedule.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-shifts.ics"'
    assert "no-store" in response.headers["Cache-Control"]
    assert events(response.data) == expected_events(demo, demo[who])


@pytest.mark.parametrize("who", ["volunteer", "other_volunteer"])
def test_each_feed_token_gives_its_own_volunteers_shifts_without_signing_in(
    client, demo, who
) -> None:
    email = getattr(Accounts, who)
    response = client.get(f"/calendar/{TOKEN[email]}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert events(response.data) == expected_events(demo, demo[who])
    assert expected_events(demo, demo["volunteer"]) != expected_events(
        demo, demo["other_volunteer"]
    )


def test_signed_in_as_one_volunteer_the_others_token_still_gives_only_theirs(client, demo) -> None:
    login(client, Accounts.volunteer)
    other = client.get(f"/calendar/{TOKEN[Accounts.other_volunteer]}.ics")
    assert events(other.data) == expected_events(demo, demo["other_volunteer"])
    mine = client.get("/my/schedule.ics")
    assert events(mine.data) == expected_events(demo, demo["volunteer"])


@pytest.mark.parametrize(
    "token",
    ["invented-token", "token-5-" + "x" * 29, "TOKEN-5-" + "X" * 30, "x' OR '1'='1", "a" * 200],
)
def test_an_unknown_token_is_404(client, demo, token) -> None:
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_deactivated_volunteers_feed_is_404(app, client, demo) -> None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.volunteer)).one()
        user.active = False
        db.session.commit()
    assert client.get(f"/calendar/{TOKEN[Accounts.volunteer]}.ics").status_code == 404


def test_the_page_shows_the_private_address_in_full(client, demo) -> None:
    login(client, Accounts.volunteer)
    html = client.get("/my/schedule").get_data(as_text=True)
    assert f'value="http://localhost/calendar/{TOKEN[Accounts.volunteer]}.ics"' in html
    assert TOKEN[Accounts.other_volunteer] not in html


def test_a_volunteer_without_a_token_gets_one_on_the_first_visit(app, client, demo) -> None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.volunteer)).one()
        user.calendar_token = None
        db.session.commit()
    login(client, Accounts.volunteer)
    html = client.get("/my/schedule").get_data(as_text=True)
    with app.app_context():
        token = db.session.scalars(
            select(User.calendar_token).where(User.email == Accounts.volunteer)
        ).one()
    assert token and len(token) >= 43
    assert f"http://localhost/calendar/{token}.ics" in html
    assert events(client.get(f"/calendar/{token}.ics").data) == expected_events(
        demo, demo["volunteer"]
    )


def test_a_new_token_retires_the_old_address(app, client, demo) -> None:
    login(client, Accounts.volunteer)
    old = TOKEN[Accounts.volunteer]
    token = csrf_token(client, "/my/schedule")
    response = client.post("/my/calendar-token", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/my/schedule"
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    html = client.get("/my/schedule").get_data(as_text=True)
    new = re.search(r"/calendar/([\w-]+)\.ics", html).group(1)
    assert new != old and len(new) >= 43
    assert events(client.get(f"/calendar/{new}.ics").data) == expected_events(
        demo, demo["volunteer"]
    )
    # the other volunteer's address is untouched
    assert client.get(f"/calendar/{TOKEN[Accounts.other_volunteer]}.ics").status_code == 200
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "calendar_token"))
        entries = entry.all()
        assert [(e.action, e.detail) for e in entries] == [("reset", {})]
        assert new not in str(entries[0].entity_id)


def test_resetting_the_token_needs_the_csrf_token(app, client, demo) -> None:
    login(client, Accounts.volunteer)
    assert client.post("/my/calendar-token").status_code == 400
    assert client.get(f"/calendar/{TOKEN[Accounts.volunteer]}.ics").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


# --- who may use which route ---------------------------------------------------------------


@pytest.mark.parametrize("email", STAFF)
@pytest.mark.parametrize("path", ["/my/schedule", "/my/schedule.ics"])
def test_staff_may_not_open_a_volunteers_pages(client, demo, email, path) -> None:
    login(client, email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("email", STAFF)
def test_staff_may_not_reset_a_calendar_token(client, demo, email) -> None:
    login(client, email)
    token = csrf_token(client, "/my/schedule")  # the 403 page's sign-out form
    assert client.post("/my/calendar-token", data={"csrf_token": token}).status_code == 403


@pytest.mark.parametrize("path", ["/my/schedule", "/my/schedule.ics"])
def test_anonymous_visitors_are_sent_to_sign_in(client, demo, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_an_anonymous_token_reset_is_sent_to_sign_in(client, demo) -> None:
    token = csrf_token(client)
    response = client.post("/my/calendar-token", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/my/calendar-token").status_code == 400  # no CSRF token at all
