"""A problem with a form's field said in the field's own words, and examples as pickers show them.

The engine judges a form as a one-row upload, so its messages name the
column ("count is empty; ...") and the spreadsheet's formats ("write
YYYY-MM-DD"). Under a field labelled "Volunteers wanted", the column is said
as the label. Date and time fields are the browser's pickers, which show
dates and times in the browser's own locale (25/05/2020 in en-GB, 05/25/2020
and 8:00 AM in en-US, 25.05.2020 in Russian), whatever the file format is: a
picker field left empty (or sent in another form than a picker's) is answered
with an example written the way that picker shows it, in the locale the
browser asks for first. Select fields left empty ask for a choice.
"""

from __future__ import annotations

import datetime as dt
import re

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from flask import request
from flask_babel import gettext
from wtforms import Field, SelectField

from scheduler.problems import Problem
from web import i18n

EXAMPLE_DAY = dt.date(2026, 5, 25)  # a day past the 12th: no doubt which is the month
EXAMPLE_TIME = dt.time(8, 0)

# Fields that are a browser's picker, and the form the picker sends their value in. A value
# in that form is the engine's to judge (a date out of range); any other is answered with an
# example as the picker shows it.
PICKERS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "start": re.compile(r"\d{2}:\d{2}"),
    "end": re.compile(r"\d{2}:\d{2}"),
}


def browser_locale() -> Locale:
    """The locale the browser asks for first (its pickers use it), else the page's language."""
    for tag, _ in request.accept_languages:
        try:
            return Locale.parse(tag, sep="-")
        except (ValueError, TypeError, UnknownLocaleError):
            continue
    return Locale.parse(i18n.language())


def date_example(day: dt.date = EXAMPLE_DAY) -> str:
    """A day as a date picker shows it: the locale's short date with two-digit day and month
    and a four-digit year (Chrome's way): 02/03/2026, 03/02/2026, 02.03.2026."""
    locale = browser_locale()
    pattern = locale.date_formats["short"].pattern
    pattern = re.sub(r"y+", "yyyy", pattern)
    pattern = re.sub(r"(?<!M)M(?!M)", "MM", pattern)
    pattern = re.sub(r"(?<!d)d(?!d)", "dd", pattern)
    return format_date(day, pattern, locale=locale)


def time_example(moment: dt.time = EXAMPLE_TIME) -> str:
    """A time as a time picker shows it: 08:00, or 08:00 AM where the locale counts to 12."""
    locale = browser_locale()
    pattern = locale.time_formats["short"].pattern
    pattern = re.sub(r"(?<![hH])([hH])(?![hH])", r"\1\1", pattern)
    return format_time(moment, pattern, locale=locale)


def picker_hint(name: str) -> str:
    """What a picker field wants, with an example as the picker shows it."""
    if name == "date":
        day = date_example()
        return gettext("Choose the day the shift starts, e.g. %(example)s.", example=day)
    if name == "start":
        start = time_example()
        return gettext("Choose the time the shift starts, e.g. %(example)s.", example=start)
    return gettext(
        "Choose the time the shift ends, e.g. %(example)s; "
        "an end at or before the start is on the next day.",
        example=time_example(dt.time(20, 0)),
    )


def labelled(message: str, column: str, label: str) -> str:
    """The engine's message with the column it begins with said as the field's label."""
    found = re.match(rf"{re.escape(column)}(?=[\s:;,.]|$)", message)
    if found is None:
        return message
    return gettext("“%(label)s”", label=label) + message[found.end() :]


def field_message(field: Field, problem: Problem) -> str:
    """A problem as said under its field: a picker's own words, else the label for the column."""
    sent = PICKERS.get(field.name)
    if sent is not None:
        if not sent.fullmatch(str(field.data or "").strip()):
            return picker_hint(field.name)
    elif isinstance(field, SelectField) and not str(field.data or "").strip():
        return gettext("Choose one from the list.")
    return labelled(problem.message, problem.column or "", str(field.label.text))
