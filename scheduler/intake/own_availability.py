"""A volunteer's own availability, as they edit it on their page or through the API.

The volunteer gives their complete new set of windows. It is judged exactly
as an availability upload is (the same row model, the same messages), with
each window numbered as the volunteer sees it; and it is checked against the
shifts they already hold, so an edit never leaves them rostered at hours they
have just said they cannot work (they decline such a shift first, and the
place opens for somebody else).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from scheduler.domain import Availability, Dataset
from scheduler.i18n import gettext
from scheduler.intake.raw import RawSheet
from scheduler.intake.updates import Scope, changes_from_sheets
from scheduler.problems import InvalidInput, Problem
from scheduler.rules import availability

MOST_WINDOWS = 200  # a week's pattern and a season's exceptions, with room to spare
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_COLUMNS = ("volunteer_id", "day", "start", "end", "available")
_CELL_TYPES = (str, bool, int, float, dt.date, dt.datetime, dt.time)


def records(windows: Iterable[Availability]) -> list[dict[str, object]]:
    """Windows in the contract's words (`day` a weekday or a date, `start`, `end`,
    `available`): the weekly pattern first, then the dated exceptions, each in order."""

    def order(w: Availability) -> tuple[int, object, int]:
        return (0, w.weekday, w.start_minute) if w.date is None else (1, w.date, w.start_minute)

    return [
        {
            "day": w.date.isoformat() if w.date is not None else WEEKDAYS[w.weekday or 0],
            "start": _clock(w.start_minute),
            "end": _clock(w.end_minute, ending=True),
            "available": w.available,
        }
        for w in sorted(windows, key=order)
    ]


def _clock(minute: int, ending: bool = False) -> str:
    """HH:MM of a minute after the start day's midnight; an end at midnight is 24:00
    when the window starts that day, so that the text reads back to the same window."""
    if ending and minute == 1440:
        return "24:00"
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def read_own(
    base: Dataset, volunteer_id: str, given: Sequence[Mapping[str, object]]
) -> tuple[Availability, ...]:
    """The volunteer's complete new windows; raises `InvalidInput` naming each window by
    its number (from 1). No windows at all means available at any time."""
    volunteer = base.volunteer_by_id.get(volunteer_id)
    if volunteer is None:
        raise InvalidInput(
            [Problem("availability", None, None, gettext("you are not in the volunteer list"))]
        )
    if len(given) > MOST_WINDOWS:
        raise InvalidInput(
            [
                Problem(
                    "availability",
                    None,
                    None,
                    gettext(
                        "%(count)s windows is too many; give at most %(most)s",
                        count=len(given),
                        most=MOST_WINDOWS,
                    ),
                )
            ]
        )
    if not given:
        return ()
    rows = [
        (number, [volunteer_id] + [_cell(window.get(c)) for c in _COLUMNS[1:]])
        for number, window in enumerate(given, start=1)
    ]
    sheet = RawSheet("availability", {c: i for i, c in enumerate(_COLUMNS)}, rows, header_row=0)
    mine = Scope(regions=frozenset({volunteer.region}))
    changes = changes_from_sheets({"availability": sheet}, base, {"availability"}, mine)
    return changes.availability.get(volunteer_id, ())


def _cell(value: object) -> object:
    """What a sheet cell could hold; anything else is judged as its text (and refused)."""
    return value if value is None or isinstance(value, _CELL_TYPES) else str(value)[:200]


def stranded(dataset: Dataset, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (need, volunteer) pairs whose shift the volunteer's windows in `dataset` do not
    allow (rule 3): what a change of availability would strand."""
    people = {v.id: k for k, v in enumerate(dataset.volunteers)}
    known = sorted({(n, v) for n, v in pairs if n in dataset.need_by_id and v in people})
    if not known or dataset.horizon is None:
        return []
    first, _ = dataset.horizon
    epoch = dt.datetime.combine(first - dt.timedelta(days=1), dt.time())
    minute = dt.timedelta(minutes=1)
    needs = [dataset.need_by_id[n] for n, _ in known]
    start = np.array([(n.start - epoch) // minute for n in needs], np.int64)
    end = np.array([(n.end - epoch) // minute for n in needs], np.int64)
    who = np.array([people[v] for _, v in known], np.int64)
    windows = availability.availability_windows(dataset, epoch)
    allowed = availability.available(windows, who, start, end)
    return [pair for pair, ok in zip(known, allowed.tolist(), strict=True) if not ok]


def changed(
    before: Iterable[Availability], after: Iterable[Availability]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(removed, added) windows, in the contract's words: what a replacement would do."""
    old, new = records(before), records(after)
    return [w for w in old if w not in new], [w for w in new if w not in old]
