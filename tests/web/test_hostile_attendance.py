"""Absurd values at the doors of credentials, attendance, hours and certificates: never a
server error, and nothing stored that makes no sense."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.web.conftest import Accounts, csrf_token, login
from tests.web.test_schedule import at
from web import models as m
from web import schedule
from web.models import db

ABSURD = [
    "",
    " ",
    "9999-99-99",
    "0001-01-01",
    "9999-12-31",
    "0001-01-10",
    "31.02.2020",
    "-1",
    "1e309",
    "nan",
    "inf",
    "\x00",
    "<script>alert(1)</script>",
    "'; DROP TABLE attendance; --",
    "я" * 5000,
    "24:61",
    "99:99",
    "00:00:00",
]


@pytest.fixture(autouse=True)
def after_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 25, 12))


def signed_in(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("value", ABSURD)
def test_absurd_values_never_break_a_page(app, demo, value) -> None:
    need_id, volunteer_id = sorted(demo["result"].assignments)[0]
    national = signed_in(app, Accounts.national)
    hospital = signed_in(app, Accounts.hospital)
    volunteer = signed_in(app, Accounts.volunteer)
    public = app.test_client()
    pages = [
        (national, "get", "/attendance", {"date": value}),
        (national, "get", "/api/attendance", {"date": value}),
        (national, "get", "/hours", {"from": value, "to": value, "region": value}),
        (national, "get", "/hours", {"from": value, "format": "csv"}),
        (national, "get", "/hours", {"to": value}),
        (volunteer, "get", "/my/hours", {"to": value}),
        (national, "get", "/plan/credentials", {"region": value}),
        (volunteer, "get", "/my/hours", {"from": value, "to": value}),
        (volunteer, "get", "/api/my/hours", {"from": value}),
        (volunteer, "get", "/my/hours/certificate.pdf", {"from": value, "to": "2020-05-31"}),
        (public, "get", "/certificates", {"code": value}),
        (public, "get", f"/certificates/{value or 'x'}", {}),
    ]
    for client, method, url, args in pages:
        answer = getattr(client, method)(url, query_string=args)
        assert answer.status_code < 500, (url, args)
    marks = count(app, m.Attendance)
    for client in (national, hospital):
        token = client.get("/api/csrf-token").get_json()["csrf_token"]
        for body in (
            {"status": value},
            {"status": "partial", "start": value},
            {"status": "partial", "end": value},
            {"status": "present", "start": value, "end": value},
            value,
            [value],
        ):
            answer = client.post(
                f"/api/attendance/{need_id}/{volunteer_id}",
                json=body,
                headers={"X-CSRFToken": token},
            )
            assert answer.status_code < 500, body
        form = {"csrf_token": csrf_token(client, "/attendance"), "status": value, "start": value}
        answer = client.post(f"/attendance/{need_id}/{volunteer_id}", data=form)
        assert answer.status_code < 500
    if value:  # an empty time is the planned one: a mark that makes sense
        assert count(app, m.Attendance) == marks  # nothing absurd was stored
    check_in = {"csrf_token": csrf_token(volunteer, "/my/schedule"), "lat": value, "lon": value}
    assert volunteer.post(f"/my/shifts/{need_id}/check-in", data=check_in).status_code < 500
    credentials = count(app, m.Credential)
    page = f"/volunteers/{demo['volunteer']}/credentials"
    sent = {
        "csrf_token": csrf_token(national, page),
        "credential": value,
        "valid_from": value,
        "valid_until": value,
        "evidence": (io.BytesIO(value.encode("utf-8", "surrogatepass")), "x.pdf"),
    }
    answer = national.post(page, data=sent, content_type="multipart/form-data")
    assert answer.status_code < 500
    assert count(app, m.Credential) == credentials
    refusal = {"csrf_token": csrf_token(national, "/credentials"), "reason": value}
    assert national.post("/credentials/999999/refuse", data=refusal).status_code < 500
