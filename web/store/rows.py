"""Stored rows and the engine's records, each the inverse of the other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import cast

from sqlalchemy import (
    Table,
)

from scheduler import domain
from web import models as m


def split_ids(text: str) -> list[str]:
    return [part for part in text.split(";") if part]


# The stored columns carry the domain dataclasses' field names: rows are read in that order.
FACILITY_FIELDS = tuple(f.name for f in fields(domain.Facility))
VOLUNTEER_FIELDS = tuple(f.name for f in fields(domain.Volunteer))
NEED_FIELDS = tuple(f.name for f in fields(domain.Need))
WINDOW_FIELDS = tuple(f.name for f in fields(domain.Availability))
_PREFERRED = VOLUNTEER_FIELDS.index("preferred_facilities")
_PRIORITY = NEED_FIELDS.index("priority")
_REQUIRES = NEED_FIELDS.index("requires")


def volunteer_from_row(values) -> domain.Volunteer:
    cells = list(values)
    cells[_PREFERRED] = frozenset(split_ids(cells[_PREFERRED]))  # stored as ';'-separated ids
    return domain.Volunteer(*cells)


def need_from_row(values) -> domain.Need:
    cells = list(values)
    cells[_PRIORITY] = domain.Priority(cells[_PRIORITY])
    cells[_REQUIRES] = tuple(split_ids(cells[_REQUIRES] or ""))  # stored ';'-separated
    return domain.Need(*cells)


def as_facility(f: m.Facility) -> domain.Facility:
    return domain.Facility(*(getattr(f, name) for name in FACILITY_FIELDS))


def as_volunteer(v: m.Volunteer) -> domain.Volunteer:
    return volunteer_from_row(getattr(v, f) for f in VOLUNTEER_FIELDS)


def as_need(n: m.Need) -> domain.Need:
    return need_from_row(getattr(n, f) for f in NEED_FIELDS)


def need_row(need: domain.Need) -> dict[str, object]:
    """The stored row of a need: the inverse of `need_from_row`."""
    row = {f: getattr(need, f) for f in NEED_FIELDS}
    row["priority"] = int(need.priority)
    row["requires"] = ";".join(need.requires)
    return row


def volunteer_row(v: domain.Volunteer) -> dict[str, object]:
    """The stored row of a volunteer: the inverse of `volunteer_from_row`."""
    row = {f: getattr(v, f) for f in VOLUNTEER_FIELDS}
    row["preferred_facilities"] = ";".join(sorted(v.preferred_facilities))
    return row


def credential_rows(
    credentials: Iterable[domain.Credential],
    verified_at: object = None,
    verified_by: int | None = None,
) -> list[dict[str, object]]:
    return [
        {
            "volunteer_id": c.volunteer_id,
            "credential": c.credential,
            "valid_from": c.valid_from,
            "valid_until": c.valid_until,
            "verified_at": verified_at,
            "verified_by": verified_by,
            "evidence": "",
        }
        for c in credentials
    ]


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


def table_of(model: type[m.Base]) -> Table:
    """A model's table, for Core bulk inserts that skip the ORM's work per row."""
    return cast(Table, model.__table__)


def chunks(values: list, size: int = 500) -> Iterable[list]:
    """Pieces small enough for any database's limit on bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def facility_row(f: domain.Facility) -> dict[str, object]:
    return {
        "id": f.id,
        "name": f.name,
        "region": f.region,
        "region_label": f.region_label,
        "lat": f.lat,
        "lon": f.lon,
        "address": f.address,
        "timezone": f.timezone,
        "phone": f.phone,
    }
