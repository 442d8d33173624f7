"""A real SMTP server (aiosmtpd) for the tests of notices, and an app that mails through it.

A test module takes the fixtures by name: `mailbox = mail.mailbox` and
`app_config = mail.app_config` (the latter replaces conftest's, so the app
of each test in that module mails through the test's server).
"""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from web.models import Volunteer, db


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


@contextmanager
def running_mailbox() -> Iterator[Mailbox]:
    """An SMTP server on a free local port for as long as the block runs; `.port` names it."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture
def app_config(mailbox: Mailbox) -> dict:
    return mail_settings(mailbox)


def mail_settings(mailbox: Mailbox) -> dict:
    """The app's settings for sending through the test's mail server, at once."""
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,  # type: ignore[attr-defined]
        "MAIL_FROM": "staffing@scheduler.test",
        "SITE_URL": "https://scheduler.test",
        "NOTICE_RETRY_SECONDS": 60,
        "QUIET_HOURS": "",  # each test that wants them sets them
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
