"""Signing in and out, and passwords: hashed, a rate-limited form, a fresh session on sign-in.

Each sign-in is a `LoginSession` row; the id Flask-Login keeps in the signed
cookie (and in a remember-me cookie) is `account id:password fingerprint:token`.
Signing out ends the row, so a copy of the cookie is refused afterwards.
Changing a password ends every session of the account (the rows, and the
fingerprint, see `User.get_id`); the browser that changed it is signed in
again with the new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.urls import iri_to_uri
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from web import audit
from web.extensions import limiter
from web.i18n import LANGUAGES, LOCALE_KEY
from web.models import LoginSession, User, db, utcnow
from web.refusals import TELL, judge

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)
MIN_PASSWORD = 12
PASSWORD_RULES = [
    DataRequired(lazy_gettext("Give a password.")),
    Length(
        min=MIN_PASSWORD,
        max=200,
        message=lazy_gettext(
            "The password needs %(min)s to 200 characters; a few words make a strong one.",
            min=MIN_PASSWORD,
        ),
    ),
]

# last_seen_at is refreshed when older than this: a write now and then, not on every request
SEEN_EVERY = dt.timedelta(minutes=15)

# Compared against when the account does not exist, so a wrong email takes as long as a
# wrong password and the timing does not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not a password")


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=200)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice: a typo would lock the account out."""

    password = PasswordField(
        lazy_gettext("New password"),
        validators=PASSWORD_RULES,
        description=lazy_gettext("At least %(min)s characters.", min=MIN_PASSWORD),
    )
    repeat = PasswordField(
        lazy_gettext("New password again"),
        validators=[
            EqualTo("password", lazy_gettext("The two passwords differ; type the new one twice."))
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        lazy_gettext("Current password"), validators=[DataRequired(), Length(max=200)]
    )


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def set_password(user: User, password: str, action: str) -> None:
    """Store a new password, ending every session of the account, with an audit entry."""
    user.password_hash = hash_password(password)
    end_sessions(user)
    audit.record(action, "account", str(user.id), email=user.email)


def end_sessions(user: User) -> None:
    """End every open session of the account, on every device (no commit)."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


# --- sessions kept on the server ----------------------------------------------------------------


def sign_in(user: User) -> None:
    """Open a server-side session for this browser and commit it with whatever is pending.

    `User.get_id` has no token to give, so the session id Flask-Login stored is
    extended with it here; the remember-me cookie, if ever set, copies that id.
    Raises DBAPIError when the database refuses the write.
    """
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id))
    db.session.commit()
    login_user(user)
    session["_user_id"] = f"{user.get_id()}:{token}"


def account_of(session_id: str) -> User | None:
    """The account of a session id, while its session is open and its password unchanged.

    Runs on every request: one primary-key read (the session joined to its account),
    and a write only when the session was last marked seen over SEEN_EVERY ago.
    """
    parts = session_id.split(":") if session_id.isascii() else []
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    user_id, fingerprint, token = parts
    token_hash = _token_hash(token)
    found = db.session.execute(
        select(User, LoginSession.last_seen_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == token_hash, LoginSession.ended_at.is_(None))
    ).first()
    if found is None:
        return None
    user, seen = found
    if user.id != int(user_id) or not secrets.compare_digest(
        fingerprint, user.password_fingerprint
    ):
        return None
    if seen < utcnow() - SEEN_EVERY:
        _mark_seen(token_hash)
    return user


def _mark_seen(token_hash: str) -> None:
    """Refresh last_seen_at in a short transaction of its own; if refused, only the mark is lost."""
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(LoginSession)
                .where(LoginSession.token_hash == token_hash)
                .values(last_seen_at=utcnow())
            )
    except DBAPIError as exc:
        log.warning("could not mark a session as seen: %s", judge(exc).reason)


def end_session(session_id: str) -> None:
    """End this browser's server-side session (signing out); raises DBAPIError if refused."""
    token = session_id.rpartition(":")[2]
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _token_hash(token), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.commit()


def _token_hash(token: str) -> str:
    """Only this is stored: a copy of the database holds no session a cookie could name."""
    return hashlib.sha256(token.encode()).hexdigest()


def refused(what: str, exc: DBAPIError):
    """503 with a page saying what could not be stored (in the reader's language), the
    database's words and whom to tell."""
    db.session.rollback()
    log.error("%s: the database refused: %s", what, exc)
    abort(503, description=f"{what} ({judge(exc).reason}). {TELL}")


def same_site_path(target: str) -> str | None:
    """`target` as the Location of a page on this site, or None: never an open redirect.

    In the spirit of Django's `url_has_allowed_host_and_scheme`, on the parsed URL: no
    scheme, no host, one leading slash; checked both as asked and as Werkzeug will send
    it (`iri_to_uri` drops tabs and line feeds, so `/<tab>/evil.example` would leave as
    `//evil.example`). Control characters, spaces and backslashes (which browsers read
    as slashes) never occur in a path this site links to, so they are refused outright.
    """
    if "\\" in target or any(unicodedata.category(c)[0] in "CZ" for c in target):
        return None
    try:
        location = iri_to_uri(target)
        for url in (target, location):
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
                return None
    except ValueError:  # e.g. "http://[evil": not a URL at all
        return None
    return location


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalars(select(User).where(User.email == email)).first()
        valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, form.password.data)
        if user is not None and valid and user.active:
            chosen = session.get(LOCALE_KEY)
            session.clear()  # nothing from before sign-in carries over but the language
            if chosen in LANGUAGES:  # picked on the sign-in page: the newest choice
                user.locale = chosen
            try:
                sign_in(user)
            except DBAPIError as exc:
                refused(
                    gettext("You cannot sign in now: the server could not record the sign-in"),
                    exc,
                )
            return redirect(same_site_path(request.args.get("next", "")) or url_for("index"))
        form.password.errors.append(gettext("The email or the password is wrong."))
    return render_template("login.html", form=form), 200 if request.method == "GET" else 400


@bp.post("/logout")
@login_required
def logout():
    """Sign out; the sign-in page that follows stays in the account's language."""
    chosen = current_user.locale
    try:
        end_session(session.get("_user_id", ""))
    except DBAPIError as exc:
        db.session.rollback()
        log.error("sign-out: the database refused: %s", exc)
        message = gettext(
            "You are signed out in this browser, but the server could not end the session"
        )
        logout_user()
        flash(f"{message} ({judge(exc).reason}). {TELL}", "error")
    else:
        flash(gettext("You are signed out."))
        logout_user()
    if chosen in LANGUAGES:
        session[LOCALE_KEY] = chosen
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def change_password():
    """Anyone signed in changes their own password, knowing the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if check_password_hash(user.password_hash, form.current.data):
            set_password(user, form.password.data, "change password")
            try:
                sign_in(user)  # this browser stays signed in: a new session, the new fingerprint
            except DBAPIError as exc:
                refused(
                    gettext("Your password is unchanged: the server could not store the new one"),
                    exc,
                )
            flash(gettext("Your password is changed; every other device is signed out."))
            return redirect(url_for("index"))
        form.current.errors.append(gettext("This is not your current password."))
    status = 400 if request.method == "POST" else 200
    return render_template("password.html", form=form, account=None), status
