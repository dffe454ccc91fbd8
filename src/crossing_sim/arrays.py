"""The array types every layer shares (numpy arrays of one dtype)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["BoolArray", "FloatArray", "IntArray", "SeriesArray"]

#: Times (minutes after the start clock), shares, parameter values.
FloatArray = NDArray[np.float64]
#: Counts of people, families, indices.
IntArray = NDArray[np.int64]
#: Stored time series: people at each grid time (compact on disk and in memory).
SeriesArray = NDArray[np.int32]
#: Which groups (or nights) something holds for.
BoolArray = NDArray[np.bool_]
