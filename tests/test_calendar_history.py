"""Calendar history: a changed shift is told again at a higher SEQUENCE, a removed one is
told as cancelled for two weeks, and a calendar program reading the feed sees exactly that."""

from __future__ import annotations

import dataclasses
import datetime as dt

from icalendar import Calendar

from scheduler.i18n import using
from scheduler.outputs.calendar_history import KEEP_CANCELLED, revise, served
from scheduler.outputs.calendars import ShiftEvent, calendar_of, shift_events
from tests.factories import make_dataset, make_facility, make_need

AT = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
LATER = AT + dt.timedelta(hours=5)


def events_of(dataset, pairs) -> list[ShiftEvent]:
    return shift_events(dataset, "V1", pairs)


def by_need(events: list[ShiftEvent]) -> dict[str, ShiftEvent]:
    return {e.need_id: e for e in events}


def test_an_unchanged_shift_keeps_its_sequence() -> None:
    dataset = make_dataset()
    first = revise([], events_of(dataset, [("N1", "V1")]), AT)
    again = revise(first, events_of(dataset, [("N1", "V1")]), LATER)
    assert again == first
    assert [e.sequence for e in again] == [0]


def test_a_shift_moved_to_another_time_is_told_again_under_its_uid() -> None:
    before = make_dataset()
    after = make_dataset(needs=[make_need(start="10:00", end="18:00")])
    first = revise([], events_of(before, [("N1", "V1")]), AT)
    [moved] = revise(first, events_of(after, [("N1", "V1")]), LATER)
    assert moved.uid == first[0].uid
    assert (moved.sequence, moved.start.hour, moved.cancelled_at) == (1, 10, None)
    [twice] = revise([moved], events_of(before, [("N1", "V1")]), LATER)
    assert twice.sequence == 2


def test_a_renamed_facility_is_a_revision_too() -> None:
    first = revise([], events_of(make_dataset(), [("N1", "V1")]), AT)
    renamed = make_dataset(facilities=[make_facility(name="Hospital No. 2")])
    [told] = revise(first, events_of(renamed, [("N1", "V1")]), LATER)
    assert (told.sequence, told.facility_name) == (1, "Hospital No. 2")


def test_a_removed_shift_is_cancelled_once_and_kept_as_it_was() -> None:
    dataset = make_dataset(needs=[make_need(), make_need(id="N2", date="2026-03-03")])
    first = revise([], events_of(dataset, [("N1", "V1"), ("N2", "V1")]), AT)
    second = by_need(revise(first, events_of(dataset, [("N1", "V1")]), LATER))
    assert second["N1"] == by_need(first)["N1"]
    gone = second["N2"]
    assert (gone.sequence, gone.cancelled_at) == (1, LATER)
    assert gone.content() == by_need(first)["N2"].content()  # what the volunteer was told
    third = by_need(revise(list(second.values()), events_of(dataset, [("N1", "V1")]), AT))
    assert third["N2"] == gone  # cancelled once: not again, not at a later time


def test_a_shift_given_back_is_told_above_its_cancellation() -> None:
    dataset = make_dataset()
    told = revise([], events_of(dataset, [("N1", "V1")]), AT)
    cancelled = revise(told, [], LATER)
    [back] = revise(cancelled, events_of(dataset, [("N1", "V1")]), LATER + KEEP_CANCELLED * 3)
    assert (back.sequence, back.cancelled_at) == (2, None)


def test_cancelled_events_are_served_for_two_weeks() -> None:
    dataset = make_dataset()
    [gone] = revise(revise([], events_of(dataset, [("N1", "V1")]), AT), [], LATER)
    assert served([gone], LATER + dt.timedelta(days=13, hours=23)) == [gone]
    assert served([gone], LATER + dt.timedelta(days=14)) == []
    live = dataclasses.replace(gone, cancelled_at=None)
    assert served([live], LATER + dt.timedelta(days=400)) == [live]


def test_the_calendar_says_cancelled_in_status_and_title() -> None:
    dataset = make_dataset(needs=[make_need(), make_need(id="N2", date="2026-03-03")])
    first = revise([], events_of(dataset, [("N1", "V1"), ("N2", "V1")]), AT)
    moved = make_dataset(needs=[make_need(start="09:00")])
    now = revise(first, events_of(moved, [("N1", "V1")]), LATER)
    calendar = Calendar.from_ical(calendar_of("Anna", "V1", served(now, LATER), generated=LATER))
    events = {str(e["DESCRIPTION"]).rsplit("Need: ", 1)[1]: e for e in calendar.walk("VEVENT")}
    assert str(events["N1"]["STATUS"]) == "CONFIRMED"
    assert events["N1"]["SEQUENCE"] == 1
    assert events["N1"].start.hour == 9
    assert str(events["N2"]["STATUS"]) == "CANCELLED"
    assert events["N2"]["SEQUENCE"] == 1
    assert str(events["N2"]["SUMMARY"]) == "Cancelled: Nurse shift — City Hospital"
    assert {str(e["UID"]) for e in events.values()} == {e.uid for e in first}


def test_a_cancelled_shift_says_so_in_russian() -> None:
    dataset = make_dataset()
    [gone] = revise(revise([], events_of(dataset, [("N1", "V1")]), AT), [], LATER)
    with using("ru"):
        data = calendar_of("Анна", "V1", [gone], generated=LATER)
    [event] = Calendar.from_ical(data).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("Отменено: ")
