"""Coordinators' pages: volunteers and their uploads, facilities, accounts, the audit log.

Every route is tried by every role, each denial included; every change is
checked in the database (rows counted before and after a refused one), and
hostile text comes back escaped.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from scheduler.intake.schema import COLUMNS
from tests.web.conftest import Accounts, csrf_token, login
from web import coordination
from web.models import AuditEntry, AvailabilityChange, Facility, User, Volunteer, Window, db

BROKEN = Path(__file__).resolve().parents[1] / "broken" / "cases"
SCRIPT = "<script>alert(1)</script>"
SQL = "x' OR '1'='1"
HOSTILE = [SCRIPT, SQL]
ESCAPED = {SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;", SQL: "x&#39; OR &#39;1&#39;=&#39;1"}
NEW_PASSWORD = "a long enough password"


# --- helpers -------------------------------------------------------------------------------


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def account(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def post(client, path: str, data: dict | None = None, page: str | None = None, **kwargs):
    """POST as the browser does: with the CSRF token of a page of the same session."""
    token = csrf_token(client, page or path)
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def csv_file(sheet: str, rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[sheet], extrasaction="raise")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def workbook(sheets: dict[str, list[dict]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(list(COLUMNS[name]))
        for row in rows:
            sheet.append([row.get(c) for c in COLUMNS[name]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def multipart(content: bytes, filename: str, token: str) -> dict:
    """A file upload as request arguments, encoded in memory.

    The test client would spool a body over 500 KB to a temporary file it never
    closes (a ResourceWarning, an error here); encoding it ourselves avoids that.
    """
    file = FileStorage(io.BytesIO(content), filename=filename)
    boundary, body = encode_multipart({"file": file, "csrf_token": token})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, content: bytes, filename: str):
    token = csrf_token(client, "/volunteers/upload")
    return client.post("/volunteers/upload", **multipart(content, filename, token))


def volunteer(id: str, region: str = "Sosnoozersk Region", **more) -> dict:
    return {"volunteer_id": id, "name": f"Name {id}", "role": "nurse", "region": region} | more


def facility_form(**more) -> dict:
    values = {"facility_id": "F900", "name": "New Hospital", "region": "Sosnoozersk Region"}
    return values | {"address": "", "lat": "", "lon": ""} | more


def text(response) -> str:
    return response.get_data(as_text=True)


# --- who may use which route ---------------------------------------------------------------


def pages(demo: dict) -> list[str]:
    return [
        "/volunteers",
        "/volunteers/upload",
        "/facilities",
        "/facilities/new",
        f"/facilities/{demo['facility']}/edit",
        "/accounts",
        "/accounts/new",
        "/audit",
    ]


def forms(app, demo: dict) -> list[str]:
    hospital = account(app, Accounts.hospital).id
    return [
        "/volunteers/upload",
        "/facilities/new",
        f"/facilities/{demo['facility']}/edit",
        "/accounts/new",
        f"/accounts/{hospital}/deactivate",
        f"/accounts/{hospital}/reactivate",
        f"/accounts/{hospital}/password",
    ]


@pytest.mark.parametrize("email", [Accounts.national, Accounts.regional])
def test_coordinators_open_every_page(client, demo, email) -> None:
    login(client, email)
    for path in pages(demo):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    "email",
    [Accounts.hospital, Accounts.other_hospital, Accounts.volunteer, Accounts.other_volunteer],
)
def test_hospital_staff_and_volunteers_get_403_everywhere(app, client, demo, email) -> None:
    login(client, email)
    for path in pages(demo):
        assert client.get(path).status_code == 403, path
    before = (count(app, Facility), count(app, User), count(app, AuditEntry))
    for path in forms(app, demo):
        response = post(client, path, facility_form(), page="/volunteers")  # the 403 page's token
        assert response.status_code == 403, path
    assert (count(app, Facility), count(app, User), count(app, AuditEntry)) == before
    assert account(app, Accounts.hospital).active


def test_anonymous_visitors_are_sent_to_sign_in(app, client, demo) -> None:
    for path in pages(demo):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    for path in forms(app, demo):
        response = post(client, path, facility_form(), page="/login")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert account(app, Accounts.hospital).active


def test_every_form_needs_its_csrf_token(app, client, demo) -> None:
    login(client, Accounts.national)
    before = (count(app, Facility), count(app, User), count(app, AuditEntry))
    for path in forms(app, demo):
        response = client.post(path, data=facility_form())
        assert response.status_code == 400, path
        assert "reload the page" in text(response)
    assert (count(app, Facility), count(app, User), count(app, AuditEntry)) == before
    assert account(app, Accounts.hospital).active


def test_another_regions_facility_is_404_for_a_regional_coordinator(app, client, demo) -> None:
    login(client, Accounts.other_regional)
    path = f"/facilities/{demo['facility']}/edit"
    assert client.get(path).status_code == 404
    assert post(client, path, facility_form(name="Taken"), page="/facilities").status_code == 404
    with app.app_context():
        assert db.session.get(Facility, demo["facility"]).name != "Taken"


# --- volunteers ----------------------------------------------------------------------------


def test_a_regional_coordinator_lists_only_their_regions_volunteers(client, demo) -> None:
    login(client, Accounts.regional)
    html = text(client.get("/volunteers"))
    for v in demo["dataset"].volunteers:
        assert (f"<td>{v.id}</td>" in html) is (v.region == demo["region"])
        if v.region == demo["region"]:
            assert v.name in html


def test_a_national_coordinator_lists_all_volunteers_in_pages(client, demo, monkeypatch) -> None:
    monkeypatch.setattr(coordination, "PER_PAGE", 30)
    login(client, Accounts.national)
    seen = set()
    for page in (1, 2, 3, 4):
        html = text(client.get(f"/volunteers?page={page}"))
        assert f"Page {page} of 4 (100 in all)" in html
        seen |= {v.id for v in demo["dataset"].volunteers if f"<td>{v.id}</td>" in html}
    assert len(seen) == 100
    found = text(client.get("/volunteers?q=a"))
    assert "/volunteers?page=2&amp;q=a" in found  # the next page keeps the search
    assert "No volunteers" in text(client.get("/volunteers?page=99"))


def test_volunteers_are_found_by_part_of_a_name_or_an_id(client, demo) -> None:
    login(client, Accounts.national)
    wanted = demo["dataset"].volunteers[0]
    part = wanted.name.split()[-1][1:5].upper()
    by_name = text(client.get("/volunteers", query_string={"q": part}))
    assert wanted.name in by_name
    assert f"<td>{wanted.id}</td>" in text(client.get(f"/volunteers?q={wanted.id.lower()}"))
    assert "No volunteers match" in text(client.get("/volunteers?q=%25"))  # % is a character


@pytest.mark.parametrize("q", HOSTILE)
def test_a_hostile_search_matches_nothing_and_comes_back_escaped(client, demo, q) -> None:
    login(client, Accounts.national)
    response = client.get("/volunteers", query_string={"q": q})
    html = text(response)
    assert response.status_code == 200 and "No volunteers match" in html
    assert SCRIPT not in html
    assert ESCAPED[q] in html


# --- uploads -------------------------------------------------------------------------------


def test_a_csv_adds_and_replaces_volunteers_in_one_go(app, client, demo) -> None:
    login(client, Accounts.regional)
    known = demo["other_volunteer"]  # in the regional coordinator's region
    rows = [volunteer("V90001", name=SCRIPT), volunteer(known, name=SQL, role="doctor")]
    response = upload(client, csv_file("volunteers", rows), "volunteers.csv")
    assert response.status_code == 302 and response.headers["Location"] == "/volunteers"
    page = text(client.get("/volunteers"))
    assert "Stored: 1 new volunteer(s), 1 updated" in page
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    with app.app_context():
        assert db.session.get(Volunteer, "V90001").name == SCRIPT
        assert db.session.get(Volunteer, known).name == SQL
        assert db.session.get(Volunteer, known).region == demo["region"]
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.entity, entry.entity_id) == (
            "upload",
            "volunteers",
            "volunteers.csv",
        )
        assert entry.detail["volunteers_added"] == 1 and entry.detail["volunteers_replaced"] == 1


def test_a_workbook_replaces_the_availability_of_the_volunteers_it_names(app, client, demo) -> None:
    login(client, Accounts.national)
    named = demo["volunteer"]
    with app.app_context():
        windows = db.session.scalar(select(func.count()).select_from(Window))
        own = db.session.scalar(select(func.count()).where(Window.volunteer_id == named))
    rows = [
        {"volunteer_id": named, "day": "Mon", "start": "08:00", "end": "20:00", "available": "yes"},
        {"volunteer_id": "V90002", "day": "2020-05-19", "start": "20:00", "end": "08:00"},
    ]
    book = workbook({"volunteers": [volunteer("V90002")], "availability": rows})
    review = upload(client, book, "lists.xlsx")
    assert review.status_code == 200
    html = text(review)
    assert "Check before replacing availability" in html and named in html
    assert "Mondays 08:00–20:00" in html  # what comes instead of what goes
    with app.app_context():  # shown, not stored
        assert db.session.scalar(select(func.count()).select_from(Window)) == windows
        assert db.session.get(Volunteer, "V90002") is None
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/volunteers/upload/confirm", data={"token": token, "csrf_token": csrf})
    assert response.status_code == 302
    assert "availability of 2 volunteer(s) replaced (2 row(s))" in text(client.get("/volunteers"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Window)) == windows - own + 2
        assert db.session.get(Volunteer, "V90002") is not None
        kept = db.session.scalars(
            select(AvailabilityChange).where(AvailabilityChange.volunteer_id == named)
        ).one()
        assert kept.source == "upload" and len(kept.before) == own
        assert kept.after == [{"day": "Mon", "start": "08:00", "end": "20:00", "available": True}]
    again = client.post("/volunteers/upload/confirm", data={"token": token, "csrf_token": csrf})
    assert "no longer waiting" in text(client.get(again.location))  # stored once, then gone


def test_only_the_uploader_can_confirm_a_reviewed_upload(app, client, demo) -> None:
    login(client, Accounts.national)
    rows = [{"volunteer_id": demo["volunteer"], "day": "Tue", "start": "09:00", "end": "10:00"}]
    html = text(upload(client, workbook({"availability": rows}), "lists.xlsx"))
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Window))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/volunteers")})
    login(client, Accounts.regional)
    csrf = csrf_token(client, "/volunteers/upload")
    for forged in (token, "x" * 22, "../../etc/passwd", ""):
        response = client.post(
            "/volunteers/upload/confirm", data={"token": forged, "csrf_token": csrf}
        )
        assert response.status_code == 302
        assert "no longer waiting" in text(client.get(response.location))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Window)) == before


def count_inputs(app) -> tuple[int, int, int]:
    return count(app, Volunteer), count(app, Window), count(app, AuditEntry)


def test_a_file_with_bad_rows_stores_nothing_and_lists_every_problem(app, client, demo) -> None:
    login(client, Accounts.national)
    before = count_inputs(app)
    rows = [
        volunteer("V90003"),
        volunteer("V90004", lat="95", lon="37"),
        volunteer("V90005", role="astronaut"),
    ]
    response = upload(client, csv_file("volunteers", rows), "volunteers.csv")
    html = text(response)
    assert response.status_code == 400
    assert "Nothing was stored: 2 problems" in html
    assert "<td>volunteers</td><td>3</td><td>lat</td>" in html
    assert "<td>volunteers</td><td>4</td><td>role</td>" in html
    assert "out of range" in html and "astronaut" in html
    assert count_inputs(app) == before


def test_a_regional_coordinator_cannot_upload_another_regions_volunteers(app, client, demo) -> None:
    login(client, Accounts.regional)
    before = count_inputs(app)
    theirs = demo["volunteer"]  # a volunteer of the other region
    rows = [volunteer("V90006"), volunteer("V90007", region="Staropolye Region")]
    availability = [{"volunteer_id": theirs, "day": "Mon", "start": "08:00", "end": "12:00"}]
    response = upload(
        client, workbook({"volunteers": rows, "availability": availability}), "x.xlsx"
    )
    html = text(response)
    assert response.status_code == 400
    assert "<td>volunteers</td><td>3</td><td>region</td>" in html
    assert "<td>availability</td><td>2</td><td>volunteer_id</td>" in html
    assert count_inputs(app) == before


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"this is not a workbook", "volunteers.xlsx", "volunteers.xlsx"),
        (b"volunteer_id,name\nV1,A\n", "people.csv", "name the CSV file after its sheet"),
        ((BROKEN / "zip_bomb" / "input.xlsx").read_bytes(), "bomb.xlsx", "zip bomb"),
        ((BROKEN / "old_xls_renamed" / "input.xlsx").read_bytes(), "old.xlsx", "97-2003"),
        (b"\xff\xfe\x00v\x00o", "volunteers.csv", "not a text CSV"),
        (workbook({"needs": []}), "needs.xlsx", "holds no"),
        (b"", "volunteers.docx", "not an .xlsx workbook"),
    ],
)
def test_a_malformed_file_stores_nothing(app, client, demo, content, filename, message) -> None:
    login(client, Accounts.national)
    before = count_inputs(app)
    response = upload(client, content, filename)
    assert response.status_code == 400
    assert "Nothing was stored" in text(response) and message in text(response)
    assert count_inputs(app) == before


def test_an_oversized_file_is_refused_before_it_is_read(app, client, demo) -> None:
    login(client, Accounts.national)
    token = csrf_token(client, "/volunteers/upload")
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    before = count_inputs(app)
    rows = [volunteer(f"V9{i:04}") for i in range(2000)]
    body = multipart(csv_file("volunteers", rows), "volunteers.csv", token)
    response = client.post("/volunteers/upload", **body)
    assert response.status_code == 413 and "too large" in text(response)
    assert count_inputs(app) == before


def test_posting_without_a_file_asks_for_one(app, client, demo) -> None:
    login(client, Accounts.national)
    response = post(client, "/volunteers/upload")
    assert response.status_code == 400 and "Choose a workbook" in text(response)


def test_the_upload_names_are_made_safe() -> None:
    assert coordination.upload_name("Volunteers.CSV") == "Volunteers.CSV"
    assert coordination.upload_name("../../etc/passwd") == "passwd"
    assert coordination.upload_name("C:\\Users\\me\\лист 1.xlsx") == "лист_1.xlsx"
    assert coordination.upload_name(".xlsx") == "upload.xlsx"
    assert coordination.upload_name("") == "upload"


# --- facilities ----------------------------------------------------------------------------


def test_a_regional_coordinator_lists_only_their_regions_facilities(client, demo) -> None:
    login(client, Accounts.regional)
    html = text(client.get("/facilities"))
    for f in demo["dataset"].facilities:
        assert (f.id in html) is (f.region == demo["region"])


def test_a_national_coordinator_adds_a_facility_in_any_region(app, client, demo) -> None:
    login(client, Accounts.national)
    data = facility_form(region=" Brand New Region ", lat="55,75", lon="37.62", address="1 Main St")
    response = post(client, "/facilities/new", data)
    assert response.status_code == 302
    with app.app_context():
        f = db.session.get(Facility, "F900")
        assert (f.region, f.region_label, f.lat, f.lon) == (
            "brand new region",
            "Brand New Region",
            55.75,
            37.62,
        )
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.entity_id, entry.detail["name"]) == (
            "create",
            "F900",
            "New Hospital",
        )


def test_a_regional_coordinator_adds_facilities_only_in_their_region(app, client, demo) -> None:
    login(client, Accounts.regional)
    assert 'value="Sosnoozersk Region"' in text(client.get("/facilities/new"))
    refused = post(client, "/facilities/new", facility_form(region="Staropolye Region"))
    assert refused.status_code == 400
    assert "a facility of another region is added" in text(refused)
    assert count(app, Facility) == len(demo["dataset"].facilities)
    assert post(client, "/facilities/new", facility_form()).status_code == 302
    assert count(app, Facility) == len(demo["dataset"].facilities) + 1


def test_a_regional_coordinator_edits_but_cannot_move_their_facility(app, client, demo) -> None:
    login(client, Accounts.regional)
    path = f"/facilities/{demo['facility']}/edit"
    moved = post(client, path, facility_form(region="Staropolye Region"))
    assert moved.status_code == 400 and "another region" in text(moved)
    saved = post(client, path, facility_form(name="Renamed", region="SOSNOOZERSK REGION"))
    assert saved.status_code == 302
    with app.app_context():
        f = db.session.get(Facility, demo["facility"])
        assert (f.name, f.region, f.lat, f.lon) == ("Renamed", demo["region"], None, None)
        entry = db.session.scalars(select(AuditEntry)).one()
        assert entry.action == "update" and entry.detail["name"][1] == "Renamed"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"lat": "55.7"}, "lon", "Fill in both latitude and longitude, or neither."),
        ({"lon": "37.6"}, "lat", "Fill in both latitude and longitude, or neither."),
        ({"lat": "95", "lon": "37"}, "lat", "95 is out of range; it must be from -90 to 90."),
        ({"lat": "55", "lon": "-181"}, "lon", "-181 is out of range; it must be from -180 to 180."),
        ({"lat": "abc", "lon": "37"}, "lat", "&#39;abc&#39; is not a number"),
        ({"lat": "nan", "lon": "inf"}, "lat", "&#39;nan&#39; is not a number"),
        ({"name": "  "}, "name", "Give the facility&#39;s name."),
        ({"facility_id": ""}, "facility_id", "Give the facility an id"),
        ({"facility_id": "F001"}, "facility_id", "There is already a facility with the id"),
        ({"region": ""}, "region", "Give the region."),
        ({"name": "x" * 301}, "name", "Field cannot be longer than 300 characters."),
        (
            {"timezone": "Moscow"},
            "timezone",
            "&#39;Moscow&#39; is not a time zone; write an IANA name such as Europe/Moscow",
        ),
        ({"phone": "1" * 101}, "phone", "Field cannot be longer than 100 characters."),
    ],
)
def test_facility_problems_are_shown_next_to_their_field(
    app, client, demo, fields, field, message
) -> None:
    login(client, Accounts.national)
    response = post(client, "/facilities/new", facility_form(**fields))
    assert response.status_code == 400
    assert f'<small id="{field}-error" class="error">{message}' in text(response)
    assert count(app, Facility) == len(demo["dataset"].facilities)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_facility_text_is_stored_as_written_and_shown_escaped(
    app, client, demo, hostile
) -> None:
    login(client, Accounts.national)
    data = facility_form(facility_id=hostile, name=hostile, region=hostile, address=hostile)
    assert post(client, "/facilities/new", data).status_code == 302
    html = text(client.get("/facilities"))
    assert SCRIPT not in html
    assert html.count(ESCAPED[hostile]) >= 4
    with app.app_context():
        f = db.session.get(Facility, hostile)
        assert (f.name, f.region_label, f.address) == (hostile, hostile, hostile)
    edit = client.get(f"/facilities/{hostile}/edit")
    assert edit.status_code == 200 and SCRIPT not in text(edit)


def test_a_facility_keeps_its_time_zone_and_phone(app, client, demo) -> None:
    login(client, Accounts.regional)
    path = f"/facilities/{demo['facility']}/edit"
    data = facility_form(timezone=" asia/vladivostok ", phone="+7 423 200-00-00")
    assert post(client, path, data).status_code == 302
    with app.app_context():
        f = db.session.get(Facility, demo["facility"])
        assert (f.timezone, f.phone) == ("Asia/Vladivostok", "+7 423 200-00-00")
        entry = db.session.scalars(select(AuditEntry)).one()
        assert entry.detail["timezone"] == ["", "Asia/Vladivostok"]
    html = text(client.get(path))
    assert 'value="Asia/Vladivostok"' in html and 'value="+7 423 200-00-00"' in html
    assert 'type="tel"' in html
    assert post(client, path, facility_form(timezone="", phone="")).status_code == 302
    with app.app_context():
        f = db.session.get(Facility, demo["facility"])
        assert (f.timezone, f.phone) == ("", "")


def test_an_unknown_time_zone_is_refused_in_russian(app, client, demo) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    login(client, Accounts.national)
    response = post(client, "/facilities/new", facility_form(timezone="Mordor/Barad-dur"))
    assert response.status_code == 400
    assert "«Mordor/Barad-dur» — не часовой пояс; напишите имя IANA" in text(response)
    assert "Часовой пояс" in text(response)
    assert count(app, Facility) == len(demo["dataset"].facilities)
