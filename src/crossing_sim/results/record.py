"""The per-replication record: the numbers one night reports, defined once.

Batches store the measured columns (:data:`MEASURED`), the replication table
(``replications.csv``) writes every column of :data:`RECORD` after the fates, and the
summary rows take the mean of each count. Add a number here and it travels everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np

from crossing_sim.model.fates import FATES, Fate
from crossing_sim.model.outcome import Outcome

__all__ = ["MEASURED", "RECORD", "REPLICATION_COLUMNS", "ROW_FIELDS", "TRIP_COLUMNS",
           "TRIP_FIELDS", "Column", "measure", "replication_row", "trip_row"]


@dataclass(frozen=True)
class Column:
    """One number of a night's record besides its fates."""

    name: str  # as in batches and Replications
    csv: str  # its header in replications.csv
    kind: Literal["count", "time"]  # people or buses; or minutes after the start clock
    #: computed from the crossed count and the measured columns instead of stored
    derive: Callable[[int, Mapping[str, Any]], int] | None = None
    #: the key of its mean in the summary's ``buses`` group ("" for none)
    summary: str = ""

    def missing(self) -> float:
        """What a batch holds before the night is measured (a time may stay NaN)."""
        return np.nan if self.kind == "time" else 0


def _left_waiting(crossed: int, values: Mapping[str, Any]) -> int:
    return crossed - int(values["left_by_bus"])


#: Every number a night reports besides its fates, in the order of replications.csv.
RECORD: Final = (
    Column("left_by_bus", "left_by_bus", "count", summary="left_by_bus_mean"),
    Column("left_waiting", "left_waiting", "count", derive=_left_waiting,
           summary="left_waiting_mean"),
    Column("buses_used", "buses_used", "count", summary="used_mean"),
    Column("first_departure", "first_bus_departure_min", "time"),
    Column("last_departure", "last_bus_departure_min", "time"),
    Column("last_crossing", "last_crossing_min", "time"),
)
#: The columns a batch stores for each replication.
MEASURED: Final = tuple(c for c in RECORD if c.derive is None)
#: The per-replication arrays of a batch besides its time series and bus trips.
ROW_FIELDS: Final = ("replication", "fates", *(c.name for c in MEASURED))
#: The header of replications.csv.
REPLICATION_COLUMNS: Final = ("point", "replication", "crossed", "crossed_share",
                              *(f.key for f in FATES), *(c.csv for c in RECORD))

#: Columns of a batch's bus-trip table: one row per bus trip that carried anyone.
TRIP_FIELDS: Final = ("replication", "bus", "load_start", "depart", "people")
#: The header of trips.csv.
TRIP_COLUMNS: Final = ("point", "replication", "bus", "load_start_min", "depart_min", "people")


def measure(outcome: Outcome) -> dict[str, float | int]:
    """The measured columns of one night."""
    departed = outcome.trips.depart[~np.isnan(outcome.trips.depart)]
    crossed = outcome.groups.screen_end[outcome.groups.fate == int(Fate.CROSSED)]
    return {
        "left_by_bus": outcome.left_by_bus,
        "buses_used": outcome.buses_used,
        "first_departure": float(departed.min()) if departed.size else np.nan,
        "last_departure": float(departed.max()) if departed.size else np.nan,
        "last_crossing": float(crossed.max()) if crossed.size else np.nan,
    }


def replication_row(point: int, replication: int, fates: list[int], expected: int,
                    values: Mapping[str, Any]) -> list[object]:
    """One line of replications.csv: a night's fates and record."""
    crossed = fates[int(Fate.CROSSED)]
    cells: list[object] = [point, replication, crossed, f"{crossed / expected:.6f}", *fates]
    for c in RECORD:
        value = c.derive(crossed, values) if c.derive else values[c.name]
        cells.append(int(value) if c.kind == "count" else _minutes(float(value)))
    return cells


def trip_row(point: int, trip: Any) -> list[object]:
    """One line of trips.csv from a row of a batch's trip table."""
    return [point, int(trip[0]), int(trip[1]), _minutes(trip[2]), _minutes(trip[3]),
            int(trip[4])]


def _minutes(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.3f}"
