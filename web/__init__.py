"""The web app: a thin Flask layer over the `scheduler` engine.

Views translate HTTP into calls of `scheduler` functions and `web.store`;
they hold no optimisation or pandas logic. One blueprint per feature:
`auth` (sign in), `needs` (hospital staff post shifts), `schedule` (a
volunteer's own shifts and calendar), `coordination` (volunteer lists and
facilities), `accounts` (accounts and the audit log), `dashboard`
(coverage and why places are open), `solving` (solve jobs run by the
task-queue worker), `publishing` (drafts, publishing, history, downloads)
`api` (JSON under /api/) and `language` (the language switcher; `web.i18n`
picks each request's language). The worker's entry point is `web.worker`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, redirect, url_for
from flask_babel import lazy_gettext
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import scheduler
from web import i18n, mailing
from web.extensions import csrf, limiter, login_manager, migrate
from web.models import Role, User, db

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(app.instance_path) / 'scheduler.sqlite3'}",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=40 * 2**20,  # the reader's own limit for a workbook
        WTF_CSRF_TIME_LIMIT=None,  # a form left open overnight still posts
        LOGIN_RATE_LIMIT="10 per minute",
        RATELIMIT_STORAGE_URI="memory://",
        TRUSTED_PROXIES=0,
        DEFAULT_LOCALE="en",  # the language when neither the account nor the browser names one
        TIMEZONE="Europe/Moscow",  # a facility's zone when it names none; stamped times shown in it
    )
    if test_config is None:
        app.config.from_prefixed_env(prefix="SCHEDULER")
        if url := _database_url():
            app.config["SQLALCHEMY_DATABASE_URI"] = url
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if proxies := int(app.config["TRUSTED_PROXIES"]):
        # Behind nginx every request comes from 127.0.0.1: the sign-in limit would count
        # the whole country as one client. Trust the last `proxies` X-Forwarded-* hops only
        # when there are that many proxies; otherwise a client could name any address.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.localize_callback = str  # the lazy message in the request's language
    i18n.init_app(app)
    mailing.init_app(app)

    from web import (
        accounts,
        api,
        approvals,
        attendance,
        auth,
        certificates,
        check_in,
        commands,
        coordination,
        cover_cases,
        credential_gaps,
        credentials,
        dashboard,
        errors,
        hours,
        invitations,
        language,
        needs,
        notice_log,
        open_shifts,
        own_availability,
        publishing,
        schedule,
        shift_answers,
        solving,
        swaps,
        telegram,
    )

    blueprints = (
        auth,
        needs,
        schedule,
        coordination,
        accounts,
        dashboard,
        solving,
        publishing,
        notice_log,
        shift_answers,
        telegram,
        open_shifts,
        own_availability,
        cover_cases,
        invitations,
        swaps,
        approvals,
        credentials,
        credential_gaps,
        attendance,
        check_in,
        hours,
        certificates,
        api,
        language,
    )
    for blueprint in (b.bp for b in blueprints):
        app.register_blueprint(blueprint)
    csrf.exempt(schedule.feed)  # a calendar app fetches the feed with its token, no session
    csrf.exempt(telegram.webhook)  # Telegram posts updates; the secret in the path is the key
    errors.register(app)
    commands.register(app)

    @app.get("/healthz")
    def health():
        return jsonify(status="ok", engine=scheduler.__version__)

    @app.get("/")
    def index():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        if current_user.kind is Role.VOLUNTEER:
            return redirect(url_for("schedule.show"))
        return redirect(url_for("needs.index"))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:"
        )
        return response

    return app


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The account of a session (or remember-me) cookie: its server-side session still open,
    its password unchanged since it signed in (`web.auth.account_of`)."""
    from web.auth import account_of  # the blueprints are imported in create_app

    return account_of(session_id)


def _database_url() -> str | None:
    """DATABASE_URL as hosting platforms set it; postgres:// means psycopg 3 here."""
    import os

    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive a restart."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(connection, _record) -> None:
    """SQLite: enforce foreign keys; WAL lets readers go on while a writer commits."""
    if type(connection).__module__.startswith("sqlite3"):
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
