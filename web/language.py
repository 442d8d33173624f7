"""The language switcher: a small form on every page, for everyone, signed in or not; and
the time zone a signed-in person reads stamped times in (on their password page).

A signed-in person's choice is stored on their account, so it follows them to
any device; a signed-out one's is kept in the session, and stored on the
account they sign in to (`web.auth.login`). Either way the form goes back to
the page it was sent from, never to another site (`web.auth.same_site_path`).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from web.auth import same_site_path
from web.i18n import LANGUAGES, LOCALE_KEY, VIEWER_ZONES, viewer_zone_name
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


@bp.post("/time-zone")
@login_required
def choose_zone():
    """Stamped times (the audit log, when a roster was published) in this zone; "" for the
    site's. Shift times stay each facility's own clock whatever is chosen here."""
    chosen = request.form.get("timezone", "")
    if chosen and chosen not in VIEWER_ZONES:
        abort(400)
    current_user.timezone = chosen or None
    db.session.commit()
    flash(gettext("Times on pages are now shown in %(zone)s.", zone=viewer_zone_name()))
    return redirect(url_for("auth.change_password"))
