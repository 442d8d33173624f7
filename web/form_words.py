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
from collections.abc import Collection, Mapping

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import Field, SelectField

from scheduler.problems import Problem
from web import i18n

EXAMPLE_DAY = dt.date(2026, 5, 25)  # a day past the 12th: no doubt which is the month
EXAMPLE_TIME = dt.time(8, 0)

# The date and time fields, and the forms they take. A value in such a form is the engine's
# to judge (a date out of range); any other is answered with an example in the page's format.
DAY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}")
PICKERS = {
    "date": DAY,
    "valid_from": DAY,
    "valid_until": DAY,
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
    if name in ("valid_from", "valid_until"):
        return gettext("Type a day, e.g. %(example)s, or leave it empty.", example=date_example())
    if name == "start":
        start = time_example()
        return gettext("Choose the time the shift starts, e.g. %(example)s.", example=start)
    return gettext(
        "Choose the time the shift ends, e.g. %(example)s; "
        "an end at or before the start is on the next day.",
        example=time_example(dt.time(20, 0)),
    )


# How the engine's messages in each language lead up to a column's name, where not at once.
COLUMN_WORDS = {"ru": "в столбце "}
ISO_DAY = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


def labelled(message: str, column: str, label: str, others: Mapping[str, str] = {}) -> str:
    """The engine's message in the form's words: its column said as the field's label where
    the message begins with it ("count is empty", in Russian "в столбце count пусто"), the
    other fields' columns it names likewise where they cannot be read as plain words
    ("valid_from"), and its days in the page's format."""
    if column:
        found = re.match(
            rf"({re.escape(COLUMN_WORDS.get(i18n.language(), ''))})?"
            rf"{re.escape(column)}(?=[\s:;,.]|$)",
            message,
        )
        if found is not None:
            start = found.group(1) or ""
            message = start + gettext("“%(label)s”", label=label) + message[found.end() :]
    for name, text in others.items():
        if "_" in name:
            quoted = gettext("“%(label)s”", label=text)
            message = re.sub(rf"(?<![\w']){re.escape(name)}(?![\w'])", quoted, message)
    return ISO_DAY.sub(lambda day: _day(day.group(0)), message)


def _day(text: str) -> str:
    try:
        return i18n.date_field(dt.date.fromisoformat(text))
    except ValueError:
        return text


def is_day(text: str) -> bool:
    """Typed as a real day, in the page's format or ISO."""
    try:
        dt.date.fromisoformat(i18n.typed_date(text.strip()))
    except ValueError:
        return False
    return True


def field_message(field: Field, problem: Problem, others: Mapping[str, str] = {}) -> str:
    """A problem as said under its field: a date's or time's example (for a date typed in
    the right shape but not a day of the calendar too), else in the form's words."""
    sent = PICKERS.get(field.name)
    typed = str(field.data or "").strip()
    if sent is not None:
        if not sent.fullmatch(typed) or (sent is DAY and not is_day(typed)):
            return picker_hint(field.name)
    elif isinstance(field, SelectField) and not typed:
        return gettext("Choose one from the list.")
    return labelled(problem.message, problem.column or "", str(field.label.text), others)


def place_problems(
    form: FlaskForm, problems: list[Problem], fields: Collection[str]
) -> list[Problem]:
    """Put each problem next to the field it names; return those that name none."""
    elsewhere = []
    labels = {name: str(form[name].label.text) for name in fields if name in form._fields}
    for problem in problems:
        field: Field | None = form._fields.get(problem.column or "")
        if problem.column in fields and field is not None:
            others = {name: text for name, text in labels.items() if name != problem.column}
            field.errors = [*field.errors, field_message(field, problem, others)]
        elif problem.is_error:
            elsewhere.append(problem)
    return elsewhere
