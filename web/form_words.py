"""A problem with a form's field said in the field's own words, and examples as it is typed.

The engine judges a form as a one-row upload, so its messages name the
column ("count is empty; ...") and the spreadsheet's formats ("write
YYYY-MM-DD"). Under a field labelled "Volunteers wanted", the column is said
as the label. Date and time fields are typed in the page's own format
(2026-05-25 in English, 25.05.2026 in Russian; times on a 24-hour clock): one
left empty, or typed in no form they take, is answered with an example in
that format. Select fields left empty ask for a choice.
"""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext
from wtforms import Field, SelectField

from scheduler.problems import Problem
from web import i18n

EXAMPLE_DAY = dt.date(2026, 5, 25)  # a day past the 12th: no doubt which is the month
EXAMPLE_TIME = dt.time(8, 0)

# The date and time fields, and the forms they take. A value in such a form is the engine's
# to judge (a date out of range); any other is answered with an example in the page's format.
PICKERS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}"),
    "start": re.compile(r"\d{1,2}:\d{2}"),
    "end": re.compile(r"\d{1,2}:\d{2}"),
}


def date_example(day: dt.date = EXAMPLE_DAY) -> str:
    """A day as the page's date fields take it: 2026-05-25, 25.05.2026."""
    return i18n.date_field(day)


def time_example(moment: dt.time = EXAMPLE_TIME) -> str:
    """A time as the page's time fields take it, on a 24-hour clock: 08:00."""
    return f"{moment:%H:%M}"


def picker_hint(name: str) -> str:
    """What a date or time field wants, with an example in the page's format."""
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
    """A problem as said under its field: a date's or time's example, else the label for the
    column."""
    sent = PICKERS.get(field.name)
    if sent is not None:
        if not sent.fullmatch(str(field.data or "").strip()):
            return picker_hint(field.name)
    elif isinstance(field, SelectField) and not str(field.data or "").strip():
        return gettext("Choose one from the list.")
    return labelled(problem.message, problem.column or "", str(field.label.text))
