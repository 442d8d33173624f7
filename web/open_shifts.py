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

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import delete, select

from scheduler import domain
from scheduler.outputs.open_shifts import OpenShift, open_shifts
from scheduler.outputs.refusals import Refusal, why_not
from scheduler.problems import InvalidInput
from web import audit, notices, schedule, shift_requests, store
from web import models as m
from web.access import roles_required
from web.dashboard import scoped_roster
from web.models import Role, db

bp = Blueprint("open_shifts", __name__)

SHOWN = 30  # offers on the page and in the API, nearest first
NOT_OFFERED_SHOWN = 10  # open places the page explains it does not offer, soonest first


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


def offers(volunteer_id: str, judged: Judged | None = None) -> list[Offer]:
    """The places the volunteer may take now, nearest first."""
    judged = judged or _judged(volunteer_id, None)
    if judged is None:
        return []
    dataset, offered = judged.dataset, judged.offered
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
    volunteer_id: str, need_id: str | None, without: tuple[str, str] | None = None
) -> Judged | None:
    """The region's data and the places the volunteer may take (of one need, or of all);
    `without`: judged as if that assignment were gone (a colleague's, offered in a swap)."""
    volunteer = db.session.get(m.Volunteer, volunteer_id)
    roster = store.published()
    if volunteer is None or roster is None:
        return None
    dataset, pairs = scoped_roster(roster, store.region_facilities(volunteer.region))
    pairs = [p for p in pairs if p != without]
    now, site = schedule.now(), str(current_app.config["TIMEZONE"])
    facilities = dataset.facility_by_id
    ahead = [
        n.id
        for n in dataset.needs
        if (need_id is None or n.id == need_id)
        and n.start.replace(tzinfo=facilities[n.facility_id].zone(site)) > now
    ]
    declined = {p for p in store.declined_pairs() if p[1] == volunteer_id}
    offered = open_shifts(dataset, pairs, volunteer_id, ahead, declined)
    return Judged(dataset, pairs, declined, offered, ahead)


@dataclass(frozen=True)
class NotOffered:
    shift: schedule.Shift
    reasons: list[Refusal]


@dataclass(frozen=True)
class Judged:
    dataset: domain.Dataset
    pairs: list[tuple[str, str]]
    declined: set[tuple[str, str]]
    offered: list[OpenShift]
    ahead: list[str]  # the needs judged: not started yet

    def not_offered(self, volunteer_id: str, most: int = NOT_OFFERED_SHOWN) -> list[NotOffered]:
        """Open places not started, that the volunteer does not hold and may not take, soonest
        first, each with every rule that forbids it."""
        filled = Counter(n for n, _ in self.pairs)
        held = {n for n, v in self.pairs if v == volunteer_id}
        offered = {o.need_id for o in self.offered}
        needs = self.dataset.need_by_id
        places = sorted(
            (
                needs[n]
                for n in self.ahead
                if n not in offered and n not in held and needs[n].count > filled[n]
            ),
            key=lambda n: (n.start, n.id),
        )
        facilities = self.dataset.facility_by_id
        return [
            NotOffered(
                schedule.Shift(need, facilities[need.facility_id]),
                self.reasons(volunteer_id, need.id),
            )
            for need in places[:most]
        ]

    def reasons(self, volunteer_id: str, need_id: str) -> list[Refusal]:
        """Why the volunteer may not take the need, by the rules' own units."""
        if need_id not in self.dataset.need_by_id:
            return []
        try:
            return why_not(self.dataset, self.pairs, volunteer_id, need_id, self.declined)
        except InvalidInput:
            return []


def _judged_pair(
    volunteer_id: str, need_id: str, without: tuple[str, str] | None = None
) -> Judged | None:
    """The judgement of one claim, on only what it depends on: the need and who holds it, the
    volunteer and the shifts they hold (every rule of a pair reads no more). A claim is judged
    under the publishing lock, so this is the lock's length: a few ms, where the region's
    data and the national roster took 60 (docs/production.md, "Volunteers' claims")."""
    roster = store.published()
    if db.session.get(m.Volunteer, volunteer_id) is None or roster is None:
        return None
    a = m.Assignment
    pairs = [
        (n, v)
        for n, v in db.session.execute(
            select(a.need_id, a.volunteer_id).where(
                a.roster_id == roster.id, (a.volunteer_id == volunteer_id) | (a.need_id == need_id)
            )
        )
        if (n, v) != without
    ]
    facilities = store.facilities_of_needs({need_id, *(n for n, _ in pairs)})
    # those on the need count its places: a pair of an unknown volunteer would count nothing
    dataset = store.load(facilities, {volunteer_id, *(v for n, v in pairs if n == need_id)})
    pairs = [(n, v) for n, v in pairs if n in dataset.need_by_id]
    need = dataset.need_by_id.get(need_id)
    site = str(current_app.config["TIMEZONE"])
    ahead = (
        [need_id]
        if need is not None
        and need.start.replace(tzinfo=dataset.facility_by_id[need.facility_id].zone(site))
        > schedule.now()
        else []
    )
    declined = {p for p in store.declined_pairs() if p[1] == volunteer_id}
    offered = open_shifts(dataset, pairs, volunteer_id, ahead, declined)
    return Judged(dataset, pairs, declined, offered, ahead)


def judge_claim(
    volunteer_id: str, need_id: str, giver: str | None = None
) -> tuple[Refused | None, Judged | None]:
    """Whether the volunteer may take a place of the need now (the giver's, in a swap), and
    the judgement; writes nothing. Call under the publishing lock to act on it."""
    given = (need_id, giver) if giver else None
    judged = _judged_pair(volunteer_id, need_id, given)
    if judged is None:
        return Refused(gettext("There is no published roster yet; nothing can be taken.")), None
    need = judged.dataset.need_by_id.get(need_id)
    current = store.published()
    assert current is not None  # _judged found it
    if given and given not in set(store.roster_assignments(current.id)):
        return Refused(gettext("Your colleague no longer holds this shift.")), judged
    if not judged.offered or need is None:
        return refusal(judged, volunteer_id, need), judged
    return None, judged


def claim(
    volunteer_id: str,
    need_id: str,
    also: Callable[[], None] | None = None,
    giver: str | None = None,
) -> Refused | None:
    """Put the volunteer on the need in the published roster (committed); None when done,
    else why not. Judged under the publishing lock against what stands; `also` adds what
    goes with it (an invitation's answer) to the same transaction. With `giver`, a swap:
    the giver's place is the one taken, and they are off the shift."""
    store.hold("publish")
    refused, judged = judge_claim(volunteer_id, need_id, giver)
    if refused is not None or judged is None:
        db.session.rollback()
        return refused
    dataset = judged.dataset
    need = dataset.need_by_id[need_id]
    given = (need_id, giver) if giver else None
    current = store.published()
    assert current is not None
    facility = dataset.facility_by_id[need.facility_id]
    if given:
        db.session.execute(
            delete(m.Assignment).where(
                m.Assignment.roster_id == current.id,
                m.Assignment.need_id == need_id,
                m.Assignment.volunteer_id == giver,
            )
        )
        store.forget_answers(confirmed=[given])
        notices.swapped_away(need, facility, giver or "", volunteer_id)
    db.session.add(m.Assignment(roster_id=current.id, need_id=need_id, volunteer_id=volunteer_id))
    store.answer_pair(need_id, volunteer_id, "confirmed")
    detail = {"from": giver} if giver else {}
    audit.record("swap" if giver else "claim", "assignment", f"{need_id}/{volunteer_id}", **detail)
    notices.shift_claimed(need, facility, volunteer_id)
    if also is not None:
        also()
    db.session.commit()
    notices.wake()
    return None


@dataclass(frozen=True)
class Refused:
    """Why a claim was refused: a sentence, and the rules' own reasons when a rule forbids it."""

    message: str
    reasons: tuple[Refusal, ...] = ()

    def __str__(self) -> str:
        return " ".join([self.message, *(r.text for r in self.reasons)])

    def as_json(self) -> dict[str, object]:
        return {
            "status": 409,
            "message": str(self),
            "reasons": [r.as_json() for r in self.reasons],
        }


def refusal(judged: Judged, volunteer_id: str, need: domain.Need | None) -> Refused:
    if need is None:
        return Refused(gettext("This shift is no longer posted, or is not in your region."))
    site = str(current_app.config["TIMEZONE"])
    zone = judged.dataset.facility_by_id[need.facility_id].zone(site)
    if need.start.replace(tzinfo=zone) <= schedule.now():
        return Refused(gettext("This shift has started; it can no longer be taken."))
    reasons = tuple(judged.reasons(volunteer_id, need.id))
    return Refused(gettext("You cannot take this shift:"), reasons)


@bp.get("/my/open-shifts")
@roles_required(Role.VOLUNTEER)
def index():
    volunteer_id = current_user.volunteer_id or ""
    judged = _judged(volunteer_id, None) if volunteer_id else None
    return render_template(
        "schedule/open_shifts.html",
        offers=offers(volunteer_id, judged) if judged else [],
        not_offered=judged.not_offered(volunteer_id) if judged else [],
    )


def take_or_ask(volunteer_id: str, need_id: str) -> Refused | str:
    """Claim the place, or, where the volunteer's region asks for approval, ask for it
    (committed): "taken", "waiting", or why not."""
    volunteer = db.session.get(m.Volunteer, volunteer_id)
    if volunteer is None or not shift_requests.approval_needed(volunteer.region):
        return claim(volunteer_id, need_id) or TAKEN
    store.hold("publish")
    refused, _ = judge_claim(volunteer_id, need_id)
    if refused is not None:
        db.session.rollback()
        return refused
    shift_requests.ask_claim(volunteer_id, need_id)
    audit.record("ask", "assignment", f"{need_id}/{volunteer_id}")
    db.session.commit()
    return WAITING


TAKEN, WAITING = "taken", "waiting"


@bp.post("/my/open-shifts/<need_id>/claim")
@roles_required(Role.VOLUNTEER)
def take(need_id: str):
    outcome = take_or_ask(current_user.volunteer_id or "", need_id[:200])
    if isinstance(outcome, Refused):
        flash(str(outcome), "error")
        return redirect(url_for("open_shifts.index"))
    if outcome == WAITING:
        flash(gettext("Asked: a coordinator of your region approves it; you will be told."))
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
    outcome = take_or_ask(current_user.volunteer_id or "", need_id[:200])
    if isinstance(outcome, Refused):
        return jsonify(error=outcome.as_json()), 409
    if outcome == WAITING:
        return jsonify(need_id=need_id, confirmed=False, waiting_for_approval=True), 202
    return jsonify(need_id=need_id, confirmed=True), 201
