"""Signing in and out: hashed passwords, a rate-limited form, a fresh session on sign-in."""

from __future__ import annotations

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
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from web.extensions import limiter
from web.models import User, db

bp = Blueprint("auth", __name__)

# Compared against when the account does not exist, so a wrong email takes as long as a
# wrong password and the timing does not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not a password")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def hash_password(password: str) -> str:
    return generate_password_hash(password)


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
            target = request.args.get("next", "")
            # only a path on this site: never an open redirect
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("index")
            return redirect(target)
        form.password.errors.append("The email or the password is wrong.")
    return render_template("login.html", form=form), 200 if request.method == "GET" else 400


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
