"""The per-replication record: the numbers one night reports, defined once.

Batches store the measured columns (:data:`MEASURED`), the replication table
(``replications.csv``) writes every column of :data:`RECORD` after the fates, and the
summary rows take the mean of each count. Add a number here and it travels everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np

from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.model.fates import FATES, Fate
from crossing_sim.model.outcome import Outcome
from crossing_sim.results.quantiles import sorted_quantiles
from crossing_sim.scenario.spec import Scenario

__all__ = ["LEAN", "MEASURED", "RECORD", "REPLICATION_COLUMNS", "ROW_FIELDS", "TRIP_COLUMNS",
           "TRIP_FIELDS", "Column", "measure", "measure_columns", "replication_lines",
           "trip_lines"]


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
    # It runs every night, on arrays of a hundred families, where a numpy call costs more
    # than its arithmetic: each number comes from as few calls as give the same bits.
    g, gate, trips, clock = outcome.groups, scenario.gate, outcome.trips, scenario.start_clock
    crossed = g.fate == _CROSSED
    which = crossed.nonzero()[0]  # (an index array is cheaper to take with than a mask)
    ends, sizes = g.screen_end[which], g.size[which]
    wait = np.repeat((g.screen_start - g.arrive)[which], sizes)
    # a screening cut off at closing (or still under way at the end) was busy until closing;
    # a family never screened gives NaN, left out of the sum
    span = np.maximum(np.fmin(g.screen_end, gate.close) - np.maximum(g.screen_start, gate.open),
                      0)
    busy = np.add.reduce(span[span == span])
    waiting = (g.arrive <= gate.close) > (g.screen_start <= gate.close)  # and not started
    busiest = _busiest_hour(ends, sizes, clock) if which.size else np.nan
    people = wait.size
    if people:
        mean = float(np.add.reduce(wait) / people)  # = wait.mean(), summed in the same order
        wait.sort()  # (in place: the mean has been taken)
        p90, longest = sorted_quantiles(wait, (0.9,))[0], float(wait[-1])
        ends.sort()  # (in place: the busiest hour has been found)
        first, last = float(ends[0]), float(ends[-1])
    else:
        mean = p90 = longest = first = last = np.nan
    return {
        **_bus_columns(trips),
        "last_crossing": last,
        "first_crossing": first,
        "wait_mean": mean,
        "wait_p90": p90,
        "wait_max": longest,
        "utilisation": float(busy / (gate.lanes * (gate.close - gate.open))),
        "queued_at_closing": int(waiting.dot(g.size)),
        "busiest_hour": busiest,
        "people": outcome.expected,
        "crossed_families": int(which.size),
        "crossed_volunteers": int(crossed.dot(g.volunteers)),
        "crossed_children": int(crossed.dot(g.children)),
    }


_CROSSED: Final = int(Fate.CROSSED)
#: The columns :func:`measure_columns` measures on its own (the others need the waits, the
#: tables' busy time or the queue at closing: :func:`measure` measures them all).
LEAN: Final = frozenset({"left_by_bus", "buses_used", "first_departure", "last_departure",
                         "last_crossing", "first_crossing", "busiest_hour", "people",
                         "crossed_families", "crossed_volunteers", "crossed_children"})


def measure_columns(outcome: Outcome, scenario: Scenario, names: Collection[str]
                    ) -> dict[str, float | int]:
    """:func:`measure`'s values of the columns ``names`` (at least those), each computed
    as :func:`measure` computes it, for an analysis that reads a few of a night's numbers
    (the calibration's facts) without the rest; ``names`` beyond :data:`LEAN`: all of
    :func:`measure`."""
    if not LEAN.issuperset(names):
        return measure(outcome, scenario)
    g = outcome.groups
    crossed = g.fate == _CROSSED
    which = crossed.nonzero()[0]
    ends, sizes = g.screen_end[which], g.size[which]
    busiest = _busiest_hour(ends, sizes, scenario.start_clock) if which.size else np.nan
    if which.size and sizes.sum():  # (measure's people: everyone who crossed)
        ends.sort()
        first, last = float(ends[0]), float(ends[-1])
    else:
        first = last = np.nan
    return {
        **_bus_columns(outcome.trips),
        "last_crossing": last,
        "first_crossing": first,
        "busiest_hour": busiest,
        "people": outcome.expected,
        "crossed_families": int(which.size),
        "crossed_volunteers": int(crossed.dot(g.volunteers)),
        "crossed_children": int(crossed.dot(g.children)),
    }


def _bus_columns(trips: Any) -> dict[str, float | int]:
    """The night's bus columns, from its few trips in plain Python (cheaper than numpy calls
    on ten numbers); a trip that had not left by the end (NaN) is left out."""
    depart, bus, carried = trips.depart.tolist(), trips.bus.tolist(), trips.people.tolist()
    total = sum(depart)
    if total != total:
        gone = [i for i, d in enumerate(depart) if d == d]
        depart, bus, carried = ([x[i] for i in gone] for x in (depart, bus, carried))
    return {"left_by_bus": sum(carried), "buses_used": len(set(bus)),
            "first_departure": min(depart) if depart else np.nan,
            "last_departure": max(depart) if depart else np.nan}


def _busiest_hour(ends: FloatArray, people: IntArray, start_clock: int) -> float:
    """The start (minutes after the start clock) of the clock hour with most crossings (the
    earliest of equals); ``ends`` not empty."""
    # clock hours since midnight: the times are not negative, so truncating is flooring
    hours = ((ends + start_clock) / 60).astype(np.intp)
    counts = np.bincount(hours, weights=people)
    hour = int(counts.argmax())
    if not counts[hour]:  # families of nobody: the hour of the first
        hour = int(hours.min())
    return float(hour * 60 - start_clock)


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
