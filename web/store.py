"""Between the database and the engine: stored rows to a `Dataset`, validated changes to rows.

Every write here happens inside the caller's transaction; the views commit
once, after all of an upload is stored, so a failure stores nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    Table,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from scheduler import domain
from scheduler.intake.updates import Changes
from web import models as m
from web.models import db


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
    facility_query = select(f.id, f.name, f.region, f.lat, f.lon, f.address, f.region_label)
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
    covers = {r.role: tuple(_split(r.can_cover)) for r in db.session.scalars(select(m.RoleCover))}
    roles = domain.RoleTable.from_lists(covers) if covers else domain.RoleTable.default()
    rules = domain.Rules.from_stored({r.name: r.value for r in db.session.scalars(select(m.Rule))})
    return domain.Dataset(
        tuple(domain.Facility(*row) for row in facility_rows),
        tuple(_volunteer(row) for row in volunteer_rows),
        tuple(_need(row) for row in need_rows),
        tuple(domain.Availability(*row[1:]) for row in windows),
        roles,
        rules,
    )


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
        for chunk in _chunks(sorted(set(values))):
            rows += db.session.execute(query.where(column.in_(chunk)))
    return sorted(rows, key=lambda row: row[0])


def region_facilities(region: str) -> frozenset[str]:
    return frozenset(db.session.scalars(select(m.Facility.id).where(m.Facility.region == region)))


def facilities_of_needs(need_ids: Collection[str]) -> set[str]:
    """The facilities of the stored needs with these ids."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(need_ids))):
        found.update(
            db.session.scalars(select(m.Need.facility_id).where(m.Need.id.in_(chunk)).distinct())
        )
    return found


def unread_needs(need_ids: Collection[str], base: domain.Dataset) -> set[str]:
    """Of these ids, those of stored needs that `base` does not hold."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(need_ids) - set(base.need_by_id))):
        found.update(db.session.scalars(select(m.Need.id).where(m.Need.id.in_(chunk))))
    return found


def _split(text: str) -> list[str]:
    return [part for part in text.split(";") if part]


# The stored columns carry the domain dataclasses' field names: rows are read in that order.
VOLUNTEER_FIELDS = tuple(f.name for f in fields(domain.Volunteer))
NEED_FIELDS = tuple(f.name for f in fields(domain.Need))
WINDOW_FIELDS = tuple(f.name for f in fields(domain.Availability))
_PREFERRED = VOLUNTEER_FIELDS.index("preferred_facilities")
_PRIORITY = NEED_FIELDS.index("priority")


def _volunteer(values) -> domain.Volunteer:
    cells = list(values)
    cells[_PREFERRED] = frozenset(_split(cells[_PREFERRED]))  # stored as ';'-separated ids
    return domain.Volunteer(*cells)


def _need(values) -> domain.Need:
    cells = list(values)
    cells[_PRIORITY] = domain.Priority(cells[_PRIORITY])
    return domain.Need(*cells)


def as_volunteer(v: m.Volunteer) -> domain.Volunteer:
    return _volunteer(getattr(v, f) for f in VOLUNTEER_FIELDS)


def as_need(n: m.Need) -> domain.Need:
    return _need(getattr(n, f) for f in NEED_FIELDS)


def need_row(need: domain.Need) -> dict[str, object]:
    """The stored row of a need: the inverse of `_need`."""
    row = {f: getattr(need, f) for f in NEED_FIELDS}
    row["priority"] = int(need.priority)
    return row


def volunteer_row(v: domain.Volunteer) -> dict[str, object]:
    """The stored row of a volunteer: the inverse of `_volunteer`."""
    row = {f: getattr(v, f) for f in VOLUNTEER_FIELDS}
    row["preferred_facilities"] = ";".join(sorted(v.preferred_facilities))
    return row


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


def _upsert(
    model: type[m.Volunteer] | type[m.Need] | type[m.Facility], rows: list[dict[str, object]]
) -> None:
    if not rows:
        return
    session = db.session
    stored: set[str] = set()
    for chunk in _chunks([row["id"] for row in rows]):
        stored.update(session.scalars(select(model.id).where(model.id.in_(chunk))))
    old = [row for row in rows if row["id"] in stored]
    new = [row for row in rows if row["id"] not in stored]
    # a few thousand rows a statement: one statement of 40,000 holds all their parameters
    for chunk in _chunks(old, 5000):
        session.execute(update(model), chunk)  # ORM bulk update by primary key
    for chunk in _chunks(new, 5000):
        session.execute(insert(model), chunk)


def _table(model: type[m.Base]) -> Table:
    """A model's table, for Core bulk inserts that skip the ORM's work per row."""
    return cast(Table, model.__table__)


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    """Pieces small enough for any database's limit on bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
    for table in (m.Window, m.Need, m.RoleCover, m.Rule):
        session.execute(delete(table))
    kept: tuple[tuple[type[m.Volunteer] | type[m.Facility], set[str]], ...] = (
        (m.Volunteer, {v.id for v in dataset.volunteers}),
        (m.Facility, {f.id for f in dataset.facilities}),
    )
    for model, ids in kept:
        gone = set(session.scalars(select(model.id))) - ids
        for chunk in _chunks(sorted(gone)):
            session.execute(delete(model).where(model.id.in_(chunk)))
    _upsert(m.Facility, [facility_row(f) for f in dataset.facilities])
    _upsert(m.Volunteer, [volunteer_row(v) for v in dataset.volunteers])
    if dataset.availability:
        session.execute(_table(m.Window).insert(), window_rows(dataset.availability))
    if dataset.needs:
        session.execute(_table(m.Need).insert(), [need_row(n) for n in dataset.needs])
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


def facility_row(f: domain.Facility) -> dict[str, object]:
    return {
        "id": f.id,
        "name": f.name,
        "region": f.region,
        "region_label": f.region_label,
        "lat": f.lat,
        "lon": f.lon,
        "address": f.address,
    }


def publish(assignments: Iterable[tuple[str, str]], summary: dict[str, object]) -> m.Roster:
    """Store a roster as the published one (no commit)."""
    hold("publish")
    roster = m.Roster(status=m.RosterStatus.PUBLISHED, published_at=m.utcnow(), summary=summary)
    db.session.add(roster)
    db.session.flush()
    rows = [{"roster_id": roster.id, "need_id": n, "volunteer_id": v} for n, v in assignments]
    if rows:
        db.session.execute(_table(m.Assignment).insert(), rows)
    return roster


def published() -> m.Roster | None:
    """The roster hospital staff and volunteers see: the newest published one."""
    return db.session.scalars(select(m.Roster).where(m.Roster.id == published_id())).first()


def published_id() -> ScalarSelect[int]:
    """The id of `published()` as a scalar subquery, for pages that join to it in one query."""
    return (
        select(m.Roster.id)
        .where(m.Roster.status == m.RosterStatus.PUBLISHED)
        .order_by(m.Roster.published_at.desc(), m.Roster.id.desc())
        .limit(1)
        .scalar_subquery()
    )


# --- rosters: drafts, publishing, history -----------------------------------------------------

Pairs = list[tuple[str, str]]


def assigned_at(roster_id: int, facility_ids: Collection[str]) -> set[str]:
    """The volunteers a roster sends to some facilities."""
    a, n = m.Assignment, m.Need
    query = select(a.volunteer_id).join(n, n.id == a.need_id).where(a.roster_id == roster_id)
    found: set[str] = set()
    for chunk in _chunks(sorted(set(facility_ids))):
        found.update(db.session.scalars(query.where(n.facility_id.in_(chunk)).distinct()))
    return found


def roster_assignments(roster_id: int) -> Pairs:
    """A roster's (need_id, volunteer_id) pairs, sorted, as the engine takes them."""
    rows = db.session.execute(
        select(m.Assignment.need_id, m.Assignment.volunteer_id)
        .where(m.Assignment.roster_id == roster_id)
        .distinct()
        .order_by(m.Assignment.need_id, m.Assignment.volunteer_id)
    )
    return [(need_id, volunteer_id) for need_id, volunteer_id in rows]


class AlreadyPublished(Exception):
    """A draft that is published already (a double click, or a colleague was quicker)."""

    def __init__(self, draft_id: int) -> None:
        super().__init__(f"roster {draft_id} is not an unpublished draft")
        self.draft_id = draft_id


def hold(lock: str) -> None:
    """Wait for the named lock, then hold it until the transaction ends (no commit).

    An upsert of the lock's row: on SQLite the write takes the database's
    one write lock, on PostgreSQL the row's lock, so a second holder waits
    here until the first commits or rolls back, and everything read after
    this call is what stands at commit. Call it before reading what the
    change builds on.
    """
    row = {"name": lock, "held_at": m.utcnow()}
    if db.session.get_bind().dialect.name == "postgresql":
        on_postgresql = postgresql_insert(m.Lock).values(row)
        held = on_postgresql.excluded.held_at
        upsert = on_postgresql.on_conflict_do_update(
            index_elements=["name"], set_={"held_at": held}
        )
        db.session.execute(upsert)
    else:
        on_sqlite = sqlite_insert(m.Lock).values(row)
        held = on_sqlite.excluded.held_at
        db.session.execute(
            on_sqlite.on_conflict_do_update(index_elements=["name"], set_={"held_at": held})
        )


def save_draft(
    assignments: Iterable[tuple[str, str]],
    *,
    based_on: int | None,
    scope: str = m.NATIONAL,
    summary: dict[str, object] | None = None,
    created_by: int | None = None,
) -> m.Roster:
    """Store a solved roster as a draft of `scope` (no commit).

    `based_on` is the published roster that stood when the solve read its
    data (None if none did): publishing the draft later warns when another
    has been published since.
    """
    draft = m.Roster(
        status=m.RosterStatus.DRAFT,
        scope=scope,
        summary=summary or {},
        created_by=created_by,
        based_on=based_on,
    )
    db.session.add(draft)
    db.session.flush()
    _insert_assignments(draft.id, assignments)
    return draft


def publish_draft(draft: m.Roster, user_id: int | None) -> m.Roster:
    """Make a new, complete published roster from a draft (no commit; the caller audits).

    The new roster holds the draft's assignments inside its scope and the
    current published roster's everywhere else, so a regional publish never
    touches another region. Assignments of needs or volunteers no longer
    stored are left out: nobody should be sent to a withdrawn shift. The
    draft stays, marked `published_as`, so the solve job's link still works.
    """
    hold("publish")
    db.session.refresh(draft)  # another click may have published it while we waited
    if draft.status != m.RosterStatus.DRAFT or draft.published_as is not None:
        raise AlreadyPublished(draft.id)
    previous = published()
    pairs = _stored_pairs(draft.id, draft.scope, inside=True)
    if previous is not None and draft.scope != m.NATIONAL:
        pairs += _stored_pairs(previous.id, draft.scope, inside=False)
    roster = m.Roster(
        status=m.RosterStatus.PUBLISHED,
        published_at=m.utcnow(),
        scope=draft.scope,
        summary={"draft": draft.id},
        created_by=draft.created_by,
        published_by=user_id,
        based_on=previous.id if previous else None,
    )
    db.session.add(roster)
    db.session.flush()
    _insert_assignments(roster.id, pairs)
    draft.published_as = roster.id
    return roster


def _stored_pairs(roster_id: int, scope: str, *, inside: bool) -> Pairs:
    """A roster's pairs whose need and volunteer are still stored, inside or outside a scope."""
    query = (
        select(m.Assignment.need_id, m.Assignment.volunteer_id)
        .join(m.Need, m.Need.id == m.Assignment.need_id)
        .join(m.Facility, m.Facility.id == m.Need.facility_id)
        .join(m.Volunteer, m.Volunteer.id == m.Assignment.volunteer_id)
        .where(m.Assignment.roster_id == roster_id)
        .distinct()
    )
    if scope != m.NATIONAL:
        in_region = m.Facility.region == scope
        query = query.where(in_region if inside else ~in_region)
    elif not inside:
        return []
    return [(need_id, volunteer_id) for need_id, volunteer_id in db.session.execute(query)]


def _insert_assignments(roster_id: int, pairs: Iterable[tuple[str, str]]) -> None:
    rows = [{"roster_id": roster_id, "need_id": n, "volunteer_id": v} for n, v in pairs]
    if rows:
        db.session.execute(_table(m.Assignment).insert(), rows)


def previous_published(roster: m.Roster) -> m.Roster | None:
    """The published roster just before this one in the history (what it replaced)."""
    if roster.based_on is not None:
        before = db.session.get(m.Roster, roster.based_on)
        if before is not None and before.status == m.RosterStatus.PUBLISHED:
            return before
    if roster.published_at is None:
        return None
    earlier = (m.Roster.published_at < roster.published_at) | (
        (m.Roster.published_at == roster.published_at) & (m.Roster.id < roster.id)
    )
    return db.session.scalars(
        select(m.Roster)
        .where(m.Roster.status == m.RosterStatus.PUBLISHED, earlier)
        .order_by(m.Roster.published_at.desc(), m.Roster.id.desc())
        .limit(1)
    ).first()


def filled_places(roster_ids: Iterable[int], facility_ids: Iterable[str] | None) -> dict[int, int]:
    """Places each roster fills among today's needs (of some facilities), in one query.

    As in `scheduler.outputs.coverage`, people beyond a need's count fill nothing.
    """
    ids = list(roster_ids)
    if not ids:
        return {}
    people = (
        select(
            m.Assignment.roster_id,
            m.Assignment.need_id,
            func.count(m.Assignment.volunteer_id.distinct()).label("people"),
        )
        .where(m.Assignment.roster_id.in_(ids))
        .group_by(m.Assignment.roster_id, m.Assignment.need_id)
        .subquery()
    )
    places = case((people.c.people > m.Need.count, m.Need.count), else_=people.c.people)
    query = (
        select(people.c.roster_id, func.sum(places))
        .join(m.Need, m.Need.id == people.c.need_id)
        .group_by(people.c.roster_id)
    )
    if facility_ids is not None:
        query = query.where(m.Need.facility_id.in_(list(facility_ids)))
    found = {roster_id: int(total or 0) for roster_id, total in db.session.execute(query)}
    return {roster_id: found.get(roster_id, 0) for roster_id in ids}
