"""Cover cases: open places of the published roster, filled by waves of invitations.

A cover case is a place of a future need that the published roster leaves
open: a volunteer declined, was taken off or left, the hospital posted a new
need or raised a count, or nobody could take it when the roster was
published. Hospital staff (their facilities) and coordinators (their scope)
see them with the engine's ranked candidates (`scheduler.outputs.suggestions`)
and press "Invite": the best few free candidates get a notice with a link to
take the place (`web.invitations`). The first to accept gets it, judged again
under the publishing lock like any claim. If nobody has taken it after
`SCHEDULER_COVER_WAVE_MINUTES` the notice worker invites the next few, and
`SCHEDULER_COVER_ALERT_HOURS` before the start it tells the region's
coordinators that the place is still open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from scheduler.outputs.suggestions import Candidate, suggest
from web import access, audit, notices, schedule, store
from web import models as m
from web.access import STAFF, roles_required
from web.dashboard import scoped_roster
from web.errors import wants_json
from web.models import db

bp = Blueprint("cover_cases", __name__)

WAVE_SIZE = 3  # invitations per wave for each open place
WAVE_MINUTES = 30  # a wave unanswered this long is followed by the next
ALERT_HOURS = 6  # coordinators are told when a started case is still open this close


@dataclass(frozen=True)
class Case:
    shift: schedule.Shift
    open: int
    opened_by: str  # how the place came to be open, in words
    invited: int
    waves: int
    alerted: bool


def _setting(name: str, default: float) -> float:
    try:
        return float(current_app.config.get(name, default))
    except (TypeError, ValueError):
        return default


def wave_minutes() -> float:
    return _setting("COVER_WAVE_MINUTES", WAVE_MINUTES)


def alert_hours() -> float:
    return _setting("COVER_ALERT_HOURS", ALERT_HOURS)


def open_cases(facility_ids: frozenset[str] | None, need_id: str | None = None) -> list[Case]:
    """The places still open on the published roster of needs not yet started, soonest first."""
    roster = store.published()
    if roster is None:
        return []
    filled = (
        select(m.Assignment.need_id, func.count().label("n"))
        .where(m.Assignment.roster_id == roster.id)
        .group_by(m.Assignment.need_id)
        .subquery()
    )
    have = func.coalesce(filled.c.n, 0)
    now = schedule.now()
    earliest = (now - dt.timedelta(days=1)).astimezone(dt.UTC).replace(tzinfo=None)
    query = (
        select(m.Need, m.Facility, have)
        .join(m.Facility, m.Facility.id == m.Need.facility_id)
        .outerjoin(filled, filled.c.need_id == m.Need.id)
        .where(m.Need.count > have, m.Need.start > earliest)
        .order_by(m.Need.start, m.Need.id)
    )
    if facility_ids is not None:
        query = query.where(m.Need.facility_id.in_(facility_ids))
    if need_id is not None:
        query = query.where(m.Need.id == need_id)
    site = str(current_app.config["TIMEZONE"])
    rows = [
        (need, facility, count)
        for need, facility, count in db.session.execute(query)
        if need.start.replace(tzinfo=store.as_facility(facility).zone(site)) > now
    ]
    ids = [need.id for need, _, _ in rows]
    declined = {
        n: name
        for n, name in db.session.execute(
            select(m.ShiftAnswer.need_id, m.Volunteer.name)
            .join(m.Volunteer, m.Volunteer.id == m.ShiftAnswer.volunteer_id)
            .where(m.ShiftAnswer.need_id.in_(ids), m.ShiftAnswer.answer == "declined")
        )
    }
    cases = {
        c.need_id: c
        for c in db.session.scalars(select(m.CoverCase).where(m.CoverCase.need_id.in_(ids)))
    }
    invited = dict(
        db.session.execute(
            select(m.Invitation.need_id, func.count())
            .where(m.Invitation.need_id.in_(ids))
            .group_by(m.Invitation.need_id)
        ).all()
    )
    published_at = roster.published_at or roster.created_at
    found = []
    for need, facility, count in rows:
        if need.id in declined:
            why = gettext("%(name)s declined", name=declined[need.id])
        elif need.updated_at > published_at:
            why = gettext("posted or changed after the roster was published")
        else:
            why = gettext("nobody could take it when the roster was published")
        case = cases.get(need.id)
        found.append(
            Case(
                schedule.Shift(store.as_need(need), store.as_facility(facility)),
                need.count - count,
                why,
                invited.get(need.id, 0),
                case.waves if case else 0,
                bool(case and case.alerted_at),
            )
        )
    return found


def candidates(need: m.Need, facility: m.Facility) -> tuple[list[Candidate], dict[str, str]]:
    """The ranked volunteers free to take a place of the need now, and everybody's names."""
    roster = store.published()
    dataset, pairs = scoped_roster(roster, store.region_facilities(facility.region))
    if need.id not in dataset.need_by_id:
        return [], {}
    found = suggest(dataset, pairs, need.id, most=100, declined=store.declined_pairs())
    return [c for c in found.candidates if not c.moves], {v.id: v.name for v in dataset.volunteers}


def invite_wave(need: m.Need, facility: m.Facility, open_places: int) -> int:
    """Invite the next best candidates not yet invited (committed); how many were invited.

    Under the cover lock, so two people pressing "Invite" at once send one wave.
    """
    store.hold("cover")
    ranked, _ = candidates(need, facility)
    asked = set(
        db.session.scalars(select(m.Invitation.volunteer_id).where(m.Invitation.need_id == need.id))
    )
    fresh = [c.volunteer_id for c in ranked if c.volunteer_id not in asked]
    chosen = fresh[: WAVE_SIZE * max(open_places, 1)]
    if not chosen:
        db.session.rollback()
        return 0
    case = db.session.get(m.CoverCase, need.id)
    if case is None:
        user = current_user.id if current_user and current_user.is_authenticated else None
        case = m.CoverCase(need_id=need.id, started_by=user, waves=0)
        db.session.add(case)
    case.waves += 1
    case.last_wave_at = m.utcnow()
    for volunteer_id in chosen:
        db.session.add(m.Invitation(need_id=need.id, volunteer_id=volunteer_id, wave=case.waves))
    notices.invited(need, facility, chosen)
    audit.record("invite", "need", need.id, wave=case.waves, volunteers=chosen)
    db.session.commit()
    notices.wake()
    return len(chosen)


def advance(now: dt.datetime | None = None) -> int:
    """Follow unanswered waves with the next, and alert coordinators of cases still open close
    to their start (each case once). Run every minute by the notice worker; commits."""
    now = now or schedule.now()
    started = db.session.scalars(select(m.CoverCase)).all()
    if not started:
        return 0
    open_now = {c.shift.need.id: c for c in open_cases(None)}
    site = str(current_app.config["TIMEZONE"])
    due = m.utcnow() - dt.timedelta(minutes=wave_minutes())
    done = 0
    for case in started:
        found = open_now.get(case.need_id)
        if found is None:
            continue
        need = db.session.get(m.Need, case.need_id)
        facility = db.session.get(m.Facility, found.shift.facility.id)
        if need is None or facility is None:
            continue
        start = found.shift.need.start.replace(tzinfo=found.shift.facility.zone(site))
        if case.alerted_at is None and start - now <= dt.timedelta(hours=alert_hours()):
            case.alerted_at = m.utcnow()
            notices.cover_alert(need, found.invited)
            db.session.commit()
            done += 1
        if case.last_wave_at <= due:
            done += invite_wave(need, facility, found.open)
            case = db.session.get(m.CoverCase, case.need_id) or case
            if case.last_wave_at <= due:  # nobody left to invite: wait a full wave again
                case.last_wave_at = m.utcnow()
                db.session.commit()
    return done


# --- pages ---------------------------------------------------------------------------------


@bp.get("/cover")
@roles_required(*STAFF)
def index():
    cases = open_cases(access.facility_ids(current_user))
    if wants_json():
        return jsonify(cases=[_as_json(c) for c in cases])
    return render_template("cover/index.html", cases=cases)


def _as_json(case: Case) -> dict[str, object]:
    need = case.shift.need
    return {
        "need_id": need.id,
        "facility_id": case.shift.facility.id,
        "date": need.date.isoformat(),
        "start": case.shift.start,
        "end": case.shift.end,
        "role": need.role,
        "open": case.open,
        "opened_by": case.opened_by,
        "invited": case.invited,
        "waves": case.waves,
    }


def _open_case(need_id: str) -> tuple[m.Need, m.Facility, Case | None]:
    """The need in the user's scope (else 404), its facility and its open case; None (with
    a message) when it has no open place now."""
    need = access.need_or_404(current_user, need_id[:200])
    facility = db.session.get(m.Facility, need.facility_id)
    found = open_cases(frozenset({need.facility_id}), need.id)
    if facility is None or not found:
        flash(gettext("This shift has no open place now, or it has started."), "warning")
        return need, facility, None  # type: ignore[return-value]
    return need, facility, found[0]


@bp.get("/cover/<need_id>")
@roles_required(*STAFF)
def show(need_id: str):
    need, facility, found = _open_case(need_id)
    if found is None:
        return redirect(url_for("cover_cases.index"))
    ranked, names = candidates(need, facility)
    invitations = db.session.scalars(
        select(m.Invitation)
        .where(m.Invitation.need_id == need.id)
        .order_by(m.Invitation.wave, m.Invitation.invited_at)
    ).all()
    asked = {i.volunteer_id for i in invitations}
    return render_template(
        "cover/show.html",
        case=found,
        ranked=ranked,
        asked=asked,
        names=names,
        invitations=invitations,
        waiting=[c for c in ranked if c.volunteer_id not in asked],
        wave_minutes=f"{wave_minutes():g}",
    )


@bp.post("/cover/<need_id>/invite")
@roles_required(*STAFF)
def invite(need_id: str):
    need, facility, found = _open_case(need_id)
    if found is None:
        return redirect(url_for("cover_cases.index"))
    sent = invite_wave(need, facility, found.open)
    if sent:
        flash(
            gettext(
                "%(count)s volunteer(s) invited; the first to accept gets the place.", count=sent
            )
        )
    else:
        flash(gettext("Everybody who could take it is invited already."), "warning")
    return redirect(url_for("cover_cases.show", need_id=need.id))
