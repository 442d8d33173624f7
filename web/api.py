"""The JSON API under /api/: the needs pages and the schedule, for other systems.

Same rules as the pages: the session cookie of the same sign-in, the same
scope on every query (another facility's need is 404), the same engine
judging every need. Unsafe methods carry the CSRF token in the
`X-CSRFToken` header (GET /api/csrf-token hands it out). A request without a
session gets 401 JSON, never a redirect to the sign-in page. The contract is
web/static/openapi.json, served at /api/openapi.json.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Select, select

from scheduler import cells
from scheduler.problems import InvalidInput, Problem
from scheduler.schema import columns
from web import access, store
from web import models as m
from web.access import STAFF, roles_required
from web.models import Role, db
from web.needs import (
    Coming,
    coming_to,
    described,
    facility_names,
    needs_in_scope,
    save_need,
    withdraw_need,
)

bp = Blueprint("api", __name__, url_prefix="/api")

PUBLIC = frozenset({"api.openapi", "api.csrf_token"})
NEED_FIELDS = tuple(columns("needs"))


@bp.before_request
def signed_in():
    """401 as JSON: an API client cannot follow a redirect to a sign-in form."""
    if request.endpoint not in PUBLIC and not current_user.is_authenticated:
        return failure(401, "Sign in first: POST /login with email, password and csrf_token.")
    return None


@bp.errorhandler(InvalidInput)
def invalid(exc: InvalidInput):
    errors = [p for p in exc.problems if p.is_error]
    return failure(400, f"{len(errors)} problem(s); nothing was stored.", errors)


def failure(status: int, message: str, problems: list[Problem] | None = None):
    error: dict[str, object] = {"status": status, "message": message}
    if problems is not None:
        error["problems"] = [
            {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message}
            for p in problems
        ]
    return jsonify(error=error), status


@bp.get("/openapi.json")
def openapi():
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
    query = needs_in_scope(request.args.get("facility_id", "").strip(), _day())
    needs = db.session.scalars(query).all()
    return jsonify(needs=_needs_json(needs, coming_to(query)))


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
        problem = Problem("needs", None, "need_id", "a need keeps its id; post a new need instead")
        raise InvalidInput([problem])
    stored = described(need)
    saved, _ = save_need(stored | values, need.id)
    return jsonify(need=_need_json(saved))


@bp.delete("/needs/<need_id>")
@roles_required(*STAFF)
def delete_need(need_id: str):
    withdraw_need(access.need_or_404(current_user, need_id))
    return "", 204


def _body() -> dict[str, object]:
    """The JSON object of the request: needs-sheet columns with text or number values."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput([Problem("needs", None, None, "send a JSON object of needs columns")])
    problems = []
    for key, value in body.items():
        if key not in NEED_FIELDS:
            message = f"'{key}' is not a needs column; the columns are {', '.join(NEED_FIELDS)}"
            problems.append(Problem("needs", None, str(key), message))
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, str | int | float)
        ):
            problems.append(Problem("needs", None, key, f"{key} must be text or a number"))
    if problems:
        raise InvalidInput(problems)
    return dict(body)


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
            "filled": len(coming.get(n.id, [])),
            "open": max(n.count - len(coming.get(n.id, [])), 0),
            "assigned": [
                {"volunteer_id": c.volunteer_id, "name": c.name, "role": c.role, "phone": c.phone}
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
    roster = store.published()
    query = _schedule_query(roster.id if roster else None)
    rows = db.session.execute(query).all() if query is not None else []
    return jsonify(
        published_at=roster.published_at.isoformat() if roster and roster.published_at else None,
        assignments=[
            {
                "need_id": need.id,
                "facility_id": need.facility_id,
                "facility_name": facility.name,
                "address": facility.address,
                "date": need.date.isoformat(),
                "start": f"{need.start:%H:%M}",
                "end": f"{need.end:%H:%M}",
                "role": need.role,
                "volunteer_id": volunteer_id,
                "volunteer_name": volunteer_name or "",
            }
            for need, facility, volunteer_id, volunteer_name in rows
        ],
    )


def _schedule_query(roster_id: int | None) -> Select | None:
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
        .order_by(m.Need.start, m.Facility.name, m.Need.role, m.Volunteer.name)
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
    if (day := _day()) is not None:
        query = query.where(m.Need.date == day)
    return query
