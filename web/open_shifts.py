"""Open shifts: the places a volunteer may take now, and taking one (page and API).

What is offered is the engine's judgement (`scheduler.outputs.open_shifts`)
on the volunteer's region and the published roster: places still open,
starting later than now at their facility, that the volunteer may take under
every hard rule; nearest first. A claim is judged again under the publishing
lock against the roster standing at that moment, and only then written into
the published roster: two volunteers claiming the last place at once, one
gets it and the other is told it is taken. The volunteer is confirmed on it
at once, told by notice (with their calendar), and the claim is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from scheduler import domain
from scheduler.outputs.open_shifts import OpenShift, open_shifts
from web import audit, notices, schedule, store
from web import models as m
from web.access import roles_required
from web.dashboard import scoped_roster
from web.models import Role, db

bp = Blueprint("open_shifts", __name__)

SHOWN = 30  # offers on the page and in the API, nearest first


@dataclass(frozen=True)
class Offer:
    shift: schedule.Shift
    open: int

    def as_json(self) -> dict[str, object]:
        need, facility = self.shift.need, self.shift.facility
        return {
            "need_id": need.id,
            "facility_id": facility.id,
            "facility_name": facility.name,
            "date": need.date.isoformat(),
            "start": self.shift.start,
            "end": self.shift.end,
            "role": need.role,
            "open": self.open,
        }


def offers(volunteer_id: str) -> list[Offer]:
    """The places the volunteer may take now, nearest first."""
    found = _judged(volunteer_id, None)
    if found is None:
        return []
    dataset, offered = found
    facilities = dataset.facility_by_id
    return [
        Offer(
            schedule.Shift(
                dataset.need_by_id[o.need_id],
                facilities[dataset.need_by_id[o.need_id].facility_id],
            ),
            o.open,
        )
        for o in offered[:SHOWN]
    ]


def _judged(
    volunteer_id: str, need_id: str | None
) -> tuple[domain.Dataset, list[OpenShift]] | None:
    """The region's data and the places the volunteer may take (of one need, or of all)."""
    volunteer = db.session.get(m.Volunteer, volunteer_id)
    roster = store.published()
    if volunteer is None or roster is None:
        return None
    dataset, pairs = scoped_roster(roster, store.region_facilities(volunteer.region))
    now, site = schedule.now(), str(current_app.config["TIMEZONE"])
    facilities = dataset.facility_by_id
    ahead = [
        n.id
        for n in dataset.needs
        if (need_id is None or n.id == need_id)
        and n.start.replace(tzinfo=facilities[n.facility_id].zone(site)) > now
    ]
    declined = {p for p in store.declined_pairs() if p[1] == volunteer_id}
    return dataset, open_shifts(dataset, pairs, volunteer_id, ahead, declined)


def claim(volunteer_id: str, need_id: str) -> str | None:
    """Put the volunteer on the need in the published roster (committed); None when done,
    else why not, in words. Judged under the publishing lock against what stands."""
    store.hold("publish")
    found = _judged(volunteer_id, need_id)
    if found is None:
        db.session.rollback()
        return gettext("There is no published roster yet; nothing can be taken.")
    dataset, offered = found
    need = dataset.need_by_id.get(need_id)
    if not offered or need is None:
        db.session.rollback()
        return refusal(dataset, need)
    current = store.published()
    assert current is not None  # _judged found it, under the lock
    db.session.add(m.Assignment(roster_id=current.id, need_id=need_id, volunteer_id=volunteer_id))
    store.answer_pair(need_id, volunteer_id, "confirmed")
    audit.record("claim", "assignment", f"{need_id}/{volunteer_id}")
    notices.shift_claimed(need, dataset.facility_by_id[need.facility_id], volunteer_id)
    db.session.commit()
    notices.wake()
    return None


def refusal(dataset: domain.Dataset, need: domain.Need | None) -> str:
    if need is None:
        return gettext("This shift is no longer posted, or is not in your region.")
    site = str(current_app.config["TIMEZONE"])
    zone = dataset.facility_by_id[need.facility_id].zone(site)
    if need.start.replace(tzinfo=zone) <= schedule.now():
        return gettext("This shift has started; it can no longer be taken.")
    return gettext(
        "You cannot take this shift now: every place is taken, or it would break a rule for "
        "you (role, distance, availability, weekly limits, rest). Ask your coordinator."
    )


@bp.get("/my/open-shifts")
@roles_required(Role.VOLUNTEER)
def index():
    found = offers(current_user.volunteer_id) if current_user.volunteer_id else []
    return render_template("schedule/open_shifts.html", offers=found)


@bp.post("/my/open-shifts/<need_id>/claim")
@roles_required(Role.VOLUNTEER)
def take(need_id: str):
    refused = claim(current_user.volunteer_id or "", need_id[:200])
    if refused:
        flash(refused, "error")
        return redirect(url_for("open_shifts.index"))
    flash(gettext("The shift is yours; the hospital and your calendar have it."))
    return redirect(url_for("schedule.show"))


@bp.get("/api/open-shifts")
@roles_required(Role.VOLUNTEER)
def api_index():
    found = offers(current_user.volunteer_id) if current_user.volunteer_id else []
    return jsonify(open_shifts=[o.as_json() for o in found])


@bp.post("/api/open-shifts/<need_id>/claim")
@roles_required(Role.VOLUNTEER)
def api_claim(need_id: str):
    refused = claim(current_user.volunteer_id or "", need_id[:200])
    if refused:
        return jsonify(error={"status": 409, "message": refused}), 409
    return jsonify(need_id=need_id, confirmed=True), 201
