"""Taking an open place from an invitation's link, without signing in.

The link carries a signed, expiring token (itsdangerous, `SECRET_KEY`, 7 days)
naming the need and the volunteer. Opening it changes nothing (mail scanners
open links); pressing "Take this shift" claims the place exactly as the
volunteer's own open-shifts page does (`web.open_shifts.claim`: every hard
rule judged again under the publishing lock), so of several invited people
the first to accept gets it and the others are told it is taken.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from web import audit, open_shifts, schedule, store
from web import models as m
from web.models import db
from web.signed_links import PairLink

bp = Blueprint("invitations", __name__)

LINK_DAYS = 7
ACCEPTED, REFUSED = "accepted", "refused"


LINKS = PairLink("invitation")


def token_for(need_id: str, volunteer_id: str) -> str:
    return LINKS.token_for(need_id, volunteer_id)


def read_token(token: str) -> tuple[str, str] | None:
    """The (need, volunteer) a token names; None when forged, damaged or expired."""
    return LINKS.read(token, LINK_DAYS)


def _answered(need_id: str, volunteer_id: str, answer: str) -> None:
    invitation = db.session.get(m.Invitation, (need_id, volunteer_id))
    if invitation is not None:
        invitation.answer = answer
        invitation.answered_at = m.utcnow()


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def show(token: str):
    named = read_token(token)
    invitation = db.session.get(m.Invitation, named) if named is not None else None
    if named is None or invitation is None:
        return render_template("invitations/invalid.html"), 404
    need_id, volunteer_id = named
    row = db.session.execute(
        select(m.Need, m.Facility, m.Volunteer)
        .join(m.Facility, m.Facility.id == m.Need.facility_id)
        .join(m.Volunteer, m.Volunteer.id == volunteer_id)
        .where(m.Need.id == need_id)
    ).first()
    if row is None:
        return render_template("invitations/invalid.html"), 404
    need, facility, volunteer = row
    if request.method == "POST":
        if request.form.get("answer") == REFUSED:
            _answered(need_id, volunteer_id, REFUSED)
            audit.record("refuse", "invitation", f"{need_id}/{volunteer_id}")
            db.session.commit()
            flash(gettext("Thank you for saying so; the place goes to someone else."))
        else:
            refused = open_shifts.claim(
                volunteer_id, need_id, lambda: _answered(need_id, volunteer_id, ACCEPTED)
            )
            if refused:
                flash(str(refused), "error")
            else:
                flash(gettext("The shift is yours; the hospital and your calendar have it."))
        return redirect(url_for("invitations.show", token=token))
    roster = store.published()
    pairs = store.roster_assignments(roster.id) if roster is not None else []
    taken = sum(1 for n, _ in pairs if n == need_id)
    return render_template(
        "invitations/show.html",
        card=schedule.Shift(store.as_need(need), store.as_facility(facility)),
        volunteer=volunteer,
        invitation=invitation,
        mine=(need_id, volunteer_id) in set(pairs),
        full=taken >= need.count,
        token=token,
    )
