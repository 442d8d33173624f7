"""Open shifts: a volunteer sees the places they may take and takes one; the last place
claimed twice at once goes to exactly one of them (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from sqlalchemy import select, update

from scheduler.outputs.open_shifts import open_shifts
from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.races import at_once
from tests.web.test_publishing import published_pairs
from tests.web.test_schedule import at
from web import schedule, store
from web.models import AuditEntry, Facility, Need, ShiftAnswer, User, Volunteer, db

mailbox = mail.mailbox
app_config = mail.app_config


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def takers(app, demo) -> tuple[str, str, str]:
    """A need two volunteers of its region could both take were it to ask for one more, its
    count raised so: the solved demo leaves open only places nobody can take."""
    with app.app_context():
        dataset = store.load()
        pairs = store.roster_assignments(store.published().id)
    have = Counter(n for n, _ in pairs)
    wider = dataclasses.replace(
        dataset, needs=tuple(dataclasses.replace(n, count=have[n.id] + 1) for n in dataset.needs)
    )
    needs = [n.id for n in wider.needs]
    found: dict[str, list[str]] = {}
    for volunteer in wider.volunteers:
        for offer in open_shifts(wider, pairs, volunteer.id, needs):
            found.setdefault(offer.need_id, []).append(volunteer.id)
    need_id = next(n for n, people in sorted(found.items()) if len(people) >= 2)
    last_place(app, need_id)
    first, second = found[need_id][:2]
    return need_id, first, second


def link(app, email: str, volunteer_id: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.email == email).values(volunteer_id=None))
        db.session.execute(
            update(User).where(User.volunteer_id == volunteer_id).values(volunteer_id=None)
        )
        db.session.execute(
            update(User).where(User.email == email).values(volunteer_id=volunteer_id)
        )
        db.session.commit()


def last_place(app, need_id: str) -> None:
    """The need asks for exactly one more than it has."""
    with app.app_context():
        have = sum(1 for n, _ in store.roster_assignments(store.published().id) if n == need_id)
        db.session.execute(update(Need).where(Need.id == need_id).values(count=have + 1))
        db.session.commit()


def test_a_volunteer_sees_a_place_and_takes_it(app, client, demo, mailbox) -> None:
    need_id, volunteer_id, _ = takers(app, demo)
    link(app, Accounts.volunteer, volunteer_id)
    login(client, Accounts.volunteer)
    page = client.get("/my/open-shifts").get_data(as_text=True)
    assert f'action="/my/open-shifts/{need_id}/claim"' in page
    listed = client.get("/api/open-shifts").get_json()["open_shifts"]
    assert need_id in {o["need_id"] for o in listed}
    response = client.post(
        f"/my/open-shifts/{need_id}/claim",
        data={"csrf_token": csrf_token(client, "/my/open-shifts")},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/my/schedule"
    assert (need_id, volunteer_id) in published_pairs(app)[1]
    with app.app_context():
        assert db.session.get(ShiftAnswer, (need_id, volunteer_id)).answer == "confirmed"
        assert db.session.scalars(select(AuditEntry.action)).all()[-1] == "claim"
    assert any("New shifts:" in mail.text_of(m) for m in mailbox.messages)
    again = client.get("/api/open-shifts").get_json()["open_shifts"]
    assert need_id not in {o["need_id"] for o in again}


def test_a_place_not_offered_is_refused_in_words(app, client, demo) -> None:
    takers(app, demo)
    mine = next(n for n, v in sorted(demo["result"].assignments) if v == demo["volunteer"])
    login(client, Accounts.volunteer)
    headers = {"X-CSRFToken": client.get("/api/csrf-token").get_json()["csrf_token"]}
    refused = client.post(f"/api/open-shifts/{mine}/claim", headers=headers)  # already theirs
    assert refused.status_code == 409 and "cannot take" in refused.get_json()["error"]["message"]
    gone = client.post("/api/open-shifts/NO-SUCH-NEED/claim", headers=headers)
    assert gone.status_code == 409 and "no longer posted" in gone.get_json()["error"]["message"]


def test_staff_get_403(app, demo) -> None:
    for email in (Accounts.national, Accounts.hospital):
        client = app.test_client()
        login(client, email)
        token = client.get("/api/csrf-token").get_json()["csrf_token"]
        assert client.get("/my/open-shifts").status_code == 403
        assert client.get("/api/open-shifts").status_code == 403
        headers = {"X-CSRFToken": token}
        assert client.post("/api/open-shifts/N00001/claim", headers=headers).status_code == 403


def test_two_claims_of_the_last_place_at_once_one_wins(app, demo) -> None:
    need_id, first, second = takers(app, demo)
    link(app, Accounts.volunteer, first)
    link(app, Accounts.other_volunteer, second)
    clients = []
    for email in (Accounts.volunteer, Accounts.other_volunteer):
        client = app.test_client()
        login(client, email)
        token = client.get("/api/csrf-token").get_json()["csrf_token"]
        clients.append((client, {"X-CSRFToken": token}))
    path = f"/api/open-shifts/{need_id}/claim"
    answers = at_once(*(lambda c=c, h=h: c.post(path, headers=h).status_code for c, h in clients))
    assert sorted(answers) == [201, 409]
    on_it = {v for n, v in published_pairs(app)[1] if n == need_id}
    assert len(on_it & {first, second}) == 1
    with app.app_context():
        assert len(on_it) == db.session.get(Need, need_id).count  # never over its count


def test_places_not_offered_are_explained_by_the_rules(app, client, demo) -> None:
    _, first, _ = takers(app, demo)
    with app.app_context():  # every need asks for one more: open places everywhere
        for need in db.session.scalars(select(Need)):
            need.count += 1
        db.session.commit()
    link(app, Accounts.volunteer, first)
    login(client, Accounts.volunteer)
    page = client.get("/my/open-shifts").get_data(as_text=True)
    assert "Other open places, and why they are not for you" in page
    offered = {o["need_id"] for o in client.get("/api/open-shifts").get_json()["open_shifts"]}
    with app.app_context():
        region = db.session.get(Volunteer, first).region
        mine = {
            n
            for n, f in db.session.execute(select(Need.id, Need.facility_id))
            if db.session.get(Facility, f).region == region
        }
    held = {n for n, v in published_pairs(app)[1] if v == first}
    refused_need = sorted(mine - offered - held)[0]
    headers = {"X-CSRFToken": client.get("/api/csrf-token").get_json()["csrf_token"]}
    answer = client.post(f"/api/open-shifts/{refused_need}/claim", headers=headers)
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["reasons"], error  # the rules that forbid it, each in words
    rules = {"role", "region and distance", "availability", "weekly shifts", "weekly hours"}
    rules |= {"rest", "consecutive days", "capacity", "declined", "on shift"}
    assert {r["rule"] for r in error["reasons"]} <= rules
    assert all(r["why"] in error["message"] for r in error["reasons"])
