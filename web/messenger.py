"""The second channel: Telegram, and SMS where the site has a provider, through apprise.

apprise speaks to some hundred services by URL, so the site names its
services by URL template and nothing here is written for one provider:

- `TELEGRAM_BOT_TOKEN` (from @BotFather) and `TELEGRAM_BOT_NAME` turn
  Telegram on. A volunteer links their chat from their page: the link opens
  the bot with a one-time code, and Telegram posts the code to this site's
  webhook (`/telegram/<TELEGRAM_WEBHOOK_SECRET>`), which stores the chat.
  Messages go to `TELEGRAM_URL`, `tgram://{token}/{chat}/` by default.
- `SMS_URL` turns SMS on: an apprise URL with `{phone}` where the number
  goes, such as `twilio://SID:TOKEN@+79000000000/{phone}` or
  `smsru://API_ID@{phone}` (whatever the provider's apprise plugin takes).

The tests point both templates at a local HTTP endpoint (`json://...`), the
same library's plain JSON notifier, since no test can reach Telegram.
"""

from __future__ import annotations

import logging
import re

import apprise
from flask import current_app

DEFAULT_TELEGRAM_URL = "tgram://{token}/{chat}/"
_PHONE = re.compile(r"[^\d+]")


class Refused(Exception):
    """The service did not take the message; the words are apprise's, without secrets, or
    one of the codes below (`web.notice_log` words them in the reader's language)."""


UNUSABLE = "unusable-address"  # "unusable-address:telegram": the site's setting is wrong
SILENT = "refused-silently"  # "refused-silently:sms": no reason given


def telegram_on() -> bool:
    config = current_app.config
    return bool(config.get("TELEGRAM_BOT_TOKEN") and config.get("TELEGRAM_BOT_NAME"))


def sms_on() -> bool:
    return bool(current_app.config.get("SMS_URL"))


def phone_number(text: str) -> str:
    """'+7 912 000-00-00' as '+79120000000'; '' when there are not enough digits."""
    number = _PHONE.sub("", text.split(",")[0])
    return number if sum(c.isdigit() for c in number) >= 7 else ""


def address(channel: str, recipient: str) -> str:
    """The apprise URL that reaches a recipient (a chat id, a phone number) on a channel."""
    config = current_app.config
    if channel == "telegram":
        template = str(config.get("TELEGRAM_URL") or DEFAULT_TELEGRAM_URL)
        return template.format(token=config.get("TELEGRAM_BOT_TOKEN", ""), chat=recipient)
    if channel == "sms":
        return str(config["SMS_URL"]).format(phone=recipient)
    raise ValueError(f"no such channel as {channel!r}")


def send(channel: str, recipient: str, title: str, body: str) -> None:
    """One message; raises `Refused` with the reason when the service did not take it."""
    notifier = apprise.Apprise()
    if not notifier.add(address(channel, recipient)):
        raise Refused(f"{UNUSABLE}:{channel}")
    # Alembic's logging setup (fileConfig, run by a migration in this process) disables the
    # loggers that exist by then, apprise's among them; its words are the reason we keep.
    logging.getLogger("apprise").disabled = False
    with apprise.LogCapture(level=logging.WARNING) as log:
        result = notifier.notify(title=title, body=body)
    if not result:
        words = [line.split(" - ", 2)[-1] for line in log.getvalue().splitlines() if line.strip()]
        raise Refused(words[-1] if words else f"{SILENT}:{channel}")
