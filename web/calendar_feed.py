"""A volunteer's calendar as served: their shifts now, revised against what was served before.

Each time a volunteer's calendar is served (the subscription a phone polls,
or the download), their shifts in the published roster are revised against
the stored history (`scheduler.outputs.calendar_history.revise`), the
revision is stored, and the result is served. So a shift whose hospital
moved it is told again at a higher SEQUENCE, and one taken away, by a new
roster, a withdrawn need or a deleted facility, is told as cancelled for two
weeks, whichever path took it away: what counts is what the volunteer's
calendar was last told, not which page changed the data.

Two polls at once (a phone and a laptop) revise from the same history to
the same result. Each row is written only if nobody wrote it first: a new
event is inserted unless it exists, a revised one updated only while its
sequence is still the one read. The one that loses writes nothing and
serves what the winner stored. A database that refuses the write (busy
past its timeout, read-only) does not stop the calendar: the revision is
served, and stored on a later poll.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import InternalError, OperationalError

from scheduler import domain
from scheduler.outputs.calendar_history import revise, served
from scheduler.outputs.calendars import ShiftEvent, calendar_of, shift_events
from web import models as m
from web.models import db

_FIELDS = tuple(f.name for f in dataclasses.fields(ShiftEvent))


def calendar(
    dataset: domain.Dataset,
    volunteer_id: str,
    assignments: tuple[tuple[str, str], ...],
    *,
    zone: str,
    at: dt.datetime,
    store: bool = True,
) -> bytes:
    """The volunteer's calendar at `at` (aware), its history revised and stored (committed).

    `store=False` revises without storing anything: a coordinator's download of any roster
    carries the sequences the volunteer's calendar program takes in.
    """
    name = dataset.volunteer_by_id[volunteer_id].name
    now = shift_events(dataset, volunteer_id, assignments, zone=zone)
    told = history(volunteer_id)
    revised = revise(told, now, at)
    if store:
        revised = _stored(volunteer_id, told, revised)
    return calendar_of(name, volunteer_id, served(revised, at), generated=at)


def _stored(
    volunteer_id: str, told: list[ShiftEvent], revised: list[ShiftEvent]
) -> list[ShiftEvent]:
    """The revision stored; what a simultaneous request stored instead, if it was first."""
    try:
        ours = _store(told, revised)
    except (OperationalError, InternalError):  # busy or read-only (PostgreSQL: InternalError)
        db.session.rollback()  # serve the revision; a later poll stores it
        return revised
    if ours:
        db.session.commit()
        return revised
    db.session.rollback()  # somebody served this calendar at the same moment
    return history(volunteer_id)


def history(volunteer_id: str) -> list[ShiftEvent]:
    """Every event the volunteer's calendar was served, as last served."""
    rows = db.session.scalars(
        select(m.CalendarEvent).where(m.CalendarEvent.volunteer_id == volunteer_id)
    )
    return [_event(row) for row in rows]


def _store(told: list[ShiftEvent], revised: list[ShiftEvent]) -> bool:
    """Write what `revise` changed; False if another request wrote any of it first."""
    before = {e.uid: e for e in told}
    new = [_row(e) for e in revised if e.uid not in before]
    ours = True
    if new:
        insert = (
            postgresql_insert(m.CalendarEvent)
            if db.session.get_bind().dialect.name == "postgresql"
            else sqlite_insert(m.CalendarEvent)
        )
        # RETURNING names the rows inserted: psycopg gives no rowcount for a many-row VALUES
        inserted = db.session.scalars(
            insert.values(new)
            .on_conflict_do_nothing(index_elements=["uid"])
            .returning(m.CalendarEvent.uid)
        ).all()
        ours = len(inserted) == len(new)
    for event in revised:
        old = before.get(event.uid)
        if ours and old is not None and old != event:
            updated = db.session.scalars(
                update(m.CalendarEvent)
                .where(m.CalendarEvent.uid == event.uid)
                .where(m.CalendarEvent.sequence == old.sequence)
                .values(_row(event))
                .returning(m.CalendarEvent.uid),
                execution_options={"synchronize_session": False},
            ).all()
            ours = len(updated) == 1
    return ours


def _row(event: ShiftEvent) -> dict[str, object]:
    row = {name: getattr(event, name) for name in _FIELDS}
    if event.cancelled_at is not None:  # the columns hold UTC without a zone
        row["cancelled_at"] = event.cancelled_at.astimezone(dt.UTC).replace(tzinfo=None)
    return row


def _event(row: m.CalendarEvent) -> ShiftEvent:
    values = {name: getattr(row, name) for name in _FIELDS}
    if row.cancelled_at is not None:
        values["cancelled_at"] = row.cancelled_at.replace(tzinfo=dt.UTC)
    return ShiftEvent(**values)
