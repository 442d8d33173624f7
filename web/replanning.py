"""A solve from the browser re-plans against the published roster, once there is one.

Coordinators publish a roster and then the data keeps changing; a new solve
must not reshuffle it. So a solve takes the published roster as its
baseline (`scheduler.engine.baseline`): what is still possible is kept
unless moving it fills places weighing more, and nothing that starts within
the notice period (`FREEZE_NOTICE_HOURS`, 12 by default) is moved or
removed; a coordinator may plan afresh after large changes, keeping only
those and the pins. The freeze is an instant: each shift's start is read in its
facility's time zone (the site's, `TIMEZONE`, for one that names none), so
at 20:00 in Moscow a Vladivostok shift at 08:00 tomorrow (01:00 Moscow time)
is within the notice, and a Moscow one at 08:00 tomorrow is not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import current_app

from scheduler.domain import DEFAULT_TIMEZONE, Dataset
from scheduler.engine.baseline import Baseline
from web import models as m
from web import store


def now() -> dt.datetime:
    """This instant (aware)."""
    return dt.datetime.now(dt.UTC)


def baseline_for(
    dataset: Dataset, published: m.Roster | None, now: dt.datetime, *, afresh: bool = False
) -> Baseline | None:
    """The published roster's assignments of the dataset's needs (a regional solve re-plans
    its region's) with its pins, frozen up to the notice period from `now` (aware: an
    instant; naive: the shifts' wall clock), and the shifts volunteers declined (never given
    back to them); None before any is published.

    `afresh`: the baseline is only what must stay, the pins and the frozen assignments;
    everyone else may be moved as in a first solve (after large changes to the data).
    """
    if published is None:
        return None
    needs = dataset.need_by_id
    pairs = tuple(p for p in store.roster_assignments(published.id) if p[0] in needs)
    pins = frozenset(p for p in store.pinned_pairs(published.id) if p[0] in needs)
    notice = dt.timedelta(hours=float(current_app.config.get("FREEZE_NOTICE_HOURS", 12)))
    zone = str(current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE))
    declined = frozenset(p for p in store.declined_pairs() if p[0] in needs)
    baseline = Baseline(pairs, pins, now + notice, zone=zone, declined=declined)
    if not afresh:
        return baseline
    facilities = dataset.facility_by_id
    held = tuple(
        p
        for p in pairs
        if p in pins or baseline.frozen(needs[p[0]], facilities[needs[p[0]].facility_id])
    )
    return dataclasses.replace(baseline, assignments=held)
