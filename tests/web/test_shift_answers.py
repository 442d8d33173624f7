"""Confirm or decline a shift from the link in a notice, without signing in."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import select

from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.mail import address, text_of
from tests.web.test_publishing import make_draft, publish, published_pairs, signed_in
from tests.web.test_schedule import at
from web import jobs, replanning, schedule, shift_answers, store
from web.models import AuditEntry, Facility, ShiftAnswer, Volunteer, db
from web.store import rosters

mailbox = mail.mailbox
app_config = mail.app_config

LINK = re.compile(r"https://scheduler\.test/shift/([\w.-]+)")


@pytest.fixture(autouse=True)
def before_the_demo_week(monkeypatch) -> None:
    from tests.web.test_schedule import at

    monkeypatch.setattr(schedule, "now", lambda: at(2020, 5, 1, 12))


def a_pair(demo) -> tuple[str, str]:
    here = {n.id for n in demo["dataset"].needs if n.facility_id == demo["facility"]}
    return next((n, v) for n, v in sorted(demo["result"].assignments) if n in here)


def link(app, pair) -> str:
    with app.test_request_context():
        return f"/shift/{shift_answers.token_for(*pair)}"


def answer(client, url: str, choice: str):
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "answer": choice})


def answer_of(app, pair) -> str | None:
    with app.app_context():
        row = db.session.get(ShiftAnswer, pair)
        return row.answer if row else None


def test_the_notice_links_to_its_shift_and_opening_it_changes_nothing(app, client, demo, mailbox):
    pairs = set(demo["result"].assignments)
    need_id, _ = a_pair(demo)
    other = next(v.id for v in demo["dataset"].volunteers if (need_id, v.id) not in pairs)
    with app.app_context():
        db.session.get(Volunteer, other).email = address(other)
        db.session.commit()
    login(client, Accounts.national)
    publish(client, make_draft(app, pairs | {(need_id, other)}))
    [message] = mailbox.of(address(other))
    url = "/shift/" + LINK.search(text_of(message)).group(1)
    anonymous = app.test_client()
    page = anonymous.get(url)
    assert page.status_code == 200
    assert "I will come" in page.get_data(as_text=True)
    assert answer_of(app, (need_id, other)) is None


def test_a_confirmation_shows_on_the_hospitals_and_the_coordinators_pages(app, client, demo):
    pair = a_pair(demo)
    response = answer(client, link(app, pair), "confirmed")
    assert response.status_code == 302
    assert "your shift is confirmed" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert answer_of(app, pair) == "confirmed"
    hospital = signed_in(app, Accounts.hospital)
    day = demo["dataset"].need_by_id[pair[0]].date.isoformat()
    needs_page = hospital.get(f"/needs?facility={demo['facility']}&date={day}")
    assert "✓ confirmed" in needs_page.get_data(as_text=True)
    coordinator = signed_in(app, Accounts.national)
    assert "✓ confirmed" in coordinator.get(f"/plan/facilities/{demo['facility']}").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.action)).all()[-1] == "confirm"


def test_a_decline_opens_the_place_and_mails_the_regions_coordinators(app, client, demo, mailbox):
    pair = a_pair(demo)
    response = answer(client, link(app, pair), "declined")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "You are off this shift" in page.get_data(as_text=True)
    _, now = published_pairs(app)
    assert pair not in now
    assert answer_of(app, pair) == "declined"
    with app.app_context():
        region = db.session.get(Facility, demo["facility"]).region
    told = {Accounts.national} | (
        {Accounts.regional} if region == demo["region"] else {Accounts.other_regional}
    )
    assert mailbox.to() == sorted(told)
    text = text_of(mailbox.messages[0])
    assert "cannot come to this shift" in text
    assert f"https://scheduler.test/plan/needs/{pair[0]}/cover" in text


def test_a_declined_shift_is_never_given_back_by_a_publish_or_a_solve(app, client, demo):
    pair = a_pair(demo)
    answer(client, link(app, pair), "declined")
    national = signed_in(app, Accounts.national)
    publish(
        national, make_draft(app, set(demo["result"].assignments) - {demo["result"].assignments[0]})
    )
    assert pair not in published_pairs(app)[1]
    with app.app_context():
        dataset = jobs.scoped_input(jobs.NATIONAL)
        baseline = replanning.baseline_for(dataset, store.published(), at(2020, 1, 1, 12))
    assert pair in baseline.declined
    assert pair not in set(solve(dataset, Settings(time_limit=30), baseline=baseline).assignments)


def test_a_started_shift_cannot_be_declined_by_link(app, client, demo, monkeypatch):
    from tests.web.test_schedule import at

    pair = a_pair(demo)
    start = demo["dataset"].need_by_id[pair[0]].start
    monkeypatch.setattr(schedule, "now", lambda: at(start.year, start.month, start.day, 23, 59))
    page = client.get(link(app, pair)).get_data(as_text=True)
    assert "It is too late to say so here" in page and 'value="declined"' not in page
    answer_page = client.post(
        link(app, pair),
        data={"csrf_token": csrf_token(client, link(app, pair)), "answer": "declined"},
    )
    assert answer_page.status_code == 302
    assert pair in published_pairs(app)[1] and answer_of(app, pair) is None


@pytest.mark.parametrize("damage", ["forged", "cut", "expired"])
def test_a_bad_link_says_so_and_changes_nothing(app, client, demo, monkeypatch, damage):
    pair = a_pair(demo)
    url = link(app, pair)
    if damage == "forged":
        url = url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB")
    elif damage == "cut":
        url = url[: len(url) // 2]
    else:
        monkeypatch.setattr(shift_answers, "LINK_DAYS", -1)
    page = client.get(url)
    assert page.status_code == 404
    assert "This link does not work" in page.get_data(as_text=True)
    assert client.post(url, data={"answer": "declined"}).status_code in (400, 404)
    assert pair in published_pairs(app)[1]


def test_a_decline_while_a_colleague_publishes_lands_on_the_roster_published(
    app, demo, monkeypatch
):
    """The publisher is held inside its lock, having read the declines; the decline comes
    meanwhile, waits for the lock, and then takes the volunteer off the new roster."""
    pair = a_pair(demo)
    draft_id = make_draft(app, set(demo["result"].assignments) - {demo["result"].assignments[-1]})
    inside, go = threading.Event(), threading.Event()
    reading = rosters.declined_pairs

    def held() -> set[tuple[str, str]]:
        found = reading()
        inside.set()
        go.wait(10)
        return found

    publisher = signed_in(app, Accounts.national)
    volunteer = app.test_client()
    url = link(app, pair)
    token = csrf_token(volunteer, url)
    monkeypatch.setattr(rosters, "declined_pairs", held)
    answers: dict[str, object] = {}
    publishing = threading.Thread(target=lambda: answers.update(p=publish(publisher, draft_id)))
    publishing.start()
    assert inside.wait(10)
    declining = threading.Thread(
        target=lambda: answers.update(
            d=volunteer.post(url, data={"csrf_token": token, "answer": "declined"})
        )
    )
    declining.start()
    time.sleep(0.5)
    go.set()
    publishing.join(30)
    declining.join(30)
    monkeypatch.setattr(rosters, "declined_pairs", reading)
    assert answers["p"].status_code == 200 and answers["d"].status_code == 302
    with app.app_context():
        assert store.published().summary.get("draft") == draft_id
    assert pair not in published_pairs(app)[1]
