"""Volunteer calendars: every exported .ics is read back with icalendar and compared as data.

The demo's calendars must hold exactly the solved roster, no more and no
less; UIDs must survive a second export; hostile names must come back exactly;
file names must stay inside the folder. The golden file pins the format and,
above all, the UIDs: if it changes, every volunteer's calendar would
duplicate its shifts on the next import.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from icalendar import Calendar, Event
from icalendar.parser import unescape_backslash

from scheduler.domain import Dataset
from scheduler.engine.results import Settings
from scheduler.engine.solver import solve
from scheduler.intake.loading import load_dataset
from scheduler.outputs import exchange
from scheduler.outputs.calendars import (
    assignment_uid,
    calendar_file_names,
    volunteer_calendar,
    write_calendars,
)
from tests.factories import make_dataset, make_facility, make_need, make_volunteer

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
GOLDEN = Path(__file__).resolve().parent / "golden" / "calendar_V1.ics"
GENERATED = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
HOSTILE = (
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "+1-1",
    "-2+3",
    "Anna\nline two, with; commas\\and a backslash",
    "Иванова Мария Петровна",
)


@pytest.fixture(scope="module")
def demo() -> tuple[Dataset, list[tuple[str, str]]]:
    dataset, _ = load_dataset(DEMO)
    return dataset, list(solve(dataset, Settings()).assignments)


def parse(data: bytes) -> tuple[Calendar, list[Event]]:
    calendar = Calendar.from_ical(data)
    return calendar, list(calendar.walk("VEVENT"))


def title(calendar: Calendar) -> str:
    """X-WR-CALNAME as text (icalendar keeps it raw, escapes and all)."""
    return unescape_backslash(str(calendar["X-WR-CALNAME"]))


# --- the demo ---------------------------------------------------------------------------


def test_demo_calendars_hold_exactly_the_roster(demo, tmp_path: Path) -> None:
    dataset, pairs = demo
    paths = write_calendars(dataset, pairs, tmp_path, generated=GENERATED)
    names = calendar_file_names(v for _, v in pairs)
    assert sorted(tmp_path.iterdir()) == sorted(paths)
    assert {p.name for p in paths} == set(names.values())

    pair_of_uid = {assignment_uid(dataset.need_by_id[n], v): (n, v) for n, v in pairs}
    found = set()
    for volunteer_id, file_name in names.items():
        calendar, events = parse((tmp_path / file_name).read_bytes())
        assert title(calendar) == f"Shifts — {dataset.volunteer_by_id[volunteer_id].name}"
        for event in events:
            need_id, owner = pair_of_uid[str(event.uid)]
            assert owner == volunteer_id
            found.add((owner, need_id, event.start, event.end, str(event.location)))

    expected = set()
    for need_id, volunteer_id in pairs:
        need = dataset.need_by_id[need_id]
        facility = dataset.facility_by_id[need.facility_id]
        where = f"{facility.name}, {facility.address}"
        zone = facility.zone()  # the demo names no zone: Europe/Moscow
        start, end = need.start.replace(tzinfo=zone), need.end.replace(tzinfo=zone)
        expected.add((volunteer_id, need_id, start, end, where))
    assert found == expected
    assert len(found) == len(pairs)


def test_demo_calendars_follow_rfc_5545(demo, tmp_path: Path) -> None:
    dataset, pairs = demo
    for path in write_calendars(dataset, pairs, tmp_path, generated=GENERATED):
        data = path.read_bytes()
        calendar, events = parse(data)
        assert (str(calendar["VERSION"]), str(calendar["CALSCALE"])) == ("2.0", "GREGORIAN")
        assert str(calendar["METHOD"]) == "PUBLISH" and str(calendar["PRODID"])
        assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded, in octets
        starts = [e.start for e in events]
        assert starts == sorted(starts)
        zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
        for event in events:
            assert str(event["DTSTART"].params["TZID"]) in zones  # never a floating time
            assert str(event["DTEND"].params["TZID"]) in zones
            assert event.stamp == GENERATED
            assert (event.sequence, str(event["STATUS"])) == (0, "CONFIRMED")
            assert str(event.summary).endswith(" shift — " + str(event.location).split(",")[0])
        assert zones == {"Europe/Moscow"}
        moscow = rb";TZID=Europe/Moscow:\d{8}T\d{6}\r$"
        assert len(re.findall(rb"^DTSTART" + moscow, data, re.M)) == len(events)
        assert len(re.findall(rb"^DTEND" + moscow, data, re.M)) == len(events)
        assert not re.search(rb"^DTEND:", data, re.M)


def test_uids_are_unique_and_survive_a_second_export(demo, tmp_path: Path) -> None:
    dataset, pairs = demo
    later = GENERATED + dt.timedelta(days=3, hours=5)
    first = write_calendars(dataset, pairs, tmp_path / "first", generated=GENERATED)
    again = write_calendars(dataset, list(reversed(pairs)), tmp_path / "again", generated=later)

    def uids(paths: list[Path]) -> dict[str, list[str]]:
        return {p.name: [str(e.uid) for e in parse(p.read_bytes())[1]] for p in paths}

    assert uids(first) == uids(again)
    every = [uid for file_uids in uids(first).values() for uid in file_uids]
    assert len(every) == len(set(every)) == len(pairs)
    assert {e.stamp for p in again for e in parse(p.read_bytes())[1]} == {later}


# --- UIDs -------------------------------------------------------------------------------


def test_uid_differs_between_volunteers_on_one_need() -> None:
    need = make_need(count=2)
    assert assignment_uid(need, "V1") == assignment_uid(make_need(count=2), "V1")
    assert assignment_uid(need, "V1") != assignment_uid(need, "V2")
    assert assignment_uid(need, "V1") != assignment_uid(make_need(id="N2"), "V1")


def test_uid_follows_a_given_need_id_when_the_shift_moves() -> None:
    moved = make_need(start="10:00", end="18:00")
    assert assignment_uid(make_need(), "V1") == assignment_uid(moved, "V1")


def test_uid_of_a_need_without_id_follows_the_shift_not_the_generated_id() -> None:
    one = make_need(id="F1-20260302-0800-1600-nurse", id_given=False)
    renumbered = make_need(id="F1-20260302-0800-1600-nurse-2", id_given=False)
    assert assignment_uid(one, "V1") == assignment_uid(renumbered, "V1")
    later = make_need(id="F1-20260302-0800-1600-nurse", id_given=False, end="17:00")
    assert assignment_uid(one, "V1") != assignment_uid(later, "V1")


# --- hostile text -----------------------------------------------------------------------


def hostile_dataset() -> Dataset:
    """One facility, volunteer and need per hostile name; the address is hostile too."""
    count = range(len(HOSTILE))
    return make_dataset(
        facilities=[
            make_facility(id=f"F{i}", name=HOSTILE[i], address=HOSTILE[-1 - i]) for i in count
        ],
        volunteers=[make_volunteer(id=f"V{i}", name=HOSTILE[i]) for i in count],
        needs=[make_need(id=f"N{i}", facility_id=f"F{i}") for i in count],
    )


def test_hostile_names_round_trip_exactly() -> None:
    dataset = hostile_dataset()
    for i, name in enumerate(HOSTILE):
        data = volunteer_calendar(dataset, f"V{i}", [(f"N{i}", f"V{i}")], generated=GENERATED)
        calendar, [event] = parse(data)
        assert title(calendar) == f"Shifts — {name}"
        assert str(event.summary) == f"Nurse shift — {name}"
        assert str(event.location) == f"{name}, {HOSTILE[-1 - i]}"
        assert f"Facility: {name}\n" in str(event.description)


def test_control_characters_are_dropped_and_carriage_returns_become_newlines() -> None:
    dataset = make_dataset(facilities=[make_facility(name="City\r\nHospital\rNo.\x00 1\x1b")])
    _, [event] = parse(volunteer_calendar(dataset, "V1", [("N1", "V1")], generated=GENERATED))
    assert str(event.summary) == "Nurse shift — City\nHospital\nNo. 1"


# --- one calendar -----------------------------------------------------------------------


def test_a_volunteer_sees_only_their_own_shifts_once_each() -> None:
    dataset = make_dataset(
        volunteers=[make_volunteer(), make_volunteer(id="V2", name="Ben")],
        needs=[make_need(count=2), make_need(id="N2", date="2026-03-03")],
    )
    pairs = [("N2", "V1"), ("N1", "V2"), ("N1", "V1"), ("N1", "V1")]
    _, events = parse(volunteer_calendar(dataset, "V1", pairs, generated=GENERATED))
    assert [e.start.date() for e in events] == [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    assert parse(volunteer_calendar(dataset, "V2", [], generated=GENERATED))[1] == []


def test_unknown_volunteer_and_naive_stamp_are_refused() -> None:
    dataset = make_dataset()
    with pytest.raises(ValueError, match="'V9' is not a volunteer_id"):
        volunteer_calendar(dataset, "V9", [])
    with pytest.raises(ValueError, match="has no time zone"):
        volunteer_calendar(dataset, "V1", [], generated=dt.datetime(2026, 3, 1))


def test_the_stamp_defaults_to_now_in_utc() -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _, [event] = parse(volunteer_calendar(make_dataset(), "V1", [("N1", "V1")]))
    assert before <= event.stamp <= dt.datetime.now(dt.UTC)


def test_calendar_matches_the_golden_file() -> None:
    """To accept a deliberate change: UPDATE_GOLDEN=1 pytest tests/test_calendars.py."""
    dataset = make_dataset(
        facilities=[make_facility(name="City Hospital No. 1", address="1 Lenin St., Moscow")],
        needs=[
            make_need(id="N2", date="2026-03-03", start="20:00", end="08:00", priority=1),
            make_need(),
            make_need(
                id="F1-20260305-1600-0000-nurse",
                id_given=False,
                date="2026-03-05",
                start="16:00",
                end="00:00",
                priority=3,
            ),
        ],
    )
    pairs = [("N2", "V1"), ("F1-20260305-1600-0000-nurse", "V1"), ("N1", "V1")]
    made = volunteer_calendar(dataset, "V1", pairs, generated=GENERATED)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_bytes(made)
    assert as_data(made) == as_data(GOLDEN.read_bytes())


def as_data(data: bytes) -> tuple[dict[str, object], list[dict[str, object]]]:
    calendar, events = parse(data)
    head = {key: calendar.decoded(key) for key in calendar}
    head["NAME"], head["X-WR-CALNAME"] = title(calendar), title(calendar)
    return head, [{key: event.decoded(key) for key in event} for event in events]


# --- files ------------------------------------------------------------------------------


def test_file_names_stay_inside_the_folder(tmp_path: Path) -> None:
    ids = ["../etc/passwd", "a/b", "a_b", "Иван 1", "Анна", "..", "CON", "V1", "v1", "-rf"]
    ids += ["/root/x", "C:\\Windows\\x", "tab\there", "й" * 200]
    dataset = make_dataset(
        volunteers=[make_volunteer(id=i, name=f"Volunteer {i}") for i in ids],
        needs=[make_need(count=len(ids))],
    )
    folder = tmp_path / "calendars"
    paths = write_calendars(dataset, [("N1", i) for i in ids], folder, generated=GENERATED)

    assert list(tmp_path.iterdir()) == [folder]
    assert sorted(folder.iterdir()) == sorted(paths)
    assert len({p.name.casefold() for p in paths}) == len(ids)
    for volunteer_id, path in zip(ids, paths, strict=True):
        assert path.resolve().parent == folder.resolve()
        assert re.fullmatch(r"[^\W-]\w*(-\w+)*\.ics", path.name), path.name
        assert len(path.name.encode()) <= 255
        assert title(parse(path.read_bytes())[0]) == f"Shifts — Volunteer {volunteer_id}"
    names = {i: p.name for i, p in zip(ids, paths, strict=True)}
    assert (names["a_b"], names["Анна"]) == ("a_b.ics", "Анна.ics")  # plain ids stay as they are


def test_a_file_name_does_not_depend_on_the_other_volunteers() -> None:
    alone = calendar_file_names(["a/b", "Иван 1"])
    crowded = calendar_file_names(["x", "a/b", "a_b", "Иван_1", "Иван 1"])
    assert (alone["a/b"], alone["Иван 1"]) == (crowded["a/b"], crowded["Иван 1"])


def test_a_failed_write_leaves_the_old_calendar_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = make_dataset()
    [path] = write_calendars(dataset, [("N1", "V1")], tmp_path, generated=GENERATED)
    before = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(exchange.os, "replace", crash)
    later = GENERATED + dt.timedelta(days=1)
    with pytest.raises(OSError, match="disk full"):
        write_calendars(dataset, [("N1", "V1")], tmp_path, generated=later)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_unknown_ids_stop_the_export_before_any_file_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"need_id: \['N9'\]; volunteer_id: \['V9'\]"):
        write_calendars(make_dataset(), [("N1", "V1"), ("N9", "V9")], tmp_path / "out")
    assert not (tmp_path / "out").exists()
