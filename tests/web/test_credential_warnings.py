"""Before a credential runs out: a test two days ahead, a training thirty, nothing for one
renewed in time, once each; the coordinators a list of those whose published shifts need it.
And the dashboard's places waiting for a credential, per credential and day."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, update

from scheduler.outputs.credential_gaps import wanting
from tests.web import mail
from tests.web.conftest import Accounts, login
from tests.web.mail import address, text_of
from tests.web.test_schedule import at
from web import credential_expiry, outbox, schedule, store
from web import models as m
from web.models import db

mailbox = mail.mailbox
app_config = mail.app_config
addressed = mail.addressed

D = dt.date.fromisoformat
TODAY = D("2020-05-01")


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def held(app, volunteer_id: str, *rows: tuple[str, str | None, str | None]) -> None:
    with app.app_context():
        db.session.execute(delete(m.Credential).where(m.Credential.volunteer_id == volunteer_id))
        for credential, first, last in rows:
            db.session.add(
                m.Credential(
                    volunteer_id=volunteer_id,
                    credential=credential,
                    valid_from=D(first) if first else None,
                    valid_until=D(last) if last else None,
                    verified_at=m.utcnow(),
                )
            )
        db.session.commit()


def nothing_asked(app) -> None:
    """No credential held by anyone and none asked for by any shift: no coordinator is told."""
    with app.app_context():
        db.session.execute(delete(m.Credential))
        db.session.execute(update(m.Need).values(requires=""))
        db.session.commit()


def warned(app) -> list[tuple[str, str]]:
    with app.app_context():
        credential_expiry.warn()
        db.session.commit()
        outbox.send_due()
        rows = db.session.execute(
            select(m.Notice.kind, m.Notice.payload).where(m.Notice.kind.like("credential%"))
        ).all()
    return sorted((kind, payload.get("credential", "")) for kind, payload in rows)


def test_a_test_is_warned_of_two_days_ahead_and_a_training_thirty(app, addressed, mailbox):
    named = addressed["volunteer"]
    nothing_asked(app)
    held(
        app,
        named,
        ("pcr_test", "2020-04-27", "2020-05-03"),  # a week's test, last day in two days
        ("flu_test", "2020-04-29", "2020-05-05"),  # last day in four: not yet
        ("red_zone_training", None, "2020-05-25"),  # 24 days ahead
        ("licence", "2019-06-01", "2020-06-15"),  # 45 days ahead: not yet
    )
    assert warned(app) == [
        ("credential_expiring", "pcr_test"),
        ("credential_expiring", "red_zone_training"),
    ]
    assert mailbox.to() == [address(named)] * 2
    said = " ".join(text_of(message) for message in mailbox.messages)
    assert "Your pcr test is valid until 2020-05-03" in said
    assert "/my/credentials" in said
    # once each: the hourly run again posts nothing new
    assert len(warned(app)) == 2


def test_a_credential_renewed_in_time_is_not_warned_of(app, addressed):
    named = addressed["volunteer"]
    nothing_asked(app)
    held(
        app,
        named,
        ("pcr_test", "2020-04-27", "2020-05-02"),
        ("pcr_test", "2020-05-03", "2020-05-09"),  # carries on the next day
        ("flu_test", "2020-04-27", "2020-05-02"),
        ("flu_test", "2020-05-05", "2020-05-11"),  # a gap of two days: still warned
    )
    assert warned(app) == [("credential_expiring", "flu_test")]


def test_coordinators_get_the_volunteers_whose_published_shifts_need_it(app, addressed, mailbox):
    named = addressed["volunteer"]
    nothing_asked(app)
    with app.app_context():
        roster = store.published()
        need_id = db.session.scalars(
            select(m.Assignment.need_id).where(
                m.Assignment.roster_id == roster.id, m.Assignment.volunteer_id == named
            )
        ).first()
        need = db.session.get(m.Need, need_id)
        need.requires = "pcr_test"
        region = db.session.get(m.Volunteer, named).region
        db.session.commit()
    held(app, named, ("pcr_test", "2020-04-27", "2020-05-03"))
    assert warned(app) == [  # one list for the national coordinator, one for the region's
        ("credential_expiring", "pcr_test"),
        ("credentials_at_risk", ""),
        ("credentials_at_risk", ""),
    ]
    regional = Accounts.regional if region == addressed["region"] else Accounts.other_regional
    assert sorted(set(mailbox.to()) - {address(named)}) == sorted([Accounts.national, regional])
    digest = next(
        text_of(message) for message in mailbox.messages if message["To"] == Accounts.national
    )
    assert named in digest and "pcr test" in digest and "1 shift" in digest
    volunteer_mail = next(
        text_of(message) for message in mailbox.messages if message["To"] == address(named)
    )
    assert "You are on 1 shift after that day that requires it" in volunteer_mail
    # the coordinators' page lists it too, with the shift at risk
    client = app.test_client()
    login(client, regional)
    page = client.get("/credentials").get_data(as_text=True)
    assert named in page and "Running out and not renewed" in page


def test_the_dashboard_lists_places_waiting_for_a_credential_as_the_engine_counts(app, demo):
    client = app.test_client()
    login(client, Accounts.national)
    with app.app_context():
        expected = wanting(store.load(), store.roster_assignments(store.published().id))
    assert expected, "the demo has red-zone places nobody holding a test can take"
    page = client.get("/plan/credentials").get_data(as_text=True)
    for gap in expected:
        assert f"<td>{gap.places}</td>" in page
    assert "pcr test" in page
    assert "/plan/credentials" in client.get("/plan").get_data(as_text=True)
    hospital = app.test_client()
    login(hospital, Accounts.hospital)
    assert hospital.get("/plan/credentials").status_code == 403
    regional = app.test_client()
    login(regional, Accounts.regional)
    with app.app_context():
        inside = store.region_facilities(demo["region"])
        mine = wanting(*_cut(inside))
    shown = regional.get("/plan/credentials").get_data(as_text=True)
    outside = {g.facilities for g in expected} - {g.facilities for g in mine}
    for facilities in outside:
        for facility_id in facilities:
            if facility_id not in inside:
                assert f"facility/{facility_id}" not in shown and f'/{facility_id}"' not in shown


def _cut(inside):
    from web import dashboard

    return dashboard.scoped_roster(store.published(), inside)
