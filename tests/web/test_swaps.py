"""Swaps and approval: a volunteer offers a shift to a named colleague or to anyone who may take
it, a colleague takes it, the roster and both calendars follow; where the region asks for
approval, claims and swaps wait for a coordinator. Two takers at once: one wins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scheduler.outputs.calendars import assignment_uid
from scheduler.outputs.suggestions import suggest
from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.races import at_once
from tests.web.test_open_shifts import link, takers
from tests.web.test_publishing import published_pairs
from tests.web.test_schedule import at
from web import models as m
from web import schedule, shift_requests, store
from web.models import db

mailbox = mail.mailbox
app_config = mail.app_config
addressed = mail.addressed


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def swappable(app) -> tuple[str, str, list[str]]:
    """A volunteer (Accounts.volunteer's from now on), a shift they hold and the colleagues who
    could take it from them."""
    with app.app_context():
        dataset = store.load()
        pairs = store.roster_assignments(store.published().id)
    for need_id, giver in sorted(pairs):
        without = [p for p in pairs if p != (need_id, giver)]
        found = [c.volunteer_id for c in suggest(dataset, without, need_id).candidates]
        found = [v for v in found if v != giver and not c_moves(dataset, without, need_id, v)]
        if len(found) >= 2:
            link(app, Accounts.volunteer, giver)
            return giver, need_id, found
    pytest.fail("no shift of the demo could be swapped")


def c_moves(dataset, pairs, need_id: str, volunteer_id: str) -> bool:
    """The candidate needs a move first (not free to take it as things stand)."""
    found = suggest(dataset, pairs, need_id).candidates
    return any(c.volunteer_id == volunteer_id and c.moves for c in found)


def api(client):
    token = client.get("/api/csrf-token").get_json()["csrf_token"]
    return {"X-CSRFToken": token}


def signed_in(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


def ics(client) -> str:
    return client.get("/my/schedule.ics").get_data(as_text=True)


def event(calendar: str, uid: str) -> str:
    """The VEVENT of a calendar with this UID, unfolded."""
    text = calendar.replace("\r\n ", "")
    for block in text.split("BEGIN:VEVENT")[1:]:
        if f"UID:{uid}" in block:
            return block.split("END:VEVENT")[0]
    raise AssertionError(f"no event {uid}")


def test_a_named_colleague_takes_the_shift_and_everything_follows(app, addressed, mailbox):
    giver, need_id, colleagues = swappable(app)
    taker = colleagues[0]
    link(app, Accounts.other_volunteer, taker)
    a, b = signed_in(app, Accounts.volunteer), signed_in(app, Accounts.other_volunteer)
    with app.app_context():
        need = store.load().need_by_id[need_id]
    giver_uid, taker_uid = assignment_uid(need, giver), assignment_uid(need, taker)
    assert f"UID:{giver_uid}" in ics(a)
    offered = a.post(f"/api/my/shifts/{need_id}/offer", json={"to": taker}, headers=api(a))
    assert offered.status_code == 201, offered.get_json()
    assert (need_id, giver) in published_pairs(app)[1]  # an offer changes nothing yet
    assert any(mail.address(taker) in m_["To"] for m_ in mailbox.messages)
    mine = b.get("/api/my/swaps").get_json()["offered_to_me"]
    assert [o["need_id"] for o in mine] == [need_id]
    took = b.post(f"/api/swaps/{mine[0]['id']}/accept", headers=api(b))
    assert took.status_code == 201, took.get_json()
    pairs = published_pairs(app)[1]
    assert (need_id, taker) in pairs and (need_id, giver) not in pairs
    given_away = event(ics(a), giver_uid)
    assert "STATUS:CANCELLED" in given_away and "Cancelled:" in given_away
    assert "STATUS:CANCELLED" not in event(ics(b), taker_uid)
    told = [mail.text_of(x) for x in mailbox.messages if mail.address(giver) in x["To"]]
    assert any("took the shift you offered" in t for t in told)
    again = b.post(f"/api/swaps/{mine[0]['id']}/accept", headers=api(b))
    assert again.status_code == 409


def test_a_colleague_who_may_not_take_it_is_refused_with_the_rules(app, demo) -> None:
    giver, need_id, _ = swappable(app)
    with app.app_context():
        dataset = store.load()
    region = dataset.volunteer_by_id[giver].region
    stranger = next(v.id for v in dataset.volunteers if v.region != region)
    a = signed_in(app, Accounts.volunteer)
    answer = a.post(f"/api/my/shifts/{need_id}/offer", json={"to": stranger}, headers=api(a))
    assert answer.status_code == 409
    with app.app_context():
        assert db.session.scalars(select(m.ShiftRequest)).all() == []


def test_an_offer_to_anyone_withdrawn_cannot_be_taken(app, demo) -> None:
    giver, need_id, colleagues = swappable(app)
    link(app, Accounts.other_volunteer, colleagues[0])
    a, b = signed_in(app, Accounts.volunteer), signed_in(app, Accounts.other_volunteer)
    offered = a.post(f"/api/my/shifts/{need_id}/offer", json={}, headers=api(a)).get_json()
    twice = a.post(f"/api/my/shifts/{need_id}/offer", json={}, headers=api(a))
    assert twice.status_code == 409
    assert [o["id"] for o in b.get("/api/my/swaps").get_json()["offered_to_me"]] == [offered["id"]]
    assert b.post(f"/api/swaps/{offered['id']}/withdraw", headers=api(b)).status_code == 404
    assert a.post(f"/api/swaps/{offered['id']}/withdraw", headers=api(a)).status_code == 200
    assert b.post(f"/api/swaps/{offered['id']}/accept", headers=api(b)).status_code == 409
    assert (need_id, giver) in published_pairs(app)[1]


def test_only_ones_own_shift_can_be_offered(app, demo) -> None:
    other = next(n for n, v in sorted(demo["result"].assignments) if v == demo["other_volunteer"])
    a = signed_in(app, Accounts.volunteer)
    assert a.post(f"/api/my/shifts/{other}/offer", json={}, headers=api(a)).status_code == 404
    assert a.get(f"/my/shifts/{other}/offer").status_code == 404
    for email in (Accounts.national, Accounts.hospital):
        staff = signed_in(app, email)
        assert staff.get("/api/my/swaps").status_code == 403
        assert staff.get("/my/swaps").status_code == 403
        answer = staff.post(f"/api/my/shifts/{other}/offer", json={}, headers=api(staff))
        assert answer.status_code == 403
    assert app.test_client().get("/api/my/swaps").status_code == 401


def test_with_approval_a_claim_waits_for_a_coordinator(app, demo, mailbox) -> None:
    need_id, first, _ = takers(app, demo)
    link(app, Accounts.volunteer, first)
    with app.app_context():
        region = db.session.get(m.Volunteer, first).region
        shift_requests.set_approval(region, True)
        db.session.commit()
    v = signed_in(app, Accounts.volunteer)
    asked = v.post(f"/api/open-shifts/{need_id}/claim", headers=api(v))
    assert asked.status_code == 202 and asked.get_json()["waiting_for_approval"] is True
    assert (need_id, first) not in published_pairs(app)[1]
    assert v.post(f"/api/open-shifts/{need_id}/claim", headers=api(v)).status_code == 202
    with app.app_context():
        waiting = db.session.scalars(select(m.ShiftRequest)).all()
        assert [(r.kind, r.state) for r in waiting] == [("claim", "waiting")]  # asked once
        request_id = waiting[0].id
    other = signed_in(app, Accounts.other_regional)
    token = csrf_token(other, "/plan/requests")
    assert (
        other.post(f"/plan/requests/{request_id}/approve", data={"csrf_token": token}).status_code
        == 404
    )
    coordinator = signed_in(app, Accounts.national)
    page = coordinator.get("/plan/requests").get_data(as_text=True)
    assert f"/plan/requests/{request_id}/approve" in page
    token = csrf_token(coordinator, "/plan/requests")
    coordinator.post(f"/plan/requests/{request_id}/approve", data={"csrf_token": token})
    assert (need_id, first) in published_pairs(app)[1]
    with app.app_context():
        assert db.session.get(m.ShiftRequest, request_id).state == "done"


def test_an_approval_that_has_become_impossible_is_refused_and_told(app, demo, mailbox):
    need_id, first, second = takers(app, demo)
    link(app, Accounts.volunteer, first)
    link(app, Accounts.other_volunteer, second)
    with app.app_context():
        shift_requests.set_approval(db.session.get(m.Volunteer, first).region, True)
        db.session.commit()
    for email in (Accounts.volunteer, Accounts.other_volunteer):
        v = signed_in(app, email)
        assert v.post(f"/api/open-shifts/{need_id}/claim", headers=api(v)).status_code == 202
    with app.app_context():
        requests = db.session.scalars(select(m.ShiftRequest).order_by(m.ShiftRequest.id)).all()
        ids = [r.id for r in requests]
    coordinator = signed_in(app, Accounts.national)
    token = csrf_token(coordinator, "/plan/requests")
    for request_id in ids:  # the last place: the first approval takes it
        coordinator.post(f"/plan/requests/{request_id}/approve", data={"csrf_token": token})
    with app.app_context():
        states = [db.session.get(m.ShiftRequest, i).state for i in ids]
    assert states == ["done", "refused"]
    on_it = {v for n, v in published_pairs(app)[1] if n == need_id}
    assert first in on_it and second not in on_it


def test_two_colleagues_taking_one_offer_at_once_one_wins(app, demo) -> None:
    giver, need_id, colleagues = swappable(app)
    a = signed_in(app, Accounts.volunteer)
    offered = a.post(f"/api/my/shifts/{need_id}/offer", json={}, headers=api(a)).get_json()
    clients = []
    for k, volunteer_id in enumerate(colleagues[:2]):
        email = f"taker{k}@test.example"
        with app.app_context():
            from web.auth import hash_password

            db.session.add(
                m.User(
                    email=email,
                    name=email,
                    password_hash=hash_password("correct horse battery staple"),
                    role=m.Role.VOLUNTEER,
                    volunteer_id=volunteer_id,
                )
            )
            db.session.commit()
        client = app.test_client()
        login(client, email, "correct horse battery staple")
        clients.append((client, api(client)))
    path = f"/api/swaps/{offered['id']}/accept"
    answers = at_once(*(lambda c=c, h=h: c.post(path, headers=h).status_code for c, h in clients))
    assert sorted(answers) == [201, 409]
    on_it = {v for n, v in published_pairs(app)[1] if n == need_id}
    assert giver not in on_it and len(on_it & set(colleagues[:2])) == 1


@pytest.mark.parametrize("email", [Accounts.hospital, Accounts.volunteer], ids=["hosp", "vol"])
def test_only_coordinators_decide_requests(app, demo, email) -> None:
    client = signed_in(app, email)
    assert client.get("/plan/requests").status_code == 403
    token = csrf_token(client, "/password")
    for path in ("/plan/requests/1/approve", "/plan/requests/1/refuse", "/plan/requests/approval"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403


def test_a_regional_coordinator_sets_only_their_own_region(app, demo) -> None:
    client = signed_in(app, Accounts.regional)
    token = csrf_token(client, "/plan/requests")
    theirs = {"csrf_token": token, "region": demo["other_region"], "approval": "on"}
    assert client.post("/plan/requests/approval", data=theirs).status_code == 404
    own = theirs | {"region": demo["region"]}
    assert client.post("/plan/requests/approval", data=own).status_code == 302
    with app.app_context():
        assert shift_requests.approval_needed(demo["region"])
        assert not shift_requests.approval_needed(demo["other_region"])
    assert client.post("/plan/requests/999/approve", data={"csrf_token": token}).status_code == 404
