"""Coordinators approve what volunteers asked for, where their region wants that.

A region's coordinators (and national ones) turn approval on or off for the
region. With it on, claims and accepted swaps wait here; approving one
carries it out exactly as it would have been at once (`web.open_shifts.claim`,
every rule judged again under the publishing lock against the roster
standing now), so a request that has become impossible meanwhile is refused
with the rule's words, and the volunteer is told either way.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from web import access, audit, notices, schedule, shift_requests, store
from web import models as m
from web.access import COORDINATORS, roles_required
from web.models import Role, db
from web.open_shifts import claim
from web.shift_requests import DONE, REFUSED, SWAP, WAITING

bp = Blueprint("approvals", __name__)


def regions_of(user: m.User) -> list[str]:
    if user.kind is Role.NATIONAL:
        return sorted(set(db.session.scalars(select(m.Facility.region))))
    return [user.region] if user.region else []


def waiting(user: m.User) -> list[tuple[m.ShiftRequest, schedule.Shift]]:
    """Requests waiting for approval at facilities in the user's scope, oldest first."""
    scope = access.facility_ids(user)
    rows = db.session.execute(
        select(m.ShiftRequest, m.Need, m.Facility)
        .join(m.Need, m.Need.id == m.ShiftRequest.need_id)
        .join(m.Facility, m.Facility.id == m.Need.facility_id)
        .where(m.ShiftRequest.state == WAITING)
        .order_by(m.ShiftRequest.id)
    ).all()
    return [
        (r, schedule.Shift(store.as_need(n), store.as_facility(f)))
        for r, n, f in rows
        if scope is None or f.id in scope
    ]


def _request_or_404(request_id: int) -> tuple[m.ShiftRequest, m.Need, m.Facility]:
    found = db.session.get(m.ShiftRequest, request_id)
    if found is None or found.state != WAITING:
        abort(404)
    need = access.need_or_404(current_user, found.need_id)
    facility = db.session.get(m.Facility, need.facility_id)
    if facility is None:
        abort(404)
    return found, need, facility


@bp.get("/plan/requests")
@roles_required(*COORDINATORS)
def index():
    regions = regions_of(current_user)
    return render_template(
        "approvals/index.html",
        requests=waiting(current_user),
        settings={r: shift_requests.approval_needed(r) for r in regions},
        names={
            v.id: v.name
            for v in db.session.scalars(
                select(m.Volunteer).where(
                    m.Volunteer.id.in_(
                        {x for r, _ in waiting(current_user) for x in (r.volunteer_id, r.giver_id)}
                    )
                )
            )
        },
    )


@bp.post("/plan/requests/<int:request_id>/approve")
@roles_required(*COORDINATORS)
def approve(request_id: int):
    found, need, facility = _request_or_404(request_id)
    taker, giver = found.volunteer_id or "", found.giver_id if found.kind == SWAP else None
    by = current_user.id
    refused = claim(taker, need.id, lambda: shift_requests.decide(found, DONE, by), giver=giver)
    if refused is None:
        flash(gettext("Approved: the roster, the calendars and the hospital's page have it."))
        return redirect(url_for("approvals.index"))
    again = db.session.get(m.ShiftRequest, request_id)  # the claim rolled back
    if again is not None and again.state == WAITING:
        shift_requests.decide(again, REFUSED, by, str(refused))
        notices.request_refused(need, facility, taker, str(refused))
        audit.record("refuse", "assignment", f"{need.id}/{taker}", request=request_id)
        db.session.commit()
        notices.wake()
    flash(gettext("It can no longer be done, so it is refused:") + " " + str(refused), "error")
    return redirect(url_for("approvals.index"))


@bp.post("/plan/requests/<int:request_id>/refuse")
@roles_required(*COORDINATORS)
def refuse(request_id: int):
    found, need, facility = _request_or_404(request_id)
    why = request.form.get("why", "").strip()[:500]
    shift_requests.decide(found, REFUSED, current_user.id, why)
    notices.request_refused(need, facility, found.volunteer_id or "", why)
    audit.record("refuse", "assignment", f"{need.id}/{found.volunteer_id}", request=request_id)
    db.session.commit()
    notices.wake()
    flash(gettext("Refused; the volunteer is told."))
    return redirect(url_for("approvals.index"))


@bp.post("/plan/requests/approval")
@roles_required(*COORDINATORS)
def setting():
    region = request.form.get("region", "")[:200]
    if region not in regions_of(current_user):
        abort(404)
    on = request.form.get("approval") == "on"
    shift_requests.set_approval(region, on)
    audit.record("update", "region_setting", region, approval=on)
    db.session.commit()
    flash(
        gettext("Claims and swaps in %(region)s now wait for approval.", region=region)
        if on
        else gettext("Claims and swaps in %(region)s now take effect at once.", region=region)
    )
    return redirect(url_for("approvals.index"))
