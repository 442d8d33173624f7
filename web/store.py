"""Between the database and the engine: stored rows to a `Dataset`, validated changes to rows.

Every write here happens inside the caller's transaction; the views commit
once, after all of an upload is stored, so a failure stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select, update

from scheduler import domain
from scheduler.updates import Changes
from web import models as m
from web.models import db


def load() -> domain.Dataset:
    """The stored input as the engine's `Dataset`."""
    session = db.session
    facilities = tuple(
        domain.Facility(f.id, f.name, f.region, f.lat, f.lon, f.address, f.region_label)
        for f in session.scalars(select(m.Facility).order_by(m.Facility.id))
    )
    volunteers = tuple(
        as_volunteer(v) for v in session.scalars(select(m.Volunteer).order_by(m.Volunteer.id))
    )
    needs = tuple(as_need(n) for n in session.scalars(select(m.Need).order_by(m.Need.id)))
    windows = tuple(
        domain.Availability(
            w.volunteer_id, w.start_minute, w.end_minute, w.available, w.date, w.weekday
        )
        for w in session.scalars(select(m.Window).order_by(m.Window.id))
    )
    covers = {r.role: tuple(_split(r.can_cover)) for r in session.scalars(select(m.RoleCover))}
    roles = domain.RoleTable.from_lists(covers) if covers else domain.RoleTable.default()
    values = {r.name: r.value for r in session.scalars(select(m.Rule))}
    if "max_consecutive_days" in values:
        values["max_consecutive_days"] = int(values["max_consecutive_days"])
    return domain.Dataset(facilities, volunteers, needs, windows, roles, domain.Rules(**values))


def _split(text: str) -> list[str]:
    return [part for part in text.split(";") if part]


def as_volunteer(v: m.Volunteer) -> domain.Volunteer:
    return domain.Volunteer(
        v.id,
        v.name,
        v.role,
        v.region,
        v.lat,
        v.lon,
        v.max_shifts_per_week,
        v.max_hours_per_week,
        v.max_distance_km,
        frozenset(_split(v.preferred_facilities)),
        v.email,
        v.phone,
    )


def as_need(n: m.Need) -> domain.Need:
    return domain.Need(
        n.id,
        n.facility_id,
        n.date,
        n.start,
        n.end,
        n.role,
        n.count,
        domain.Priority(n.priority),
        n.id_given,
    )


def need_row(need: domain.Need) -> dict[str, object]:
    return {
        "id": need.id,
        "facility_id": need.facility_id,
        "date": need.date,
        "start": need.start,
        "end": need.end,
        "role": need.role,
        "count": need.count,
        "priority": int(need.priority),
        "id_given": need.id_given,
    }


def volunteer_row(v: domain.Volunteer) -> dict[str, object]:
    return {
        "id": v.id,
        "name": v.name,
        "role": v.role,
        "region": v.region,
        "lat": v.lat,
        "lon": v.lon,
        "max_shifts_per_week": v.max_shifts_per_week,
        "max_hours_per_week": v.max_hours_per_week,
        "max_distance_km": v.max_distance_km,
        "preferred_facilities": ";".join(sorted(v.preferred_facilities)),
        "email": v.email,
        "phone": v.phone,
    }


def window_rows(windows: Iterable[domain.Availability]) -> list[dict[str, object]]:
    return [
        {
            "volunteer_id": w.volunteer_id,
            "start_minute": w.start_minute,
            "end_minute": w.end_minute,
            "available": w.available,
            "date": w.date,
            "weekday": w.weekday,
        }
        for w in windows
    ]


def apply(changes: Changes) -> None:
    """Store validated changes: replace what they name, add the rest (no commit).

    Bulk statements, not a merge per row: a national upload of 9,000 needs
    is two statements, not 9,000 round trips.
    """
    session = db.session
    _upsert(m.Volunteer, [volunteer_row(v) for v in changes.volunteers])
    if changes.availability:
        named = list(changes.availability)
        for chunk in _chunks(named):
            session.execute(delete(m.Window).where(m.Window.volunteer_id.in_(chunk)))
        rows = window_rows(w for ws in changes.availability.values() for w in ws)
        if rows:
            session.execute(insert(m.Window), rows)
    _upsert(m.Need, [need_row(n) for n in changes.needs])
    session.flush()


def _upsert(model: type[m.Volunteer] | type[m.Need], rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    session = db.session
    stored: set[str] = set()
    for chunk in _chunks([row["id"] for row in rows]):
        stored.update(session.scalars(select(model.id).where(model.id.in_(chunk))))
    old = [row for row in rows if row["id"] in stored]
    new = [row for row in rows if row["id"] not in stored]
    if old:
        session.execute(update(model), old)  # ORM bulk update by primary key
    if new:
        session.execute(insert(model), new)


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    """Pieces small enough for any database's limit on bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def replace_all(dataset: domain.Dataset) -> None:
    """Store a whole input instead of what is stored (loading demo data, a national reset)."""
    session = db.session
    for model in (m.Window, m.Need, m.Volunteer, m.RoleCover, m.Rule):
        session.execute(delete(model))
    known = {f.id for f in dataset.facilities}
    session.execute(delete(m.Facility).where(m.Facility.id.not_in(known)))
    for f in dataset.facilities:
        session.merge(
            m.Facility(
                id=f.id,
                name=f.name,
                region=f.region,
                region_label=f.region_label,
                lat=f.lat,
                lon=f.lon,
                address=f.address,
            )
        )
    session.flush()
    if dataset.volunteers:
        session.execute(
            m.Volunteer.__table__.insert(), [volunteer_row(v) for v in dataset.volunteers]
        )
    if dataset.availability:
        session.execute(m.Window.__table__.insert(), window_rows(dataset.availability))
    if dataset.needs:
        session.execute(m.Need.__table__.insert(), [need_row(n) for n in dataset.needs])
    if dataset.roles.cover != domain.RoleTable.default().cover:
        for role, covered in dataset.roles.cover.items():
            others = sorted(covered - {role})
            session.add(m.RoleCover(role=role, can_cover=";".join(others)))
    defaults = domain.Rules()
    for name in domain.Rules.__dataclass_fields__:
        value = getattr(dataset.rules, name)
        if value != getattr(defaults, name):
            session.add(m.Rule(name=name, value=float(value)))
    session.flush()


def publish(assignments: Iterable[tuple[str, str]], summary: dict[str, object]) -> m.Roster:
    """Store a roster as the published one (no commit)."""
    roster = m.Roster(status="published", published_at=m._now(), summary=summary)
    db.session.add(roster)
    db.session.flush()
    rows = [{"roster_id": roster.id, "need_id": n, "volunteer_id": v} for n, v in assignments]
    if rows:
        db.session.execute(m.Assignment.__table__.insert(), rows)
    return roster


def published() -> m.Roster | None:
    """The roster hospital staff and volunteers see: the newest published one."""
    return db.session.scalars(
        select(m.Roster)
        .where(m.Roster.status == "published")
        .order_by(m.Roster.published_at.desc(), m.Roster.id.desc())
        .limit(1)
    ).first()
