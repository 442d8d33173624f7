"""A volunteer says from their own page (or the API) that they will come or cannot, until the
cut-off before the shift; after it, whom to call. Only their own shifts; staff get 403."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.test_publishing import published_pairs
from tests.web.test_schedule import at, own_needs
from web import schedule
from web.models import AuditEntry, Facility, ShiftAnswer, db

mailbox = mail.mailbox
app_config = mail.app_config


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def answer(client, need_id: str, choice: str):
    token = csrf_token(client, "/my/schedule")
    return client.post(f"/my/shifts/{need_id}/answer", data={"csrf_token": token, "answer": choice})


def test_the_page_offers_both_answers_and_records_a_confirmation(app, client, demo) -> None:
    need = own_needs(demo, demo["volunteer"])[0]
    login(client, Accounts.volunteer)
    page = client.get("/my/schedule").get_data(as_text=True)
    assert f'action="/my/shifts/{need.id}/answer"' in page and "I cannot come" in page
    assert answer(client, need.id, "confirmed").status_code == 302
    page = client.get("/my/schedule").get_data(as_text=True)
    assert "your shift is confirmed" in page and "✓ You have confirmed this shift." in page
    with app.app_context():
        row = db.session.get(ShiftAnswer, (need.id, demo["volunteer"]))
        assert row is not None and row.answer == "confirmed"


def test_declining_from_the_page_takes_them_off_and_tells_the_coordinators(
    app, client, demo, mailbox
) -> None:
    need = own_needs(demo, demo["volunteer"])[0]
    login(client, Accounts.volunteer)
    assert answer(client, need.id, "declined").status_code == 302
    assert (need.id, demo["volunteer"]) not in published_pairs(app)[1]
    assert Accounts.national in mailbox.to()
    page = client.get("/my/schedule").get_data(as_text=True)
    assert "You are off this shift" in page


def test_after_the_cut_off_the_page_says_whom_to_call(app, client, demo, monkeypatch) -> None:
    need = own_needs(demo, demo["volunteer"])[0]
    with app.app_context():
        db.session.get(Facility, need.facility_id).phone = "+7 812 000-00-00"
        db.session.commit()
    just_before = need.start - dt.timedelta(hours=11)
    monkeypatch.setattr(schedule, "now", lambda: just_before.replace(tzinfo=at(2020, 1, 1).tzinfo))
    login(client, Accounts.volunteer)
    page = client.get("/my/schedule").get_data(as_text=True)
    assert "less than 12 hours before the shift): call the hospital, +7 812 000-00-00" in page
    assert answer(client, need.id, "declined").status_code == 302
    assert (need.id, demo["volunteer"]) in published_pairs(app)[1]  # nothing changed
    assert "call the hospital" in client.get("/my/schedule").get_data(as_text=True)


def test_another_volunteers_shift_is_404_and_staff_get_403(app, demo) -> None:
    theirs = own_needs(demo, demo["other_volunteer"])[0]
    mine = own_needs(demo, demo["volunteer"])[0]
    volunteer = app.test_client()
    login(volunteer, Accounts.volunteer)
    if theirs.id not in {n.id for n in own_needs(demo, demo["volunteer"])}:
        assert answer(volunteer, theirs.id, "declined").status_code == 404
        assert (
            volunteer.post(
                f"/api/my/shifts/{theirs.id}/decline",
                json={},
                headers={"X-CSRFToken": volunteer.get("/api/csrf-token").get_json()["csrf_token"]},
            ).status_code
            == 404
        )
    assert (theirs.id, demo["other_volunteer"]) in published_pairs(app)[1]
    for email in (Accounts.national, Accounts.hospital):
        staff = app.test_client()
        login(staff, email)
        token = staff.get("/api/csrf-token").get_json()["csrf_token"]
        form = {"csrf_token": token, "answer": "declined"}
        assert staff.post(f"/my/shifts/{mine.id}/answer", data=form).status_code == 403
        headers = {"X-CSRFToken": token}
        assert (
            staff.post(f"/api/my/shifts/{mine.id}/decline", json={}, headers=headers).status_code
            == 403
        )


def test_the_api_declines_with_a_reason_or_says_why_not(app, client, demo, mailbox, monkeypatch):
    first = own_needs(demo, demo["volunteer"])[0]
    second = own_needs(demo, demo["other_volunteer"])[0]
    login(client, Accounts.volunteer)
    headers = {"X-CSRFToken": client.get("/api/csrf-token").get_json()["csrf_token"]}
    bad = client.post(f"/api/my/shifts/{first.id}/decline", json={"reason": 5}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["problems"][0]["column"] == "reason"
    long = client.post(
        f"/api/my/shifts/{first.id}/decline", json={"reason": "x" * 501}, headers=headers
    )
    assert long.status_code == 400
    done = client.post(
        f"/api/my/shifts/{first.id}/decline", json={"reason": "exam moved"}, headers=headers
    )
    assert done.status_code == 200 and done.get_json() == {"need_id": first.id, "declined": True}
    assert any(
        "They said why: exam moved" in m.get_body(("plain",)).get_content()
        for m in mailbox.messages
    )
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "decline")).one()
        assert entry.detail["reason"] == "exam moved"
    late = second.start - dt.timedelta(hours=1)
    monkeypatch.setattr(schedule, "now", lambda: late.replace(tzinfo=at(2020, 1, 1).tzinfo))
    other = app.test_client()
    login(other, Accounts.other_volunteer)
    headers = {"X-CSRFToken": other.get("/api/csrf-token").get_json()["csrf_token"]}
    refused = other.post(f"/api/my/shifts/{second.id}/decline", json={}, headers=headers)
    assert refused.status_code == 409 and "too late" in refused.get_json()["error"]["message"]
