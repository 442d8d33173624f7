"""Credentials in the web app: a coordinator uploads a credentials sheet (counted as verified
by them), a volunteer sees theirs with expiry dates, and only verified ones reach the engine."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.web.conftest import Accounts, login
from tests.web.test_coordination import text, upload, workbook
from web import models as m
from web import store
from web.models import db


def test_an_uploaded_credentials_sheet_replaces_the_named_volunteers_ones(app, client, demo):
    login(client, Accounts.national)
    named = demo["volunteer"]
    rows = [
        {
            "volunteer_id": named,
            "credential": "PCR test",
            "valid_from": dt.date(2020, 5, 17),
            "valid_until": dt.date(2020, 5, 23),
        },
        {"volunteer_id": named, "credential": "red zone training"},
    ]
    response = upload(client, workbook({"credentials": rows}), "credentials.xlsx")
    assert response.status_code == 302
    assert "Credentials of 1 volunteer(s) replaced (2 row(s))" in text(client.get("/volunteers"))
    with app.app_context():
        stored = db.session.scalars(
            select(m.Credential).where(m.Credential.volunteer_id == named)
        ).all()
        assert {c.credential for c in stored} == {"pcr_test", "red_zone_training"}
        account = db.session.scalars(select(m.User.id).where(m.User.email == Accounts.national))
        assert {c.verified_by for c in stored} == {account.one()}
        held = {c for c in store.load().credentials if c.volunteer_id == named}
        assert {c.credential for c in held} == {"pcr_test", "red_zone_training"}


def test_a_bad_row_stores_nothing_and_names_its_cell(app, client, demo):
    login(client, Accounts.national)
    rows = [
        {"volunteer_id": "NOBODY", "credential": "pcr_test"},
        {
            "volunteer_id": demo["volunteer"],
            "credential": "pcr_test",
            "valid_from": dt.date(2020, 5, 20),
            "valid_until": dt.date(2020, 5, 1),
        },
    ]
    with app.app_context():
        before = db.session.scalars(select(m.Credential.id)).all()
    response = upload(client, workbook({"credentials": rows}), "credentials.xlsx")
    assert response.status_code == 400
    html = text(response)
    assert "<td>credentials</td><td>2</td><td>volunteer_id</td>" in html
    assert "<td>credentials</td><td>3</td><td>valid_until</td>" in html
    with app.app_context():
        assert db.session.scalars(select(m.Credential.id)).all() == before


def test_a_volunteer_sees_their_credentials_and_unverified_ones_do_not_count(app, client, demo):
    named = demo["volunteer"]
    with app.app_context():
        db.session.add(
            m.Credential(
                volunteer_id=named,
                credential="pcr_test",
                valid_until=dt.date(2020, 5, 23),
                verified_at=m.utcnow(),
            )
        )
        db.session.add(m.Credential(volunteer_id=named, credential="licence"))  # unverified
        db.session.commit()
        held = {c.credential for c in store.load().credentials if c.volunteer_id == named}
        assert "licence" not in held and "pcr_test" in held
    login(client, Accounts.volunteer)
    page = text(client.get("/my/schedule"))
    assert "My credentials" in page and "pcr test" in page and "2020-05-23" in page
    assert "not yet verified by a coordinator" in page
