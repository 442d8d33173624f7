"""E-mail through Flask-Mailman: an SMTP server when one is set, files under instance/ when not.

Settings (SCHEDULER_* in the environment): `MAIL_SERVER`, `MAIL_PORT`,
`MAIL_USERNAME`, `MAIL_PASSWORD`, `MAIL_USE_TLS` (STARTTLS), `MAIL_USE_SSL`,
`MAIL_FROM` (the sender's address) and `MAIL_TIMEOUT` (seconds, 30 by
default: a stuck server must not hold the worker). Without `MAIL_SERVER`
each message is written to a file in `instance/mail/` (Flask-Mailman's
file backend), so `make run` works without a mail server and shows what
would have been sent; `MAIL_BACKEND` names another backend outright.
"""

from __future__ import annotations

import smtplib
from email.utils import make_msgid
from pathlib import Path

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail

mail = Mail()

DEFAULT_SENDER = "volunteer-scheduler@localhost"


def init_app(app: Flask) -> None:
    config = app.config
    if not config.get("MAIL_BACKEND"):
        if config.get("MAIL_SERVER"):
            config["MAIL_BACKEND"] = "smtp"
        elif not app.testing:
            config["MAIL_BACKEND"] = "file"
    if config.get("MAIL_BACKEND") == "file" and not config.get("MAIL_FILE_PATH"):
        config["MAIL_FILE_PATH"] = str(Path(app.instance_path) / "mail")
    config.setdefault("MAIL_DEFAULT_SENDER", config.get("MAIL_FROM") or DEFAULT_SENDER)
    config.setdefault("MAIL_TIMEOUT", 30)
    mail.init_app(app)
    from web.outbox import quiet_hours

    quiet_hours(config.get("QUIET_HOURS", "22-8"))  # a wrong setting stops the app, in words


def where() -> str:
    """Where mail goes, in words for the log and `make run`."""
    config = current_app.config
    if config.get("MAIL_BACKEND") == "file":
        return f"files in {config['MAIL_FILE_PATH']} (no SCHEDULER_MAIL_SERVER set)"
    if config.get("MAIL_BACKEND") == "smtp":
        return f"SMTP at {config.get('MAIL_SERVER')}:{config.get('MAIL_PORT', 25)}"
    return f"the {config.get('MAIL_BACKEND') or 'locmem'} backend"


def send(recipient: str, subject: str, text: str, html: str, key: str) -> None:
    """One message, plain text with an HTML alternative; raises whatever the server refused.

    The Message-ID is made from the notice's key, so a mail program can tell
    a copy resent by hand from a new message.
    """
    domain = str(current_app.config["MAIL_DEFAULT_SENDER"]).rpartition("@")[2] or "localhost"
    # Opened here, so it is closed whatever happens: the backend's own send leaves the
    # socket open when the server refuses a recipient.
    with mail.get_connection() as connection:
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[recipient],
            headers={"Message-ID": make_msgid(idstring=_safe(key), domain=domain)},
            connection=connection,
        )
        message.attach_alternative(html, "text/html")
        message.send()


def refusal(exc: Exception) -> str:
    """What went wrong in the server's own words: '550 5.1.1 mailbox unavailable'."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(words)}" for address, (code, words) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, OSError):  # refused connection, timeout, unknown host
        return f"{current_app.config.get('MAIL_SERVER')}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _text(words: bytes | str) -> str:
    return words.decode("utf-8", "replace") if isinstance(words, bytes) else words


def _safe(key: str) -> str:
    """The key as a Message-ID part: letters, digits, dots and dashes only."""
    return "".join(c if c.isascii() and (c.isalnum() or c in ".-") else "-" for c in key)[:100]
