"""Rosters: drafts, publishing, history; the lock two publishers wait on."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    ScalarSelect,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from web import models as m
from web.models import db
from web.store.rows import chunks, table_of


def publish(assignments: Iterable[tuple[str, str]], summary: dict[str, object]) -> m.Roster:
    """Store a roster as the published one (no commit)."""
    hold("publish")
    roster = m.Roster(status=m.RosterStatus.PUBLISHED, published_at=m.utcnow(), summary=summary)
    db.session.add(roster)
    db.session.flush()
    rows = [{"roster_id": roster.id, "need_id": n, "volunteer_id": v} for n, v in assignments]
    if rows:
        db.session.execute(table_of(m.Assignment).insert(), rows)
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
    for chunk in chunks(sorted(set(facility_ids))):
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


class NothingChanges(Exception):
    """A draft that would publish the same assignments as the roster published now."""

    def __init__(self, draft_id: int, current_id: int) -> None:
        super().__init__(f"draft {draft_id} changes nothing against roster {current_id}")
        self.draft_id = draft_id
        self.current_id = current_id


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
    stored are left out: nobody should be sent to a withdrawn shift; nor is
    anyone put back on a shift they declined, nor sent to one that requires a
    credential they no longer hold (withdrawn, or asked for since the solve). The
    draft stays, marked `published_as`, so the solve job's link still works.

    Raises `AlreadyPublished` for a draft published already and
    `NothingChanges` when the result would send everyone where the roster
    published now sends them; both are judged under the lock, against what
    stands at commit.
    """
    hold("publish")
    db.session.refresh(draft)  # another click may have published it while we waited
    if draft.status != m.RosterStatus.DRAFT or draft.published_as is not None:
        raise AlreadyPublished(draft.id)
    previous = published()
    if previous is not None and changes_nothing(draft, previous):
        raise NothingChanges(draft.id, previous.id)
    declined = declined_pairs()
    pairs = [p for p in publishable_pairs(draft, previous) if p not in declined]
    lacking = lacking_credentials(pairs)
    pairs = [p for p in pairs if p not in lacking]
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
    if previous is not None:  # pins stay with the assignments they pin
        _pin(roster.id, pinned_pairs(previous.id), locked=True)
        forget_answers(confirmed=set(roster_assignments(previous.id)) - set(pairs))
    draft.published_as = roster.id
    return roster


def lacking_credentials(pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Of these (need, volunteer) pairs, those rule 8 forbids as things stand now: the need
    requires a credential the volunteer does not hold, verified, on the shift's days."""
    from scheduler.rules.credentials import lacking
    from web.store.reading import held_credentials
    from web.store.rows import as_need

    pairs = list(pairs)
    asking: dict[str, m.Need] = {}
    for chunk in chunks(sorted({n for n, _ in pairs})):
        query = select(m.Need).where(m.Need.id.in_(chunk), m.Need.requires != "")
        asking.update((n.id, n) for n in db.session.scalars(query))
    at_risk = [(n, v) for n, v in pairs if n in asking]
    if not at_risk:
        return set()
    held: dict[str, list] = {}
    for c in held_credentials({v for _, v in at_risk}):
        held.setdefault(c.volunteer_id, []).append(c)
    needs = {n: as_need(row) for n, row in asking.items()}
    return {(n, v) for n, v in at_risk if lacking(held.get(v, []), needs[n])}


def declined_pairs() -> set[tuple[str, str]]:
    """The (need, volunteer) pairs the volunteer declined: never rostered again."""
    s = m.ShiftAnswer
    query = select(s.need_id, s.volunteer_id).where(s.answer == "declined")
    return {(need_id, volunteer_id) for need_id, volunteer_id in db.session.execute(query)}


def answer_pair(need_id: str, volunteer_id: str, answer: str) -> None:
    """Store a volunteer's answer to a shift, "confirmed" or "declined" (no commit)."""
    row = {"need_id": need_id, "volunteer_id": volunteer_id, "answer": answer}
    now = {"answer": answer, "answered_at": m.utcnow()}
    keys = ["need_id", "volunteer_id"]
    if db.session.get_bind().dialect.name == "postgresql":
        on_postgresql = postgresql_insert(m.ShiftAnswer).values(row | now)
        db.session.execute(on_postgresql.on_conflict_do_update(index_elements=keys, set_=now))
    else:
        on_sqlite = sqlite_insert(m.ShiftAnswer).values(row | now)
        db.session.execute(on_sqlite.on_conflict_do_update(index_elements=keys, set_=now))


def forget_answers(need_ids: Iterable[str] = (), confirmed: Iterable[tuple[str, str]] = ()) -> None:
    """Forget every answer to these needs (withdrawn, or moved: the answer was to a shift
    that is no longer), and the confirmations of these pairs (taken off the roster)."""
    s = m.ShiftAnswer
    if ids := sorted(set(need_ids)):
        for chunk in chunks(ids):
            db.session.execute(delete(s).where(s.need_id.in_(chunk)))
    gone = set(confirmed)
    if gone:
        stored = confirmed_pairs(n for n, _ in gone)
        for need_id, volunteer_id in stored & gone:
            db.session.execute(
                delete(s).where(
                    s.need_id == need_id, s.volunteer_id == volunteer_id, s.answer == "confirmed"
                )
            )


def confirmed_pairs(need_ids: Iterable[str]) -> set[tuple[str, str]]:
    """The (need, volunteer) pairs of these needs that the volunteer confirmed."""
    ids = set(need_ids)
    if not ids:
        return set()
    s = m.ShiftAnswer
    query = select(s.need_id, s.volunteer_id).where(s.answer == "confirmed", s.need_id.in_(ids))
    return {(need_id, volunteer_id) for need_id, volunteer_id in db.session.execute(query)}


def pinned_pairs(roster_id: int) -> set[tuple[str, str]]:
    """The roster's pinned (locked) assignments as (need_id, volunteer_id)."""
    a = m.Assignment
    query = select(a.need_id, a.volunteer_id).where(a.roster_id == roster_id, a.locked)
    return {(need_id, volunteer_id) for need_id, volunteer_id in db.session.execute(query)}


def set_pin(need_id: str, volunteer_id: str, *, locked: bool) -> m.Roster | None:
    """Pin or unpin an assignment of the published roster (no commit); None when no roster is
    published or it has no such assignment.

    Under the publishing lock, on the roster published when the lock is held:
    a pin set while a colleague publishes lands on the roster that carries it on.
    """
    hold("publish")
    current = published()
    if current is None or not _pin(current.id, {(need_id, volunteer_id)}, locked=locked):
        return None
    return current


def _pin(roster_id: int, pairs: Iterable[tuple[str, str]], *, locked: bool) -> int:
    a = m.Assignment
    done = 0
    for need_id, volunteer_id in pairs:
        statement = (
            update(a)
            .where(a.roster_id == roster_id, a.need_id == need_id, a.volunteer_id == volunteer_id)
            .values(locked=locked)
            .execution_options(synchronize_session=False)
        )
        done += cast("CursorResult[Any]", db.session.execute(statement)).rowcount
    return done


def publishable_pairs(draft: m.Roster, current: m.Roster | None) -> Pairs:
    """What publishing the draft over `current` would make: its pairs inside its scope, the rest."""
    pairs = _stored_pairs(draft.id, draft.scope, inside=True)
    if current is not None and draft.scope != m.NATIONAL:
        pairs += _stored_pairs(current.id, draft.scope, inside=False)
    return pairs


def changes_nothing(draft: m.Roster, current: m.Roster | None) -> bool:
    """Publishing the draft now would send everyone where `current` sends them (no lock)."""
    if current is None:
        return False
    now = _stored_pairs(current.id, m.NATIONAL, inside=True)
    return set(publishable_pairs(draft, current)) == set(now)


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
        db.session.execute(table_of(m.Assignment).insert(), rows)


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
