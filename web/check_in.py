"""A volunteer checks themselves in from their phone, around the start of their shift.

"I am here" shows on their page from `CHECK_IN_MINUTES` (60) before a shift's
start until as long after it. The browser may send where the phone is
(`static/check_in.js` asks the phone, and the volunteer may refuse): then a
phone more than `CHECK_IN_RADIUS_KM` (1 km) from a facility with coordinates
is refused, saying how far it is; without a location the check-in is taken
and says so to the staff. A check-in is not yet a mark: hospital staff
confirm it on the day's list (`web.attendance`), and only then does it count
as hours. Staff's own mark always wins: a volunteer cannot check in to a
shift staff have marked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from scheduler.geo import distance_km
from web import attendance, audit, schedule, store
from web import models as m
from web.access import roles_required
from web.models import Role, db

bp = Blueprint("check_in", __name__)


def minutes() -> int:
    return int(current_app.config.get("CHECK_IN_MINUTES", 60))


def radius_km() -> float:
    return float(current_app.config.get("CHECK_IN_RADIUS_KM", 1.0))


def is_open(need: m.Need, facility: m.Facility) -> bool:
    """Within the check-in window around the shift's start, on its facility's clock."""
    now = attendance.local_now(store.as_facility(facility))
    return abs(now - need.start) <= dt.timedelta(minutes=minutes())


def _where() -> tuple[float, float] | None:
    try:
        lat, lon = float(request.form["lat"]), float(request.form["lon"])
    except (KeyError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


@bp.post("/my/shifts/<need_id>/check-in")
@roles_required(Role.VOLUNTEER)
def check_in(need_id: str):
    volunteer_id = current_user.volunteer_id
    on = db.session.scalar(
        select(m.Assignment.need_id).where(
            m.Assignment.roster_id == store.published_id(),
            m.Assignment.need_id == need_id,
            m.Assignment.volunteer_id == volunteer_id,
        )
    )
    need = db.session.get(m.Need, need_id) if on else None
    if need is None or volunteer_id is None:
        abort(404)
    facility = db.session.get(m.Facility, need.facility_id)
    volunteer = db.session.get(m.Volunteer, volunteer_id)
    assert facility is not None and volunteer is not None
    back = redirect(url_for("schedule.show"), 303)
    if not is_open(need, facility):
        flash(
            gettext(
                "Check in from %(minutes)s minutes before the start of your shift until as "
                "long after it; at other times the staff mark you.",
                minutes=minutes(),
            ),
            "error",
        )
        return back
    where = _where()
    km = None
    if where is not None and facility.lat is not None and facility.lon is not None:
        km = round(distance_km(where[0], where[1], facility.lat, facility.lon), 2)
        if km > radius_km():
            flash(
                gettext(
                    "Your phone is %(km)s km from %(facility)s; check in when you are there, "
                    "or ask the staff to mark you.",
                    km=f"{km:g}",
                    facility=facility.name,
                ),
                "error",
            )
            return back
    attendance.hold_shift(need.id)
    row = attendance.existing(need.id, volunteer_id)
    if row is not None and row.confirmed:
        db.session.rollback()
        flash(gettext("The staff have already marked you for this shift."))
        return back
    now = attendance.local_now(store.as_facility(facility)).replace(second=0, microsecond=0)
    if row is None:
        row = attendance.new_mark(need, facility, volunteer)
    row.status, row.start, row.end = "present", max(now, need.start), need.end
    at = schedule.now().astimezone(dt.UTC).replace(tzinfo=None)
    row.confirmed, row.checked_in_at, row.checked_in_km = False, at, km
    audit.record("check in", "attendance", f"{need.id}/{volunteer_id}", km=km)
    db.session.commit()
    flash(gettext("You are checked in; the staff will confirm it."))
    return back


@dataclass(frozen=True)
class States:
    open: set[str]  # needs whose check-in window is open now, not yet checked in or marked
    waiting: set[str]  # checked in by the volunteer, waiting for staff
    marked: set[str]  # marked by staff (present, partly or absent): nothing left to do


def states(volunteer_id: str | None, shifts: Iterable[Any]) -> States:
    """For the volunteer's page: which of their shifts they may check in to now."""
    shown = list(shifts)
    if volunteer_id is None or not shown:
        return States(set(), set(), set())
    rows = db.session.execute(
        select(m.Attendance.need_id, m.Attendance.confirmed).where(
            m.Attendance.volunteer_id == volunteer_id,
            m.Attendance.need_id.in_([s.need.id for s in shown]),
        )
    ).all()
    waiting = {need_id for need_id, confirmed in rows if not confirmed}
    marked = {need_id for need_id, confirmed in rows if confirmed}
    window = dt.timedelta(minutes=minutes())
    site = str(current_app.config["TIMEZONE"])
    found = set()
    for shift in shown:
        now = schedule.now().astimezone(shift.facility.zone(site)).replace(tzinfo=None)
        if abs(now - shift.need.start) <= window:
            found.add(shift.need.id)
    return States(found - waiting - marked, waiting, marked)
