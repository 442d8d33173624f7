"""A part's integer program as arrays: what HiGHS takes in one call.

Kept apart from PuLP and from HiGHS so that the model can be built straight
into it (`scheduler.engine.model`) and any solver bridge can read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix


@dataclass(frozen=True)
class LinearProgram:
    """Rows in CSR form over columns in a fixed order; `sense` 1 minimises, -1 maximises
    (PuLP and HiGHS agree)."""

    sense: int
    offset: float
    cost: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    integer: NDArray[np.bool_]
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]
    row_start: NDArray[np.int32]
    row_index: NDArray[np.int32]
    row_value: NDArray[np.float64]
    row_names: list[str]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.row_lower), len(self.cost)

    def rows(self) -> csr_matrix:
        return csr_matrix((self.row_value, self.row_index, self.row_start), shape=self.shape)
