"""The needs' shifts on the engine's clock and the roster as index arrays, for the stages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from scheduler.arrays import F64, I64
from scheduler.domain import Dataset

RosterPairs = tuple[I64, I64]  # (volunteer index, need index), sorted by volunteer then need


@dataclass(frozen=True)
class Shifts:
    """Every need's shift on the engine's clock: minutes after `epoch`, the day before the first."""

    epoch: dt.datetime
    start: I64
    end: I64
    day: I64  # days after the epoch's date, of the start
    week: I64  # ISO week of the start date, numbered from 0
    weight: F64
    priority: I64
    facility: I64


def shift_clock(dataset: Dataset) -> Shifts:
    """The needs' times, weeks, weights and facilities as arrays, in the dataset's order."""
    first, _ = dataset.horizon  # type: ignore[misc]
    epoch = dt.datetime.combine(first - dt.timedelta(days=1), dt.time())
    minute = dt.timedelta(minutes=1)
    needs = dataset.needs
    start = np.array([(n.start - epoch) // minute for n in needs], np.int64)
    weeks = {w: i for i, w in enumerate(sorted({n.iso_week for n in needs}))}
    facility = {f.id: i for i, f in enumerate(dataset.facilities)}
    return Shifts(
        epoch=epoch,
        start=start,
        end=np.array([(n.end - epoch) // minute for n in needs], np.int64),
        day=start // 1440,
        week=np.array([weeks[n.iso_week] for n in needs], np.int64),
        weight=np.array([dataset.rules.weight(n.priority) for n in needs]),
        priority=np.array([int(n.priority) for n in needs], np.int64),
        facility=np.array([facility[n.facility_id] for n in needs], np.int64),
    )


def roster_pairs(dataset: Dataset, assignments: Iterable[tuple[str, str]]) -> RosterPairs:
    """Distinct (volunteer, need) index pairs of known ids, sorted by volunteer then need."""
    volunteer_index = {v.id: i for i, v in enumerate(dataset.volunteers)}
    need_index = {n.id: i for i, n in enumerate(dataset.needs)}
    keys = [
        volunteer_index[v] * len(need_index) + need_index[n]
        for n, v in assignments
        if v in volunteer_index and n in need_index
    ]
    unique = np.unique(np.array(keys, np.int64))
    return unique // len(need_index), unique % len(need_index)
