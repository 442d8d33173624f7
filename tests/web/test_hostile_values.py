"""Absurd values at every door: each is a 4xx that says where and what, and nothing is stored.

One row with a year of 9999 used to break every solve of its region and
every roster download; a count of 2**63 or a 1 MB name reached the database.
The engine's cell readers now bound them, so the API, the forms and the
uploads (CSV and xlsx) refuse them alike.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.web.conftest import Accounts, csrf_token, login
from tests.web.faults import RefusedWrites
from tests.web.test_api import NEED, error_of
from tests.web.test_api import signed_in as api_headers
from tests.web.test_coordination import csv_file, facility_form, upload, volunteer
from tests.web.test_needs import form as need_form
from tests.web.test_needs import upload as upload_needs
from web.models import Facility, Need, User, Volunteer, db


def stored(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def needs_csv(**values) -> bytes:
    return csv_file("needs", [{"facility_id": "", **NEED, "priority": 2} | values])


def needs_xlsx(**values) -> bytes:
    row = {"facility_id": "", **NEED, "priority": 2} | values
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "needs"
    sheet.append(list(row))
    sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


IN_FIVE_YEARS = (dt.date.today() + dt.timedelta(days=5 * 365)).isoformat()
BAD_NEEDS = [
    ({"date": "0001-01-01"}, "date", "dates from 1900-01-01 to 2199-12-31 are accepted"),
    ({"date": "9999-12-31"}, "date", "dates from 1900-01-01 to 2199-12-31 are accepted"),
    ({"date": IN_FIVE_YEARS}, "date", "is outside the dates needs are taken for"),
    ({"count": 1_000_000}, "count", "1000000 is out of range; it must be from 1 to 1000"),
    ({"count": 1e30}, "count", "1e+30 is out of range; it must be from 1 to 1000"),
    ({"count": 2**63}, "count", "9.22337e+18 is out of range; it must be from 1 to 1000"),
    ({"need_id": "N" * 32_001}, "need_id", "(32,001 characters) is too long; at most 100"),
    ({"role": "nurse\x00"}, "role", "NUL"),
    ({"need_id": "N1\r\nN2"}, "need_id", "holds a line break; write it on one line"),
]


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        *BAD_NEEDS,
        ({"count": 10**400}, "count", "1e+400 is far too large a number"),  # past any float
        ({"start": 10**400}, "start", "1e+400 is not a time"),
    ],
)
def test_the_api_refuses_an_absurd_need(client, app, demo, values, column, message) -> None:
    headers = api_headers(client, Accounts.hospital)
    before = stored(app, Need)
    body = {**NEED, "facility_id": demo["facility"], **values}
    response = client.post("/api/needs", json=body, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    [problem] = error_of(response)["problems"]
    assert problem["column"] == column and message in problem["message"]
    assert len(problem["message"]) < 300  # a 32,001-character id is not repeated whole
    assert stored(app, Need) == before


@pytest.mark.parametrize(
    ("values", "column", "message"), [b for b in BAD_NEEDS if "need_id" not in b[0]]
)
def test_the_need_form_refuses_an_absurd_need(client, app, demo, values, column, message) -> None:
    login(client, Accounts.hospital)
    token = csrf_token(client, "/needs/new")
    before = stored(app, Need)
    posted = need_form(demo, **{k: str(v) for k, v in values.items()}, csrf_token=token)
    response = client.post("/needs/new", data=posted)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app, Need) == before


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"date": "0001-01-01"}, "dates from 1900-01-01 to 2199-12-31 are accepted"),
        ({"date": dt.date(9999, 12, 31)}, "dates from 1900-01-01 to 2199-12-31 are accepted"),
        ({"date": IN_FIVE_YEARS}, "is outside the dates needs are taken for"),
        ({"count": 10**30}, "1e+30 is out of range"),
    ],
)
def test_an_upload_with_an_absurd_need_stores_nothing(client, app, demo, kind, values, message):
    login(client, Accounts.hospital)
    token = csrf_token(client, "/needs/upload")
    before = stored(app, Need)
    make = needs_csv if kind == "csv" else needs_xlsx
    data = make(facility_id=demo["facility"], **values)
    response = upload_needs(client, token, data, f"needs.{kind}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app, Need) == before


def test_the_window_for_new_needs_is_a_setting(client, app, demo) -> None:
    app.config["NEED_DAYS_AHEAD"] = 6 * 365
    headers = api_headers(client, Accounts.hospital)
    body = {**NEED, "facility_id": demo["facility"], "date": IN_FIVE_YEARS}
    assert client.post("/api/needs", json=body, headers=headers).status_code == 201


def test_a_need_older_than_the_window_keeps_its_date_and_may_change_its_count(
    client, app, demo
) -> None:
    """The window is for new or moved needs: a 2020 need's count still changes."""
    app.config["NEED_DAYS_BACK"] = 30
    need = demo["dataset"].needs[0]
    headers = api_headers(client, Accounts.national)
    response = client.patch(f"/api/needs/{need.id}", json={"count": 3}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    moved = client.patch(f"/api/needs/{need.id}", json={"date": "2020-05-26"}, headers=headers)
    assert moved.status_code == 400
    assert "is outside the dates needs are taken for" in error_of(moved)["problems"][0]["message"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("facility_id", "F9\r\nX", "holds a line break; write it on one line"),
        ("facility_id", "F" * 101, "Field cannot be longer than 100 characters"),
        ("name", "City\x00Hospital", "holds a NUL byte; delete it"),
        ("name", "N" * 2**20, "Field cannot be longer than 300 characters"),
        ("region", "North\nSouth", "holds a line break"),
        ("address", "1 Main\x1bSt", "holds the control character U+001B"),
    ],
)
def test_the_facility_form_refuses_what_an_upload_would(client, app, demo, field, value, message):
    login(client, Accounts.national)
    token = csrf_token(client, "/facilities/new")
    before = stored(app, Facility)
    response = client.post(
        "/facilities/new", data=facility_form(**{field: value}) | {"csrf_token": token}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app, Facility) == before


def test_a_volunteer_list_with_an_overlong_name_stores_nothing(client, app, demo) -> None:
    login(client, Accounts.national)
    before = stored(app, Volunteer)
    rows = [volunteer("V90001"), volunteer("V90002", name="N" * 100_000)]
    response = upload(client, csv_file("volunteers", rows), "volunteers.csv")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "(100,000 characters) is too long; at most 300 characters are accepted" in page
    assert len(page) < 50_000  # the name is not repeated whole
    rows[1]["name"] = "N" * 2**20  # past what a CSV cell holds
    response = upload(client, csv_file("volunteers", rows), "volunteers.csv")
    assert response.status_code == 400
    assert "field larger than field limit (131072)" in response.get_data(as_text=True)
    assert stored(app, Volunteer) == before


def test_an_account_name_with_a_nul_byte_is_refused(client, app, demo) -> None:
    login(client, Accounts.national)
    token = csrf_token(client, "/accounts/new")
    before = stored(app, User)
    response = client.post(
        "/accounts/new",
        data={
            "name": "Eve\x00",
            "email": "eve@test.example",
            "password": "a long enough password",
            "role": "national",
            "csrf_token": token,
        },
    )
    assert response.status_code in (200, 400)
    assert "holds a NUL byte" in response.get_data(as_text=True)
    assert stored(app, User) == before


@pytest.mark.parametrize("page", ["/volunteers", "/accounts", "/audit", "/plan/rosters"])
@pytest.mark.parametrize("number", ["99999999999999999999", "-5", "0", "x", "1e9"])
def test_any_page_number_gives_a_page(client, demo, page, number) -> None:
    login(client, Accounts.national)
    assert client.get(f"{page}?page={number}").status_code == 200


# --- what a write tells about other people's data --------------------------------------------


def test_another_hospitals_need_id_is_only_said_to_be_taken(client, app, demo) -> None:
    """A read answers 404; a write may not say more than that the id cannot be had."""
    theirs = next(n for n in demo["dataset"].needs if n.facility_id == demo["other_facility"])
    headers = api_headers(client, Accounts.hospital)
    assert client.get(f"/api/needs/{theirs.id}").status_code == 404
    body = {**NEED, "facility_id": demo["facility"], "need_id": theirs.id}
    response = client.post("/api/needs", json=body, headers=headers)
    assert response.status_code == 400
    [problem] = error_of(response)["problems"]
    assert problem["message"] == f"'{theirs.id}' is already taken; use another need_id"
    assert demo["other_facility"] not in response.get_data(as_text=True)


def test_another_regions_volunteer_is_answered_as_an_unknown_one(client, app, demo) -> None:
    theirs = next(v for v in demo["dataset"].volunteers if v.region != demo["region"].lower())
    login(client, Accounts.regional)
    listed = upload(client, csv_file("volunteers", [volunteer(theirs.id)]), "volunteers.csv")
    assert listed.status_code == 400
    page = listed.get_data(as_text=True)
    assert f"&#39;{theirs.id}&#39; is already taken; use another volunteer_id" in page
    assert theirs.region not in page.lower()
    windows = [{"volunteer_id": theirs.id, "day": "Mon", "start": "08:00", "end": "16:00"}]
    nobody = [dict(windows[0], volunteer_id="V99999")]
    answers = [
        upload(client, csv_file("availability", rows), "availability.csv").get_data(as_text=True)
        for rows in (windows, nobody)
    ]
    assert (
        "is neither in this file&#39;s volunteers sheet nor among the volunteers you manage"
        in (answers[0])
    )
    # the same page but for the id; a CSRF token carries its second, so it may differ too
    same = [CSRF_INPUT.sub("<csrf>", a) for a in answers]
    assert same[0].replace(theirs.id, "V99999") == same[1]


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


# --- a database that will not take the write -----------------------------------------------


@pytest.fixture
def refused(app):
    refusal = RefusedWrites(app)
    yield refusal
    refusal.close()


def test_a_change_the_database_refuses_is_a_503_that_says_so(client, app, demo, refused) -> None:
    """Read-only or full: every write path answers in the database's words, never a 500."""
    headers = api_headers(client, Accounts.national)
    token = csrf_token(client, "/plan/solves")
    before = stored(app, Need)
    refused.on.set()
    api = client.post("/api/needs", json={**NEED, "facility_id": demo["facility"]}, headers=headers)
    page = client.post(
        "/plan/solves", data={"scope": "national", "time_limit": 60, "csrf_token": token}
    )
    refused.on.clear()
    assert (api.status_code, page.status_code) == (503, 503)
    said = error_of(api)["message"]
    assert said.startswith("This change was not stored: the database refused it (")
    assert "readonly database" in said or "read-only transaction" in said
    assert said.endswith("Tell whoever runs the server.")
    assert "the database refused it" in page.get_data(as_text=True)
    assert stored(app, Need) == before
