"""The site's zone and each facility's: "now" for a volunteer's shifts, calendars a phone
anywhere places right, stamped times shown in a zone (never bare UTC), the phone to call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from scheduler.outputs.calendars import assignment_uid
from tests.factories import make_facility, make_need
from tests.web.conftest import Accounts, csrf_token, login, settings
from web import create_app, i18n, schedule
from web.models import AuditEntry, Facility, db

CARD = '<article class="shift">'
UTC = dt.UTC


def app_with(tmp_path: Path, **more):
    return create_app(settings(f"sqlite:///{tmp_path / 'x.sqlite3'}", **more))


def own_needs(demo: dict, volunteer_id: str) -> list:
    dataset = demo["dataset"]
    ids = [n for n, v in demo["result"].assignments if v == volunteer_id]
    return sorted((dataset.need_by_id[n] for n in ids), key=lambda n: n.start)


def set_zone(app, facility_id: str, zone: str, phone: str = "") -> None:
    with app.app_context():
        facility = db.session.get(Facility, facility_id)
        facility.timezone, facility.phone = zone, phone
        db.session.commit()


def split(html: str) -> tuple[str, str]:
    """(upcoming, past) parts of the page."""
    upcoming, _, past = html.partition("<details>")
    return upcoming, past


# --- the setting ---------------------------------------------------------------------------


def test_the_site_zone_is_moscow_unless_set(tmp_path: Path) -> None:
    assert app_with(tmp_path).config["TIMEZONE"] == "Europe/Moscow"
    assert app_with(tmp_path, TIMEZONE="asia/yekaterinburg").config["TIMEZONE"] == (
        "Asia/Yekaterinburg"
    )


def test_an_unknown_site_zone_stops_the_app_with_an_example(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"SCHEDULER_TIMEZONE is 'MSK'.*such as Europe/Moscow"):
        app_with(tmp_path, TIMEZONE="MSK")


# --- stamped times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "language", "shown"),
    [
        (None, "en", "2020-05-20 15:00"),
        ("Asia/Vladivostok", "en", "2020-05-20 22:00"),
        ("Asia/Vladivostok", "ru", "20.05.2020 22:00"),
        ("Europe/Berlin", "en", "2020-05-20 14:00"),  # summer time, UTC+2
        ("Europe/Kaliningrad", "en", "2020-05-20 14:00"),
    ],
)
def test_a_stamped_time_is_shown_in_the_zone(app, zone, language, shown) -> None:
    with app.test_request_context(headers={"Accept-Language": language}):
        assert i18n.moment(dt.datetime(2020, 5, 20, 12, 0), zone) == shown
        aware = dt.datetime(2020, 5, 20, 12, 0, tzinfo=UTC)  # PostgreSQL may hand back one
        assert i18n.moment(aware, zone) == shown


def test_seconds_cross_midnight_into_the_next_day_in_vladivostok(app) -> None:
    with app.test_request_context():
        assert i18n.seconds(dt.datetime(2020, 5, 20, 14, 30, 5)) == "17:30:05"
        assert i18n.seconds(dt.datetime(2020, 5, 20, 14, 30, 5), "Asia/Vladivostok") == "00:30:05"


def test_the_audit_log_shows_the_sites_zone_not_utc(app, client, demo) -> None:
    with app.app_context():
        db.session.add(
            AuditEntry(
                at=dt.datetime(2020, 5, 20, 21, 30),
                action="reset",
                entity="calendar_token",
                entity_id="1",
            )
        )
        db.session.commit()
    login(client, Accounts.national)
    html = client.get("/audit").get_data(as_text=True)
    assert "When (Europe/Moscow)" in html and "UTC" not in html
    assert "2020-05-21 00:30" in html  # 21:30 UTC is past midnight in Moscow


# --- "now" at the facility -----------------------------------------------------------------


def test_a_person_reads_stamped_times_in_the_zone_they_chose(app, client, demo) -> None:
    """A coordinator in Vladivostok: the audit log at their clock, labelled so; shift times
    are not touched (they stay each facility's own)."""
    with app.app_context():
        db.session.add(
            AuditEntry(at=dt.datetime(2020, 5, 20, 21, 30), action="reset", entity="calendar_token")
        )
        db.session.commit()
    login(client, Accounts.national)
    token = csrf_token(client, "/account/password")
    page = client.get("/account/password").get_data(as_text=True)
    assert '<option value="Asia/Vladivostok">' in page
    response = client.post("/time-zone", data={"csrf_token": token, "timezone": "Asia/Vladivostok"})
    assert response.status_code == 302
    html = client.get("/audit").get_data(as_text=True)
    assert "When (Asia/Vladivostok)" in html and "2020-05-21 07:30" in html
    assert (
        client.post(
            "/time-zone", data={"csrf_token": token, "timezone": "Mars/Olympus"}
        ).status_code
        == 400
    )
    client.post("/time-zone", data={"csrf_token": token, "timezone": ""})
    html = client.get("/audit").get_data(as_text=True)
    assert "When (Europe/Moscow)" in html and "2020-05-21 00:30" in html


def test_a_shift_is_past_at_vladivostoks_midnight_while_moscow_is_still_on_its_day(
    app, client, demo, monkeypatch
) -> None:
    need = own_needs(demo, demo["volunteer"])[0]
    day = need.end.date()
    # 18:00 in Moscow on the day the shift ends is 01:00 the next day in Vladivostok
    now = dt.datetime.combine(day, dt.time(18), ZoneInfo("Europe/Moscow"))
    monkeypatch.setattr(schedule, "now", lambda: now)
    login(client, Accounts.volunteer)
    upcoming, _ = split(client.get("/my/schedule").get_data(as_text=True))
    assert f"<h3>{need.date:%A}, {need.date.isoformat()}</h3>" in upcoming  # Moscow's day
    set_zone(app, need.facility_id, "Asia/Vladivostok")
    upcoming, past = split(client.get("/my/schedule").get_data(as_text=True))
    assert f"<h3>{need.date:%A}, {need.date.isoformat()}</h3>" not in upcoming
    assert f"<h3>{need.date:%A}, {need.date.isoformat()}</h3>" in past
    assert "Local time at the facility (Asia/Vladivostok)." in past


@pytest.mark.parametrize(
    ("utc", "ended"),
    [
        (dt.datetime(2026, 10, 24, 21, 30, tzinfo=UTC), False),  # 23:30 summer time, Saturday
        (dt.datetime(2026, 10, 24, 22, 30, tzinfo=UTC), True),  # 00:30 summer time, Sunday
        (dt.datetime(2026, 3, 28, 22, 30, tzinfo=UTC), False),  # 23:30 winter time, Saturday
        (dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), True),  # 00:30 winter time, Sunday
    ],
)
def test_berlins_midnight_moves_with_daylight_saving(app, monkeypatch, utc, ended) -> None:
    """Summer time ends on Sunday 25 October 2026 and starts on Sunday 29 March: the
    Saturday before each, Berlin's midnight is 22:00 and 23:00 UTC."""
    monkeypatch.setattr(schedule, "now", lambda: utc)
    saturday = utc.date().isoformat()
    shift = schedule.Shift(
        make_need(date=saturday, start="08:00", end="16:00"),
        make_facility(timezone="Europe/Berlin"),
    )
    with app.app_context():
        assert shift.ended is ended


def test_a_facility_without_a_zone_follows_the_sites(app, monkeypatch) -> None:
    """23:30 UTC on 1 March is 1:30 on 2 March in Moscow and 23:30 on 1 March in London."""
    monkeypatch.setattr(schedule, "now", lambda: dt.datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    shift = schedule.Shift(make_need(date="2026-03-01"), make_facility())
    with app.app_context():
        assert shift.ended
        app.config["TIMEZONE"] = "Europe/London"
        assert not shift.ended


# --- the calendar --------------------------------------------------------------------------


def test_the_feed_puts_a_vladivostok_shift_at_its_instant(app, client, demo) -> None:
    """Vladivostok is UTC+10 all year: each of its shifts starts ten hours earlier in UTC
    than its wall clock says; the volunteer's other shifts stay on Moscow's UTC+3."""
    needs = own_needs(demo, demo["volunteer"])
    far = needs[0].facility_id
    set_zone(app, far, "Asia/Vladivostok")
    login(client, Accounts.volunteer)
    calendar = Calendar.from_ical(client.get("/my/schedule.ics").data)
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} >= {"Asia/Vladivostok"}
    starts = {str(e["UID"]): e.start.astimezone(UTC) for e in calendar.walk("VEVENT")}
    expected = {
        assignment_uid(n, demo["volunteer"]): (
            n.start - dt.timedelta(hours=10 if n.facility_id == far else 3)
        ).replace(tzinfo=UTC)
        for n in needs
    }
    assert starts == expected


# --- the phone on a shift ------------------------------------------------------------------


def test_a_shift_card_offers_the_facilitys_phone_as_a_link(app, client, demo, monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: dt.datetime(2020, 5, 1, tzinfo=UTC))
    need = own_needs(demo, demo["volunteer"])[0]
    set_zone(app, need.facility_id, "", "+7 (423) 200-00-00 ext. 12")
    login(client, Accounts.volunteer)
    html = client.get("/my/schedule").get_data(as_text=True)
    assert '<a href="tel:+74232000000">+7 (423) 200-00-00 ext. 12</a>' in html
    with app.app_context():
        others = db.session.scalars(select(Facility).where(Facility.phone == "")).all()
    assert others  # the other facilities show no phone
    assert html.count("tel:") == sum(
        1 for n in own_needs(demo, demo["volunteer"]) if n.facility_id == need.facility_id
    )


@pytest.mark.parametrize(
    ("phone", "url"),
    [
        ("+7 423 200-00-00", "tel:+74232000000"),
        ("8 (423) 200 00 00", "tel:84232000000"),
        ("доб. 12", ""),
        ("", ""),
    ],
)
def test_a_phone_becomes_a_tel_link(phone: str, url: str) -> None:
    assert schedule.Shift(make_need(), make_facility(phone=phone)).phone_url == url
