"""What a volunteer's calendar was told before, and what it must be told now.

A calendar program that subscribes to a feed keeps each event by its UID and
takes in a new version only when its SEQUENCE is higher (RFC 5545 3.8.7.4).
An event that simply vanishes from a feed is dropped silently by some
programs and kept forever by others, so a volunteer whose shift was taken
away might still turn up. Hence the history: every event ever served, with
its sequence and, once taken away, the time it was cancelled.

`revise` is the one step: from the events last served and the shifts of
now, the events to serve and to remember. `served` is the part of that a
feed shows: every live event, and each cancelled one for `KEEP_CANCELLED`
after it was cancelled (long enough for a phone that syncs once a week).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from scheduler.outputs.calendars import ShiftEvent

KEEP_CANCELLED = dt.timedelta(days=14)


def revise(
    told: Iterable[ShiftEvent], now: Iterable[ShiftEvent], at: dt.datetime
) -> list[ShiftEvent]:
    """Every event of `told` and `now`, as the history must hold them after serving `now`.

    - A shift of `now` that was told as it is, and not cancelled, stays as told.
    - One told differently, or told as cancelled, is told again at the next sequence.
    - One never told starts at sequence 0.
    - One told and no longer in `now` is cancelled at `at`, at the next sequence;
      one already cancelled stays as it was (the time it was cancelled included).

    Nothing is forgotten: an event cancelled long ago keeps its sequence, so
    a shift given back later is told at a sequence above the cancellation.
    """
    before = {e.uid: e for e in told}
    revised = []
    for event in now:
        old = before.pop(event.uid, None)
        if old is None:
            revised.append(dataclasses.replace(event, sequence=0, cancelled_at=None))
        elif old.cancelled_at is None and old.content() == event.content():
            revised.append(old)
        else:
            revised.append(dataclasses.replace(event, sequence=old.sequence + 1, cancelled_at=None))
    for old in before.values():
        if old.cancelled_at is None:
            revised.append(dataclasses.replace(old, sequence=old.sequence + 1, cancelled_at=at))
        else:
            revised.append(old)
    return revised


def served(
    events: Iterable[ShiftEvent], at: dt.datetime, keep: dt.timedelta = KEEP_CANCELLED
) -> list[ShiftEvent]:
    """The events a feed shows at `at`: the live ones, and those cancelled less than `keep` ago."""
    return [e for e in events if e.cancelled_at is None or at - e.cancelled_at < keep]
