"""Cover cases: an open place of the published roster, the engine's candidates, invitations in
waves by real mail, the first to accept gets it, and coordinators alerted near the start."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.test_open_shifts import takers
from tests.web.test_publishing import published_pairs
from tests.web.test_schedule import at
from web import cover_cases, schedule
from web import models as m
from web.models import Invitation, db

mailbox = mail.mailbox
app_config = mail.app_config
addressed = mail.addressed
LINK = re.compile(r"https://scheduler\.test(/invitation/[^\s\"<]+)")


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


@pytest.fixture
def opened(app, addressed) -> tuple[str, str, str]:
    """A need with one open place that at least two volunteers could take."""
    return takers(app, addressed)


def invite(client, need_id: str):
    token = csrf_token(client, f"/cover/{need_id}")
    return client.post(f"/cover/{need_id}/invite", data={"csrf_token": token})


def links(mailbox) -> dict[str, str]:
    """Each invited address's link to take the place."""
    found = {}
    for message in mailbox.messages:
        match = LINK.search(mail.text_of(message))
        if match:
            found[message["To"]] = match.group(1)
    return found


def test_the_hospital_sees_the_open_place_and_its_candidates(app, client, opened) -> None:
    need_id, first, second = opened
    login(client, Accounts.national)
    cases = client.get("/cover", headers={"Accept": "application/json"}).get_json()["cases"]
    case = next(c for c in cases if c["need_id"] == need_id)
    assert case["open"] == 1 and case["invited"] == 0
    assert "after the roster was published" in case["opened_by"]
    page = client.get(f"/cover/{need_id}").get_data(as_text=True)
    with app.app_context():
        names = [db.session.get(m.Volunteer, v).name for v in (first, second)]
    assert all(name in page for name in names)
    assert f'action="/cover/{need_id}/invite"' in page


def test_invited_volunteers_are_mailed_and_the_first_to_accept_gets_it(
    app, client, opened, mailbox
) -> None:
    need_id, first, second = opened
    login(client, Accounts.national)
    response = invite(client, need_id)
    assert response.status_code == 302
    with app.app_context():
        invited = set(db.session.scalars(select(Invitation.volunteer_id)))
    assert {first, second} <= invited
    sent = links(mailbox)
    assert set(sent) == {mail.address(v) for v in invited}
    winner, loser = app.test_client(), app.test_client()  # no sign-in: the link is the key
    page = winner.get(sent[mail.address(first)])
    assert page.status_code == 200 and "Take this shift" in page.get_data(as_text=True)
    assert need_id not in {n for n, v in published_pairs(app)[1] if v == first}  # opening: nothing
    token = csrf_token(winner, sent[mail.address(first)])
    took = winner.post(sent[mail.address(first)], data={"csrf_token": token, "answer": "accepted"})
    assert "This shift is yours" in winner.get(took.location).get_data(as_text=True)
    assert (need_id, first) in published_pairs(app)[1]
    token = csrf_token(loser, sent[mail.address(second)])
    late = loser.post(sent[mail.address(second)], data={"csrf_token": token, "answer": "accepted"})
    assert "Someone else took this place first" in loser.get(late.location).get_data(as_text=True)
    assert (need_id, second) not in published_pairs(app)[1]
    with app.app_context():
        assert db.session.get(Invitation, (need_id, first)).answer == "accepted"
        assert db.session.get(Invitation, (need_id, second)).answer == ""
    cases = client.get("/cover", headers={"Accept": "application/json"}).get_json()["cases"]
    assert need_id not in {c["need_id"] for c in cases}


def test_a_forged_or_foreign_link_takes_nothing(app, client, opened) -> None:
    need_id, first, _ = opened
    assert client.get("/invitation/not-a-token").status_code == 404
    from web import invitations

    with app.test_request_context():
        uninvited = invitations.token_for(need_id, first)  # signed, but nobody invited them
    assert client.get(f"/invitation/{uninvited}").status_code == 404
    assert (need_id, first) not in published_pairs(app)[1]


def test_waves_follow_and_coordinators_are_alerted_once(app, client, opened, mailbox, monkeypatch):
    need_id, _, _ = opened
    login(client, Accounts.national)
    with app.app_context():
        need = db.session.get(m.Need, need_id)
        start = need.start
    app.config["COVER_ALERT_HOURS"] = 6
    monkeypatch.setattr(cover_cases, "WAVE_SIZE", 1)
    invite(client, need_id)
    with app.app_context():
        assert db.session.get(m.CoverCase, need_id).waves == 1
        first_wave = set(db.session.scalars(select(Invitation.volunteer_id)))
        assert cover_cases.advance() == 0  # the wave is fresh, the start far
        later = m.utcnow() + dt.timedelta(minutes=31)
        monkeypatch.setattr(m, "utcnow", lambda: later)
        assert cover_cases.advance() >= 1
        assert db.session.get(m.CoverCase, need_id).waves == 2
        assert set(db.session.scalars(select(Invitation.volunteer_id))) > first_wave
        # five hours before the start, at the facility
        soon = start.replace(tzinfo=schedule.now().tzinfo) - dt.timedelta(hours=5)
        monkeypatch.setattr(schedule, "now", lambda: soon)
        cover_cases.advance()
        cover_cases.advance()
        alerts = db.session.scalars(select(m.Notice).where(m.Notice.kind == "cover_alert")).all()
        coordinators = db.session.scalars(
            select(m.User.id).where(m.User.role.in_([m.Role.NATIONAL, m.Role.REGIONAL]))
        ).all()
        assert 0 < len(alerts) <= len(coordinators)  # once each, to the region's and national
        assert db.session.get(m.CoverCase, need_id).alerted_at is not None


@pytest.mark.parametrize(
    ("email", "status"),
    [(Accounts.other_hospital, 404), (Accounts.other_regional, 404), (Accounts.volunteer, 403)],
    ids=["other-hospital", "other-region", "volunteer"],
)
def test_out_of_scope_the_case_is_not_there(app, client, opened, email, status) -> None:
    need_id, _, _ = opened
    login(client, email)
    assert client.get(f"/cover/{need_id}").status_code == status
    token = csrf_token(client, "/password")
    answer = client.post(f"/cover/{need_id}/invite", data={"csrf_token": token})
    assert answer.status_code == status
    with app.app_context():
        assert db.session.scalars(select(Invitation)).all() == []
