"""A solve from the browser re-plans against the published roster, once there is one.

Coordinators publish a roster and then the data keeps changing; a new solve
must not reshuffle it. So a solve takes the published roster as its
baseline (`scheduler.engine.baseline`): what is still possible is kept
unless moving it fills places weighing more, and nothing that starts within
the notice period (`FREEZE_NOTICE_HOURS`, 12 by default) is moved or
removed. "Now" is the site's wall clock (`TIMEZONE`, Europe/Moscow by
default), as shift times are.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from scheduler.domain import Dataset
from scheduler.engine.baseline import Baseline
from web import models as m
from web import store


def site_now() -> dt.datetime:
    """The site's wall-clock time now, naive like shift times."""
    zone = ZoneInfo(str(current_app.config.get("TIMEZONE", "Europe/Moscow")))
    return dt.datetime.now(zone).replace(tzinfo=None)


def baseline_for(dataset: Dataset, published: m.Roster | None, now: dt.datetime) -> Baseline | None:
    """The published roster's assignments of the dataset's needs (a regional solve re-plans
    its region's) with its pins, frozen up to the notice period from `now`; None before any
    is published."""
    if published is None:
        return None
    needs = dataset.need_by_id
    pairs = tuple(p for p in store.roster_assignments(published.id) if p[0] in needs)
    pins = frozenset(p for p in store.pinned_pairs(published.id) if p[0] in needs)
    notice = dt.timedelta(hours=float(current_app.config.get("FREEZE_NOTICE_HOURS", 12)))
    return Baseline(pairs, pins, now + notice)
