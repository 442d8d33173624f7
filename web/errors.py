"""Errors answered as JSON under /api/ and as a page elsewhere, in words a clerk can act on.

Also the one refusal every address gets before any view: a NUL character
(%00) in the path or the query string. No id, name or date holds one, and
PostgreSQL refuses it in any text it is asked to compare, which made a 500
of every page that looks an id up.
"""

from __future__ import annotations

import logging

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_login import login_url
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException

from web.extensions import login_manager
from web.models import db
from web.refusals import judge, message

log = logging.getLogger(__name__)

MESSAGES = {
    400: lazy_gettext("The request could not be understood."),
    403: lazy_gettext("Your account may not open this page."),
    404: lazy_gettext("There is nothing here, or it is not yours to see."),
    405: lazy_gettext("This page cannot be used that way."),
    413: lazy_gettext(
        "The file is too large; the limit is 40 MB. Split it, or remove unused sheets."
    ),
    429: lazy_gettext("Too many attempts; wait a minute and try again."),
    500: lazy_gettext("Something went wrong on our side; nothing was changed. Try again."),
}


NUL_IN_ADDRESS = lazy_gettext(
    "The address holds a NUL character (%00), which no page takes; "
    "check the link or the bookmark, or type the address again."
)


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_in_address():
        arguments = request.args.items(multi=True)
        if "\x00" in request.path or any("\x00" in k + v for k, v in arguments):
            return _answer(400, str(NUL_IN_ADDRESS))
        return None

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        message = gettext(
            "The form expired or was not sent from this site; reload the page and try again."
        )
        return _answer(400, message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InternalError)  # PostgreSQL's read-only refusal
    def database_refused(error: OperationalError | InternalError):
        """A write the database did not take (busy, read-only, full): 503, nothing half-stored.

        Other database errors (a value too wide, a broken constraint) are bugs
        of ours, not the operator's to fix: they stay 500s, with a traceback.
        """
        db.session.rollback()
        log.error("%s %s: the database refused: %s", request.method, request.path, error)
        return _answer(503, message(judge(error)))

    @login_manager.unauthorized_handler
    def sign_in_first():
        """The API answers 401: a client cannot follow a redirect to a sign-in form."""
        if wants_json():
            return _answer(
                401, gettext("Sign in first: POST /login with email, password and csrf_token.")
            )
        flash(str(login_manager.login_message), login_manager.login_message_category)
        return redirect(login_url(str(login_manager.login_view), request.url))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        return _answer(code, str(MESSAGES.get(code, error.description or "")))


def wants_json() -> bool:
    """The API, a poller (`.json`, JSON sent or preferred) or a DELETE: an answer in JSON."""
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return True
    if request.is_json or request.method == "DELETE":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _answer(code: int, message: str):
    """The one error convention: {"error": {"status", "message"}} as JSON, else the error page."""
    if wants_json():
        return jsonify(error={"status": code, "message": message}), code
    return render_template("error.html", code=code, message=message), code
