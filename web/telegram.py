"""Linking a volunteer's Telegram chat to their account, through the site's bot.

1. On their page the volunteer presses "Connect Telegram": their account
   gets a one-time code, and the page shows `https://t.me/<bot>?start=<code>`.
2. Telegram opens the bot; pressing Start sends `/start <code>` to it, and
   Telegram posts that message to this site's webhook,
   `/telegram/<TELEGRAM_WEBHOOK_SECRET>` (set with the Bot API's
   `setWebhook`, the same secret as its `secret_token`; docs/production.md).
3. The webhook finds the account by the code, stores the chat and forgets
   the code, and the bot says so in the chat.

The webhook answers 200 to anything Telegram sends (it retries otherwise)
and 404 to a wrong secret; it never says whether a code was known.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user
from sqlalchemy import select

from web import audit, messenger
from web import models as m
from web.access import roles_required
from web.models import Role, db

bp = Blueprint("telegram", __name__)
log = logging.getLogger(__name__)


def start_url(code: str) -> str:
    return f"https://t.me/{current_app.config['TELEGRAM_BOT_NAME']}?start={code}"


@bp.post("/my/telegram")
@roles_required(Role.VOLUNTEER)
def link():
    """A new one-time code for the bot, or (with `unlink`) the chat forgotten."""
    if not messenger.telegram_on():
        abort(404)
    if request.form.get("unlink") == "yes":
        current_user.telegram_chat = None
        current_user.telegram_link = None
        audit.record("unlink", "telegram", str(current_user.id))
        db.session.commit()
        flash(gettext("Telegram is disconnected: messages come by e-mail only."))
    else:
        current_user.telegram_link = secrets.token_urlsafe(24)  # 32 characters: [A-Za-z0-9_-]
        db.session.commit()
    return redirect(url_for("schedule.show", _anchor="notices-title"))


@bp.post("/telegram/<secret>")
def webhook(secret: str):
    expected = str(current_app.config.get("TELEGRAM_WEBHOOK_SECRET") or "").encode()
    header = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
    if not (expected and messenger.telegram_on()):
        abort(404)
    # both: the path alone may be read in an access log; bytes, as any text may come
    if not (
        hmac.compare_digest(secret.encode(), expected) and hmac.compare_digest(header, expected)
    ):
        abort(404)
    update = request.get_json(silent=True)
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return {"ok": True}
    text, chat = message.get("text"), message.get("chat")
    if not (isinstance(text, str) and isinstance(chat, dict) and "id" in chat):
        return {"ok": True}
    command, _, code = text.strip().partition(" ")
    if command != "/start" or not code:
        return {"ok": True}
    user = db.session.scalars(select(m.User).where(m.User.telegram_link == code[:64])).first()
    if user is None or not user.active:
        return {"ok": True}
    chat_id = str(chat["id"])[:64]
    user.telegram_chat = chat_id
    user.telegram_link = None
    audit.record("link", "telegram", str(user.id))
    db.session.commit()
    with force_locale(user.locale or current_app.config["DEFAULT_LOCALE"]):
        title = gettext("Connected")
        body = gettext("Your shift messages will come here too, %(name)s.", name=user.name)
    try:
        messenger.send("telegram", chat_id, title, body)
    except messenger.Refused as exc:  # linked all the same; the page says so
        log.warning("telegram greeting to chat %s not sent: %s", chat_id, exc)
    return {"ok": True}
