"""Replications: seeding, batches of work and what they produce.

Every replication draws from its own Generator, made from ``SeedSequence(seed,
spawn_key=(point, replication))``: any replication can be re-run alone and gets the same
numbers, whatever batch, process, executor or machine runs it. Work travels in
:class:`Task` batches; each comes back as a :class:`Batch` of plain arrays.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossing_sim.fates import FATES, Fate
from crossing_sim.model import simulate
from crossing_sim.outcome import Outcome, Series
from crossing_sim.scenario import Scenario

DEFAULT_SEED = 2018

#: Columns of the bus-trip table: one row per bus trip that carried anyone.
TRIP_FIELDS = ("replication", "bus", "load_start", "depart", "people")
#: The per-replication numbers of a batch besides its time series and bus trips.
ROW_FIELDS = ("replication", "fates", "left_by_bus", "buses_used", "first_departure",
              "last_departure", "last_crossing")

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
SeriesArray = NDArray[np.int32]


def replication_rng(seed: int, replication: int, point: int = 0) -> np.random.Generator:
    """The Generator of one replication of one sweep point."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(point, replication)))


@dataclass(frozen=True)
class Task:
    """Replications ``first .. first + count - 1`` of sweep point ``point``."""

    point: int
    first: int
    count: int


@dataclass(frozen=True)
class Batch:
    """What a task produced, one row per replication (and one per bus trip in ``trips``)."""

    point: int
    replication: IntArray
    fates: IntArray  # (replications, fates): people per fate
    left_by_bus: IntArray
    buses_used: IntArray
    first_departure: FloatArray  # minutes after the start clock, NaN if no bus left
    last_departure: FloatArray
    last_crossing: FloatArray
    series_t: FloatArray
    series: SeriesArray  # (replications, len(Series.NAMES), time)
    trips: FloatArray  # (trips, len(TRIP_FIELDS))

    def __len__(self) -> int:
        return int(self.replication.size)


def run_batch(scenario: Scenario, seed: int, task: Task) -> Batch:
    """Run one task's replications in this process (what every executor calls)."""
    n = task.count
    fates = np.empty((n, len(FATES)), dtype=np.int64)
    by_bus, buses = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    first_dep, last_dep, last_cross = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    series: SeriesArray | None = None
    t: FloatArray = np.empty(0)
    trips: list[FloatArray] = []
    indices = np.arange(task.first, task.first + n, dtype=np.int64)
    for row, index in enumerate(indices.tolist()):
        outcome = simulate(scenario, replication_rng(seed, index, task.point))
        fates[row] = outcome.people_by_fate()
        by_bus[row], buses[row] = outcome.left_by_bus, outcome.buses_used
        first_dep[row], last_dep[row], last_cross[row] = _times(outcome)
        tr = outcome.trips
        trips.append(np.column_stack([np.full(tr.bus.size, index), tr.bus, tr.load_start,
                                      tr.depart, tr.people]))
        s = outcome.series
        if series is None:
            t = s.t
            series = np.empty((n, len(Series.NAMES), t.size), dtype=np.int32)
        series[row] = [getattr(s, name) for name in Series.NAMES]
    assert series is not None, "a task has at least one replication"
    return Batch(task.point, indices, fates, by_bus, buses, first_dep, last_dep, last_cross,
                 t, series, np.concatenate(trips).reshape(-1, len(TRIP_FIELDS)))


@dataclass(frozen=True)
class Packed:
    """A batch as the bytes of its ``.npz`` file, made where it was computed.

    Worker processes send batches packed: compressing the time series there, in parallel,
    keeps the main process (which saves them) from becoming the bottleneck.
    """

    point: int
    first: int
    count: int
    data: bytes

    def __len__(self) -> int:
        return self.count

    def rows(self) -> dict[str, Any]:
        """The per-replication numbers and bus trips (the series stay packed)."""
        with np.load(io.BytesIO(self.data)) as data:
            return {name: data[name] for name in (*ROW_FIELDS, "point", "trips")}

    def batch(self) -> Batch:
        """The whole batch, series included."""
        with np.load(io.BytesIO(self.data)) as d:
            return Batch(self.point, d["replication"], d["fates"], d["left_by_bus"],
                         d["buses_used"], d["first_departure"], d["last_departure"],
                         d["last_crossing"], d["series_t"], d["series"], d["trips"])


def unpacked(item: Batch | Packed) -> Batch:
    """A batch from whatever an executor yields."""
    return item.batch() if isinstance(item, Packed) else item


def pack(batch: Batch) -> Packed:
    """A batch as the compressed ``.npz`` bytes that results folders keep."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, point=np.int64(batch.point), series_t=batch.series_t, series=batch.series,
        trips=batch.trips, **{name: getattr(batch, name) for name in ROW_FIELDS})
    return Packed(batch.point, int(batch.replication[0]), len(batch), buffer.getvalue())


def run_packed(scenario: Scenario, seed: int, task: Task) -> Packed:
    """:func:`run_batch`, packed for sending back from a worker process."""
    return pack(run_batch(scenario, seed, task))


def _times(outcome: Outcome) -> tuple[float, float, float]:
    departed = outcome.trips.depart[~np.isnan(outcome.trips.depart)]
    crossed = outcome.groups.screen_end[outcome.groups.fate == int(Fate.CROSSED)]
    first, last = (float(departed.min()), float(departed.max())) if departed.size else (
        np.nan, np.nan)
    return first, last, float(crossed.max()) if crossed.size else np.nan


@dataclass(frozen=True)
class Replications:
    """All replications of one scenario (one sweep point), one row per replication.

    ``series`` holds every replication's time series when they were kept (the default for
    :func:`run_replications`); experiments that stream to disk leave it ``None``.
    """

    scenario: Scenario
    seed: int
    point: int
    replication: IntArray
    fates: IntArray
    left_by_bus: IntArray
    buses_used: IntArray
    first_departure: FloatArray
    last_departure: FloatArray
    last_crossing: FloatArray
    series_t: FloatArray
    series: SeriesArray | None
    trips: dict[str, FloatArray]

    @property
    def crossed(self) -> IntArray:
        return self.fates[:, int(Fate.CROSSED)]

    @property
    def left_waiting(self) -> IntArray:
        return self.crossed - self.left_by_bus

    def __len__(self) -> int:
        return int(self.replication.size)

    @classmethod
    def from_batches(cls, scenario: Scenario, seed: int, point: int, batches: Sequence[Batch],
                     keep_series: bool = True) -> Replications:
        """Join a point's batches in replication order."""
        if not batches:
            raise ValueError("no batches to join")
        ordered = sorted(batches, key=lambda b: int(b.replication[0]))
        table = np.concatenate([b.trips for b in ordered])

        def join(name: str) -> Any:
            return np.concatenate([getattr(b, name) for b in ordered])

        return cls(scenario, seed, point, join("replication"), join("fates"),
                   join("left_by_bus"), join("buses_used"), join("first_departure"),
                   join("last_departure"), join("last_crossing"), ordered[0].series_t,
                   join("series") if keep_series else None,
                   {name: table[:, i] for i, name in enumerate(TRIP_FIELDS)})


def run_replications(scenario: Scenario, replications: int, seed: int = DEFAULT_SEED,
                     point: int = 0, first: int = 0) -> Replications:
    """Run replications ``first .. first + replications - 1`` of ``scenario`` in this process.

    For many replications, several cores or a cluster, see :mod:`crossing_sim.runner`.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    batch = run_batch(scenario, seed, Task(point, first, replications))
    return Replications.from_batches(scenario, seed, point, [batch])
