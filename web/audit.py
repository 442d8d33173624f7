"""The audit log: who changed which need, list or account, and when."""

from __future__ import annotations

from flask_babel import lazy_pgettext
from flask_login import current_user

from web.models import AuditEntry, db

# What an entry's action and entity read as on the audit page (the stored words are codes).
ACTIONS = {
    "create": lazy_pgettext("audit action", "create"),
    "edit": lazy_pgettext("audit action", "edit"),
    "update": lazy_pgettext("audit action", "update"),
    "withdraw": lazy_pgettext("audit action", "withdraw"),
    "upload": lazy_pgettext("audit action", "upload"),
    "load": lazy_pgettext("audit action", "load"),
    "publish": lazy_pgettext("audit action", "publish"),
    "start": lazy_pgettext("audit action", "start"),
    "cancel": lazy_pgettext("audit action", "cancel"),
    "deactivate": lazy_pgettext("audit action", "deactivate"),
    "reactivate": lazy_pgettext("audit action", "reactivate"),
    "reset": lazy_pgettext("audit action", "reset"),
    "change password": lazy_pgettext("audit action", "change password"),
    "reset password": lazy_pgettext("audit action", "reset password"),
    "pin": lazy_pgettext("audit action", "pin"),
    "unpin": lazy_pgettext("audit action", "unpin"),
    "resend": lazy_pgettext("audit action", "send again"),
    "confirm": lazy_pgettext("audit action", "confirm"),
    "decline": lazy_pgettext("audit action", "decline"),
    "link": lazy_pgettext("audit action", "link"),
    "claim": lazy_pgettext("audit action", "take an open shift"),
    "unlink": lazy_pgettext("audit action", "unlink"),
    "invite": lazy_pgettext("audit action", "invite"),
    "refuse": lazy_pgettext("audit action", "refuse"),
    "ask": lazy_pgettext("audit action", "ask for approval"),
    "offer": lazy_pgettext("audit action", "offer to a colleague"),
    "swap": lazy_pgettext("audit action", "take from a colleague"),
    "verify": lazy_pgettext("audit action", "verify"),
    "check in": lazy_pgettext("audit action", "check in"),
}
ENTITIES = {
    "account": lazy_pgettext("audit entity", "account"),
    "need": lazy_pgettext("audit entity", "need"),
    "facility": lazy_pgettext("audit entity", "facility"),
    "volunteers": lazy_pgettext("audit entity", "volunteers"),
    "availability": lazy_pgettext("audit entity", "availability"),
    "roster": lazy_pgettext("audit entity", "roster"),
    "solve": lazy_pgettext("audit entity", "solve"),
    "calendar_token": lazy_pgettext("audit entity", "calendar address"),
    "assignment": lazy_pgettext("audit entity", "assignment"),
    "dataset": lazy_pgettext("audit entity", "dataset"),
    "notice": lazy_pgettext("audit entity", "notice"),
    "notice_settings": lazy_pgettext("audit entity", "notice settings"),
    "telegram": lazy_pgettext("audit entity", "Telegram chat"),
    "invitation": lazy_pgettext("audit entity", "invitation"),
    "region_setting": lazy_pgettext("audit entity", "region setting"),
    "credential": lazy_pgettext("audit entity", "credential"),
    "attendance": lazy_pgettext("audit entity", "attendance"),
}


def record(action: str, entity: str, entity_id: str = "", **detail: object) -> None:
    """Add an entry to the current transaction, so it is stored exactly when the change is."""
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    db.session.add(
        AuditEntry(
            user_id=user_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id)[:200],
            detail={k: _plain(v) for k, v in detail.items()},
        )
    )


def _plain(value: object) -> object:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def action_words(action: str) -> str:
    return str(ACTIONS.get(action, action))


def entity_words(entity: str) -> str:
    return str(ENTITIES.get(entity, entity))
