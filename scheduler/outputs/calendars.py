"""Volunteer calendars: each volunteer's shifts as an iCalendar (RFC 5545) file.

A volunteer imports the file, or subscribes to it, in their phone's or mail
program's calendar. Three choices make that work well:

- **Times in the facility's zone.** Shift times are the facility's wall
  clock (docs/format.md). Each event carries them with a TZID naming the
  facility's IANA zone (`zone`, the site's, when it names none), and the
  calendar holds a VTIMEZONE for every zone it names, so a phone in any zone
  shows the right hour: a 08:00 shift in Vladivostok is 01:00 on a phone set
  to Moscow time and 22:00 UTC the day before. Floating times (no zone) would
  put it at 08:00 wherever the phone is. A wall-clock time that a
  daylight-saving change skips or repeats is left to the calendar program to
  resolve, as RFC 5545 says.
- **Stable UIDs.** An event's UID is a UUID derived from the need and the
  volunteer alone: the same assignment has the same UID in every export, so
  importing an updated calendar updates or keeps events instead of
  duplicating them, while two volunteers on one shift get two events. The
  need is named by its `need_id` when the input gave one (so a shift moved to
  another time keeps its event), otherwise by the five columns that identify
  it, since a generated id may change when other rows change.
- **Escaped text.** The icalendar library escapes commas, semicolons,
  backslashes and newlines and folds long lines on character boundaries, so a
  name such as `=HYPERLINK(...)` or one with a newline comes back exactly.
  The calendar's title (NAME, X-WR-CALNAME) is TEXT too and escaped the same
  way; a reader unescapes it with `icalendar.parser.unescape_backslash`, as
  icalendar keeps those two properties raw.
  RFC 5545 text cannot hold other control characters; they are dropped, and a
  CR LF or lone CR becomes a newline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText
from icalendar.enums import STATUS

from scheduler.domain import DEFAULT_TIMEZONE, Dataset, Need
from scheduler.i18n import gettext, priority_name, role_name
from scheduler.outputs.exchange import resolve, write_atomically

PRODID = "-//volunteer-scheduler//Volunteer shifts//EN"
# Fixed for good: changing it changes every UID, and calendars would duplicate every shift.
UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:volunteer-scheduler:assignment")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # all but tab and newline
_UNSAFE_IN_FILE_NAME = re.compile(r"[^\w-]")  # \w: letters and digits of any script, and _
_FILE_NAME_BYTES = 100  # the stem before the hash suffix; file systems allow 255 bytes
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{p}{d}" for p in ("com", "lpt") for d in range(1, 10)]
)


@dataclass(frozen=True, slots=True)
class ShiftEvent:
    """One volunteer's shift as their calendar holds it: what was told, and how often revised.

    `start` and `end` are the facility's wall clock in `zone`. `sequence`
    (RFC 5545 SEQUENCE) rises with every revision a calendar program must
    take in; `cancelled_at` (aware) is when the shift was taken away.
    """

    uid: str
    volunteer_id: str
    need_id: str
    start: dt.datetime
    end: dt.datetime
    zone: str
    role: str
    priority: int
    facility_name: str
    address: str = ""
    phone: str = ""
    lat: float | None = None
    lon: float | None = None
    sequence: int = 0
    cancelled_at: dt.datetime | None = None

    def content(self) -> tuple[object, ...]:
        """What the volunteer reads in the event; a change here is a revision."""
        return (
            self.need_id, self.start, self.end, self.zone, self.role, self.priority,
            self.facility_name, self.address, self.phone, self.lat, self.lon,
        )  # fmt: skip


def volunteer_calendar(
    dataset: Dataset,
    volunteer_id: str,
    assignments: Iterable[tuple[str, str]],
    *,
    generated: dt.datetime | None = None,
    zone: str = DEFAULT_TIMEZONE,
) -> bytes:
    """One volunteer's shifts among `assignments` as an .ics file's bytes, sorted by start.

    `generated` (a time-zone-aware datetime, default now) becomes each event's
    DTSTAMP; pass it to make the output reproducible. `zone` is the IANA zone of
    a facility that names none (the site's).
    """
    volunteer = dataset.volunteer_by_id.get(volunteer_id)
    if volunteer is None:
        raise ValueError(
            gettext(
                "'%(id)s' is not a volunteer_id of the dataset; give the id of one of its "
                "volunteers",
                id=volunteer_id,
            )
        )
    stamp = _utc(generated)
    events = shift_events(dataset, volunteer_id, assignments, zone=zone)
    return calendar_of(volunteer.name, volunteer_id, events, generated=stamp)


def calendar_of(
    name: str,
    volunteer_id: str,
    events: Iterable[ShiftEvent],
    *,
    generated: dt.datetime | None = None,
) -> bytes:
    """A calendar of `events` (as `shift_events` or `calendar_history.revise` give them).

    A cancelled event keeps its UID, carries STATUS:CANCELLED and says so in
    its title: Google Calendar hides cancelled events, so the title is what a
    volunteer sees in the other programs and the absence in Google's.
    """
    stamp = _utc(generated)
    calendar = Calendar.new(
        prodid=PRODID,
        version="2.0",
        calscale="GREGORIAN",
        method="PUBLISH",
        uid=uuid.uuid5(UID_NAMESPACE, json.dumps(["calendar", volunteer_id])),
    )
    # RFC 7986 NAME, and X-WR-CALNAME for older clients. icalendar 7 does not type
    # either as TEXT, so it would write them unescaped (and refuse a newline).
    title = vText(_text(gettext("Shifts — %(name)s", name=name)))
    calendar.add("NAME", title)
    calendar.add("X-WR-CALNAME", title)
    ordered = sorted(events, key=lambda e: (e.start, e.need_id, e.uid))
    for event in ordered:
        calendar.add_component(_event(event, stamp))
    if ordered:  # each zone's rules over the shifts' years, ahead of the events (RFC 5545)
        first, last = ordered[0].start.date(), max(e.end.date() for e in ordered)
        calendar.add_missing_timezones(first - dt.timedelta(days=1), last + dt.timedelta(days=1))
    return calendar.to_ical()


def shift_events(
    dataset: Dataset,
    volunteer_id: str,
    assignments: Iterable[tuple[str, str]],
    *,
    zone: str = DEFAULT_TIMEZONE,
) -> list[ShiftEvent]:
    """The volunteer's shifts among `assignments` as calendar events, each at sequence 0."""
    mine = [(n, v) for n, v in assignments if v == volunteer_id]
    events = {}
    for need, _, facility in resolve(dataset, mine):
        events[need.id] = ShiftEvent(
            uid=assignment_uid(need, volunteer_id),
            volunteer_id=volunteer_id,
            need_id=need.id,
            start=need.start,
            end=need.end,
            zone=facility.zone(zone).key,
            role=need.role,
            priority=int(need.priority),
            facility_name=facility.name,
            address=facility.address,
            phone=facility.phone,
            lat=facility.lat,
            lon=facility.lon,
        )
    return list(events.values())


def write_calendars(
    dataset: Dataset,
    assignments: Iterable[tuple[str, str]],
    folder: Path,
    *,
    generated: dt.datetime | None = None,
    zone: str = DEFAULT_TIMEZONE,
) -> list[Path]:
    """`<volunteer>.ics` in `folder` for every volunteer with a shift, in the dataset's order.

    File names come from `calendar_file_names`. Each file is written
    atomically. Files already in `folder` for volunteers who no longer have a
    shift are left alone.
    """
    pairs = list(assignments)
    resolve(dataset, pairs)  # every id known, before any file is written
    folder.mkdir(parents=True, exist_ok=True)
    stamp = _utc(generated)
    by_volunteer: dict[str, list[tuple[str, str]]] = {}
    for need_id, volunteer_id in pairs:
        by_volunteer.setdefault(volunteer_id, []).append((need_id, volunteer_id))
    ids = [v.id for v in dataset.volunteers if v.id in by_volunteer]
    names = calendar_file_names(ids)
    paths = []
    for volunteer_id in ids:
        path = folder / names[volunteer_id]
        data = volunteer_calendar(
            dataset, volunteer_id, by_volunteer[volunteer_id], generated=stamp, zone=zone
        )
        write_atomically(path, data, sync=False)
        paths.append(path)
    return paths


def assignment_uid(need: Need, volunteer_id: str) -> str:
    """The event UID of one volunteer on one need: the same in every export."""
    if need.id_given:
        shift: list[str] = ["need", need.id]
    else:
        facility_id, date, start, end, role = need.key
        shift = ["shift", facility_id, date.isoformat(), start.isoformat(), end.isoformat(), role]
    return str(uuid.uuid5(UID_NAMESPACE, json.dumps([*shift, volunteer_id])))


def calendar_file_names(volunteer_ids: Iterable[str]) -> dict[str, str]:
    """`<id>.ics` for each id, safe on any file system and distinct even where case is not.

    An id that is already a plain name (letters of any script, digits, `_`,
    `-`) is kept as it is: `V00012.ics`, `Иван_1.ics`. Any other id, such as
    `../etc/passwd`, `a/b`, `Иван 1` or `CON`, keeps its safe characters and
    gets a short hash of the whole id (`a_b-c14cddc033f6.ics`), so its name is
    the same in every export and cannot meet another id's. Plain ids that
    differ only in case (`V1`, `v1`) get the hash too: Windows and macOS would
    take their files for one.
    """
    ids = list(dict.fromkeys(volunteer_ids))
    stems = {i: _clean_stem(i) for i in ids}
    plain = [s for i, s in stems.items() if s == i and s.casefold() not in _WINDOWS_RESERVED]
    folded = Counter(s.casefold() for s in plain)
    for i, stem in stems.items():
        if stem != i or stem.casefold() in _WINDOWS_RESERVED or folded[stem.casefold()] > 1:
            digest = hashlib.sha256(i.encode("utf-8")).hexdigest()[:12]
            stems[i] = f"{stem}-{digest}"
    if len({s.casefold() for s in stems.values()}) != len(stems):
        raise ValueError(
            gettext("two volunteer ids map to the same calendar file name; rename one of them")
        )
    return {i: f"{stem}.ics" for i, stem in stems.items()}


def _event(shift: ShiftEvent, stamp: dt.datetime) -> Event:
    role = role_name(shift.role).replace("_", " ")
    where = ", ".join(part for part in (shift.facility_name, shift.address) if part)
    priority = shift.priority
    details = [
        gettext("Role: %(role)s", role=role),
        gettext("Priority: %(number)s (%(name)s)", number=priority, name=priority_name(priority)),
        gettext("Facility: %(name)s", name=shift.facility_name),
        *([gettext("Address: %(address)s", address=shift.address)] if shift.address else []),
        *([gettext("Phone: %(phone)s", phone=shift.phone)] if shift.phone else []),
        gettext("Need: %(id)s", id=shift.need_id),
    ]
    summary = gettext(
        "%(role)s shift — %(facility)s", role=role.capitalize(), facility=shift.facility_name
    )
    if shift.cancelled_at is not None:
        summary = gettext("Cancelled: %(shift)s", shift=summary)
    zone = ZoneInfo(shift.zone)
    event = Event.new(
        uid=shift.uid,
        stamp=stamp,
        start=shift.start.replace(tzinfo=zone),  # the facility's clock, with its TZID
        end=shift.end.replace(tzinfo=zone),
        summary=_text(summary),
        location=_text(where),
        description=_text("\n".join(details)),
        sequence=shift.sequence,
        status=STATUS.CONFIRMED if shift.cancelled_at is None else STATUS.CANCELLED,
    )
    if shift.lat is not None and shift.lon is not None:
        event.add("GEO", (shift.lat, shift.lon))
    return event


def _utc(generated: dt.datetime | None) -> dt.datetime:
    """DTSTAMP must be UTC (RFC 5545 3.8.7.2); whole seconds, as the format holds no more."""
    if generated is None:
        generated = dt.datetime.now(dt.UTC)
    if generated.tzinfo is None:
        raise ValueError(
            gettext(
                "generated=%(when)s has no time zone; DTSTAMP is a UTC time, so pass an aware "
                "datetime such as datetime.now(timezone.utc)",
                when=generated.isoformat(),
            )
        )
    return generated.astimezone(dt.UTC).replace(microsecond=0)


def _text(value: str) -> str:
    """Text RFC 5545 can carry: newlines as LF, no other control characters."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _clean_stem(volunteer_id: str) -> str:
    """The id with every character a file name should not hold as `_`; `_` for a leading `-`."""
    stem = _UNSAFE_IN_FILE_NAME.sub("_", unicodedata.normalize("NFC", volunteer_id))
    if stem.startswith("-"):  # `rm -x.ics` would read it as an option
        stem = "_" + stem[1:]
    while len(stem.encode("utf-8")) > _FILE_NAME_BYTES:
        stem = stem[:-1]
    return stem
