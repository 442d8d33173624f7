"""The second channel: Telegram (and SMS) through apprise, tested to a local HTTP endpoint.

No test can reach Telegram, so the site's Telegram and SMS URL templates point
at apprise's plain JSON notifier (`json://`), posting to an HTTP server this
module starts; everything else (linking a chat through the bot's webhook, the
outbox, retries) is the real path.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from tests.web import mail
from tests.web.conftest import Accounts, csrf_token, login
from tests.web.test_notices import three_changes
from tests.web.test_publishing import make_draft, publish
from web.models import AuditEntry, Notice, NoticeState, User, Volunteer, db

mailbox = mail.mailbox
SECRET = "webhook-secret-for-tests"


class Inbox:
    """What the HTTP endpoint was sent: (path, JSON body); `status` is what it answers."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.status = 200

    def to(self, chat: str) -> list[dict]:
        return [body for path, body in self.received if path.rstrip("/").endswith(f"/{chat}")]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            box.received.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
            self.send_response(box.status)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.port = server.server_address[1]  # type: ignore[attr-defined]
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(mailbox, inbox) -> dict:
    port = inbox.port  # type: ignore[attr-defined]
    return mail.app_config.__wrapped__(mailbox) | {
        "TELEGRAM_BOT_TOKEN": "123456:test-token",
        "TELEGRAM_BOT_NAME": "staffing_test_bot",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_URL": f"json://127.0.0.1:{port}/telegram/{{chat}}",
        "SMS_URL": f"json://127.0.0.1:{port}/sms/{{phone}}",
    }


def telegram_update(chat: int, text: str) -> dict:
    return {
        "update_id": 1,
        "message": {"message_id": 7, "chat": {"id": chat, "type": "private"}, "text": text},
    }


def link_chat(app, client, chat: int) -> None:
    """The volunteer connects Telegram from their page; the bot's webhook gets /start <code>."""
    login(client, Accounts.volunteer)
    token = csrf_token(client, "/my/schedule")
    client.post("/my/telegram", data={"csrf_token": token})
    page = client.get("/my/schedule").get_data(as_text=True)
    code = re.search(r"https://t\.me/staffing_test_bot\?start=([\w-]+)", page).group(1)
    response = app.test_client().post(
        f"/telegram/{SECRET}",
        json=telegram_update(chat, f"/start {code}"),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200


def test_a_volunteer_links_their_chat_through_the_bot(app, client, demo, inbox):
    link_chat(app, client, 4242)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.volunteer)).one()
        assert (user.telegram_chat, user.telegram_link) == ("4242", None)
        assert db.session.scalars(select(AuditEntry.action)).all()[-1] == "link"
    [greeting] = inbox.to("4242")
    assert greeting["title"] == "Connected" and "will come here too" in greeting["message"]
    page = client.get("/my/schedule").get_data(as_text=True)
    assert "Disconnect Telegram" in page


@pytest.mark.parametrize(
    ("path", "headers", "body"),
    [
        (
            "/telegram/wrong",
            {"X-Telegram-Bot-Api-Secret-Token": SECRET},
            telegram_update(1, "/start x"),
        ),
        (
            f"/telegram/{SECRET}",
            {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            telegram_update(1, "/start x"),
        ),
    ],
)
def test_the_webhook_refuses_a_wrong_secret(app, demo, path, headers, body):
    assert app.test_client().post(path, json=body, headers=headers).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"message": "x"},
        {"message": {"chat": {}, "text": 5}},
        telegram_update(9, "hello"),
        telegram_update(9, "/start not-a-code"),
        telegram_update(9, "/start " + "x" * 5000),
    ],
)
def test_anything_else_telegram_sends_is_taken_and_ignored(app, demo, inbox, body):
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    client = app.test_client()
    if body is None:
        response = client.post(f"/telegram/{SECRET}", data=b"\xff not json", headers=headers)
    else:
        response = client.post(f"/telegram/{SECRET}", json=body, headers=headers)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.telegram_chat.is_not(None))) is None
    assert inbox.received == []


def test_a_publish_tells_a_linked_volunteer_in_telegram_and_by_mail(
    app, client, demo, inbox, mailbox
):
    pairs, who = three_changes(demo)
    with app.app_context():
        db.session.execute(
            update(User).where(User.email == Accounts.volunteer).values(volunteer_id=who["added"])
        )
        db.session.execute(update(Volunteer).values(email=""))  # only the account's address
        db.session.commit()
    link_chat(app, client, 777)
    national = app.test_client()
    login(national, Accounts.national)
    publish(national, make_draft(app, pairs))
    [message] = inbox.to("777")[1:]  # after the greeting
    assert message["title"] == "Your shifts have changed"
    assert (
        "New shifts:" in message["message"]
        and "https://scheduler.test/shift/" in message["message"]
    )
    assert mailbox.to() == [Accounts.volunteer]
    with app.app_context():
        rows = db.session.scalars(select(Notice).where(Notice.volunteer_id == who["added"])).all()
    assert sorted((n.channel, n.state) for n in rows) == [("email", "sent"), ("telegram", "sent")]


def test_a_refusing_service_is_retried_and_reported_like_mail(app, client, demo, inbox):
    from web import outbox
    from web.models import utcnow

    link_chat(app, client, 555)
    inbox.status = 500
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == Accounts.volunteer)).one()
        db.session.execute(update(Volunteer).values(email=""))
        db.session.execute(update(User).values(email_notices=False))
        db.session.commit()
        person = outbox.recipients([user.volunteer_id])[user.volunteer_id]
        assert person.channels == {"telegram": "555"}
        outbox.post(
            [
                {
                    "key": "t-1",
                    "to": person,
                    "kind": "roster_changed",
                    "payload": {"name": "A", "added": [], "removed": []},
                }
            ]
        )
        db.session.commit()
        now = utcnow()
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.send_due(now)
            now = db.session.scalars(select(Notice)).one().next_attempt_at
        notice = db.session.scalars(select(Notice)).one()
        assert notice.state == NoticeState.FAILED and notice.channel == "telegram"
        assert (
            notice.last_error
            == "Failed to send JSON POST notification: Internal server error., error=500."
        )


def test_sms_goes_to_the_listed_phone_when_the_volunteer_turned_it_on(
    app, client, demo, inbox, mailbox
):
    pairs, who = three_changes(demo)
    with app.app_context():
        db.session.execute(
            update(User).where(User.email == Accounts.volunteer).values(volunteer_id=who["moved"])
        )
        db.session.get(Volunteer, who["moved"]).phone = "+7 912 000-00-07"
        db.session.commit()
    login(client, Accounts.volunteer)
    token = csrf_token(client, "/my/schedule")
    form = {
        "csrf_token": token,
        "email_notices": "y",
        "sms_notices": "y",
        "remind_hours": "24",
        "locale": "en",
    }
    assert client.post("/my/notices", data=form).status_code == 302
    national = app.test_client()
    login(national, Accounts.national)
    publish(national, make_draft(app, pairs))
    [text] = inbox.to("+79120000007")
    assert "Moved shifts:" in text["message"]
