"""What each row of each sheet must hold, declared once as pydantic models.

The models check one row at a time (types, ranges, pairs such as lat/lon);
what needs several rows or sheets (unique ids, known roles, duplicate needs)
is `scheduler.intake.loading`'s job. Messages come from `scheduler.intake.cells` and name
the bad value and what would be accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from scheduler.domain import EARTH_KM, WEEK_HOURS
from scheduler.i18n import N_, figure, gettext
from scheduler.intake import cells
from scheduler.intake.cells import MINUTES_PER_DAY, CellError


def _between(low: float | None, high: float | None, *, above: bool = False) -> AfterValidator:
    def check(value: float | None) -> float | None:
        if value is None:
            return value
        if (low is not None and (value <= low if above else value < low)) or (
            high is not None and value > high
        ):
            raise CellError(_out_of_range(value, low, high, above))
        return value

    return AfterValidator(check)


def _out_of_range(value: float, low: float | None, high: float | None, above: bool) -> str:
    shown, first = cells.shown(value), None if low is None else figure(low)
    last = None if high is None else figure(high)
    if high is not None and low is not None:
        return gettext(
            "%(value)s is out of range; it must be from %(low)s to %(high)s",
            value=shown,
            low=first,
            high=last,
        )
    if high is not None:
        return gettext(
            "%(value)s is out of range; it must be at most %(high)s", value=shown, high=last
        )
    if above:
        return gettext(
            "%(value)s is out of range; it must be more than %(low)s", value=shown, low=first
        )
    return gettext("%(value)s is out of range; it must be at least %(low)s", value=shown, low=first)


def _parsed(parser: Callable[[Any], Any]) -> BeforeValidator:
    return BeforeValidator(parser)


# The longest text each column holds (the web app's columns are at least this wide).
ID_LENGTH = 100
NAME_LENGTH = 300
REGION_LENGTH = 200
ADDRESS_LENGTH = 500
EMAIL_LENGTH = 254  # an e-mail address's own limit
PHONE_LENGTH = 100
ID_LIST_LENGTH = 2000
# Ceilings no real sheet reaches; past them a value is a typing slip or an attack,
# and it would skew coverage or overflow a database column.
MAX_COUNT = 1000  # volunteers one need asks for


def _longest(limit: int) -> AfterValidator:
    return AfterValidator(cells.longest(limit))


Id = Annotated[str, _parsed(cells.identifier), _longest(ID_LENGTH)]
Text = Annotated[str, _parsed(cells.free_text), _longest(NAME_LENGTH)]
Region = Annotated[str, _parsed(cells.word), _longest(REGION_LENGTH)]
Address = Annotated[str, _parsed(cells.free_text), _longest(ADDRESS_LENGTH)]
Email = Annotated[str, _parsed(cells.word), _longest(EMAIL_LENGTH)]
Phone = Annotated[str, _parsed(cells.word), _longest(PHONE_LENGTH)]
TimeZone = Annotated[str, _parsed(cells.time_zone)]
# rules: compared in lower case; roles also read a space as an underscore
Name = Annotated[str, _parsed(lambda v: cells.word(v).lower()), _longest(ID_LENGTH)]
Role = Annotated[str, _parsed(cells.role), _longest(ID_LENGTH)]
# Optional columns: an empty cell never reaches a validator (the default applies),
# so `X | None` is declared inside Annotated and pydantic reports one error, not two.
Latitude = Annotated[float | None, _parsed(cells.number), _between(-90, 90)]
Longitude = Annotated[float | None, _parsed(cells.number), _between(-180, 180)]
WeekHours = Annotated[float | None, _parsed(cells.number), _between(0, WEEK_HOURS, above=True)]
Distance = Annotated[float | None, _parsed(cells.number), _between(0, EARTH_KM, above=True)]
OptionalId = Annotated[str | None, _parsed(cells.identifier), _longest(ID_LENGTH)]
WeekShifts = Annotated[int, _parsed(cells.whole_number), _between(0, WEEK_HOURS)]
Count = Annotated[int, _parsed(cells.whole_number), _between(1, MAX_COUNT)]
PriorityLevel = Annotated[int, _parsed(cells.whole_number), _between(1, 3)]
Date = Annotated[dt.date, _parsed(cells.date)]
Day = Annotated[dt.date | int, _parsed(cells.day)]
Time = Annotated[int, _parsed(cells.time_of_day)]
YesNo = Annotated[bool, _parsed(cells.yes_no)]
IdList = Annotated[tuple[str, ...], _parsed(lambda v: cells.id_list(v, ID_LIST_LENGTH))]
RoleList = Annotated[
    tuple[str, ...],
    _parsed(lambda v: tuple(cells.role(x) for x in cells.id_list(v, ID_LIST_LENGTH))),
]


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    @classmethod
    def required(cls) -> list[str]:
        return [name for name, f in cls.model_fields.items() if f.is_required()]

    @classmethod
    def hint(cls, column: str) -> str:
        """What the column takes, in the current language (its description, translated)."""
        description = cls.model_fields[column].description
        return gettext(description, most=figure(MAX_COUNT, ",")) if description else ""


def _pair_error(column: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("pair", "{message}", {"message": message, "column": column})


class Located(Row):
    lat: Latitude = Field(None, description=N_("a latitude in degrees, e.g. 55.7558"))
    lon: Longitude = Field(None, description=N_("a longitude in degrees, e.g. 37.6173"))

    @model_validator(mode="after")
    def both_or_neither(self) -> Located:
        if (self.lat is None) != (self.lon is None):
            missing = "lon" if self.lon is None else "lat"
            raise _pair_error(
                missing,
                gettext(
                    "%(column)s is empty while the other coordinate is given; "
                    "fill in both lat and lon, or neither",
                    column=missing,
                ),
            )
        return self


class FacilityRow(Located):
    facility_id: Id = Field(description=N_("a facility id, unique in the sheet"))
    name: Text = Field(description=N_("the facility's name"))
    region: Region = Field(description=N_("the region the facility is in"))
    address: Address = ""
    timezone: TimeZone = Field("", description=N_("an IANA time zone, e.g. Europe/Moscow"))
    phone: Phone = ""


class VolunteerRow(Located):
    volunteer_id: Id = Field(description=N_("a volunteer id, unique in the sheet"))
    name: Text = Field(description=N_("the volunteer's name"))
    role: Role = Field(description=N_("a role, e.g. nurse or senior_student"))
    region: Region = Field(description=N_("the region the volunteer works in"))
    max_shifts_per_week: WeekShifts = 3
    max_hours_per_week: WeekHours = None
    max_distance_km: Distance = None
    preferred_facilities: IdList = ()
    email: Email = ""
    phone: Phone = ""


class Window(Row):
    start: Time = Field(description=N_("a time, HH:MM"))
    end: Time = Field(description=N_("a time, HH:MM (24:00 allowed)"))

    @model_validator(mode="after")
    def starts_within_the_day(self) -> Window:
        if self.start == MINUTES_PER_DAY:
            raise _pair_error(
                "start",
                gettext(
                    "'24:00' can only end a shift or window; a start at "
                    "midnight is 00:00 of the next day"
                ),
            )
        return self

    @property
    def minutes(self) -> tuple[int, int]:
        """(start, end) after the start day's midnight; end <= start runs into the next day."""
        end = self.end if self.end > self.start else self.end + MINUTES_PER_DAY
        return self.start, end


class AvailabilityRow(Window):
    volunteer_id: Id = Field(description=N_("the id of a volunteer in the volunteers sheet"))
    day: Day = Field(description=N_("a date YYYY-MM-DD or a weekday Mon..Sun"))
    available: YesNo = True


class NeedRow(Window):
    need_id: OptionalId = None
    facility_id: Id = Field(description=N_("the id of a facility in the facilities sheet"))
    date: Date = Field(description=N_("the day the shift starts, YYYY-MM-DD"))
    role: Role = Field(description=N_("the role wanted, e.g. nurse"))
    count: Count = Field(
        description=N_("how many volunteers are wanted, a whole number from 1 to %(most)s")
    )
    priority: PriorityLevel = 2
    requires: RoleList = Field(
        (), description=N_("credentials every volunteer on it must hold, separated by ;")
    )


class CredentialRow(Row):
    volunteer_id: Id = Field(description=N_("the id of a volunteer in the volunteers sheet"))
    credential: Role = Field(description=N_("a credential, e.g. pcr_test or red_zone_training"))
    valid_from: Annotated[dt.date | None, _parsed(cells.date)] = Field(
        None, description=N_("the first day it counts, YYYY-MM-DD")
    )
    valid_until: Annotated[dt.date | None, _parsed(cells.date)] = Field(
        None, description=N_("the last day it counts, YYYY-MM-DD")
    )

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> CredentialRow:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise _pair_error(
                "valid_until",
                gettext(
                    "valid_until %(until)s is before valid_from %(since)s; a credential ends "
                    "on or after its first day",
                    until=self.valid_until,
                    since=self.valid_from,
                ),
            )
        return self


class RoleRow(Row):
    role: Role = Field(description=N_("a role name"))
    can_cover: RoleList = ()


class RuleRow(Row):
    rule: Name = Field(description=N_("a rule name, e.g. min_rest_hours"))
    value: Annotated[float, _parsed(cells.number)] = Field(description=N_("a number"))


MODELS: dict[str, type[Row]] = {
    "facilities": FacilityRow,
    "volunteers": VolunteerRow,
    "availability": AvailabilityRow,
    "needs": NeedRow,
    "credentials": CredentialRow,
    "roles": RoleRow,
    "rules": RuleRow,
}
REQUIRED_SHEETS = ("facilities", "volunteers", "needs")


# The contract's columns, in the order the template and exports write them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "facilities": ("facility_id", "name", "region", "lat", "lon", "address"),
    "volunteers": (
        "volunteer_id",
        "name",
        "role",
        "region",
        "lat",
        "lon",
        "max_shifts_per_week",
        "max_hours_per_week",
        "max_distance_km",
        "preferred_facilities",
        "email",
        "phone",
    ),
    "availability": ("volunteer_id", "day", "start", "end", "available"),
    "needs": (
        "need_id",
        "facility_id",
        "date",
        "start",
        "end",
        "role",
        "count",
        "priority",
        "requires",
    ),
    "credentials": ("volunteer_id", "credential", "valid_from", "valid_until"),
    "roles": ("role", "can_cover"),
    "rules": ("rule", "value"),
}


# Columns the contract gained later: read, and written by the template, but not yet by the
# generator (scheduler.synthetic) and the sample data; they follow COLUMNS' in that order.
LATER_COLUMNS: dict[str, tuple[str, ...]] = {"facilities": ("timezone", "phone")}


def columns(sheet: str, *, later: bool = False) -> list[str]:
    """The sheet's columns in the contract's order; `later`: with LATER_COLUMNS too."""
    return list(COLUMNS[sheet]) + list(LATER_COLUMNS.get(sheet, ()) if later else ())
