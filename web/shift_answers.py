"""Confirm or decline a shift from the link in a notice, without signing in.

The link carries a signed, expiring token (itsdangerous, `SECRET_KEY`, 30
days) naming the need and the volunteer, and nothing else: it works from
any phone, and changes nothing by being opened. Mail scanners and link
previews open links; the page they get shows the shift and two buttons,
and only pressing one (a POST with the page's CSRF token) answers.

- **Confirm** records the answer; hospital staff and coordinators see "confirmed"
  beside the name.
- **Decline** takes the volunteer off the shift in the published roster
  (under the publishing lock, so a publish at the same moment neither
  loses nor revives it), records the answer, so no later publish or solve
  puts them back on it, and tells the region's coordinators by e-mail, with
  a link to the people who could cover. A shift that has started cannot be
  declined here: the volunteer is told to call the hospital.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import delete, select

from web import audit, notices, schedule, store
from web import models as m
from web.access import roles_required
from web.models import Role, db
from web.signed_links import PairLink

bp = Blueprint("shift_answers", __name__)

LINK_DAYS = 30
CONFIRMED, DECLINED = "confirmed", "declined"


LINKS = PairLink("shift-answer")


def token_for(need_id: str, volunteer_id: str) -> str:
    return LINKS.token_for(need_id, volunteer_id)


def read_token(token: str) -> tuple[str, str] | None:
    """The (need, volunteer) a token names; None when forged, damaged or expired."""
    return LINKS.read(token, LINK_DAYS)


def answers(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The answers given for some (need, volunteer) pairs."""
    wanted = set(pairs)
    if not wanted:
        return {}
    need_ids = {n for n, _ in wanted}
    rows = db.session.execute(
        select(m.ShiftAnswer.need_id, m.ShiftAnswer.volunteer_id, m.ShiftAnswer.answer).where(
            m.ShiftAnswer.need_id.in_(need_ids)
        )
    )
    return {(n, v): a for n, v, a in rows if (n, v) in wanted}


def _answer(need_id: str, volunteer_id: str, answer: str) -> None:
    store.answer_pair(need_id, volunteer_id, answer)


def _shift(need_id: str, volunteer_id: str) -> tuple[m.Need, m.Facility, m.Volunteer] | None:
    """The need, its facility and the volunteer, if the published roster has them together."""
    row = db.session.execute(
        select(m.Need, m.Facility, m.Volunteer)
        .join(m.Facility, m.Facility.id == m.Need.facility_id)
        .join(m.Assignment, m.Assignment.need_id == m.Need.id)
        .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .where(
            m.Need.id == need_id,
            m.Volunteer.id == volunteer_id,
            m.Assignment.roster_id == store.published_id(),
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def too_late(need: m.Need, facility: m.Facility) -> bool:
    """Too late to decline here (`schedule.Shift.too_late_to_decline`)."""
    return schedule.Shift(store.as_need(need), store.as_facility(facility)).too_late_to_decline()


def shift_of(need_id: str, volunteer_id: str) -> tuple[m.Need, m.Facility, m.Volunteer] | None:
    """The need, its facility and the volunteer, if the published roster has them together."""
    return _shift(need_id, volunteer_id)


def confirm(need_id: str, volunteer_id: str) -> None:
    """Record a confirmation (committed)."""
    _answer(need_id, volunteer_id, CONFIRMED)
    audit.record("confirm", "assignment", f"{need_id}/{volunteer_id}")
    db.session.commit()


def decline(need: m.Need, volunteer: m.Volunteer, reason: str = "") -> bool:
    """Take the volunteer off the shift in the published roster, record the answer and tell the
    coordinators (committed); False when the roster no longer had them on it."""
    need_id, volunteer_id = need.id, volunteer.id
    store.hold("publish")  # the roster read below is the one standing at commit
    current = store.published()
    removed = 0
    if current is not None:
        removed = len(
            db.session.scalars(
                delete(m.Assignment)
                .where(
                    m.Assignment.roster_id == current.id,
                    m.Assignment.need_id == need_id,
                    m.Assignment.volunteer_id == volunteer_id,
                )
                .returning(m.Assignment.id)
            ).all()
        )
    _answer(need_id, volunteer_id, DECLINED)
    if removed:
        notices.shift_declined(need, volunteer, reason)
    detail = {"removed": bool(removed), **({"reason": reason} if reason else {})}
    audit.record("decline", "assignment", f"{need_id}/{volunteer_id}", **detail)
    db.session.commit()
    notices.wake()
    return bool(removed)


@bp.route("/shift/<token>", methods=["GET", "POST"])
def answer(token: str):
    named = read_token(token)
    if named is None:
        return render_template("shift_answers/invalid.html"), 404
    need_id, volunteer_id = named
    found = _shift(need_id, volunteer_id)
    given = answers([named]).get(named)
    if found is None:  # declined already, or the shift was withdrawn or given to someone else
        declined = given == DECLINED
        return render_template("shift_answers/gone.html", declined=declined), (
            200 if declined else 404
        )
    need, facility, volunteer = found
    card = schedule.Shift(store.as_need(need), store.as_facility(facility))
    late = too_late(need, facility)
    if request.method == "POST":
        said(need, facility, volunteer, request.form.get("answer", ""))
        return redirect(url_for("shift_answers.answer", token=token))
    return render_template(
        "shift_answers/show.html",
        card=card,
        volunteer=volunteer,
        given=given,
        started=late,
        cutoff=schedule.cutoff_hours(),
        token=token,
    )


def said(need: m.Need, facility: m.Facility, volunteer: m.Volunteer, choice: str) -> None:
    """A volunteer's answer from a page (the link's or their own), with what to tell them."""
    if choice == CONFIRMED:
        confirm(need.id, volunteer.id)
        flash(gettext("Thank you: your shift is confirmed."))
    elif choice == DECLINED and too_late(need, facility):
        flash(late_words(facility), "error")
    elif choice == DECLINED:
        decline(need, volunteer)
        flash(
            gettext("You are off this shift; the coordinators are told. Thank you for saying so.")
        )


def late_words(facility: m.Facility) -> str:
    hours = f"{schedule.cutoff_hours():g}"
    if facility.phone:
        return gettext(
            "It is too late to say so here (less than %(hours)s hours before the shift): "
            "call the hospital, %(phone)s.",
            hours=hours,
            phone=facility.phone,
        )
    return gettext(
        "It is too late to say so here (less than %(hours)s hours before the shift): call the "
        "hospital or your coordinator.",
        hours=hours,
    )


@bp.post("/my/shifts/<need_id>/answer")
@roles_required(Role.VOLUNTEER)
def my_answer(need_id: str):
    """Confirm or decline one of one's own upcoming shifts from one's own page."""
    found = _shift(need_id[:200], current_user.volunteer_id or "")
    if found is None:
        abort(404)
    said(*found, request.form.get("answer", ""))
    return redirect(url_for("schedule.show"))
