"""How generated values are written in the input format's columns."""

from __future__ import annotations

import numpy as np

from scheduler.synthetic.assumptions import H

WEEKDAY_NAMES = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], dtype=object)
CLOCK = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * H + 1)], dtype=object)
BLANK = np.array(None, dtype=object)  # an empty cell, as `np.where` takes it


def ids(prefix: str, n: int, digits: int) -> np.ndarray:
    """F001, V00001, ...: zero-padded, wide enough for `n`, so they sort as text."""
    width = max(digits, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
