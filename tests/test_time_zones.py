"""Facilities in their own time zones: the column read and checked, calendars that put a
shift at the right instant for a phone anywhere, and wall-clock rules left as they were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from icalendar import Calendar

from scheduler import i18n
from scheduler.domain import DEFAULT_TIMEZONE
from scheduler.intake import cells
from scheduler.intake.cells import CellError
from scheduler.intake.loading import load_dataset
from scheduler.outputs.calendars import volunteer_calendar
from scheduler.problems import InvalidInput
from tests.factories import make_dataset, make_facility, make_need

GENERATED = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
UTC = dt.UTC


def utc_times(data: bytes) -> list[tuple[dt.datetime, dt.datetime]]:
    """Each event's start and end as UTC instants, as a phone would place them."""
    calendar = Calendar.from_ical(data)
    return [
        (e.start.astimezone(UTC).replace(tzinfo=None), e.end.astimezone(UTC).replace(tzinfo=None))
        for e in calendar.walk("VEVENT")
    ]


def calendar_of(timezone: str, *needs, zone: str = DEFAULT_TIMEZONE) -> bytes:
    dataset = make_dataset(facilities=[make_facility(timezone=timezone)], needs=list(needs))
    pairs = [(n.id, "V1") for n in needs]
    return volunteer_calendar(dataset, "V1", pairs, generated=GENERATED, zone=zone)


# --- calendars ------------------------------------------------------------------------------


def test_an_0800_shift_in_vladivostok_is_2200_utc_the_day_before() -> None:
    data = calendar_of("Asia/Vladivostok", make_need(date="2026-03-02", start="08:00", end="20:00"))
    assert utc_times(data) == [(dt.datetime(2026, 3, 1, 22), dt.datetime(2026, 3, 2, 10))]
    calendar = Calendar.from_ical(data)
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Asia/Vladivostok"
    [event] = calendar.walk("VEVENT")
    assert str(event["DTSTART"].params["TZID"]) == "Asia/Vladivostok"
    assert b"DTSTART;TZID=Asia/Vladivostok:20260302T080000" in data  # the facility's clock


def test_a_facility_without_a_zone_takes_the_one_given_for_the_site() -> None:
    need = make_need(date="2026-03-02", start="08:00", end="20:00")
    assert utc_times(calendar_of("", need)) == [
        (dt.datetime(2026, 3, 2, 5), dt.datetime(2026, 3, 2, 17))  # Moscow, UTC+3
    ]
    assert utc_times(calendar_of("", need, zone="Asia/Yekaterinburg")) == [
        (dt.datetime(2026, 3, 2, 3), dt.datetime(2026, 3, 2, 15))
    ]


def test_berlin_shifts_follow_the_daylight_saving_change() -> None:
    """Summer time starts on 29 March 2026 at 02:00: the same clock time is an hour earlier
    in UTC from that day, and the night shift across the change lasts its wall-clock span
    on the wall (22:00-06:00) while the instants are an hour closer."""
    needs = [
        make_need(id="N1", date="2026-03-28", start="08:00", end="16:00"),
        make_need(id="N2", date="2026-03-28", start="22:00", end="06:00"),
        make_need(id="N3", date="2026-03-29", start="08:00", end="16:00"),
    ]
    data = calendar_of("Europe/Berlin", *needs)
    assert utc_times(data) == [
        (dt.datetime(2026, 3, 28, 7), dt.datetime(2026, 3, 28, 15)),
        (dt.datetime(2026, 3, 28, 21), dt.datetime(2026, 3, 29, 4)),
        (dt.datetime(2026, 3, 29, 6), dt.datetime(2026, 3, 29, 14)),
    ]
    [timezone] = Calendar.from_ical(data).walk("VTIMEZONE")
    assert {c.name for c in timezone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_the_shift_details_give_the_facilitys_phone() -> None:
    dataset = make_dataset(facilities=[make_facility(phone="+7 423 200-00-00")])
    data = volunteer_calendar(dataset, "V1", [("N1", "V1")], generated=GENERATED)
    [event] = Calendar.from_ical(data).walk("VEVENT")
    assert "Phone: +7 423 200-00-00" in str(event["DESCRIPTION"])


# --- the timezone column -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Asia/Vladivostok", "Asia/Vladivostok"),
        ("  asia/vladivostok ", "Asia/Vladivostok"),
        ("EUROPE/MOSCOW", "Europe/Moscow"),
        ("UTC", "UTC"),
    ],
)
def test_a_time_zone_is_read_in_the_zone_databases_spelling(typed: str, read: str) -> None:
    assert cells.time_zone(typed) == read


@pytest.mark.parametrize("typed", ["Moscow", "MSK", "UTC+3", "../../etc/passwd", "Europe/Mordor"])
def test_an_unknown_time_zone_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(CellError, match="is not a time zone; write an IANA name such as"):
        cells.time_zone(typed)


def facilities_folder(tmp_path: Path, timezone: str, phone: str = "") -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "facilities.csv").write_text(
        f"facility_id,name,region,timezone,phone\nF1,City Hospital,North,{timezone},{phone}\n"
    )
    (folder / "volunteers.csv").write_text("volunteer_id,name,role,region\nV1,Anna,nurse,North\n")
    (folder / "needs.csv").write_text(
        "facility_id,date,start,end,role,count\nF1,2026-03-02,08:00,20:00,nurse,1\n"
    )
    return folder


def test_the_facilities_sheet_carries_a_zone_and_a_phone(tmp_path: Path) -> None:
    dataset, _ = load_dataset(facilities_folder(tmp_path, "asia/vladivostok", "+7 423 2"))
    [facility] = dataset.facilities
    assert (facility.timezone, facility.phone) == ("Asia/Vladivostok", "+7 423 2")
    assert facility.zone().key == "Asia/Vladivostok"


def test_an_empty_zone_is_the_sites(tmp_path: Path) -> None:
    dataset, _ = load_dataset(facilities_folder(tmp_path, ""))
    [facility] = dataset.facilities
    assert facility.timezone == "" and facility.zone().key == DEFAULT_TIMEZONE
    assert facility.zone("Asia/Omsk").key == "Asia/Omsk"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "'Moscow' is not a time zone; write an IANA name such as Europe/Moscow"),
        ("ru", "«Moscow» — не часовой пояс; напишите имя IANA, например Europe/Moscow"),
    ],
)
def test_an_unknown_zone_is_a_facilities_row_timezone_message(tmp_path, language, words) -> None:
    with i18n.using(language), pytest.raises(InvalidInput) as caught:
        load_dataset(facilities_folder(tmp_path, "Moscow"))
    [problem] = [p for p in caught.value.problems if p.is_error]
    assert (problem.sheet, problem.row, problem.column) == ("facilities", 2, "timezone")
    assert problem.message.startswith(words)
