"""What happens to each group during the night, recorded as it happens.

Records are typed ``array.array`` buffers: as quick to fill from Python as lists, and turned
into numpy arrays at the end without copying element by element.
"""

from __future__ import annotations

import math
from array import array
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["NAN", "Log", "floats", "ints", "packed"]

NAN = math.nan


class Log:
    """Mutable per-group, per-boarding and per-trip records filled in by the SimPy processes."""

    def __init__(self, n_groups: int, fate: NDArray[np.int64]) -> None:
        self.n_groups = n_groups
        nan = array("d", [NAN])
        # one entry per group
        self.fate = array("q", fate.astype(np.int64).tobytes())
        self.queued, self.left_queue = nan * n_groups, nan * n_groups
        self.screen_start, self.screen_end = nan * n_groups, nan * n_groups
        self.boarded = nan * n_groups  # when its last member got on a bus
        self.trip_of = array("q", [-1]) * n_groups  # the trip its last member boarded
        # one entry per boarding: a family, or part of a split one, getting on one trip
        self.board_time, self.board_group = array("d"), array("q")
        self.board_trip, self.board_people = array("q"), array("q")
        # one entry per bus trip
        self.trip_bus, self.trip_load_start = array("q"), array("d")
        self.trip_depart, self.trip_people = array("d"), array("q")

    def new_trip(self, bus: int, now: float) -> int:
        """Open a trip for ``bus`` whose loading started at ``now``; return its index."""
        self.trip_bus.append(bus)
        self.trip_load_start.append(now)
        self.trip_depart.append(NAN)
        self.trip_people.append(0)
        return len(self.trip_bus) - 1


def floats(record: array[float]) -> NDArray[np.float64]:
    """A float record as a numpy array (sharing its memory)."""
    return np.frombuffer(record, dtype=np.float64)


def ints(record: array[int]) -> NDArray[np.int64]:
    """An integer record as a numpy array (sharing its memory)."""
    return np.frombuffer(record, dtype=np.int64)


def packed(values: NDArray[np.float64] | NDArray[np.int64]) -> array[Any]:
    """A numpy vector as a typed buffer for the SimPy processes to read: indexed as fast as
    a list, but 8 bytes an entry instead of a list's 32 (a pointer and a Python object)."""
    if values.dtype.kind == "f":
        return array("d", values.astype(np.float64, copy=False).tobytes())
    return array("q", values.astype(np.int64, copy=False).tobytes())
