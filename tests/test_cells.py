"""How single cells are read: each as people type it, and as Excel stores it."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.intake import cells
from scheduler.intake.cells import CellError


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        ("08:00", 480),
        ("8:00", 480),
        (" 23:59 ", 1439),
        ("00:00", 0),
        ("24:00", 1440),
        ("07.30", 450),
        ("08:00:00", 480),
        (dt.time(8, 0), 480),
        (dt.time(7, 59, 59, 999000), 480),
        (dt.timedelta(days=1), 1440),
        (dt.timedelta(hours=6), 360),
        (dt.date(1900, 1, 1), 1440),
        (dt.datetime(1899, 12, 31), 1440),
        (0.5, 720),
        (1.0, 1440),
    ],
)
def test_times_read_as_minutes_after_midnight(value: object, minutes: int) -> None:
    assert cells.time_of_day(value) == minutes


@pytest.mark.parametrize(
    "value",
    [
        "25:00",
        "24:01",
        "8h",
        "08:60",
        "08:00:30",
        8,
        1.5,
        dt.date(2026, 3, 2),
        dt.datetime(2026, 3, 2, 8, 0),
        "",
    ],
)
def test_non_times_are_refused(value: object) -> None:
    with pytest.raises(CellError):
        cells.time_of_day(value)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-03-02", dt.date(2026, 3, 2)),
        ("2026-3-2", dt.date(2026, 3, 2)),
        ("2026-03-02 00:00:00", dt.date(2026, 3, 2)),
        (dt.date(2026, 3, 2), dt.date(2026, 3, 2)),
        (dt.datetime(2026, 3, 2), dt.date(2026, 3, 2)),
    ],
)
def test_dates(value: object, day: dt.date) -> None:
    assert cells.date(value) == day


def test_a_plain_number_in_a_date_column_says_which_date_it_would_be() -> None:
    with pytest.raises(CellError, match=r"46083 is a plain number.*2026-03-02"):
        cells.date(46083.0)


@pytest.mark.parametrize(
    "value", ["02.03.2026", "2026-02-30", "tomorrow", dt.datetime(2026, 3, 2, 8, 0)]
)
def test_non_dates_are_refused(value: object) -> None:
    with pytest.raises(CellError):
        cells.date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon", 0),
        ("monday", 0),
        (" SUN ", 6),
        ("Saturday", 5),
        ("2026-03-02", dt.date(2026, 3, 2)),
    ],
)
def test_availability_days_are_dates_or_weekdays(value: object, expected: object) -> None:
    assert cells.day(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        (1.0, True),
        (True, True),
        ("no", False),
        ("n", False),
        ("False", False),
        ("0", False),
        (0, False),
    ],
)
def test_yes_no(value: object, expected: bool) -> None:
    assert cells.yes_no(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.0, "12"),
        ("  V-1 ", "V-1"),
        ("Больница-1", "Больница-1"),
        (12.5, "12.5"),
    ],
)
def test_identifiers(value: object, expected: str) -> None:
    assert cells.identifier(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("55,75", 55.75),
        ("55.75", 55.75),
        (" 1 000 ", 1000.0),
        (3, 3.0),
    ],
)
def test_numbers_accept_a_decimal_comma(value: object, expected: float) -> None:
    assert cells.number(value) == expected


def test_numbers_refuse_text_and_infinity() -> None:
    for value in ("many", "inf", "nan", True):
        with pytest.raises(CellError):
            cells.number(value)


def test_id_lists_split_on_semicolons_only() -> None:
    assert cells.id_list(" F1; F2 ;;F,3 ") == ("F1", "F2", "F,3")
