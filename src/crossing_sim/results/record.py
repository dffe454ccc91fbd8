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

from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.model.fates import FATES, Fate
from crossing_sim.model.outcome import Outcome
from crossing_sim.results.quantiles import linear_quantile
from crossing_sim.scenario.spec import Scenario

__all__ = ["MEASURED", "RECORD", "REPLICATION_COLUMNS", "ROW_FIELDS", "TRIP_COLUMNS",
           "TRIP_FIELDS", "Column", "measure", "replication_lines", "trip_lines"]


@dataclass(frozen=True)
class Column:
    """One number of a night's record besides its fates."""

    name: str  # as in batches and Replications
    csv: str  # its header in replications.csv
    #: people or buses; minutes after the start clock; a duration in minutes; a share
    kind: Literal["count", "time", "minutes", "share"]
    #: computed from the crossed count and the measured columns instead of stored
    derive: Callable[[Any, Mapping[str, Any]], Any] | None = None
    #: the key of its mean in the summary's ``buses`` group ("" for none)
    summary: str = ""

    def missing(self) -> float:
        """What a batch holds before the night is measured (a time may stay NaN)."""
        return 0 if self.kind == "count" else np.nan


def _left_waiting(crossed: Any, values: Mapping[str, Any]) -> Any:
    return crossed - values["left_by_bus"]


def _family_members(crossed: Any, values: Mapping[str, Any]) -> Any:
    return crossed - values["crossed_volunteers"]


#: Every number a night reports besides its fates, in the order of replications.csv.
RECORD: Final = (
    Column("left_by_bus", "left_by_bus", "count", summary="left_by_bus_mean"),
    Column("left_waiting", "left_waiting", "count", derive=_left_waiting,
           summary="left_waiting_mean"),
    Column("buses_used", "buses_used", "count", summary="used_mean"),
    Column("first_departure", "first_bus_departure_min", "time"),
    Column("last_departure", "last_bus_departure_min", "time"),
    Column("last_crossing", "last_crossing_min", "time"),
    Column("first_crossing", "first_crossing_min", "time"),
    Column("wait_mean", "wait_mean_min", "minutes"),
    Column("wait_p90", "wait_p90_min", "minutes"),
    Column("wait_max", "wait_max_min", "minutes"),
    Column("utilisation", "table_utilisation", "share"),
    Column("queued_at_closing", "queued_at_closing", "count"),
    Column("busiest_hour", "busiest_hour_start_min", "time"),
    Column("people", "people", "count"),
    Column("crossed_families", "crossed_families", "count"),
    Column("crossed_volunteers", "crossed_volunteers", "count"),
    Column("crossed_family_members", "crossed_family_members", "count",
           derive=_family_members),
    Column("crossed_children", "crossed_children", "count"),
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


def measure(outcome: Outcome, scenario: Scenario) -> dict[str, float | int]:
    """The measured columns of one night.

    The wait is a person's, from reaching the gate to the start of the family's screening,
    over everyone who crossed (each family counted once per member). The tables'
    utilisation is the share of the open window (opening to closing, every table) spent
    screening. Queued at closing: people who had reached the gate by closing but whose
    screening had not started. The busiest hour is the clock hour with the most crossings.
    """
    g, gate, trips = outcome.groups, scenario.gate, outcome.trips
    # the night's few bus trips, in plain Python (cheaper than numpy calls on ten numbers)
    left = [(d, b, p) for d, b, p in zip(trips.depart.tolist(), trips.bus.tolist(),
                                         trips.people.tolist(), strict=True) if d == d]
    departed = [d for d, _, _ in left]
    crossed = g.fate == int(Fate.CROSSED)
    ends, sizes = g.screen_end[crossed], g.size[crossed]
    wait = np.repeat(g.screen_start[crossed] - g.arrive[crossed], sizes)
    screened = ~np.isnan(g.screen_start)
    # a screening cut off at closing (or still under way at the end) was busy until closing
    busy = np.add.reduce((np.fmin(g.screen_end[screened], gate.close)
                          - np.maximum(g.screen_start[screened], gate.open)).clip(min=0))
    waiting = (g.arrive <= gate.close) & ~(g.screen_start <= gate.close)
    some = bool(wait.size)
    return {
        "left_by_bus": int(sum(p for _, _, p in left)),
        "buses_used": len({b for _, b, _ in left}),
        "first_departure": float(min(departed)) if departed else np.nan,
        "last_departure": float(max(departed)) if departed else np.nan,
        "last_crossing": float(ends.max()) if some else np.nan,
        "first_crossing": float(ends.min()) if some else np.nan,
        "wait_mean": float(np.add.reduce(wait) / wait.size) if some else np.nan,  # = mean()
        "wait_p90": linear_quantile(wait, 0.9) if some else np.nan,
        "wait_max": float(wait.max()) if some else np.nan,
        "utilisation": float(busy / (gate.lanes * (gate.close - gate.open))),
        "queued_at_closing": int(np.add.reduce(g.size[waiting])),
        "busiest_hour": _busiest_hour(ends, sizes, scenario.start_clock),
        "people": outcome.expected,
        "crossed_families": int(ends.size),
        "crossed_volunteers": int(np.add.reduce(g.volunteers[crossed])),
        "crossed_children": int(np.add.reduce(g.children[crossed])),
    }


def _busiest_hour(ends: FloatArray, people: IntArray, start_clock: int) -> float:
    """The start (minutes after the start clock) of the clock hour with most crossings."""
    if not ends.size:
        return np.nan
    hours = np.floor((ends + start_clock) / 60).astype(np.int64)
    first = int(hours.min())
    counts = np.bincount(hours - first, weights=people)
    return float((first + int(np.argmax(counts))) * 60 - start_clock)


#: How each kind of column is written: counts whole, times and minutes to the thousandth.
_FORMS: Final = {"count": "%d", "time": "%.3f", "minutes": "%.3f", "share": "%.6f"}


def replication_lines(point: int, batch: Mapping[str, Any], expected: int) -> list[str]:
    """The lines of replications.csv for one batch (as ``csv.writer`` writes them, ``\r\n``
    at the end): each night's fates and record, a line formatted in one step."""
    fates = np.asarray(batch["fates"])
    crossed = fates[:, int(Fate.CROSSED)]
    columns = [np.asarray(batch["replication"]).tolist(), crossed.tolist(),
               (crossed / expected).tolist(), *fates.T.tolist()]
    forms = ["%d", "%d", "%.6f", *["%d"] * fates.shape[1]]
    for c in RECORD:
        columns.append(np.asarray(c.derive(crossed, batch) if c.derive else batch[c.name],
                                  dtype=np.int64 if c.kind == "count" else np.float64).tolist())
        forms.append(_FORMS[c.kind])
    return _lines(f"{point}," + ",".join(forms), columns)


def trip_lines(point: int, trips: Any) -> list[str]:
    """The lines of trips.csv from a batch's trip table."""
    table = np.asarray(trips)
    columns = [table[:, i].astype(np.int64).tolist() for i in (0, 1)]
    columns += [table[:, 2].tolist(), table[:, 3].tolist(), table[:, 4].astype(np.int64).tolist()]
    return _lines(f"{point},%d,%d,%.3f,%.3f,%d", columns)


def _lines(form: str, columns: list[list[Any]]) -> list[str]:
    """One line a row of ``columns`` in ``form``; a NaN (not measured) as an empty cell."""
    form += "\r\n"
    lines = [form % row for row in zip(*columns, strict=True)]
    return [line.replace("nan", "") if "nan" in line else line for line in lines]
