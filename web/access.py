"""Who may see and change what: one place that turns an account into a scope.

Every view asks this module, and every query it runs is filtered by the
scope, so editing an id in a URL finds nothing (404) instead of someone
else's data; a role that may never use a page gets 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from scheduler.intake.updates import Scope
from web import models as m
from web.models import Role, db

COORDINATORS = (Role.NATIONAL, Role.REGIONAL)
STAFF = (Role.NATIONAL, Role.REGIONAL, Role.HOSPITAL)


def roles_required(*roles: Role) -> Callable:
    """Log in first; then only these roles, others get 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if current_user.kind not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def facility_ids(user: m.User) -> frozenset[str] | None:
    """The facilities a user's needs and rosters cover; None means all of them."""
    kind = user.kind
    if kind is Role.NATIONAL:
        return None
    if kind is Role.REGIONAL:
        found = db.session.scalars(select(m.Facility.id).where(m.Facility.region == user.region))
        return frozenset(found)
    if kind is Role.HOSPITAL:
        return frozenset(f.id for f in user.facilities)
    return frozenset()


def scope(user: m.User) -> Scope:
    """What the user may change, in the engine's terms.

    Needs are taken for dates around today only (`NEED_DAYS_BACK` and
    `NEED_DAYS_AHEAD`, a year back and two ahead by default): a shift in
    year 1 or 9999 is a typing slip, whoever posts it.
    """
    today = dt.date.today()
    config = current_app.config
    dates = (
        today - dt.timedelta(days=int(config.get("NEED_DAYS_BACK", 365))),
        today + dt.timedelta(days=int(config.get("NEED_DAYS_AHEAD", 730))),
    )
    kind = user.kind
    if kind is Role.NATIONAL:
        return Scope(need_dates=dates)
    regions = frozenset([user.region]) if kind is Role.REGIONAL and user.region else frozenset()
    return Scope(facilities=facility_ids(user), regions=regions, need_dates=dates)


def facilities_query(user: m.User) -> Select:
    query = select(m.Facility).order_by(m.Facility.region, m.Facility.name)
    ids = facility_ids(user)
    return query if ids is None else query.where(m.Facility.id.in_(ids))


def needs_query(user: m.User) -> Select:
    query = select(m.Need)
    ids = facility_ids(user)
    return query if ids is None else query.where(m.Need.facility_id.in_(ids))


def volunteers_query(user: m.User) -> Select:
    query = select(m.Volunteer).order_by(m.Volunteer.region, m.Volunteer.name)
    if user.kind is Role.NATIONAL:
        return query
    if user.kind is Role.REGIONAL:
        return query.where(m.Volunteer.region == user.region)
    return query.where(m.Volunteer.id == None)  # noqa: E711 - SQL: nothing


def need_or_404(user: m.User, need_id: str) -> m.Need:
    need = db.session.scalars(needs_query(user).where(m.Need.id == need_id)).first()
    if need is None:
        abort(404)
    return need


def facility_or_404(user: m.User, facility_id: str) -> m.Facility:
    facility = db.session.scalars(
        facilities_query(user).where(m.Facility.id == facility_id)
    ).first()
    if facility is None:
        abort(404)
    return facility
