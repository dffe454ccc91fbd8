"""The batch format: what a batch of replications produced, as arrays and as packed bytes.

Workers send batches back packed (compressed ``.npz`` bytes, made where they were
computed); results folders keep them as ``batches/*.npz``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossing_sim.arrays import FloatArray, IntArray, SeriesArray
from crossing_sim.results.record import ROW_FIELDS

__all__ = ["Batch", "Packed", "pack", "unpacked"]

@dataclass(frozen=True)
class Batch:
    """What a task produced, one row per replication (and one per bus trip in ``trips``).

    Its per-replication arrays are the record's :data:`~crossing_sim.results.record.ROW_FIELDS`.
    """

    point: int
    replication: IntArray
    fates: IntArray  # (replications, fates): people per fate
    left_by_bus: IntArray
    buses_used: IntArray
    first_departure: FloatArray  # minutes after the start clock, NaN if no bus left
    last_departure: FloatArray
    last_crossing: FloatArray
    first_crossing: FloatArray
    wait_mean: FloatArray  # minutes, of the people who crossed
    wait_p90: FloatArray
    wait_max: FloatArray
    utilisation: FloatArray  # share of the tables' open window spent screening
    queued_at_closing: IntArray
    busiest_hour: FloatArray  # start of the clock hour with most crossings
    people: IntArray  # who made for the gate that night (population.turnout)
    crossed_families: IntArray
    crossed_volunteers: IntArray
    crossed_children: IntArray
    series_t: FloatArray
    series: SeriesArray  # (replications, len(Series.NAMES), time)
    trips: FloatArray  # (trips, len(TRIP_FIELDS))

    def __len__(self) -> int:
        return int(self.replication.size)


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
            return Batch(self.point, series_t=d["series_t"], series=d["series"],
                         trips=d["trips"], **{name: d[name] for name in ROW_FIELDS})


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
