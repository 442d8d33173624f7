"""Validated changes and whole inputs to stored rows (inside the caller's transaction)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    delete,
    insert,
    select,
    update,
)

from scheduler import domain
from scheduler.intake.updates import Changes
from web import models as m
from web.models import db
from web.store.rows import (
    chunks,
    credential_rows,
    facility_row,
    need_row,
    table_of,
    volunteer_row,
    window_rows,
)


def apply(changes: Changes) -> list[str]:
    """Store validated changes: replace what they name, add the rest (no commit).

    An uploaded credentials sheet replaces the verified credentials of the
    volunteers it names; those a volunteer sent that still wait for review
    stay waiting. Returns the evidence files of the credentials replaced, for
    the caller to discard once the change is committed.

    Bulk statements, not a merge per row: a national upload of 9,000 needs
    is two statements, not 9,000 round trips.
    """
    session = db.session
    _upsert(m.Volunteer, [volunteer_row(v) for v in changes.volunteers])
    if changes.availability:
        named = list(changes.availability)
        for chunk in chunks(named):
            session.execute(delete(m.Window).where(m.Window.volunteer_id.in_(chunk)))
        rows = window_rows(w for ws in changes.availability.values() for w in ws)
        if rows:
            session.execute(insert(m.Window), rows)
    replaced: list[str] = []
    if changes.credentials:  # an uploader's own sheet: verified by them as stored
        named = list(changes.credentials)
        for chunk in chunks(named):
            gone = session.scalars(  # one statement: a row verified meanwhile goes with its file
                delete(m.Credential)
                .where(m.Credential.volunteer_id.in_(chunk), m.Credential.verified_at.is_not(None))
                .returning(m.Credential.evidence)
            )
            replaced += gone
        held = [c for rows in changes.credentials.values() for c in rows]
        rows = credential_rows(held, verified_at=m.utcnow(), verified_by=_uploader())
        if rows:
            session.execute(insert(m.Credential), rows)
    _upsert(m.Need, [need_row(n) for n in changes.needs])
    session.flush()
    return [name for name in replaced if name]


def _uploader() -> int | None:
    from flask_login import current_user

    return current_user.id if current_user and current_user.is_authenticated else None


def _upsert(
    model: type[m.Volunteer] | type[m.Need] | type[m.Facility], rows: list[dict[str, object]]
) -> None:
    if not rows:
        return
    session = db.session
    stored: set[str] = set()
    for chunk in chunks([row["id"] for row in rows]):
        stored.update(session.scalars(select(model.id).where(model.id.in_(chunk))))
    old = [row for row in rows if row["id"] in stored]
    new = [row for row in rows if row["id"] not in stored]
    # a few thousand rows a statement: one statement of 40,000 holds all their parameters
    for chunk in chunks(old, 5000):
        session.execute(update(model), chunk)  # ORM bulk update by primary key
    for chunk in chunks(new, 5000):
        session.execute(insert(model), chunk)


@dataclass(frozen=True)
class AccountLink:
    """An account tied to a facility or a volunteer by id."""

    email: str
    kind: str  # "facility" or "volunteer"
    id: str
    name: str  # the facility's or volunteer's stored name


def account_links() -> list[AccountLink]:
    """Every account's link to a stored facility or volunteer."""
    facilities = db.session.execute(
        select(m.User.email, m.Facility.id, m.Facility.name)
        .join(m.staff_facilities, m.staff_facilities.c.user_id == m.User.id)
        .join(m.Facility, m.Facility.id == m.staff_facilities.c.facility_id)
    )
    volunteers = db.session.execute(
        select(m.User.email, m.Volunteer.id, m.Volunteer.name).join(
            m.Volunteer, m.Volunteer.id == m.User.volunteer_id
        )
    )
    return [AccountLink(e, "facility", i, n) for e, i, n in facilities] + [
        AccountLink(e, "volunteer", i, n) for e, i, n in volunteers
    ]


def replace_all(dataset: domain.Dataset) -> None:
    """Store a whole input instead of what is stored (loading demo data, a national reset).

    Facilities and volunteers are replaced row by row under their ids, so an
    account linked to one keeps its link when the new input still has that
    id; those the input lacks are deleted, and their accounts' links with
    them (`account_links` tells the caller which, before it calls this).
    """
    session = db.session
    for table in (m.Window, m.Credential, m.Need, m.RoleCover, m.Rule):
        session.execute(delete(table))
    kept: tuple[tuple[type[m.Volunteer] | type[m.Facility], set[str]], ...] = (
        (m.Volunteer, {v.id for v in dataset.volunteers}),
        (m.Facility, {f.id for f in dataset.facilities}),
    )
    for model, ids in kept:
        gone = set(session.scalars(select(model.id))) - ids
        for chunk in chunks(sorted(gone)):
            session.execute(delete(model).where(model.id.in_(chunk)))
    _upsert(m.Facility, [facility_row(f) for f in dataset.facilities])
    _upsert(m.Volunteer, [volunteer_row(v) for v in dataset.volunteers])
    if dataset.availability:
        session.execute(table_of(m.Window).insert(), window_rows(dataset.availability))
    if dataset.needs:
        session.execute(table_of(m.Need).insert(), [need_row(n) for n in dataset.needs])
    if dataset.credentials:  # from the coordinators' own files: verified as loaded
        rows = credential_rows(dataset.credentials, verified_at=m.utcnow())
        session.execute(table_of(m.Credential).insert(), rows)
    if dataset.roles.cover != domain.RoleTable.default().cover:
        for role, covered in dataset.roles.cover.items():
            others = sorted(covered - {role})
            session.add(m.RoleCover(role=role, can_cover=";".join(others)))
    defaults = domain.Rules()
    for name in domain.Rules.model_fields:
        value = getattr(dataset.rules, name)
        if value != getattr(defaults, name):
            session.add(m.Rule(name=name, value=float(value)))
    session.flush()
