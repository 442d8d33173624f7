"""The language switcher: a small form on every page, for everyone, signed in or not.

A signed-in person's choice is stored on their account, so it follows them to
any device; a signed-out one's is kept in the session, and stored on the
account they sign in to (`web.auth.login`). Either way the form goes back to
the page it was sent from, never to another site (`web.auth.same_site_path`).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user

from web.auth import same_site_path
from web.i18n import LANGUAGES, LOCALE_KEY
from web.models import db

bp = Blueprint("language", __name__)


@bp.post("/language")
def choose():
    chosen = request.form.get("locale", "")
    if chosen not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = chosen
        db.session.commit()
    else:
        session[LOCALE_KEY] = chosen
    return redirect(same_site_path(request.form.get("next", "")) or url_for("index"))
