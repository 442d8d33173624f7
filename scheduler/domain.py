"""The data model: facilities, volunteers, their availability, needs, roles and rules.

Everything here is immutable and already validated: code that receives a
`Dataset` never re-checks types or ids. Times are resolved to naive
wall-clock datetimes of their facility's time zone (no daylight-saving
arithmetic, as the data contract says); the zone only says when "now" is
and how a time reads elsewhere (`Facility.zone`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from annotated_types import Ge, Gt, Le
from pydantic import BaseModel, ConfigDict, Field

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


DEFAULT_TIMEZONE = "Europe/Moscow"  # a facility's zone when it names none (the web: a setting)


class Priority(IntEnum):
    CRITICAL = 1
    NORMAL = 2
    LOW = 3


@dataclass(frozen=True, slots=True)
class Facility:
    id: str
    name: str
    region: str  # normalised: trimmed, lower case
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    region_label: str = ""  # as written in the sheet, for people
    timezone: str = ""  # an IANA zone; "" means the site's (DEFAULT_TIMEZONE for the engine)
    phone: str = ""  # whom a volunteer calls at the facility

    @property
    def region_name(self) -> str:
        return self.region_label or self.region

    def zone(self, default: str = DEFAULT_TIMEZONE) -> ZoneInfo:
        """The facility's time zone, or `default` when it names none: where "now" is for its
        shifts and how their wall-clock times read elsewhere (rule arithmetic never uses it)."""
        return ZoneInfo(self.timezone or default)

    @property
    def located(self) -> bool:
        return self.lat is not None


@dataclass(frozen=True, slots=True)
class Volunteer:
    id: str
    name: str
    role: str  # normalised role name
    region: str  # normalised
    lat: float | None = None
    lon: float | None = None
    max_shifts_per_week: int = 3
    max_hours_per_week: float | None = None
    max_distance_km: float | None = None  # None: the dataset rule applies
    preferred_facilities: frozenset[str] = frozenset()
    email: str = ""
    phone: str = ""

    @property
    def located(self) -> bool:
        return self.lat is not None


@dataclass(frozen=True, slots=True)
class Availability:
    """One availability row: a dated or weekly window, open (`yes`) or closed (`no`).

    `start_minute`/`end_minute` count from midnight of the start day; a window
    that crosses midnight has `end_minute` > 1440 (it belongs to its start day).
    """

    volunteer_id: str
    start_minute: int
    end_minute: int
    available: bool = True
    date: dt.date | None = None
    weekday: int | None = None  # 0 = Monday, when the row repeats weekly

    def intervals(self, first: dt.date, last: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The window's occurrences whose start day lies in [first, last]."""
        if self.date is not None:
            days: Iterator[dt.date] = iter([self.date] if first <= self.date <= last else [])
        else:
            offset = (self.weekday - first.weekday()) % 7  # type: ignore[operator]
            days = (first + dt.timedelta(days=d) for d in range(offset, (last - first).days + 1, 7))
        for day in days:
            midnight = dt.datetime.combine(day, dt.time())
            yield (
                midnight + dt.timedelta(minutes=self.start_minute),
                midnight + dt.timedelta(minutes=self.end_minute),
            )


@dataclass(frozen=True, slots=True)
class Need:
    """A shift a facility wants filled: `count` places for one role."""

    id: str
    facility_id: str
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    role: str
    count: int
    priority: Priority = Priority.NORMAL
    id_given: bool = True  # False when the input left need_id empty
    requires: tuple[str, ...] = ()  # credentials every volunteer on it must hold (rule 8)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0

    @property
    def iso_week(self) -> tuple[int, int]:
        """The (ISO year, ISO week) the shift counts in: its start date's."""
        year, week, _ = self.date.isocalendar()
        return year, week

    @property
    def key(self) -> tuple[str, dt.date, dt.datetime, dt.datetime, str]:
        """What identifies a need without an id (the duplicate rule makes it unique)."""
        return (self.facility_id, self.date, self.start, self.end, self.role)


@dataclass(frozen=True, slots=True)
class Credential:
    """A credential a volunteer holds (a PCR test, red-zone training, a licence), from its first
    to its last valid day; None: since always, or for good. Rows of one volunteer and
    credential join (a renewed test)."""

    volunteer_id: str
    credential: str  # normalised like a role name: "PCR test" is "pcr_test"
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


DEFAULT_COVER: Mapping[str, tuple[str, ...]] = {
    "doctor": ("senior_student", "junior_student", "orderly", "support"),
    "nurse": ("junior_student", "orderly", "support"),
    "paramedic": ("orderly", "support"),
    "senior_student": ("junior_student", "orderly", "support"),
    "junior_student": ("orderly", "support"),
    "orderly": ("support",),
    "support": (),
}


@dataclass(frozen=True)
class RoleTable:
    """Which roles a role may fill. Not transitive; every role fills itself."""

    cover: Mapping[str, frozenset[str]]

    @classmethod
    def default(cls) -> RoleTable:
        return cls.from_lists(DEFAULT_COVER)

    @classmethod
    def from_lists(cls, table: Mapping[str, tuple[str, ...] | list[str]]) -> RoleTable:
        return cls({role: frozenset((role, *others)) for role, others in table.items()})

    def __contains__(self, role: object) -> bool:
        return role in self.cover

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.cover)

    def covers(self, volunteer_role: str, need_role: str) -> bool:
        return need_role in self.cover.get(volunteer_role, ())

    def fillers(self, need_role: str) -> frozenset[str]:
        """The roles whose volunteers may fill a need of `need_role`."""
        return frozenset(r for r, covered in self.cover.items() if need_role in covered)


WEEK_HOURS = 168  # limits by the week stop here: a week has 168 hours
EARTH_KM = 20_040  # distances stop here: half the Earth's circumference
MAX_WEIGHT = 1e6  # larger weights only make the MIP's arithmetic imprecise


def _setting(
    default: float,
    meaning: str,
    kind: str,
    *,
    le: float,
    ge: float | None = None,
    gt: float | None = None,
) -> Any:
    """One rule's default, bounds, meaning (the template and docs say it) and kind of value."""
    return Field(
        default, description=meaning, json_schema_extra={"kind": kind}, ge=ge, gt=gt, le=le
    )


def _figure(value: Any) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


class Rules(BaseModel):
    """The rules sheet: each setting declared once, with its default, range and meaning.

    Loading checks a sheet's values against these bounds, the template and
    docs/format.md describe them from here, the web app stores them by name.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_rest_hours: float = _setting(
        11.0,
        "least hours from the end of one shift to the start of the next",
        "a number of hours",
        ge=0,
        le=WEEK_HOURS,
    )
    max_consecutive_days: int = _setting(
        6, "most days in a row with a shift start", "a whole number", ge=1, le=366
    )
    max_distance_km: float = _setting(
        50.0,
        "most km from home to facility, when both have lat/lon",
        "a distance in km",
        gt=0,
        le=EARTH_KM,
    )
    weight_priority_1: float = _setting(
        100.0, "worth of one filled place of a critical need", "a weight", gt=0, le=MAX_WEIGHT
    )
    weight_priority_2: float = _setting(
        10.0, "worth of one filled place of a normal need", "a weight", gt=0, le=MAX_WEIGHT
    )
    weight_priority_3: float = _setting(
        1.0, "worth of one filled place of a low need", "a weight", gt=0, le=MAX_WEIGHT
    )

    @classmethod
    def from_stored(cls, values: Mapping[str, float]) -> Rules:
        """Rules from stored numbers, all floats (6.0 days reads as 6)."""
        return cls.model_validate(dict(values))

    @classmethod
    def accepted(cls, name: str) -> str:
        """What a setting takes, in words: 'a whole number from 1 to 366'."""
        info = cls.model_fields[name]
        extra = info.json_schema_extra
        kind = str(extra["kind"]) if isinstance(extra, dict) else "a number"
        low = next(m for m in info.metadata if isinstance(m, Ge | Gt))
        high = next(m.le for m in info.metadata if isinstance(m, Le))
        if isinstance(low, Gt):
            return f"{kind}, more than {_figure(low.gt)} and at most {_figure(high)}"
        return f"{kind} from {_figure(low.ge)} to {_figure(high)}"

    def weight(self, priority: int) -> float:
        return (self.weight_priority_1, self.weight_priority_2, self.weight_priority_3)[
            int(priority) - 1
        ]


@dataclass(frozen=True)
class Dataset:
    """A whole validated input: what the engine, the checker and the exports read."""

    facilities: tuple[Facility, ...]
    volunteers: tuple[Volunteer, ...]
    needs: tuple[Need, ...]
    availability: tuple[Availability, ...] = ()
    roles: RoleTable = field(default_factory=RoleTable.default)
    rules: Rules = field(default_factory=Rules)
    credentials: tuple[Credential, ...] = ()
    # Not in the data contract: how likely each volunteer is to come, estimated from the
    # attendance the web app records; a tie-break on critical shifts (`engine.polish`).
    reliability: Mapping[str, float] = field(default_factory=dict, compare=False)

    @cached_property
    def facility_by_id(self) -> dict[str, Facility]:
        return {f.id: f for f in self.facilities}

    @cached_property
    def volunteer_by_id(self) -> dict[str, Volunteer]:
        return {v.id: v for v in self.volunteers}

    @cached_property
    def need_by_id(self) -> dict[str, Need]:
        return {n.id: n for n in self.needs}

    @cached_property
    def need_by_key(self) -> dict[tuple, Need]:
        return {n.key: n for n in self.needs}

    @cached_property
    def availability_by_volunteer(self) -> dict[str, tuple[Availability, ...]]:
        grouped: dict[str, list[Availability]] = {}
        for row in self.availability:
            grouped.setdefault(row.volunteer_id, []).append(row)
        return {vid: tuple(rows) for vid, rows in grouped.items()}

    @property
    def horizon(self) -> tuple[dt.date, dt.date] | None:
        """First and last shift start date, or None without needs."""
        if not self.needs:
            return None
        dates = [n.date for n in self.needs]
        return min(dates), max(dates)

    @property
    def demand(self) -> int:
        return sum(n.count for n in self.needs)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({f.region for f in self.facilities}))

    def without_volunteers(self, volunteer_ids: Collection[str]) -> Dataset:
        """The input after these volunteers left: their availability goes with them."""
        gone = set(volunteer_ids)
        return replace(
            self,
            volunteers=tuple(v for v in self.volunteers if v.id not in gone),
            availability=tuple(a for a in self.availability if a.volunteer_id not in gone),
            credentials=tuple(c for c in self.credentials if c.volunteer_id not in gone),
        )

    def restricted(
        self, facility_ids: Collection[str], volunteer_ids: Collection[str] | None = None
    ) -> Dataset:
        """The input about some facilities: a region's solve, a hospital's workbook.

        Keeps those facilities and their needs, and the volunteers named (by
        default, every volunteer of those facilities' regions: the people who
        may work there) with their availability; roles and rules as they are.
        """
        facilities = tuple(f for f in self.facilities if f.id in facility_ids)
        if volunteer_ids is None:
            regions = {f.region for f in facilities}
            volunteer_ids = {v.id for v in self.volunteers if v.region in regions}
        return Dataset(
            facilities,
            tuple(v for v in self.volunteers if v.id in volunteer_ids),
            tuple(n for n in self.needs if n.facility_id in facility_ids),
            tuple(a for a in self.availability if a.volunteer_id in volunteer_ids),
            self.roles,
            self.rules,
            tuple(c for c in self.credentials if c.volunteer_id in volunteer_ids),
            {v: r for v, r in self.reliability.items() if v in volunteer_ids},
        )
