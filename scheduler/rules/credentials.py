"""Rule 8: for each credential a need requires, the volunteer holds it on every calendar day the
shift touches: the day it starts and the day of its last minute.

A 22:00-06:00 shift needs both days, 16:00-24:00 only its own: a PCR test
valid until the 10th does not cover the night of the 10th to the 11th.
Rows of one volunteer and credential join (a renewed test), so the two days
may be covered by different rows. Validity is judged on the shift's own
dates, never at sign-up.

Only pairs whose need requires something are looked at; the held days of
each (volunteer, credential) are merged into intervals keyed
`(volunteer * credentials + credential) * span + day`, so one sorted array
answers every pair with a single `searchsorted`, as availability does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from scheduler.arrays import I64, Mask
from scheduler.domain import Credential, Dataset, Need
from scheduler.rules.base import Rule

FOREVER = 1_000_000  # days: a credential without an end, or without a start, reaches this far


def touched_days(need: Need) -> tuple[dt.date, dt.date]:
    """The first and last calendar day of the shift: the day of its last minute, so a shift
    ending at midnight touches only its own day."""
    return need.date, (need.end - dt.timedelta(minutes=1)).date()


@dataclass(frozen=True)
class Holdings:
    """Every volunteer's held days per credential, merged and keyed for one search per pair."""

    epoch: dt.date
    names: dict[str, int]  # credential -> number
    starts: I64
    ends: I64  # inclusive day numbers
    asking: Mask  # per need: it requires some credential (the only pairs looked at)

    def key(self, volunteer: I64, credential: I64, day: I64) -> I64:
        span = 2 * FOREVER + 1
        return (volunteer * len(self.names) + credential) * span + (day + FOREVER)

    def holds(self, volunteer: I64, credential: str, day: I64) -> Mask:
        """Per pair: the volunteer holds `credential` on `day` (days from `epoch`)."""
        number = self.names.get(credential)
        if number is None or not len(self.starts):
            return np.zeros(len(volunteer), bool)
        keys = self.key(volunteer, np.full(len(volunteer), number, np.int64), day)
        i = np.searchsorted(self.starts, keys, side="right") - 1
        return (i >= 0) & (self.ends[np.maximum(i, 0)] >= keys)


def holdings(dataset: Dataset) -> Holdings:
    epoch = dataset.horizon[0] if dataset.horizon else dt.date(2000, 1, 1)
    names = {c: k for k, c in enumerate(sorted({c.credential for c in dataset.credentials}))}
    people = {v.id: k for k, v in enumerate(dataset.volunteers)}
    rows = [c for c in dataset.credentials if c.volunteer_id in people]
    asking = np.array([bool(n.requires) for n in dataset.needs], bool)
    if not rows:
        return Holdings(epoch, names, np.empty(0, np.int64), np.empty(0, np.int64), asking)
    first = np.array(
        [-FOREVER if c.valid_from is None else (c.valid_from - epoch).days for c in rows], np.int64
    )
    last = np.array(
        [FOREVER if c.valid_until is None else (c.valid_until - epoch).days for c in rows],
        np.int64,
    )
    first, last = np.clip(first, -FOREVER, FOREVER), np.clip(last, -FOREVER, FOREVER)
    volunteer = np.array([people[c.volunteer_id] for c in rows], np.int64)
    credential = np.array([names[c.credential] for c in rows], np.int64)
    found = Holdings(epoch, names, np.empty(0, np.int64), np.empty(0, np.int64), asking)
    starts, ends = _union(
        found.key(volunteer, credential, first), found.key(volunteer, credential, last)
    )
    return Holdings(epoch, names, starts, ends, asking)


def _union(start: I64, end: I64) -> tuple[I64, I64]:
    """Merge overlapping or adjacent day intervals (inclusive ends: day 5 then day 6 join)."""
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    reach = np.maximum.accumulate(end)
    new = np.ones(len(start), bool)
    new[1:] = start[1:] > reach[:-1] + 1
    groups = np.flatnonzero(new)
    return start[groups], np.maximum.reduceat(end, groups)


def qualified(dataset: Dataset, held: Holdings, volunteer: I64, need: I64) -> Mask:
    """Per pair (volunteer index, need index): every credential the need requires is held on
    each day the shift touches."""
    ok = np.ones(len(volunteer), bool)
    if not len(volunteer):
        return ok
    asks = held.asking[need]
    if not asks.any():
        return ok
    at = np.flatnonzero(asks)
    who, what = volunteer[at], need[at]
    days = {g: touched_days(dataset.needs[g]) for g in np.unique(what).tolist()}
    first = np.array([(days[g][0] - held.epoch).days for g in what.tolist()], np.int64)
    last = np.array([(days[g][1] - held.epoch).days for g in what.tolist()], np.int64)
    good = np.ones(len(at), bool)
    for credential in sorted({c for g in days for c in dataset.needs[g].requires}):
        wants = np.array([credential in dataset.needs[g].requires for g in what.tolist()], bool)
        has = held.holds(who, credential, first) & held.holds(who, credential, last)
        good &= ~wants | has
    ok[at] = good
    return ok


def missing(dataset: Dataset, volunteer_id: str, need: Need) -> list[tuple[str, dt.date]]:
    """What the volunteer lacks for the need: each (credential, first day not held), in the
    need's order. Empty when rule 8 allows the pair."""
    return lacking([c for c in dataset.credentials if c.volunteer_id == volunteer_id], need)


def lacking(held: Iterable[Credential], need: Need) -> list[tuple[str, dt.date]]:
    """`missing` on one volunteer's own rows: for a stored roster re-checked after a need asks
    for more, or after a credential is withdrawn, without loading a dataset."""
    rows = list(held)
    first, last = touched_days(need)
    found = []
    for credential in need.requires:
        theirs = [c for c in rows if c.credential == credential]
        for day in dict.fromkeys((first, last)):
            if not any(c.valid_on(day) for c in theirs):
                found.append((credential, day))
                break
    return found


RULE = Rule("credentials", 8)
