"""Who the published roster sends to each need, and facility names: what the needs pages
and the API show beside each shift."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, select

from web import models as m
from web import store
from web.models import db


@dataclass(frozen=True)
class Coming:
    """A volunteer the published roster sends to a need."""

    volunteer_id: str
    name: str
    role: str
    phone: str
    confirmed: bool = False  # by the link in their notice (web.shift_answers)


def coming_to(need_ids: Collection[str] | Select) -> dict[str, list[Coming]]:
    """Who the published roster sends to each need (ids, or a query of needs)."""
    roster = store.published()
    if roster is None:
        return {}
    if isinstance(need_ids, Select):
        need_ids = need_ids.with_only_columns(m.Need.id).order_by(None)
    rows = db.session.execute(
        select(m.Assignment.need_id, m.Volunteer)
        .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .where(m.Assignment.roster_id == roster.id, m.Assignment.need_id.in_(need_ids))
        .order_by(m.Volunteer.name, m.Volunteer.id)
    ).all()
    confirmed = store.confirmed_pairs(need_id for need_id, _ in rows)
    found: dict[str, list[Coming]] = {}
    for need_id, v in rows:
        sure = (need_id, v.id) in confirmed
        found.setdefault(need_id, []).append(Coming(v.id, v.name, v.role, v.phone, sure))
    return found


def facility_names(ids: Collection[str]) -> dict[str, str]:
    query = select(m.Facility.id, m.Facility.name).where(m.Facility.id.in_(set(ids)))
    return {facility_id: name for facility_id, name in db.session.execute(query)}
