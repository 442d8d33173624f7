"""Notices by e-mail, through a real SMTP server (aiosmtpd) started by the tests.

Every volunteer is given an address, so "exactly those" means something: a
publish mails the volunteers whose shifts it changes and nobody else; a
withdrawn need mails the people rostered on it; a refused delivery is
retried with back-off and then reported; a sender that stops between
sending and marking never sends the notice again.
"""

from __future__ import annotations

import datetime as dt
import email
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from tests.web.conftest import Accounts, csrf_token, login
from tests.web.test_publishing import make_draft, publish
from web import notices, outbox, store
from web.models import Notice, NoticeState, Roster, User, Volunteer, db, utcnow


class Mailbox:
    """An SMTP handler that keeps what it is given, and refuses the addresses in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def to(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)

    def of(self, address: str) -> list[Message]:
        return [m for m in self.messages if str(m["To"]) == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture
def app_config(mailbox: Mailbox) -> dict:
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,  # type: ignore[attr-defined]
        "MAIL_FROM": "staffing@scheduler.test",
        "SITE_URL": "https://scheduler.test",
        "NOTICE_RETRY_SECONDS": 60,
    }


def address(volunteer_id: str) -> str:
    return f"{volunteer_id.lower()}@volunteers.test"


@pytest.fixture
def addressed(app, demo) -> dict:
    """Every volunteer has an e-mail address."""
    with app.app_context():
        for volunteer in db.session.scalars(select(Volunteer)):
            volunteer.email = address(volunteer.id)
        db.session.commit()
    return demo


def text_of(message: Message) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def html_of(message: Message) -> str:
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def three_changes(demo) -> tuple[set, dict[str, str]]:
    """The published roster with one volunteer taken off a shift, one given a shift and one
    moved to another shift of the same day; the three ids by what happened to them."""
    dataset, pairs = demo["dataset"], set(demo["result"].assignments)
    needs = dataset.need_by_id
    on = {}
    for n, v in pairs:
        on.setdefault(n, set()).add(v)
    n1, gone = min(pairs)
    given = next(v.id for v in dataset.volunteers if v.id not in on[n1] and v.id != gone)
    moved, n2, n3 = next(
        (v, n, other.id)
        for n, v in sorted(pairs)
        if v not in (gone, given)
        for other in dataset.needs
        if other.date == needs[n].date and other.id != n and v not in on.get(other.id, set())
    )
    changed = pairs - {(n1, gone), (n2, moved)} | {(n1, given), (n3, moved)}
    return changed, {"removed": gone, "added": given, "moved": moved}


# --- publishing ---------------------------------------------------------------------------------


def test_a_publish_mails_exactly_the_volunteers_whose_shifts_change(
    app, client, addressed, mailbox
):
    pairs, who = three_changes(addressed)
    draft_id = make_draft(app, pairs)
    login(client, Accounts.national)
    assert publish(client, draft_id).status_code == 200
    assert mailbox.to() == sorted(address(v) for v in who.values())
    dataset = addressed["dataset"]
    removed = text_of(mailbox.of(address(who["removed"]))[0])
    assert "Shifts you no longer have (do not come):" in removed
    assert "New shifts:" not in removed
    added = mailbox.of(address(who["added"]))[0]
    assert str(added["Subject"]) == "Your shifts have changed"
    assert "New shifts:" in text_of(added) and "Moved shifts:" not in text_of(added)
    moved = text_of(mailbox.of(address(who["moved"]))[0])
    assert "Moved shifts:" in moved and "was: " in moved
    for message in mailbox.messages:
        assert "https://scheduler.test/my/schedule" in text_of(message)
        assert 'href="https://scheduler.test/my/schedule"' in html_of(message)
        assert str(message["From"]) == "staffing@scheduler.test"
        assert "Europe/Moscow time" in text_of(message)
    facility = dataset.facility_by_id[dataset.need_by_id[sorted(pairs)[0][0]].facility_id]
    assert any(facility.name in text_of(m) for m in mailbox.messages)
    with app.app_context():
        states = set(db.session.scalars(select(Notice.state)))
    assert states == {NoticeState.SENT}


def test_publishing_the_same_change_again_tells_nobody_twice(app, client, addressed, mailbox):
    pairs, _ = three_changes(addressed)
    login(client, Accounts.national)
    publish(client, make_draft(app, pairs))
    with app.app_context():
        roster = store.published()
        assert notices.roster_published(store.previous_published(roster), roster) == 0
        db.session.commit()
        assert outbox.send_due(utcnow() + dt.timedelta(days=1)) == 0
    assert len(mailbox.messages) == 3


def test_the_notice_is_in_the_volunteers_language(app, client, addressed, mailbox):
    pairs, who = three_changes(addressed)
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.email == Accounts.volunteer)
            .values(volunteer_id=who["added"], locale="ru")
        )
        db.session.execute(
            update(Volunteer).where(Volunteer.id == who["added"]).values(email="")
        )  # the account's address is used when the list has none
        db.session.commit()
    login(client, Accounts.national)
    publish(client, make_draft(app, pairs))
    [russian] = mailbox.of(Accounts.volunteer)
    assert str(russian["Subject"]) == "Ваши смены изменились"
    assert "Новые смены:" in text_of(russian)
    assert 'lang="ru"' in html_of(russian)


# --- withdrawing a need -------------------------------------------------------------------------


def test_a_withdrawn_need_mails_its_volunteers_and_nobody_else(app, client, addressed, mailbox):
    demo = addressed
    here = {n.id for n in demo["dataset"].needs if n.facility_id == demo["facility"]}
    need_id = next(n for n, _ in sorted(demo["result"].assignments) if n in here)
    rostered = {v for n, v in demo["result"].assignments if n == need_id}
    login(client, Accounts.hospital)
    token = csrf_token(client, f"/needs/{need_id}/withdraw")
    response = client.post(
        f"/needs/{need_id}/withdraw", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert response.status_code == 302
    assert mailbox.to() == sorted(address(v) for v in rostered)
    for message in mailbox.messages:
        assert "is off" in str(message["Subject"])
        assert "Do not come" in text_of(message)


# --- delivery: retries, reports, never twice ----------------------------------------------------


def post_one(app, demo) -> int:
    volunteer_id = demo["volunteer"]
    with app.app_context():
        outbox.post(
            [
                {
                    "key": "test-1",
                    "volunteer_id": volunteer_id,
                    "recipient": address(volunteer_id),
                    "language": "en",
                    "kind": "roster_changed",
                    "payload": {
                        "roster": 1,
                        "name": "Anna",
                        "added": [],
                        "moved": [],
                        "removed": [],
                    },
                }
            ]
        )
        db.session.commit()
        return db.session.scalar(select(Notice.id))


def state_of(app, notice_id: int) -> Notice:
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        db.session.expunge(notice)
        return notice


def test_a_refused_delivery_is_retried_with_back_off_and_then_reported(app, addressed, mailbox):
    notice_id = post_one(app, addressed)
    mailbox.refuse.add(address(addressed["volunteer"]))
    now = utcnow()
    waits = []
    with app.app_context():
        for _ in range(outbox.MAX_ATTEMPTS):
            assert outbox.send_due(now) == 0
            notice = db.session.get(Notice, notice_id)
            waits.append((notice.next_attempt_at - now).total_seconds())
            assert outbox.send_due(now) == 0  # not due again yet: nothing is tried
            now = notice.next_attempt_at
    final = state_of(app, notice_id)
    assert final.state == NoticeState.FAILED and final.attempts == outbox.MAX_ATTEMPTS
    assert "550" in final.last_error and "mailbox unavailable" in final.last_error
    assert waits[:4] == [60, 120, 240, 480]
    assert mailbox.messages == []


def test_a_delivery_refused_once_goes_out_on_the_retry(app, addressed, mailbox):
    notice_id = post_one(app, addressed)
    mailbox.refuse.add(address(addressed["volunteer"]))
    with app.app_context():
        outbox.send_due()
        mailbox.refuse.clear()
        assert outbox.send_due(utcnow() + dt.timedelta(minutes=2)) == 1
    assert state_of(app, notice_id).state == NoticeState.SENT
    assert len(mailbox.messages) == 1


class Crash(BaseException):
    """The sender's process dies: nothing after it runs."""


def test_a_sender_that_stops_between_sending_and_marking_never_sends_twice(
    app, addressed, mailbox, monkeypatch
):
    notice_id = post_one(app, addressed)

    def crash(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(outbox, "_sent", crash)
    with app.app_context(), pytest.raises(Crash):
        outbox.send_due()
    monkeypatch.undo()
    assert len(mailbox.messages) == 1
    with app.app_context():
        db.session.rollback()
        assert outbox.send_due() == 0  # a new sender: the notice is not due, it is "sending"
        assert outbox.send_due(utcnow() + outbox.STUCK_AFTER * 2) == 0
    assert len(mailbox.messages) == 1
    final = state_of(app, notice_id)
    assert (final.state, final.last_error) == (NoticeState.FAILED, outbox.STOPPED_MID_SEND)


def test_two_senders_at_once_send_each_notice_once(app, addressed, mailbox):
    pairs, who = three_changes(addressed)
    draft_id = make_draft(app, pairs)
    with app.app_context():
        draft = db.session.get(Roster, draft_id)
        roster = store.publish_draft(draft, None)
        notices.roster_published(store.previous_published(roster), roster)
        db.session.commit()
    start = threading.Barrier(2, timeout=10)
    counts: list[int] = []

    def sender() -> None:
        with app.app_context():
            start.wait()
            counts.append(outbox.send_due())

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(counts) == 3
    assert mailbox.to() == sorted(address(v) for v in who.values())


# --- the coordinators' page ---------------------------------------------------------------------


def test_a_failed_notice_is_shown_with_its_reason_and_can_be_sent_again(
    app, client, addressed, mailbox
):
    notice_id = post_one(app, addressed)
    mailbox.refuse.add(address(addressed["volunteer"]))
    now = utcnow()
    with app.app_context():
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.send_due(now)
            now += dt.timedelta(hours=1)
    login(client, Accounts.national)
    page = client.get("/plan/notices?state=failed").get_data(as_text=True)
    assert "550 5.1.1 mailbox unavailable" in page and address(addressed["volunteer"]) in page
    assert "Send again" in page
    mailbox.refuse.clear()
    token = csrf_token(client, "/plan/notices")
    response = client.post(f"/plan/notices/{notice_id}/resend", data={"csrf_token": token})
    assert response.status_code == 302
    assert state_of(app, notice_id).state == NoticeState.SENT  # woken: sent at once
    assert len(mailbox.messages) == 1
    again = client.post(f"/plan/notices/{notice_id}/resend", data={"csrf_token": token})
    assert "has not failed" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(mailbox.messages) == 1


def test_a_regional_coordinator_sees_only_their_regions_notices(app, client, addressed):
    post_one(app, addressed)  # to the test volunteer, of the first region
    with app.app_context():
        region = db.session.get(Volunteer, addressed["volunteer"]).region
    mine = Accounts.regional if region == addressed["region"] else Accounts.other_regional
    theirs = Accounts.other_regional if mine == Accounts.regional else Accounts.regional
    login(client, mine)
    assert address(addressed["volunteer"]) in client.get("/plan/notices").get_data(as_text=True)
    client = app.test_client()
    login(client, theirs)
    page = client.get("/plan/notices").get_data(as_text=True)
    assert address(addressed["volunteer"]) not in page and "No notices yet." in page
    with app.app_context():
        notice_id = db.session.scalar(select(Notice.id))
    token = csrf_token(client, "/plan/notices")
    assert (
        client.post(f"/plan/notices/{notice_id}/resend", data={"csrf_token": token}).status_code
        == 404
    )


def test_hospital_staff_and_volunteers_cannot_see_notices(app, addressed):
    for who in (Accounts.hospital, Accounts.volunteer):
        client = app.test_client()
        login(client, who)
        assert client.get("/plan/notices").status_code == 403
