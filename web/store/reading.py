"""Stored rows to a `Dataset`: all of it, or the part some facilities need."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    select,
)

from scheduler import domain
from web import models as m
from web.models import db
from web.store.rows import (
    FACILITY_FIELDS,
    NEED_FIELDS,
    VOLUNTEER_FIELDS,
    WINDOW_FIELDS,
    chunks,
    need_from_row,
    split_ids,
    volunteer_from_row,
)


def load(
    facility_ids: Collection[str] | None = None,
    volunteer_ids: Collection[str] | None = None,
    *,
    also: Collection[str] = (),
) -> domain.Dataset:
    """The stored input as the engine's `Dataset`: all of it, or some facilities' part.

    With `facility_ids` it is exactly `load().restricted(facility_ids,
    volunteer_ids)`, filtered by the database: a need saved at one hospital
    reads that hospital, a regional solve its region, not the country. `also`
    names volunteers kept besides those of the facilities' regions (whoever
    is rostered there from elsewhere).
    Reads plain rows, not ORM objects: building 70,000 tracked objects for a
    national dataset costs three times as long as the data itself.
    """
    f, v, n, w = (
        m.Facility.__table__.c,
        m.Volunteer.__table__.c,
        m.Need.__table__.c,
        m.Window.__table__.c,
    )
    facility_query = select(*(f[c] for c in FACILITY_FIELDS))
    volunteer_query = select(*(v[c] for c in VOLUNTEER_FIELDS))
    need_query = select(*(n[c] for c in NEED_FIELDS))
    window_query = select(w.id, *(w[c] for c in WINDOW_FIELDS))
    if facility_ids is None:
        facility_rows, volunteer_rows = _rows(facility_query), _rows(volunteer_query)
        need_rows, windows = _rows(need_query), _rows(window_query)
    else:
        facility_rows = _rows(facility_query, f.id, facility_ids)
        if volunteer_ids is None:  # the people who may work there: their regions' volunteers
            volunteer_rows = _rows(volunteer_query, v.region, {row[2] for row in facility_rows})
            more = set(also) - {row[0] for row in volunteer_rows}
            volunteer_rows = sorted(
                volunteer_rows + _rows(volunteer_query, v.id, more), key=lambda row: row[0]
            )
        else:
            volunteer_rows = _rows(volunteer_query, v.id, volunteer_ids)
        need_rows = _rows(need_query, n.facility_id, facility_ids)
        windows = _rows(window_query, w.volunteer_id, [row[0] for row in volunteer_rows])
    covers = {
        r.role: tuple(split_ids(r.can_cover)) for r in db.session.scalars(select(m.RoleCover))
    }
    roles = domain.RoleTable.from_lists(covers) if covers else domain.RoleTable.default()
    rules = domain.Rules.from_stored({r.name: r.value for r in db.session.scalars(select(m.Rule))})
    people = None if facility_ids is None else [row[0] for row in volunteer_rows]
    credentials = tuple(held_credentials(people))
    return domain.Dataset(
        tuple(domain.Facility(*row) for row in facility_rows),
        tuple(volunteer_from_row(row) for row in volunteer_rows),
        tuple(need_from_row(row) for row in need_rows),
        tuple(domain.Availability(*row[1:]) for row in windows),
        roles,
        rules,
        credentials,
    )


def held_credentials(volunteer_ids: Collection[str] | None = None) -> list[domain.Credential]:
    """The verified credentials (only those count for rule 8) of some volunteers (None: all),
    in order of volunteer."""
    c = m.Credential.__table__.c
    held = select(c.volunteer_id, c.credential, c.valid_from, c.valid_until).where(
        c.verified_at.is_not(None)
    )
    found = _rows(held) if volunteer_ids is None else _rows(held, c.volunteer_id, volunteer_ids)
    return [domain.Credential(*row) for row in found]


def _rows(query: Select, column: ColumnElement | None = None, values: Collection = ()) -> list[Row]:
    """The query's rows in order of their first column (the id); with `column`, only
    those whose column holds one of `values`, asked for a chunk at a time.

    Sorted here, not by the database, so the order (which breaks the engine's
    ties) is the same on SQLite and PostgreSQL whatever its collation.
    """
    rows: list[Row]
    if column is None:
        rows = list(db.session.execute(query))
    else:
        rows = []
        for chunk in chunks(sorted(set(values))):
            rows += db.session.execute(query.where(column.in_(chunk)))
    return sorted(rows, key=lambda row: row[0])


def region_facilities(region: str) -> frozenset[str]:
    return frozenset(db.session.scalars(select(m.Facility.id).where(m.Facility.region == region)))


def facilities_of_needs(need_ids: Collection[str]) -> set[str]:
    """The facilities of the stored needs with these ids."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(need_ids))):
        found.update(
            db.session.scalars(select(m.Need.facility_id).where(m.Need.id.in_(chunk)).distinct())
        )
    return found


def unread_needs(need_ids: Collection[str], base: domain.Dataset) -> set[str]:
    """Of these ids, those of stored needs that `base` does not hold."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(need_ids) - set(base.need_by_id))):
        found.update(db.session.scalars(select(m.Need.id).where(m.Need.id.in_(chunk))))
    return found
