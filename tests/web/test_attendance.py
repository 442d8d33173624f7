"""Did they come: staff mark who came (their own facilities only, started shifts only, corrected
for a few days with an audit entry), volunteers check in from the phone, hours add up, absences
lower reliability, and a certificate of hours is read back and checked without signing in."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.web.conftest import Accounts, csrf_token, login
from tests.web.races import at_once
from tests.web.test_i18n import choose
from tests.web.test_schedule import at
from web import models as m
from web import schedule
from web.models import db

DAY = dt.date(2020, 5, 18)
NOON = (2020, 5, 18, 12)


@pytest.fixture
def clock(monkeypatch):
    """Set the app's "now" (Moscow time, the demo's zone); noon on the demo's first day."""

    def set_to(*when: int) -> None:
        monkeypatch.setattr(schedule, "now", lambda: at(*when))

    set_to(*NOON)
    return set_to


def api(client) -> dict:
    return {"X-CSRFToken": client.get("/api/csrf-token").get_json()["csrf_token"]}


def signed_in(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


def pairs_on(demo, facility_id: str, started: bool) -> list[tuple[str, str]]:
    """(need, volunteer) of the published roster at a facility on DAY, started by noon or not."""
    needs = {
        n.id: n for n in demo["dataset"].needs if n.facility_id == facility_id and n.date == DAY
    }
    noon = dt.datetime(2020, 5, 18, 12)
    return sorted(
        (n, v)
        for n, v in demo["result"].assignments
        if n in needs and (needs[n].start <= noon) == started
    )


def mark(client, need_id: str, volunteer_id: str, **body):
    return client.post(f"/api/attendance/{need_id}/{volunteer_id}", json=body, headers=api(client))


def test_staff_see_and_mark_only_their_own_facilities(app, demo, clock):
    hospital = signed_in(app, Accounts.hospital)
    day = hospital.get("/api/attendance?date=2020-05-18").get_json()
    assert day["shifts"] and {s["facility_id"] for s in day["shifts"]} == {demo["facility"]}
    first = day["shifts"][0]
    assert set(first) >= {"need_id", "facility_id", "date", "start", "end", "role", "volunteers"}
    assert {v["status"] for s in day["shifts"] for v in s["volunteers"]} == {"unmarked"}
    theirs = pairs_on(demo, demo["other_facility"], started=True)
    assert theirs, "the other hospital has a shift under way"
    assert mark(hospital, *theirs[0], status="present").status_code == 404
    assert hospital.get("/api/attendance?date=18.05.2020").status_code == 400
    volunteer = signed_in(app, Accounts.volunteer)
    assert volunteer.get("/api/attendance?date=2020-05-18").status_code == 403
    assert hospital.get("/api/my/hours").status_code == 403


def test_a_mark_and_its_correction_are_in_the_audit_log(app, demo, clock):
    need_id, volunteer_id = pairs_on(demo, demo["facility"], started=True)[0]
    hospital = signed_in(app, Accounts.hospital)
    answer = mark(hospital, need_id, volunteer_id, status="present")
    assert answer.status_code == 200, answer.get_json()
    planned = next(n for n in demo["dataset"].needs if n.id == need_id)
    hours = (planned.end - planned.start).total_seconds() / 3600
    assert answer.get_json()["hours"] == pytest.approx(hours)
    start = (planned.start + dt.timedelta(hours=1)).strftime("%H:%M")
    corrected = mark(hospital, need_id, volunteer_id, status="partial", start=start)
    assert corrected.status_code == 200 and corrected.get_json()["hours"] == pytest.approx(
        hours - 1
    )
    day = hospital.get("/api/attendance?date=2020-05-18").get_json()
    shown = {
        v["volunteer_id"]: v["status"]
        for s in day["shifts"]
        if s["need_id"] == need_id
        for v in s["volunteers"]
    }
    assert shown[volunteer_id] == "partial"
    with app.app_context():
        entries = db.session.scalars(
            select(m.AuditEntry)
            .where(m.AuditEntry.entity == "attendance")
            .order_by(m.AuditEntry.id)
        ).all()
        assert [e.action for e in entries] == ["create", "edit"]
        assert entries[1].detail["before"]["status"] == "present"
        assert entries[1].detail["after"]["status"] == "partial"
        assert entries[1].entity_id == f"{need_id}/{volunteer_id}"


def test_a_shift_not_started_cannot_be_marked_and_nonsense_is_named(app, demo, clock):
    hospital = signed_in(app, Accounts.hospital)
    later = pairs_on(demo, demo["facility"], started=False)
    assert later, "the hospital has a shift later that day"
    answer = mark(hospital, *later[0], status="present")
    assert (
        answer.status_code == 409 and "has not started yet" in answer.get_json()["error"]["message"]
    )
    need_id, volunteer_id = pairs_on(demo, demo["facility"], started=True)[0]
    bad = mark(hospital, need_id, volunteer_id, status="here")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "status"
    bad = mark(hospital, need_id, volunteer_id, status="partial", start="25:99")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "start"
    bad = mark(hospital, need_id, volunteer_id, status="partial", start=[1], end={"a": 1})
    assert bad.status_code == 400
    nobody = mark(hospital, need_id, "NOBODY", status="present")
    assert nobody.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(m.Attendance)).all() == []


def test_hospital_staff_correct_for_three_days_and_coordinators_after(app, demo, clock):
    need_id, volunteer_id = pairs_on(demo, demo["facility"], started=True)[0]
    hospital = signed_in(app, Accounts.hospital)
    assert mark(hospital, need_id, volunteer_id, status="present").status_code == 200
    clock(2020, 5, 25, 12)
    late = mark(hospital, need_id, volunteer_id, status="absent")
    assert late.status_code == 409 and "3 days" in late.get_json()["error"]["message"]
    national = signed_in(app, Accounts.national)
    assert mark(national, need_id, volunteer_id, status="absent").status_code == 200


def test_an_absence_lowers_reliability_and_hours_are_the_volunteers_own(app, demo, clock):
    clock(2020, 5, 25, 12)  # the demo's week is over: every shift has started
    national = signed_in(app, Accounts.national)
    shifts: dict[str, list[str]] = {}
    for n, v in sorted(demo["result"].assignments):
        shifts.setdefault(v, []).append(n)
    accounts = {demo["volunteer"], demo["other_volunteer"]}
    busy = next(v for v, needs in sorted(shifts.items()) if len(needs) >= 2 and v not in accounts)
    assert mark(national, shifts[busy][0], busy, status="present").status_code == 200
    assert mark(national, shifts[busy][1], busy, status="absent").status_code == 200
    page = national.get("/hours?from=2020-05-01&to=2020-05-31").get_data(as_text=True)
    assert busy in page and "50%" in page
    csv = national.get("/hours?from=2020-05-01&to=2020-05-31&format=csv")
    assert csv.status_code == 200 and busy in csv.get_data(as_text=True)
    xlsx = national.get("/hours?from=2020-05-01&to=2020-05-31&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    named = demo["volunteer"]
    theirs = shifts[named]
    assert mark(national, theirs[0], named, status="present").status_code == 200
    volunteer = signed_in(app, Accounts.volunteer)
    mine = volunteer.get("/api/my/hours").get_json()
    assert [e["need_id"] for e in mine["entries"]] == [theirs[0]]
    assert mine["total_hours"] == mine["entries"][0]["hours"] > 0
    other = signed_in(app, Accounts.other_volunteer)
    assert other.get("/api/my/hours").get_json() == {
        "total_hours": 0,
        "night_hours": 0,
        "entries": [],
    }
    hospital = signed_in(app, Accounts.hospital)
    assert hospital.get("/hours").status_code == 403


def test_hours_are_read_by_the_region_of_the_shift(app, demo, clock):
    clock(2020, 5, 25, 12)  # the demo's week is over: every shift has started
    dataset = demo["dataset"]
    region_of = {f.id: f.region for f in dataset.facilities}
    at = {n.id: region_of[n.facility_id] for n in dataset.needs}
    pairs = sorted(demo["result"].assignments)
    here = next(p for p in pairs if at[p[0]] == demo["region"])
    there = next(p for p in pairs if at[p[0]] == demo["other_region"])
    national = signed_in(app, Accounts.national)
    for need_id, volunteer_id in (here, there):
        assert mark(national, need_id, volunteer_id, status="present").status_code == 200
    period = "from=2020-05-01&to=2020-05-31&format=csv"

    def shown(client, query: str = "") -> str:
        return client.get(f"/hours?{period}{query}").get_data(as_text=True)

    regional = signed_in(app, Accounts.regional)
    assert here[1] in shown(regional) and there[1] not in shown(regional)
    asked = shown(regional, f"&region={demo['other_region']}")  # not theirs to ask: their own
    assert here[1] in asked and there[1] not in asked
    assert there[1] in shown(national, f"&region={demo['other_region']}")
    assert here[1] not in shown(national, f"&region={demo['other_region']}")
    assert {here[1], there[1]} <= set(re.findall(r"[\w-]+", shown(national)))


def test_a_volunteer_checks_in_near_the_hospital_and_staff_confirm(app, demo, clock):
    named = demo["volunteer"]
    need = next(
        n
        for n in sorted(demo["dataset"].needs, key=lambda n: n.start)
        if (n.id, named) in set(demo["result"].assignments)
    )
    facility = demo["dataset"].facility_by_id[need.facility_id]
    start = need.start
    clock(start.year, start.month, start.day, start.hour, start.minute + 10)
    volunteer = signed_in(app, Accounts.volunteer)
    page = volunteer.get("/my/schedule").get_data(as_text=True)
    assert f"/my/shifts/{need.id}/check-in" in page
    url = f"/my/shifts/{need.id}/check-in"
    far = {"csrf_token": csrf_token(volunteer, "/my/schedule"), "lat": "55.0", "lon": "30.0"}
    said = volunteer.post(url, data=far, follow_redirects=True).get_data(as_text=True)
    assert "km from" in said
    near = far | {"lat": str(facility.lat), "lon": str(facility.lon)}
    said = volunteer.post(url, data=near, follow_redirects=True).get_data(as_text=True)
    assert "You are checked in" in said
    staff = signed_in(
        app, Accounts.hospital if facility.id == demo["facility"] else Accounts.national
    )
    day = staff.get(f"/api/attendance?date={need.date.isoformat()}").get_json()
    status = {
        v["volunteer_id"]: v["status"]
        for s in day["shifts"]
        if s["need_id"] == need.id
        for v in s["volunteers"]
    }
    assert status[named] == "checked_in"
    assert volunteer.get("/api/my/hours").get_json()["entries"] == []  # not yet confirmed
    assert mark(staff, need.id, named, status="present").status_code == 200
    assert len(volunteer.get("/api/my/hours").get_json()["entries"]) == 1
    # out of the window: refused in words
    clock(start.year, start.month, start.day, start.hour + 3, start.minute)
    said = volunteer.post(url, data=near, follow_redirects=True).get_data(as_text=True)
    assert "The staff have already marked you" in said or "Check in from 60 minutes" in said


def test_two_staff_marking_one_volunteer_at_once_leave_one_mark(app, demo, clock):
    need_id, volunteer_id = pairs_on(demo, demo["facility"], started=True)[0]
    hospital = signed_in(app, Accounts.hospital)
    national = signed_in(app, Accounts.national)
    heads = [api(hospital), api(national)]
    answers = at_once(
        lambda: (
            hospital.post(
                f"/api/attendance/{need_id}/{volunteer_id}",
                json={"status": "present"},
                headers=heads[0],
            ).status_code
        ),
        lambda: (
            national.post(
                f"/api/attendance/{need_id}/{volunteer_id}",
                json={"status": "absent"},
                headers=heads[1],
            ).status_code
        ),
    )
    assert answers == [200, 200]
    with app.app_context():
        rows = db.session.scalars(select(m.Attendance)).all()
        assert len(rows) == 1
        actions = db.session.scalars(
            select(m.AuditEntry.action).where(m.AuditEntry.entity == "attendance")
        ).all()
        assert sorted(actions) == ["create", "edit"]


def certificate_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_certificate_is_read_back_and_checked_without_signing_in(app, client, demo, clock):
    clock(2020, 5, 25, 12)
    national = signed_in(app, Accounts.national)
    named = demo["volunteer"]
    theirs = sorted(n for n, v in demo["result"].assignments if v == named)
    assert mark(national, theirs[0], named, status="present").status_code == 200
    volunteer = signed_in(app, Accounts.volunteer)
    text = certificate_text(
        volunteer.get("/my/hours/certificate.pdf?from=2020-05-01&to=2020-05-31")
    )
    name = demo["dataset"].volunteer_by_id[named].name
    assert "Certificate of hours" in text and name in text and "2020-05-01" in text
    with app.app_context():
        (issued,) = db.session.scalars(select(m.Certificate)).all()
    assert issued.code in text
    again = certificate_text(
        volunteer.get("/my/hours/certificate.pdf?from=2020-05-01&to=2020-05-31")
    )
    assert issued.code in again  # the same period and hours: the same certificate
    public = app.test_client()
    page = public.get(f"/certificates/{issued.code.lower()}")
    assert page.status_code == 200 and name in page.get_data(as_text=True)
    assert "is genuine" in page.get_data(as_text=True)
    forged = public.get("/certificates/ABCD-EF12-3456")
    assert forged.status_code == 404 and name not in forged.get_data(as_text=True)
    assert public.get("/certificates?code=abcd ef12 3456").status_code == 303
    nothing = volunteer.get("/my/hours/certificate.pdf?from=2021-01-01&to=2021-01-31")
    assert nothing.status_code == 303


def test_the_certificate_is_in_the_volunteers_language(app, demo, clock):
    clock(2020, 5, 25, 12)
    national = signed_in(app, Accounts.national)
    named = demo["volunteer"]
    first = sorted(n for n, v in demo["result"].assignments if v == named)[0]
    assert mark(national, first, named, status="present").status_code == 200
    volunteer = signed_in(app, Accounts.volunteer)
    choose(volunteer, "ru", "/my/hours")
    text = certificate_text(
        volunteer.get("/my/hours/certificate.pdf?from=01.05.2020&to=31.05.2020")
    )
    assert "Справка о часах" in text and "01.05.2020" in text


def test_times_are_read_on_the_shifts_own_clock(app, demo, clock):
    from web.attendance import Invalid, judged_times

    def shift(need_id: str, start: dt.datetime, end: dt.datetime) -> m.Need:
        return m.Need(
            id=need_id,
            facility_id=demo["facility"],
            date=DAY,
            start=start,
            end=end,
            role="nurse",
            count=1,
            priority=2,
        )

    with app.app_context():
        night = shift("X1", dt.datetime(2020, 5, 18, 20), dt.datetime(2020, 5, 19, 8))
        day = shift("X2", dt.datetime(2020, 5, 18, 16), dt.datetime(2020, 5, 19, 0))
        T = dt.datetime
        assert judged_times(night, "partial", "21:00", "07:30") == (
            T(2020, 5, 18, 21),
            T(2020, 5, 19, 7, 30),
        )
        assert judged_times(day, "present", "16:00", "24:00") == (
            T(2020, 5, 18, 16),
            T(2020, 5, 19),
        )
        assert judged_times(day, "partial", "16:00", "00:30")[1] == T(2020, 5, 19, 0, 30)
        assert judged_times(day, "absent", "16:00", "17:00") == (None, None)
        with pytest.raises(Invalid):
            judged_times(day, "partial", "16:00", "16:00")


def test_the_solve_reads_each_volunteers_chance_of_coming(app, demo, clock):
    from web import jobs
    from web.hours import estimates

    clock(2020, 5, 25, 12)
    national = signed_in(app, Accounts.national)
    named = demo["volunteer"]
    first = sorted(n for n, v in demo["result"].assignments if v == named)[0]
    assert mark(national, first, named, status="absent").status_code == 200
    with app.app_context():
        assert estimates() == {named: 1 / 3}  # (kept 0 + 1) / (marked 1 + 2)
        assert jobs.scoped_input(m.NATIONAL).reliability == {named: 1 / 3}
        region = demo["dataset"].volunteer_by_id[named].region
        other = demo["region"] if region != demo["region"] else demo["other_region"]
        assert jobs.scoped_input(other).reliability == {}


def test_a_shift_with_a_long_id_can_be_locked(app, demo):
    """Need ids run to 100 characters, lock names to 50 (PostgreSQL enforces it)."""
    from web.attendance import hold_shift

    with app.app_context():
        hold_shift("N" * 100)
        hold_shift("N" * 100)  # the same lock again, in the same transaction
        db.session.commit()


def test_today_and_yesterday_are_the_facilitys_own(app, demo, clock):
    """At 20:00 in Moscow it is 03:00 the next day in Vladivostok: a Vladivostok hospital's
    page shows that day's shifts (and the one before), not Moscow's today and yesterday."""
    with app.app_context():
        db.session.get(m.Facility, demo["facility"]).timezone = "Asia/Vladivostok"
        db.session.commit()
        name = db.session.get(m.Facility, demo["facility"]).name
    clock(2020, 5, 17, 20)
    page = signed_in(app, Accounts.hospital).get("/attendance").get_data(as_text=True)
    headings = re.findall(r'<h2 id="day-\d+">([^<]+)</h2>', page)
    assert headings == ["Monday, 2020-05-18", "Sunday, 2020-05-17"]
    first = page.split("</section>")[0]
    assert name in first
    clock(2020, 5, 17, 12)  # 19:00 there: still the 17th
    page = signed_in(app, Accounts.hospital).get("/attendance").get_data(as_text=True)
    assert re.findall(r'<h2 id="day-\d+">([^<]+)</h2>', page) == [
        "Sunday, 2020-05-17",
        "Saturday, 2020-05-16",
    ]


def test_a_coordinator_sees_each_facilitys_own_two_days(app, demo, clock):
    """Facilities in two zones: the next day's section holds only the eastern hospital's
    shifts, the day before yesterday's only the others'."""
    with app.app_context():
        east = db.session.get(m.Facility, demo["facility"])
        east.timezone = "Asia/Vladivostok"
        west = db.session.get(m.Facility, demo["other_facility"])
        db.session.commit()
        east_name, west_name = east.name, west.name
    clock(2020, 5, 17, 20)
    page = signed_in(app, Accounts.national).get("/attendance").get_data(as_text=True)
    headings = re.findall(r'<h2 id="day-\d+">([^<]+)</h2>', page)
    assert headings == ["Monday, 2020-05-18", "Sunday, 2020-05-17", "Saturday, 2020-05-16"]
    sections = dict(zip(headings, page.split("</section>"), strict=False))
    assert east_name in sections["Monday, 2020-05-18"]
    assert west_name not in sections["Monday, 2020-05-18"]
    assert east_name not in sections["Saturday, 2020-05-16"]
