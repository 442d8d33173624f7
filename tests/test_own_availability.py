"""A volunteer's own windows: read as an upload is, written back in the contract's words, and
checked against the shifts they hold (rule 3's own test, not a copy of it)."""

from __future__ import annotations

import pytest

from scheduler.domain import Availability
from scheduler.intake.own_availability import changed, read_own, records, stranded
from scheduler.intake.updates import Changes, merge
from scheduler.problems import InvalidInput
from tests.factories import make_dataset, make_need


@pytest.fixture
def base():
    return make_dataset(needs=[make_need(date="2020-05-18", start="20:00", end="08:00")])


def test_windows_read_back_to_the_same_text(base) -> None:
    given = [
        {"day": "Mon", "start": "18:00", "end": "24:00", "available": True},
        {"day": "Tue", "start": "22:00", "end": "06:00", "available": True},
        {"day": "2020-05-20", "start": "00:00", "end": "24:00", "available": False},
    ]
    windows = read_own(base, "V1", given)
    assert records(windows) == given
    assert records(read_own(base, "V1", records(windows))) == given


def test_every_bad_window_is_named_by_its_number(base) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_own(base, "V1", [{"day": "Mon", "start": "8", "end": "9"}, {"day": "Funday"}])
    assert {(p.row, p.column) for p in refused.value.problems} >= {(2, "day"), (2, "start")}


def test_no_windows_means_any_time_and_too_many_are_refused(base) -> None:
    assert read_own(base, "V1", []) == ()
    with pytest.raises(InvalidInput):
        read_own(base, "V1", [{"day": "Mon", "start": "08:00", "end": "09:00"}] * 201)


@pytest.mark.parametrize(
    ("window", "strands"),
    [
        ({"day": "2020-05-19", "start": "07:00", "end": "07:30", "available": False}, True),
        ({"day": "2020-05-19", "start": "08:00", "end": "09:00", "available": False}, False),
        ({"day": "Mon", "start": "20:00", "end": "08:00", "available": True}, False),
        ({"day": "Mon", "start": "20:00", "end": "07:59", "available": True}, True),
        ({"day": "Tue", "start": "00:00", "end": "24:00", "available": True}, True),
    ],
    ids=["no-window-inside", "no-window-after", "yes-covers-night", "yes-short", "yes-elsewhere"],
)
def test_a_held_night_shift_is_stranded_exactly_when_rule_3_forbids_it(
    base, window, strands
) -> None:
    after = merge(base, Changes(availability={"V1": read_own(base, "V1", [window])}))
    assert stranded(after, [("N1", "V1")]) == ([("N1", "V1")] if strands else [])


def test_changed_says_what_goes_and_what_comes() -> None:
    monday = Availability("V1", 480, 960, True, None, 0)
    tuesday = Availability("V1", 480, 960, True, None, 1)
    removed, added = changed([monday], [tuesday])
    assert removed == [{"day": "Mon", "start": "08:00", "end": "16:00", "available": True}]
    assert added == [{"day": "Tue", "start": "08:00", "end": "16:00", "available": True}]
