"""Links that name a (need, volunteer) pair and work without signing in.

Signed with `SECRET_KEY` (itsdangerous) under a salt of their own, so a
link for one purpose is no key to another, and expiring after some days.
They name the pair and nothing else; a forged, damaged or expired one
reads as None.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


@dataclass(frozen=True)
class PairLink:
    salt: str

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def token_for(self, need_id: str, volunteer_id: str) -> str:
        return self._serializer().dumps([need_id, volunteer_id])

    def read(self, token: str, days: float) -> tuple[str, str] | None:
        """The (need, volunteer) a token names; None when forged, damaged or older than `days`."""
        try:
            found = self._serializer().loads(token[:1000], max_age=int(days * 86400))
        except (BadSignature, SignatureExpired):
            return None
        if not (
            isinstance(found, list) and len(found) == 2 and all(isinstance(x, str) for x in found)
        ):
            return None
        return found[0], found[1]
