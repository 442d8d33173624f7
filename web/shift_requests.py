"""What volunteers ask for that changes the roster later: claims waiting for approval, swaps.

A region may ask that its coordinators approve every claim and swap before
the roster changes (`RegionSetting.approval`). Then a claim that every rule
allows is stored as a request, "waiting"; a coordinator's approval carries
it out, judged again against the roster standing then. A swap is a shift
offered by the volunteer holding it ("offered"), to a named colleague or to
anyone who may take it; once accepted it is carried out at once, or waits
like a claim where the region asks for approval.
"""

from __future__ import annotations

from sqlalchemy import select

from web import models as m
from web.models import db

CLAIM, SWAP = "claim", "swap"
OFFERED, WAITING, DONE, REFUSED, WITHDRAWN = "offered", "waiting", "done", "refused", "withdrawn"


def approval_needed(region: str) -> bool:
    setting = db.session.get(m.RegionSetting, region)
    return bool(setting and setting.approval)


def set_approval(region: str, approval: bool) -> None:
    """(no commit)"""
    setting = db.session.get(m.RegionSetting, region)
    if setting is None:
        db.session.add(m.RegionSetting(region=region, approval=approval))
    else:
        setting.approval = approval


def waiting_claim(volunteer_id: str, need_id: str) -> m.ShiftRequest | None:
    return db.session.scalars(
        select(m.ShiftRequest).where(
            m.ShiftRequest.kind == CLAIM,
            m.ShiftRequest.need_id == need_id,
            m.ShiftRequest.volunteer_id == volunteer_id,
            m.ShiftRequest.state == WAITING,
        )
    ).first()


def ask_claim(volunteer_id: str, need_id: str) -> m.ShiftRequest:
    """A claim waiting for approval (no commit); the one already waiting, if any."""
    found = waiting_claim(volunteer_id, need_id)
    if found is None:
        found = m.ShiftRequest(kind=CLAIM, need_id=need_id, volunteer_id=volunteer_id)
        found.state = WAITING
        db.session.add(found)
    return found


def open_offer(giver_id: str, need_id: str) -> m.ShiftRequest | None:
    """The giver's swap offer of this shift still waiting for a taker or an approval."""
    return db.session.scalars(
        select(m.ShiftRequest).where(
            m.ShiftRequest.kind == SWAP,
            m.ShiftRequest.need_id == need_id,
            m.ShiftRequest.giver_id == giver_id,
            m.ShiftRequest.state.in_([OFFERED, WAITING]),
        )
    ).first()


def decide(request: m.ShiftRequest, state: str, by: int | None, note: str = "") -> None:
    """(no commit)"""
    request.state = state
    request.decided_at = m.utcnow()
    request.decided_by = by
    request.note = note[:2000]
