"""Swaps: a volunteer offers one of their shifts to a named colleague or to anyone who may take
it; a colleague accepts; the roster, both calendars and the hospital's page follow.

The offer changes nothing: the shift stays the giver's until someone takes
it. Taking it is a claim of the giver's place (`web.open_shifts.claim` with
`giver`): every hard rule judged for the taker, under the publishing lock,
against the roster standing then, as if the giver were already off it. Where
the region asks for approval, an accepted swap waits for a coordinator
(`web.approvals`). Colleagues are offered by name only; no contact details
pass between volunteers.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from scheduler.outputs.suggestions import suggest
from web import audit, notices, schedule, shift_requests, store
from web import models as m
from web.access import roles_required
from web.dashboard import scoped_roster
from web.models import Role, db
from web.open_shifts import Refused, claim, judge_claim
from web.shift_requests import OFFERED, SWAP, WAITING, WITHDRAWN

bp = Blueprint("swaps", __name__)

ASKED_AT_ONCE = 5  # colleagues told of an offer to anyone who may take it


def held(need_id: str, volunteer_id: str) -> tuple[m.Need, m.Facility] | None:
    """The need and its facility, if the volunteer holds it in the published roster and it has
    not started."""
    roster = store.published()
    if roster is None or (need_id, volunteer_id) not in set(store.roster_assignments(roster.id)):
        return None
    need = db.session.get(m.Need, need_id)
    facility = db.session.get(m.Facility, need.facility_id) if need else None
    if need is None or facility is None:
        return None
    zone = store.as_facility(facility).zone(str(current_app.config["TIMEZONE"]))
    if need.start.replace(tzinfo=zone) <= schedule.now():
        return None
    return need, facility


def colleagues(need: m.Need, facility: m.Facility, giver: str) -> list[tuple[str, str]]:
    """(volunteer id, name) of those who may take the giver's place, best first."""
    roster = store.published()
    dataset, pairs = scoped_roster(roster, store.region_facilities(facility.region))
    if need.id not in dataset.need_by_id:
        return []
    without = [p for p in pairs if p != (need.id, giver)]
    found = suggest(dataset, without, need.id, most=30, declined=store.declined_pairs())
    return [(c.volunteer_id, c.name) for c in found.candidates if not c.moves]


def offer(need_id: str, giver: str, to: str | None) -> Refused | m.ShiftRequest:
    """Offer the giver's shift (committed)."""
    found = held(need_id, giver)
    if found is None:
        return Refused(gettext("This is not one of your upcoming shifts."))
    need, facility = found
    if shift_requests.open_offer(giver, need_id) is not None:
        return Refused(gettext("You have offered this shift already; withdraw that offer first."))
    if to:
        if to == giver:
            return Refused(gettext("Choose a colleague, not yourself."))
        refused, _ = judge_claim(to, need_id, giver)
        if refused is not None:
            db.session.rollback()
            return Refused(gettext("This colleague cannot take it:"), refused.reasons)
        told = [to]
    else:
        told = [v for v, _ in colleagues(need, facility, giver)[:ASKED_AT_ONCE]]
    request_ = m.ShiftRequest(kind=SWAP, need_id=need_id, giver_id=giver, named_id=to or None)
    request_.state = OFFERED
    db.session.add(request_)
    notices.swap_offered(need, facility, giver, told)
    audit.record("offer", "assignment", f"{need_id}/{giver}", to=to or "")
    db.session.commit()
    notices.wake()
    return request_


def offers_to(volunteer_id: str) -> list[m.ShiftRequest]:
    """Open offers the volunteer may accept: named to them, or to anyone and fit for them."""
    rows = db.session.scalars(
        select(m.ShiftRequest)
        .where(m.ShiftRequest.kind == SWAP, m.ShiftRequest.state == OFFERED)
        .where(m.ShiftRequest.giver_id != volunteer_id)
        .order_by(m.ShiftRequest.id)
    ).all()
    mine = []
    for r in rows:
        if r.named_id not in (None, volunteer_id):
            continue
        refused, _ = judge_claim(volunteer_id, r.need_id, r.giver_id)
        if refused is None:
            mine.append(r)
    return mine


def accept(request_id: int, taker: str) -> Refused | str:
    """Take the offered shift (committed): "taken", "waiting" (for approval), or why not."""
    store.hold("publish")
    offered = db.session.get(m.ShiftRequest, request_id)
    if (
        offered is None
        or offered.kind != SWAP
        or offered.state != OFFERED
        or offered.named_id not in (None, taker)
        or offered.giver_id == taker
    ):
        db.session.rollback()
        return Refused(gettext("This offer is no longer open."))
    volunteer = db.session.get(m.Volunteer, taker)
    if volunteer is not None and shift_requests.approval_needed(volunteer.region):
        refused, _ = judge_claim(taker, offered.need_id, offered.giver_id)
        if refused is not None:
            db.session.rollback()
            return refused
        offered.volunteer_id = taker
        offered.state = WAITING
        audit.record("ask", "assignment", f"{offered.need_id}/{taker}", swap=offered.id)
        db.session.commit()
        return "waiting"

    def done() -> None:
        offered.volunteer_id = taker
        shift_requests.decide(offered, shift_requests.DONE, None)

    refused = claim(taker, offered.need_id, done, giver=offered.giver_id)
    return refused or "taken"


def withdraw(request_id: int, giver: str) -> bool:
    """The giver takes their offer back (committed); False when it is not theirs or not open."""
    offered = db.session.get(m.ShiftRequest, request_id)
    if offered is None or offered.giver_id != giver or offered.state not in (OFFERED, WAITING):
        return False
    shift_requests.decide(offered, WITHDRAWN, None)
    audit.record("withdraw", "assignment", f"{offered.need_id}/{giver}", swap=offered.id)
    db.session.commit()
    return True


def my_offers(giver: str) -> list[m.ShiftRequest]:
    return list(
        db.session.scalars(
            select(m.ShiftRequest)
            .where(
                m.ShiftRequest.kind == SWAP,
                m.ShiftRequest.giver_id == giver,
                m.ShiftRequest.state.in_([OFFERED, WAITING]),
            )
            .order_by(m.ShiftRequest.id)
        )
    )


def as_json(r: m.ShiftRequest) -> dict[str, object]:
    need = db.session.get(m.Need, r.need_id)
    giver = db.session.get(m.Volunteer, r.giver_id) if r.giver_id else None
    return {
        "id": r.id,
        "need_id": r.need_id,
        "date": need.date.isoformat() if need else None,
        "start": f"{need.start:%H:%M}" if need else None,
        "end": f"{need.end:%H:%M}" if need else None,
        "role": need.role if need else None,
        "facility_id": need.facility_id if need else None,
        "from": giver.name if giver else "",
        "to_named": r.named_id is not None,
        "state": r.state,
    }


# --- pages ---------------------------------------------------------------------------------


def _me() -> str:
    return current_user.volunteer_id or ""


@bp.get("/my/swaps")
@roles_required(Role.VOLUNTEER)
def index():
    shifts = []
    for r in [*offers_to(_me()), *my_offers(_me())]:
        need = db.session.get(m.Need, r.need_id)
        facility = db.session.get(m.Facility, need.facility_id) if need else None
        if need and facility:
            shifts.append((r, schedule.Shift(store.as_need(need), store.as_facility(facility))))
    giver_names = {
        v.id: v.name
        for v in db.session.scalars(
            select(m.Volunteer).where(m.Volunteer.id.in_({r.giver_id for r, _ in shifts}))
        )
    }
    return render_template(
        "schedule/swaps.html",
        to_me=[(r, s) for r, s in shifts if r.giver_id != _me()],
        mine=[(r, s) for r, s in shifts if r.giver_id == _me()],
        giver_names=giver_names,
    )


@bp.route("/my/shifts/<need_id>/offer", methods=["GET", "POST"])
@roles_required(Role.VOLUNTEER)
def offer_page(need_id: str):
    found = held(need_id[:200], _me())
    if found is None:
        abort(404)
    need, facility = found
    if request.method == "POST":
        outcome = offer(need.id, _me(), request.form.get("to", "")[:200] or None)
        if isinstance(outcome, Refused):
            flash(str(outcome), "error")
            return redirect(url_for("swaps.offer_page", need_id=need.id))
        flash(gettext("Offered. The shift stays yours until a colleague takes it."))
        return redirect(url_for("swaps.index"))
    return render_template(
        "schedule/offer.html",
        shift=schedule.Shift(store.as_need(need), store.as_facility(facility)),
        colleagues=colleagues(need, facility, _me()),
    )


@bp.post("/my/swaps/<int:request_id>/accept")
@roles_required(Role.VOLUNTEER)
def accept_page(request_id: int):
    outcome = accept(request_id, _me())
    if isinstance(outcome, Refused):
        flash(str(outcome), "error")
    elif outcome == "waiting":
        flash(gettext("Asked: a coordinator of your region approves it; you will be told."))
    else:
        flash(gettext("The shift is yours; the hospital and your calendar have it."))
    return redirect(url_for("swaps.index"))


@bp.post("/my/swaps/<int:request_id>/withdraw")
@roles_required(Role.VOLUNTEER)
def withdraw_page(request_id: int):
    if not withdraw(request_id, _me()):
        abort(404)
    flash(gettext("Your offer is withdrawn; the shift stays yours."))
    return redirect(url_for("swaps.index"))


# --- the API -------------------------------------------------------------------------------


def _refused(refused: Refused, status: int = 409):
    return jsonify(error=refused.as_json() | {"status": status}), status


@bp.get("/api/my/swaps")
@roles_required(Role.VOLUNTEER)
def api_index():
    return jsonify(
        offered_to_me=[as_json(r) for r in offers_to(_me())],
        my_offers=[as_json(r) for r in my_offers(_me())],
    )


@bp.post("/api/my/shifts/<need_id>/offer")
@roles_required(Role.VOLUNTEER)
def api_offer(need_id: str):
    if held(need_id[:200], _me()) is None:
        return _refused(Refused(gettext("This is not one of your upcoming shifts.")), 404)
    body = request.get_json(silent=True)
    to = body.get("to") if isinstance(body, dict) else None
    if to is not None and not isinstance(to, str):
        return _refused(Refused(gettext('"to" is a volunteer id, or left out.')), 400)
    outcome = offer(need_id[:200], _me(), (to or "")[:200] or None)
    if isinstance(outcome, Refused):
        return _refused(outcome)
    return jsonify(as_json(outcome)), 201


@bp.post("/api/swaps/<int:request_id>/accept")
@roles_required(Role.VOLUNTEER)
def api_accept(request_id: int):
    outcome = accept(request_id, _me())
    if isinstance(outcome, Refused):
        return _refused(outcome)
    if outcome == "waiting":
        return jsonify(id=request_id, confirmed=False, waiting_for_approval=True), 202
    return jsonify(id=request_id, confirmed=True), 201


@bp.post("/api/swaps/<int:request_id>/withdraw")
@roles_required(Role.VOLUNTEER)
def api_withdraw(request_id: int):
    if not withdraw(request_id, _me()):
        return _refused(Refused(gettext("No such open offer of yours.")), 404)
    return jsonify(id=request_id, state=WITHDRAWN)
