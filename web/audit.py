"""The audit log: who changed which need, list or account, and when."""

from __future__ import annotations

from flask_login import current_user

from web.models import AuditEntry, db


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
    return str(value)
