"""Signing in and out, and passwords: hashed, a rate-limited form, a fresh session on sign-in.

Changing a password ends every other session of the account (the session
holds a fingerprint of the password hash, see `User.get_id`); the browser
that changed it is signed in again with the new one.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.urls import iri_to_uri
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from web import audit
from web.extensions import limiter
from web.models import User, db

bp = Blueprint("auth", __name__)
MIN_PASSWORD = 12
PASSWORD_RULES = [
    DataRequired("Give a password."),
    Length(
        min=MIN_PASSWORD,
        max=200,
        message=f"The password needs {MIN_PASSWORD} to 200 characters; "
        "a few words make a strong one.",
    ),
]

# Compared against when the account does not exist, so a wrong email takes as long as a
# wrong password and the timing does not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not a password")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice: a typo would lock the account out."""

    password = PasswordField(
        "New password",
        validators=PASSWORD_RULES,
        description=f"At least {MIN_PASSWORD} characters.",
    )
    repeat = PasswordField(
        "New password again",
        validators=[EqualTo("password", "The two passwords differ; type the new one twice.")],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def set_password(user: User, password: str, action: str) -> None:
    """Store a new password (ending the account's other sessions) with an audit entry."""
    user.password_hash = hash_password(password)
    audit.record(action, "account", str(user.id), email=user.email)


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
            session.clear()  # nothing from before sign-in carries over
            login_user(user)
            return redirect(same_site_path(request.args.get("next", "")) or url_for("index"))
        form.password.errors.append("The email or the password is wrong.")
    return render_template("login.html", form=form), 200 if request.method == "GET" else 400


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.")
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
            db.session.commit()
            login_user(user)  # this browser stays signed in, with the new fingerprint
            flash("Your password is changed; every other device is signed out.")
            return redirect(url_for("index"))
        form.current.errors.append("This is not your current password.")
    status = 400 if request.method == "POST" else 200
    return render_template("password.html", form=form, account=None), status
