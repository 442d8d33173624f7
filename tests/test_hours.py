"""Hours worked and their night part, as a certificate of hours states them."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from scheduler.outputs.hours import NOTHING, Worked, reliability, total, worked

T = dt.datetime.fromisoformat


def test_a_day_shift_has_no_night_hours() -> None:
    assert worked(T("2020-05-18 08:00"), T("2020-05-18 20:00")) == Worked(720, 0)


def test_a_night_shift_counts_its_hours_from_ten_to_six_apart() -> None:
    assert worked(T("2020-05-18 20:00"), T("2020-05-19 08:00")) == Worked(720, 480)


def test_an_early_start_is_at_night_until_six() -> None:
    assert worked(T("2020-05-18 04:30"), T("2020-05-18 12:00")) == Worked(450, 90)


def test_a_shift_across_two_nights() -> None:
    worked_ = worked(T("2020-05-18 23:00"), T("2020-05-20 01:00"))
    assert worked_ == Worked(26 * 60, 7 * 60 + 3 * 60)


def test_an_end_before_the_start_is_nothing() -> None:
    assert worked(T("2020-05-18 08:00"), T("2020-05-18 08:00")) is NOTHING


def test_totals_and_reliability() -> None:
    assert total([Worked(60, 30), Worked(90, 0)]) == Worked(150, 30)
    assert total([]).hours == 0
    assert reliability(3, 4) == 0.75 and reliability(0, 0) is None


moments = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2020, 12, 31))


@given(moments, st.integers(0, 4000), st.integers(0, 4000))
def test_night_minutes_add_up_over_a_split(start: dt.datetime, a: int, b: int) -> None:
    start = start.replace(second=0, microsecond=0)
    middle = start + dt.timedelta(minutes=a)
    end = middle + dt.timedelta(minutes=b)
    whole = worked(start, end)
    assert whole == worked(start, middle) + worked(middle, end)
    assert 0 <= whole.night_minutes <= whole.minutes
