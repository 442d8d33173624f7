"""Array types and the one index trick the vectorised code shares."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]


def ranks(repeats: I64) -> I64:
    """0, 1, ..., r-1 for each r in `repeats`, concatenated."""
    total = int(repeats.sum())
    starts = np.repeat(np.cumsum(repeats) - repeats, repeats)
    return np.arange(total) - starts
