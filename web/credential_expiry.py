"""Warnings before a credential runs out: to its volunteer, and to their coordinators when a
published shift depends on it.

How far ahead depends on how long the credential lasts: one valid for two
weeks or less (a PCR test) is warned of `SHORT_LEAD` days before its last
day, anything longer (red-zone training, a licence) `LONG_LEAD` days before.
A credential renewed in time (another verified row of the same credential
that carries on from its last day) is not warned of. Each credential's
warning is posted once (its key names the last day, so a corrected date
warns again); the coordinators get one list a day of the volunteers whose
credential runs out before a published shift that requires it, the ones to
chase. The notice worker runs `warn` every hour; the notices wait out the
quiet hours.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import and_, select

from web import i18n, notices, outbox, schedule, store
from web import models as m
from web.models import db
from web.store.rows import chunks

SHORT_VALIDITY = 14  # days: a credential this short-lived is a test ...
SHORT_LEAD = 2  # ... and is warned of this many days before its last day
LONG_LEAD = 30  # anything longer-lived
MOST_LISTED = 50  # volunteers named in one coordinator's daily list


def lead_days(valid_from: dt.date | None, valid_until: dt.date) -> int:
    """How many days before its last day a credential is warned of."""
    if valid_from is not None and (valid_until - valid_from).days < SHORT_VALIDITY:
        return SHORT_LEAD
    return LONG_LEAD


def today() -> dt.date:
    return schedule.today()


@dataclass(frozen=True)
class Expiring:
    """A verified credential within its warning, not renewed."""

    credential_id: int
    volunteer_id: str
    name: str
    region: str
    credential: str
    valid_until: dt.date
    at_risk: tuple[str, ...] = ()  # published shifts after its last day that require it


def expiring(day: dt.date, region: str | None = None) -> list[Expiring]:
    """The credentials within their warning on `day` and not renewed, soonest first; of one
    region's volunteers, or everyone's (None). Each names the published shifts that need it
    after its last day."""
    c, v = m.Credential, m.Volunteer
    query = (
        select(c.id, c.volunteer_id, v.name, v.region, c.credential, c.valid_from, c.valid_until)
        .join(v, v.id == c.volunteer_id)
        .where(
            c.verified_at.is_not(None),
            c.valid_until >= day,
            c.valid_until <= day + dt.timedelta(days=LONG_LEAD),
        )
    )
    if region is not None:
        query = query.where(v.region == region)
    rows = [
        row
        for row in db.session.execute(query)
        if day >= row.valid_until - dt.timedelta(days=lead_days(row.valid_from, row.valid_until))
    ]
    renewed = _renewed(rows)
    found = [row for row in rows if row.id not in renewed]
    at_risk = _at_risk(found)
    return sorted(
        (
            Expiring(
                row.id,
                row.volunteer_id,
                row.name,
                row.region,
                row.credential,
                row.valid_until,
                tuple(sorted(at_risk.get(row.id, ()))),
            )
            for row in found
        ),
        key=lambda e: (e.valid_until, e.name.casefold(), e.credential),
    )


def _renewed(rows: list[Any]) -> set[int]:
    """Of these rows, the ones another verified row of the same volunteer and credential
    carries on from (starting by the day after their last day and ending later)."""
    if not rows:
        return set()
    c = m.Credential
    people = {row.volunteer_id for row in rows}
    others: dict[tuple[str, str], list[tuple[dt.date | None, dt.date | None]]] = defaultdict(list)
    for chunk in chunks(sorted(people)):
        found = db.session.execute(
            select(c.volunteer_id, c.credential, c.valid_from, c.valid_until).where(
                c.verified_at.is_not(None), c.volunteer_id.in_(chunk)
            )
        )
        for volunteer_id, credential, first, last in found:
            others[volunteer_id, credential].append((first, last))
    renewed = set()
    for row in rows:
        next_day = row.valid_until + dt.timedelta(days=1)
        for first, last in others[row.volunteer_id, row.credential]:
            starts_in_time = first is None or first <= next_day
            if starts_in_time and (last is None or last > row.valid_until):
                renewed.add(row.id)
                break
    return renewed


def _at_risk(rows: list[Any]) -> dict[int, list[str]]:
    """Per row, the published shifts of its volunteer after its last day that require it."""
    roster = store.published_id()
    if roster is None or not rows:
        return {}
    wanted = {(row.volunteer_id, row.credential): row for row in rows}
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(sorted({row.volunteer_id for row in rows})):
        shifts = db.session.execute(
            select(m.Assignment.volunteer_id, m.Need.id, m.Need.end, m.Need.requires)
            .join(m.Need, m.Need.id == m.Assignment.need_id)
            .where(
                and_(m.Assignment.roster_id == roster, m.Assignment.volunteer_id.in_(chunk)),
                m.Need.requires != "",
            )
        )
        for volunteer_id, need_id, end, requires in shifts:
            last_day = (end - dt.timedelta(minutes=1)).date()  # rule 8's last day of a shift
            for credential in store.split_ids(requires):
                row = wanted.get((volunteer_id, credential))
                if row is not None and last_day > row.valid_until:
                    found[row.id].append(need_id)
    return found


def warn(now: dt.datetime | None = None) -> int:
    """Post the warnings due (no commit): each volunteer once per credential, and each
    coordinator once a day the list of those who put a published shift at risk."""
    day = now.astimezone(i18n.site_zone()).date() if now else today()
    found = expiring(day)
    if not found:
        return 0
    told = outbox.recipients({e.volunteer_id for e in found})
    later = notices.when(False)
    posted = outbox.post(
        (
            {
                "key": expiry_key(e),
                "volunteer_id": e.volunteer_id,
                "to": told[e.volunteer_id],
                "kind": "credential_expiring",
                "payload": {
                    "name": told[e.volunteer_id].name,
                    "credential": e.credential,
                    "valid_until": e.valid_until.isoformat(),
                    "shifts": len(e.at_risk),
                },
            }
            for e in _not_posted(found)
            if e.volunteer_id in told
        ),
        not_before=later,
    )
    return posted + _tell_coordinators([e for e in found if e.at_risk], day, later)


def _not_posted(found: list[Expiring]) -> list[Expiring]:
    known = outbox.stored_keys(map(expiry_key, found))
    return [e for e in found if expiry_key(e) not in known]


def expiry_key(e: Expiring) -> str:
    return f"expiring-{e.volunteer_id}-{e.credential}-{e.valid_until.isoformat()}"


def _tell_coordinators(at_risk: list[Expiring], day: dt.date, later: dt.datetime | None) -> int:
    if not at_risk:
        return 0
    default = str(current_app.config["DEFAULT_LOCALE"])
    by_region: dict[str, list[Expiring]] = defaultdict(list)
    for e in at_risk:
        by_region[e.region].append(e)
    lists: dict[int, tuple[m.User, list[Expiring]]] = {}
    for region, items in by_region.items():
        for user in notices.coordinators_of(region):
            lists.setdefault(user.id, (user, []))[1].extend(items)
    digests: list[dict[str, Any]] = []
    for user, items in lists.values():
        items.sort(key=lambda e: (e.valid_until, e.name.casefold()))
        digests.append(
            {
                "key": f"expiring-list-{user.id}-{day.isoformat()}",
                "volunteer_id": None,
                "account_id": user.id,
                "recipient": user.email,
                "language": user.locale or default,
                "kind": "credentials_at_risk",
                "payload": {
                    "name": user.name,
                    "count": len(items),
                    "items": [
                        {
                            "volunteer": e.name,
                            "volunteer_id": e.volunteer_id,
                            "credential": e.credential,
                            "valid_until": e.valid_until.isoformat(),
                            "shifts": len(e.at_risk),
                        }
                        for e in items[:MOST_LISTED]
                    ],
                },
            }
        )
    known = outbox.stored_keys(str(d["key"]) for d in digests)
    return outbox.post((d for d in digests if d["key"] not in known), not_before=later)
