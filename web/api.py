"""The JSON API under /api/: the needs pages and the schedule, for other systems.

Same rules as the pages: the session cookie of the same sign-in, the same
scope on every query (another facility's need is 404), the same engine
judging every need. Unsafe methods carry the CSRF token in the
`X-CSRFToken` header (GET /api/csrf-token hands it out). A request without a
session gets 401 JSON, never a redirect to the sign-in page. Lists come a
page at a time (`page`, `per_page`; the answer's `next` is the address of the
next page): a national list is megabytes. The contract is
web/static/openapi.json, served at /api/openapi.json.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Select, func, select

from scheduler.intake import cells
from scheduler.intake.schema import columns
from scheduler.problems import InvalidInput, Problem
from web import access, shift_answers, store
from web import models as m
from web.access import STAFF, roles_required
from web.coming import Coming, coming_to, facility_names
from web.models import Role, db
from web.needs import described, needs_in_scope, save_need, withdraw_need

bp = Blueprint("api", __name__, url_prefix="/api")

PUBLIC = frozenset({"api.openapi", "api.csrf_token"})
NEED_FIELDS = tuple(columns("needs"))
PER_PAGE = 100
MAX_PER_PAGE = 1000
REASON_LIMIT = 500  # characters of why a volunteer cannot come


@bp.before_request
def signed_in():
    """401 as JSON: an API client cannot follow a redirect to a sign-in form."""
    if request.endpoint not in PUBLIC and not current_user.is_authenticated:
        return failure(
            401, gettext("Sign in first: POST /login with email, password and csrf_token.")
        )
    return None


@bp.errorhandler(InvalidInput)
def invalid(exc: InvalidInput):
    errors = [p for p in exc.problems if p.is_error]
    if request.method == "GET":
        message = gettext("%(count)s problem(s); fix the query and ask again.", count=len(errors))
    else:
        message = gettext("%(count)s problem(s); nothing was stored.", count=len(errors))
    return failure(400, message, errors)


def failure(status: int, message: str, problems: list[Problem] | None = None):
    error: dict[str, object] = {"status": status, "message": message}
    if problems is not None:
        # A JSON body is one need, not a sheet row: the engine judges it as row 2 of a
        # one-row sheet, but the contract promises null, as it names no row to look at.
        error["problems"] = [
            {"sheet": p.sheet, "row": None, "column": p.column, "message": p.message}
            for p in problems
        ]
    return jsonify(error=error), status


@bp.get("/openapi.json")
def openapi():
    """The contract, web/static/openapi.json, as it is (tests keep it in step with the code)."""
    document = Path(current_app.static_folder or "", "openapi.json").read_bytes()
    return current_app.response_class(document, mimetype="application/json")


@bp.get("/csrf-token")
def csrf_token():
    """The token for this session, for the X-CSRFToken header (and the sign-in form)."""
    return jsonify(csrf_token=generate_csrf())


# --- needs ----------------------------------------------------------------------------------


@bp.get("/needs")
@roles_required(*STAFF)
def list_needs():
    paging, day = _listing()
    query = needs_in_scope(request.args.get("facility_id", "").strip(), day)
    total, rows = paging.rows(query)
    needs = [need for (need,) in rows]
    return jsonify(
        needs=_needs_json(needs, coming_to([n.id for n in needs])), **paging.fields(total)
    )


@bp.post("/needs")
@roles_required(*STAFF)
def create_need():
    values = _body()
    need_id = values.pop("need_id", None)
    need, replaced = save_need(values, None if need_id is None else str(need_id))
    headers = {"Location": url_for("api.show_need", need_id=need.id)}
    return jsonify(need=_need_json(need)), 200 if replaced else 201, headers


@bp.get("/needs/<need_id>")
@roles_required(*STAFF)
def show_need(need_id: str):
    return jsonify(need=_need_json(access.need_or_404(current_user, need_id)))


@bp.patch("/needs/<need_id>")
@roles_required(*STAFF)
def update_need(need_id: str):
    need = access.need_or_404(current_user, need_id)
    values = _body()
    if str(values.pop("need_id", need.id)) != need.id:
        keeps = gettext("a need keeps its id; post a new need instead")
        problem = Problem("needs", None, "need_id", keeps)
        raise InvalidInput([problem])
    stored = described(need)
    saved, _ = save_need(stored | values, need.id)
    return jsonify(need=_need_json(saved))


@bp.delete("/needs/<need_id>")
@roles_required(*STAFF)
def delete_need(need_id: str):
    withdraw_need(access.need_or_404(current_user, need_id))
    return "", 204


@bp.post("/my/shifts/<need_id>/decline")
@roles_required(Role.VOLUNTEER)
def decline_shift(need_id: str):
    """The volunteer cannot come: off the shift, the coordinators told; 409 after the cut-off
    (`DECLINE_CUTOFF_HOURS` before the start), with whom to call."""
    found = shift_answers.shift_of(need_id[:200], current_user.volunteer_id or "")
    if found is None:
        return failure(404, gettext("you have no such shift in the published roster"))
    body = _json()
    reason = body.get("reason") if isinstance(body, dict) else None
    try:
        if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_LIMIT):
            raise cells.CellError(
                gettext("a text of at most %(most)s characters, or leave it out", most=REASON_LIMIT)
            )
        said = cells.free_text(reason or "")
    except cells.CellError as exc:
        raise InvalidInput([Problem("request", None, "reason", str(exc))]) from None
    need, facility, volunteer = found
    if shift_answers.too_late(need, facility):
        return failure(409, shift_answers.late_words(facility))
    shift_answers.decline(need, volunteer, said)
    return jsonify(need_id=need.id, declined=True)


def _body() -> dict[str, object]:
    """The JSON object of the request: needs-sheet columns with text or number values."""
    body = _json()
    if not isinstance(body, dict):
        message = gettext("send a JSON object of needs columns")
        raise InvalidInput([Problem("needs", None, None, message)])
    problems = []
    for key, value in body.items():
        if key not in NEED_FIELDS:
            message = gettext(
                "'%(key)s' is not a needs column; the columns are %(columns)s",
                key=key,
                columns=", ".join(NEED_FIELDS),
            )
            problems.append(Problem("needs", None, str(key), message))
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, str | int | float)
        ):
            message = gettext("%(key)s must be text or a number", key=key)
            problems.append(Problem("needs", None, key, message))
    if problems:
        raise InvalidInput(problems)
    return dict(body)


def _json() -> object:
    """The request body as JSON; None when it is not sent as JSON.

    Malformed or absurdly nested JSON is the client's mistake, so a 400
    that says so, not the 500 that Python's RecursionError made of 100,000 `[`.
    """
    data = request.get_data()
    if not request.is_json or not data.strip():
        return None
    try:
        return json.loads(data)
    except RecursionError:
        message = gettext(
            "the JSON body is nested too deeply; send one flat object of needs columns"
        )
    except ValueError as exc:  # also text that is not UTF-8, and integers of over 4300 digits
        message = gettext(
            "the body is not valid JSON (%(reason)s); send one object of needs columns",
            reason=exc,
        )
    raise InvalidInput([Problem("needs", None, None, message)])


@dataclass(frozen=True)
class Paging:
    """The page of a list a client asked for, and the fields that lead to the next one."""

    page: int
    per_page: int

    def rows(self, query: Select) -> tuple[int, list]:
        """How many rows the query has, and this page's; a page past the end is not asked for."""
        counted = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        total = db.session.scalar(counted) or 0
        first = (self.page - 1) * self.per_page
        if first >= total:  # also a page whose OFFSET would overflow the database's integers
            return total, []
        return total, list(db.session.execute(query.limit(self.per_page).offset(first)))

    def fields(self, total: int) -> dict[str, object]:
        """The paging fields of the answer."""
        later = self.page * self.per_page < total
        arguments: dict[str, Any] = request.args.to_dict()
        arguments |= {"page": self.page + 1, "per_page": self.per_page}
        return {
            "page": self.page,
            "per_page": self.per_page,
            "total": total,
            "next": url_for(request.endpoint or "", **arguments) if later else None,
        }


def _listing() -> tuple[Paging, dt.date | None]:
    """The page, its size and the date filter of a list; raises `InvalidInput`, every problem."""
    problems: list[Problem] = []
    page = _whole("page", gettext("a page number; pages are counted from 1"), problems)
    size = gettext("a page size; ask for 1 to %(most)s per page", most=MAX_PER_PAGE)
    per_page = _whole("per_page", size, problems, most=MAX_PER_PAGE) or PER_PAGE
    day = None
    try:
        day = _day()
    except InvalidInput as exc:
        problems += exc.problems
    if problems:
        raise InvalidInput(problems)
    return Paging(page or 1, per_page), day


def _whole(name: str, what: str, problems: list[Problem], most: int | None = None) -> int | None:
    """A whole number from 1 (to `most`) in the query string; None if not given or not one."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    with contextlib.suppress(ValueError):  # int() refuses over 4300 digits
        if text.isascii() and text.isdigit() and 1 <= int(text) <= (most or int(text)):
            return int(text)
    shown = text if len(text) <= 40 else text[:40] + "…"
    message = gettext(
        "'%(value)s' is not %(what)s, e.g. %(name)s=2", value=shown, what=what, name=name
    )
    problems.append(Problem("query", None, name, message))
    return None


def _day() -> dt.date | None:
    try:
        return cells.date(request.args["date"]) if request.args.get("date", "").strip() else None
    except cells.CellError as exc:
        raise InvalidInput([Problem("query", None, "date", str(exc))]) from None


def _need_json(need: m.Need) -> dict[str, object]:
    return _needs_json([need], coming_to([need.id]))[0]


def _needs_json(needs: list[m.Need], coming: dict[str, list[Coming]]) -> list[dict[str, object]]:
    names = facility_names({n.facility_id for n in needs})
    return [
        {
            "need_id": n.id,
            "facility_id": n.facility_id,
            "facility_name": names.get(n.facility_id, ""),
            "date": n.date.isoformat(),
            "start": f"{n.start:%H:%M}",
            "end": f"{n.end:%H:%M}",
            "role": n.role,
            "count": n.count,
            "priority": n.priority,
            "requires": store.split_ids(n.requires),
            "filled": len(coming.get(n.id, [])),
            "open": max(n.count - len(coming.get(n.id, [])), 0),
            "assigned": [
                {
                    "volunteer_id": c.volunteer_id,
                    "name": c.name,
                    "role": c.role,
                    "phone": c.phone,
                    "confirmed": c.confirmed,
                }
                for c in coming.get(n.id, [])
            ],
        }
        for n in needs
    ]


# --- the schedule ---------------------------------------------------------------------------


def _now() -> dt.datetime:
    """Wall-clock time of the dataset's zone (the server's); tests move it."""
    return dt.datetime.now()


@bp.get("/schedule")
@login_required
def schedule():
    """The published roster as each role may see it; a volunteer sees their own shifts only."""
    paging, day = _listing()
    roster = store.published()
    query = _schedule_query(roster.id if roster else None, day)
    total, rows = paging.rows(query) if query is not None else (0, [])
    site = str(current_app.config["TIMEZONE"])
    confirmed = store.confirmed_pairs(need.id for need, *_ in rows)
    return jsonify(
        published_at=roster.published_at.isoformat() if roster and roster.published_at else None,
        **paging.fields(total),
        assignments=[
            {
                "need_id": need.id,
                "facility_id": need.facility_id,
                "facility_name": facility.name,
                "address": facility.address,
                "timezone": facility.timezone or site,
                "facility_phone": facility.phone,
                "date": need.date.isoformat(),
                "start": f"{need.start:%H:%M}",
                "end": f"{need.end:%H:%M}",
                "role": need.role,
                "volunteer_id": volunteer_id,
                "volunteer_name": volunteer_name or "",
                "confirmed": (need.id, volunteer_id) in confirmed,
            }
            for need, facility, volunteer_id, volunteer_name in rows
        ],
    )


def _schedule_query(roster_id: int | None, day: dt.date | None) -> Select | None:
    """Assignments of the roster within the user's scope; None when there is nothing to see."""
    if roster_id is None:
        return None
    query = (
        select(m.Need, m.Facility, m.Assignment.volunteer_id, m.Volunteer.name)
        .select_from(m.Assignment)
        .join(m.Need, m.Need.id == m.Assignment.need_id)
        .join(m.Facility, m.Facility.id == m.Need.facility_id)
        .outerjoin(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .where(m.Assignment.roster_id == roster_id)
        # ending in ids, so pages neither repeat nor skip a row
        .order_by(
            m.Need.start, m.Facility.name, m.Need.role, m.Volunteer.name, m.Need.id, m.Assignment.id
        )
    )
    if current_user.kind is Role.VOLUNTEER:
        if not current_user.volunteer_id:
            return None
        query = query.where(
            m.Assignment.volunteer_id == current_user.volunteer_id, m.Need.end > _now()
        )
    else:
        ids = access.facility_ids(current_user)
        if ids is not None:
            query = query.where(m.Need.facility_id.in_(ids))
    if facility_id := request.args.get("facility_id", "").strip():
        query = query.where(m.Need.facility_id == facility_id)
    if day is not None:
        query = query.where(m.Need.date == day)
    return query
