"""Reading one cell: text, numbers, dates, times, weekdays and yes/no as people type them.

A cell arrives as Excel stores it (str, float, bool, date, datetime, time,
timedelta) or as CSV text. Each parser returns the clean value or raises
`CellError` with a message that names the bad value and what is accepted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from functools import cache
from zoneinfo import available_timezones

from scheduler.domain import WEEKDAYS
from scheduler.i18n import figure, gettext, ngettext

MINUTES_PER_DAY = 1440
EXCEL_EPOCH = dt.date(1899, 12, 30)
# The data contract's calendar: one absurd year must not overflow date arithmetic
# anywhere downstream (a shift's end, a week's start, a calendar's stamps).
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
SHOWN_LENGTH = 60  # characters of a value a message repeats; the rest is counted


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the person who typed it."""


def shown(value: object) -> str:
    """A value as the person saw it in their sheet, for messages (a long one cut short)."""
    if isinstance(value, str):
        if len(value) > SHOWN_LENGTH:
            size = ngettext(
                "(%(count)s character)",
                "(%(count)s characters)",
                len(value),
                count=figure(len(value), ","),
            )
            return f"{_quoted(_visible(value[:SHOWN_LENGTH]) + '…')} {size}"
        return _quoted(_visible(value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        digits = str(abs(value))  # may be past any float: 10**400 from a JSON body
        sign = "-" if value < 0 else ""
        fraction = digits[1:6].rstrip("0")
        return f"{sign}{digits[0]}{'.' + fraction if fraction else ''}e+{len(digits) - 1:02d}"
    if isinstance(value, float) and abs(value) >= 1e15:
        return f"{value:g}"  # 1e+30, not thirty-one digits
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _quoted(text: str) -> str:
    """Text in the quotation marks of the language: 'nurse', «nurse»."""
    return gettext("'%(text)s'", text=text)


def text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value).strip()


def free_text(value: object) -> str:
    """Text such as a name or an address: line breaks and tabs pass, other control codes not.

    A NUL or an escape code never belongs in a sheet; PostgreSQL refuses NUL outright.
    """
    result = text(value)
    if bad := _CONTROL.search(result.replace("\t", " ").replace("\n", " ").replace("\r", " ")):
        raise CellError(
            gettext(
                "%(value)s holds %(what)s; delete it",
                value=shown(value),
                what=_control_name(bad.group()),
            )
        )
    return result


def word(value: object) -> str:
    """Text on one line, such as a role or a region: no control codes at all."""
    result = text(value)
    if bad := _CONTROL.search(result):
        raise CellError(
            gettext(
                "%(value)s holds %(what)s; write it on one line",
                value=shown(value),
                what=_control_name(bad.group()),
            )
        )
    return result


_ROLE_GAPS = re.compile(r"[ _]+")


def role(value: object) -> str:
    """A role name as the contract compares it: trimmed, in lower case, a run of spaces or
    underscores one underscore ('Junior  student' is 'junior_student')."""
    return _ROLE_GAPS.sub("_", word(value).lower())


def identifier(value: object) -> str:
    """Ids are trimmed text on one line; a numeric Excel id 12.0 reads as '12'.

    An id becomes part of web addresses and file names: a line break in it
    would make its facility or need unreachable.
    """
    if isinstance(value, bool):
        raise CellError(gettext("%(value)s is not an id; write the id as text", value=shown(value)))
    if isinstance(value, dt.date | dt.time):
        raise CellError(
            gettext(
                "%(value)s is a date or time, not an id; format the column as Text",
                value=shown(value),
            )
        )
    return word(value)


def longest(limit: int) -> Callable[[str | None], str | None]:
    """A check that text is at most `limit` characters (what the web app's columns hold)."""

    def check(value: str | None) -> str | None:
        if value is not None and len(value) > limit:
            raise CellError(
                gettext(
                    "%(value)s is too long; at most %(limit)s characters are accepted",
                    value=shown(value),
                    limit=figure(limit, ","),
                )
            )
        return value

    return check


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _visible(value: str) -> str:
    """Control codes written as escapes, so a message stays on one line and shows them."""
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), value)


def _control_name(char: str) -> str:
    if char == "\x00":
        return gettext("a NUL byte")
    if char in "\r\n":
        return gettext("a line break")
    if char == "\t":
        return gettext("a tab")
    code = f"U+{ord(char):04X}"
    return gettext("the control character %(code)s", code=code)


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone this machine knows, by its name in lower case."""
    return {name.lower(): name for name in available_timezones()}


def time_zone(value: object) -> str:
    """An IANA time zone such as Europe/Moscow, spelt as the zone database does whatever the
    case typed ('asia/vladivostok' is 'Asia/Vladivostok')."""
    name = word(value)
    found = _zones().get(name.lower())
    if found is None:
        raise CellError(
            gettext(
                "%(value)s is not a time zone; write an IANA name such as Europe/Moscow or "
                "Asia/Vladivostok",
                value=shown(value),
            )
        )
    return found


def number(value: object) -> float:
    """A number; a decimal comma (55,75) is accepted as many locales write it."""
    if isinstance(value, bool):
        raise CellError(_not_a_number(value))
    if isinstance(value, int | float):
        try:
            result = float(value)
        except OverflowError:  # an int past any float, from a JSON body
            raise CellError(
                gettext("%(value)s is far too large a number", value=shown(value))
            ) from None
    elif isinstance(value, str):
        cleaned = value.strip().replace("\u00a0", "").replace(" ", "")
        if "," in cleaned and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
        try:
            result = float(cleaned)
        except ValueError:
            raise CellError(_not_a_number(value)) from None
    else:
        raise CellError(_not_a_number(value))
    if not math.isfinite(result):
        raise CellError(gettext("%(value)s is not a finite number", value=shown(value)))
    return result


def _not_a_number(value: object) -> str:
    return gettext("%(value)s is not a number", value=shown(value))


def whole_number(value: object) -> int:
    result = number(value)
    if not result.is_integer():
        raise CellError(gettext("%(value)s is not a whole number", value=shown(value)))
    return int(result)


def yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in ("yes", "y", "true", "1"):
        return True
    if word in ("no", "n", "false", "0"):
        return False
    raise CellError(
        gettext(
            "%(value)s is not yes or no; write yes or no (y/n, true/false, 1/0)",
            value=shown(value),
        )
    )


_DATE_TEXT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")


def date(value: object) -> dt.date:
    """A calendar date: an Excel date cell or YYYY-MM-DD text."""
    return _in_calendar(_date(value), value)


def _in_calendar(day: dt.date, value: object) -> dt.date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise CellError(
            gettext(
                "%(value)s is out of range; dates from %(first)s to %(last)s are accepted",
                value=shown(value),
                first=FIRST_DATE,
                last=LAST_DATE,
            )
        )
    return day


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise CellError(
                gettext(
                    "%(value)s has a time of day; a date column takes the day only",
                    value=shown(value),
                )
            )
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            serial = EXCEL_EPOCH + dt.timedelta(days=int(value))
            raise CellError(
                gettext(
                    "%(value)s is a plain number, not a date (as an Excel serial date it would "
                    "be %(serial)s); format the cell as a Date or write YYYY-MM-DD",
                    value=shown(value),
                    serial=serial,
                )
            )
        raise CellError(
            gettext(
                "%(value)s is a plain number, not a date; format the cell "
                "as a Date or write YYYY-MM-DD",
                value=shown(value),
            )
        )
    match = _DATE_TEXT.fullmatch(str(value).strip())
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise CellError(
        gettext("%(value)s is not a date; write YYYY-MM-DD, e.g. 2026-03-02", value=shown(value))
    )


_TIME_TEXT = re.compile(r"(\d{1,2})[:.](\d{2})(?::(\d{2}))?")


def time_of_day(value: object) -> int:
    """Minutes after midnight, 0..1440; 1440 is the `24:00` that ends a day."""
    if isinstance(value, dt.time):
        seconds = value.second + value.microsecond / 1e6
        return _round_minutes(value.hour * 60 + value.minute + seconds / 60, value)
    if isinstance(value, dt.timedelta):
        minutes = value.total_seconds() / 60
        if 0 <= minutes <= MINUTES_PER_DAY:
            return _round_minutes(minutes, value)
    elif isinstance(value, dt.datetime | dt.date):
        # Excel shows the number 1.0 as 24:00 but stores it as day 1 of its calendar.
        if isinstance(value, dt.datetime) and value.time() != dt.time():
            raise CellError(
                gettext(
                    "%(value)s is a date and time; write the time only, HH:MM", value=shown(value)
                )
            )
        day = value.date() if isinstance(value, dt.datetime) else value
        if day in (dt.date(1899, 12, 31), dt.date(1900, 1, 1)):
            return MINUTES_PER_DAY
        raise CellError(
            gettext("%(value)s is a date, not a time; write HH:MM, e.g. 08:00", value=shown(value))
        )
    elif isinstance(value, float | int) and not isinstance(value, bool):
        if 0 <= value <= 1:  # an Excel time shown as a plain number: a fraction of a day
            return _round_minutes(value * MINUTES_PER_DAY, value)
    else:
        match = _TIME_TEXT.fullmatch(str(value).strip())
        if match:
            hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
            if minutes < 60 and seconds == 0 and (hours < 24 or (hours, minutes) == (24, 0)):
                return hours * 60 + minutes
    raise CellError(
        gettext(
            "%(value)s is not a time; write HH:MM from 00:00 to 24:00, e.g. 08:00",
            value=shown(value),
        )
    )


def _round_minutes(minutes: float, value: object) -> int:
    whole = round(minutes)
    if abs(minutes - whole) > 0.01:  # seconds in a shift time are a typing slip
        raise CellError(
            gettext("%(value)s has seconds; write whole minutes, HH:MM", value=shown(value))
        )
    return whole


def clock(minutes: int) -> str:
    """Minutes after midnight as HH:MM (1440 as 24:00)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_WEEKDAY_NAMES = {name: i for i, name in enumerate(WEEKDAYS)} | {
    full: i
    for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}


def day(value: object) -> dt.date | int:
    """An availability day: a date, or a weekday (0 = Monday) that repeats every week."""
    if isinstance(value, str) and value.strip().lower() in _WEEKDAY_NAMES:
        return _WEEKDAY_NAMES[value.strip().lower()]
    try:
        found = _date(value)
    except CellError:
        raise CellError(
            gettext(
                "%(value)s is neither a date (YYYY-MM-DD) nor a weekday "
                "(Mon, Tue, … Sun, or the full English name)",
                value=shown(value),
            )
        ) from None
    return _in_calendar(found, value)


def id_list(value: object, limit: int | None = None) -> tuple[str, ...]:
    """Ids separated by ';' (an id may itself hold a comma), at most `limit` characters in all."""
    written = word(value)
    if limit is not None:
        longest(limit)(written)
    return tuple(p.strip() for p in written.split(";") if p.strip())
