"""Did they come: hospital staff mark who came to the shifts of their facilities.

- **The day's shifts** (`/attendance`, today and yesterday by default, any
  other day by `?date=`): each shift of the facilities in the user's scope
  with the volunteers the published roster sends there, and anyone already
  marked; staff mark each present, partly present (with the times they
  actually worked) or absent. A volunteer's own check-in from their phone
  (`web.check_in`) waits here for staff to confirm it.
- **Rules**: a shift that has not started (on its facility's clock) cannot be
  marked; hospital staff mark and correct for `ATTENDANCE_CORRECTION_DAYS`
  (3) after the shift's end, coordinators at any time. Every mark and
  correction is in the audit log, with what it was before.
- **API**: `GET /api/attendance?date=`, `POST /api/attendance/<need_id>/<volunteer_id>`.

Only confirmed marks count as hours (`web.hours`). Marks of one shift are
written under a lock of their own, so two people marking at once leave one
mark, the later one, with both in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

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
from flask_babel import gettext, lazy_pgettext
from flask_login import current_user
from sqlalchemy import select

from scheduler import domain
from scheduler.outputs.hours import Worked, worked
from web import access, audit, i18n, schedule, store
from web import models as m
from web.access import COORDINATORS, STAFF, roles_required
from web.api import failure
from web.models import Role, db

bp = Blueprint("attendance", __name__)

STATUSES = {
    "present": lazy_pgettext("attendance", "present"),
    "partial": lazy_pgettext("attendance", "partly present"),
    "absent": lazy_pgettext("attendance", "absent"),
}
UNMARKED = "unmarked"
CHECKED_IN = "checked_in"  # by the volunteer, waiting for staff to confirm


class Refused(Exception):
    """A mark that cannot be made now (409), in words."""


class Invalid(Exception):
    """A mark that makes no sense (400): the field and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def correction_days() -> int:
    return int(current_app.config.get("ATTENDANCE_CORRECTION_DAYS", 3))


def local_now(facility: domain.Facility) -> dt.datetime:
    """Now on the facility's wall clock, as its shifts' times are written."""
    zone = facility.zone(str(current_app.config["TIMEZONE"]))
    return schedule.now().astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class Person:
    volunteer_id: str
    name: str
    mark: m.Attendance | None

    def checked_in_clock(self, zone: ZoneInfo) -> str:
        """When they checked themselves in, on the facility's clock: '07:50'."""
        if self.mark is None or self.mark.checked_in_at is None:
            return ""
        return f"{self.mark.checked_in_at.replace(tzinfo=dt.UTC).astimezone(zone):%H:%M}"

    @property
    def status(self) -> str:
        if self.mark is None:
            return UNMARKED
        return self.mark.status if self.mark.confirmed else CHECKED_IN


@dataclass(frozen=True)
class ShiftMarks:
    need: m.Need
    facility: m.Facility
    people: list[Person]
    started: bool
    open_to_staff: bool  # hospital staff may still mark or correct it

    @property
    def zone(self) -> ZoneInfo:
        return store.as_facility(self.facility).zone(str(current_app.config["TIMEZONE"]))

    @property
    def card(self) -> schedule.Shift:
        return schedule.Shift(store.as_need(self.need), store.as_facility(self.facility))


def shifts_on(day: dt.date, user: m.User) -> list[ShiftMarks]:
    """The shifts starting on `day` at the user's facilities, with who is expected there."""
    needs = list(
        db.session.scalars(
            access.needs_query(user).where(m.Need.date == day).order_by(m.Need.start, m.Need.id)
        )
    )
    if not needs:
        return []
    ids = [n.id for n in needs]
    roster = store.published_id()
    expected = db.session.execute(
        select(m.Assignment.need_id, m.Volunteer.id, m.Volunteer.name)
        .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .where(m.Assignment.roster_id == roster, m.Assignment.need_id.in_(ids))
    ).all()
    marks = db.session.scalars(select(m.Attendance).where(m.Attendance.need_id.in_(ids))).all()
    marked = {(a.need_id, a.volunteer_id): a for a in marks}
    people: dict[str, dict[str, Person]] = {n: {} for n in ids}
    for need_id, volunteer_id, name in expected:
        people[need_id][volunteer_id] = Person(
            volunteer_id, name, marked.get((need_id, volunteer_id))
        )
    for a in marks:  # marked, then taken off the roster: still shown
        people[a.need_id].setdefault(a.volunteer_id, Person(a.volunteer_id, a.volunteer_name, a))
    facilities = {
        f.id: f
        for f in db.session.scalars(
            select(m.Facility).where(m.Facility.id.in_({n.facility_id for n in needs}))
        )
    }
    found = []
    for need in needs:
        facility = facilities[need.facility_id]
        now = local_now(store.as_facility(facility))
        cutoff = need.end + dt.timedelta(days=correction_days())
        listed = sorted(people[need.id].values(), key=lambda p: (p.name.casefold(), p.volunteer_id))
        found.append(ShiftMarks(need, facility, listed, now >= need.start, now <= cutoff))
    return found


def clock_on(need: m.Need, text: object, field: str) -> dt.datetime:
    """A time typed for a shift (HH:MM, 24-hour) as a moment on its facility's clock: on the
    shift's first day, or the next day for a time before the shift's start in a night shift."""
    raw = str(text or "").strip()
    midnight = raw == "24:00"  # how a shift ending at midnight is written
    try:
        moment = dt.time.fromisoformat("00:00" if midnight else raw) if len(raw) in (4, 5) else None
    except ValueError:
        moment = None
    if moment is None or ":" not in raw:
        raise Invalid(field, gettext("Write the time as HH:MM on a 24-hour clock, e.g. 08:30."))
    at = dt.datetime.combine(need.date, moment) + dt.timedelta(days=int(midnight))
    overnight = need.end.date() > need.date
    if overnight and at < need.start - dt.timedelta(hours=6):
        at += dt.timedelta(days=1)
    return at


def judged_times(
    need: m.Need, status: str, start: object, end: object
) -> tuple[dt.datetime | None, dt.datetime | None]:
    if status not in STATUSES:
        raise Invalid("status", gettext("Choose present, partly present or absent."))
    if status == "absent":
        return None, None
    first = need.start if start in (None, "") else clock_on(need, start, "start")
    last = need.end if end in (None, "") else clock_on(need, end, "end")
    if last < first and end not in (None, ""):
        last += dt.timedelta(days=1)  # worked past midnight
    if last <= first:
        raise Invalid("end", gettext("The end must come after the start."))
    longest = dt.timedelta(hours=24)
    if last - first > longest or first < need.start - longest or last > need.end + longest:
        raise Invalid("end", gettext("These times are not within a day of the shift."))
    return first, last


def mark(
    need: m.Need, volunteer_id: str, status: str, start: object = None, end: object = None
) -> m.Attendance:
    """Store a staff member's mark (confirmed), auditing what it replaced; no commit. Raises
    `Invalid`, `Refused`, or 404 for a volunteer neither rostered there nor marked."""
    hold_shift(need.id)
    facility = db.session.get(m.Facility, need.facility_id)
    assert facility is not None
    now = local_now(store.as_facility(facility))
    if now < need.start:
        raise Refused(
            gettext(
                "This shift has not started yet; it can be marked from %(time)s.",
                time=f"{need.start:%H:%M}",
            )
        )
    if current_user.kind is Role.HOSPITAL and now > need.end + dt.timedelta(days=correction_days()):
        raise Refused(
            gettext(
                "Marks can be made or corrected for %(days)s days after the shift; ask a "
                "coordinator to correct this one.",
                days=correction_days(),
            )
        )
    first, last = judged_times(need, status, start, end)
    row = existing(need.id, volunteer_id)
    if row is None:
        row = new_mark(need, facility, _rostered(need.id, volunteer_id))
        before: dict[str, Any] | None = None
    else:
        before = described(row)
    row.status, row.start, row.end = status, first, last
    row.confirmed, row.marked_at, row.marked_by = True, m.utcnow(), current_user.id
    after = described(row)
    if before != after:
        action = "create" if before is None else "edit"
        audit.record(action, "attendance", f"{need.id}/{volunteer_id}", before=before, after=after)
    return row


def hold_shift(need_id: str) -> None:
    """Wait for, then hold, the lock of one shift's marks (no commit). Named by a hash of the
    need's id: ids run to 100 characters, lock names to 50."""
    store.hold(f"attendance-{hashlib.sha256(need_id.encode('utf-8')).hexdigest()[:32]}")


def existing(need_id: str, volunteer_id: str) -> m.Attendance | None:
    return db.session.scalars(
        select(m.Attendance).where(
            m.Attendance.need_id == need_id, m.Attendance.volunteer_id == volunteer_id
        )
    ).first()


def new_mark(need: m.Need, facility: m.Facility, volunteer: m.Volunteer) -> m.Attendance:
    """A volunteer's mark of a shift, keeping the shift as it is now (added, no commit)."""
    row = m.Attendance(
        need_id=need.id,
        volunteer_id=volunteer.id,
        volunteer_name=volunteer.name,
        facility_id=facility.id,
        facility_name=facility.name,
        region=facility.region,
        role=need.role,
        planned_start=need.start,
        planned_end=need.end,
    )
    db.session.add(row)
    return row


def _rostered(need_id: str, volunteer_id: str) -> m.Volunteer:
    on = db.session.scalar(
        select(m.Assignment.volunteer_id).where(
            m.Assignment.roster_id == store.published_id(),
            m.Assignment.need_id == need_id,
            m.Assignment.volunteer_id == volunteer_id,
        )
    )
    volunteer = db.session.get(m.Volunteer, volunteer_id) if on else None
    if volunteer is None:
        abort(404)
    return volunteer


def described(row: m.Attendance) -> dict[str, Any]:
    return {
        "status": row.status,
        "start": row.start.isoformat(timespec="minutes") if row.start else None,
        "end": row.end.isoformat(timespec="minutes") if row.end else None,
        "confirmed": bool(row.confirmed),
    }


def hours_of(row: m.Attendance) -> Worked:
    if row.start is None or row.end is None or not row.confirmed:
        return Worked(0, 0)
    return worked(row.start, row.end)


# --- the page ------------------------------------------------------------------------------


def recent_days(user: m.User) -> dict[dt.date, set[str]]:
    """Today and yesterday at each of the user's facilities, in its own time zone: the
    facilities each of those days is one of the two for. A Vladivostok hospital's early
    shifts are today's there while a Moscow site is still on the day before."""
    days: dict[dt.date, set[str]] = {}
    for facility in db.session.scalars(access.facilities_query(user)):
        local = schedule.local_today(store.as_facility(facility))
        for day in (local, local - dt.timedelta(days=1)):
            days.setdefault(day, set()).add(facility.id)
    today = schedule.today()
    return days or {today: set(), today - dt.timedelta(days=1): set()}


def asked_day() -> dt.date | None:
    text = request.args.get("date", "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(i18n.typed_date(text))
    except ValueError:
        return None


@bp.get("/attendance")
@roles_required(*STAFF)
def index():
    asked = asked_day()
    if request.args.get("date") and asked is None:
        flash(gettext("Choose a day, e.g. %(example)s.", example=i18n.date_field(schedule.today())))
    if asked:
        days = [(asked, shifts_on(asked, current_user))]
    else:
        recent = recent_days(current_user)
        days = [
            (day, [s for s in shifts_on(day, current_user) if s.facility.id in recent[day]])
            for day in sorted(recent, reverse=True)
        ]
    return render_template(
        "attendance/index.html",
        days=days,
        statuses=STATUSES,
        coordinator=current_user.kind in COORDINATORS,
        asked=asked,
    )


@bp.post("/attendance/<need_id>/<volunteer_id>")
@roles_required(*STAFF)
def mark_from_page(need_id: str, volunteer_id: str):
    need = access.need_or_404(current_user, need_id)
    form = request.form
    try:
        row = mark(need, volunteer_id, form.get("status", ""), form.get("start"), form.get("end"))
    except (Invalid, Refused) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            gettext("%(name)s: %(status)s.", name=row.volunteer_name, status=STATUSES[row.status])
        )
    recent = need.facility_id in recent_days(current_user).get(need.date, ())
    shown: dict[str, Any] = {} if recent else {"date": i18n.date_field(need.date)}
    return redirect(url_for("attendance.index", **shown), 303)


# --- the API -------------------------------------------------------------------------------


def as_json(shift: ShiftMarks) -> dict[str, Any]:
    need = shift.need
    return {
        "need_id": need.id,
        "facility_id": need.facility_id,
        "date": need.date.isoformat(),
        "start": f"{need.start:%H:%M}",
        "end": f"{need.end:%H:%M}",
        "role": need.role,
        "volunteers": [
            {"volunteer_id": p.volunteer_id, "name": p.name, "status": p.status}
            | (_times(p.mark) if p.mark else {})
            for p in shift.people
        ],
    }


def _times(row: m.Attendance) -> dict[str, Any]:
    return {
        "actual_start": row.start.isoformat(timespec="minutes") if row.start else None,
        "actual_end": row.end.isoformat(timespec="minutes") if row.end else None,
    }


@bp.get("/api/attendance")
@roles_required(*STAFF)
def api_day():
    text = request.args.get("date", "")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return failure(400, gettext("Give the day as ?date=YYYY-MM-DD."))
    return jsonify(shifts=[as_json(s) for s in shifts_on(day, current_user)])


@bp.post("/api/attendance/<need_id>/<volunteer_id>")
@roles_required(*STAFF)
def api_mark(need_id: str, volunteer_id: str):
    need = access.need_or_404(current_user, need_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return failure(400, gettext('Send {"status": "present" | "partial" | "absent"}.'))
    try:
        status = str(body.get("status", ""))
        row = mark(need, volunteer_id, status, body.get("start"), body.get("end"))
    except Invalid as exc:
        db.session.rollback()
        return jsonify(error={"status": 400, "message": str(exc), "field": exc.field}), 400
    except Refused as exc:
        db.session.rollback()
        return failure(409, str(exc))
    db.session.commit()
    hours = hours_of(row)
    return jsonify(
        need_id=row.need_id,
        volunteer_id=row.volunteer_id,
        status=row.status,
        **_times(row),
        hours=hours.hours,
        night_hours=hours.night_hours,
    )
