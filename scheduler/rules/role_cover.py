"""Rule 1: a volunteer fills a need of their own role or of a role theirs covers."""

from __future__ import annotations

import numpy as np

from scheduler.arrays import I64, Mask
from scheduler.domain import Dataset
from scheduler.rules.base import Rule


def role_numbers(dataset: Dataset) -> dict[str, int]:
    return {r: i for i, r in enumerate(dataset.roles.roles)}


def covers(dataset: Dataset) -> Mask:
    """covers[a, b]: role number a may fill a need of role number b (not transitive)."""
    roles = role_numbers(dataset)
    return np.array([[dataset.roles.covers(a, b) for b in roles] for a in roles], bool)


def volunteer_roles(dataset: Dataset) -> I64:
    roles = role_numbers(dataset)
    return np.array([roles[v.role] for v in dataset.volunteers], np.int64)


def need_roles(dataset: Dataset) -> I64:
    roles = role_numbers(dataset)
    return np.array([roles[n.role] for n in dataset.needs], np.int64)


RULE = Rule("role", 1)
