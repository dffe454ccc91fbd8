"""The batch format: what a batch of replications produced, as arrays and as packed bytes.

Workers send batches back packed (compressed ``.npz`` bytes, made where they were
computed); results folders keep them as ``batches/*.npz``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossing_sim.arrays import FloatArray, IntArray, SeriesArray
from crossing_sim.results.npz import NpzEntries
from crossing_sim.results.record import ROW_FIELDS

__all__ = ["Batch", "Packed", "pack", "read_arrays", "unpacked"]

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
        with NpzEntries(self.data) as data:
            return read_arrays(data)

    def batch(self) -> Batch:
        """The whole batch, series included."""
        with NpzEntries(self.data) as data:
            arrays = read_arrays(data, series=True)
        del arrays["point"]
        return Batch(self.point, **arrays)


def unpacked(item: Batch | Packed) -> Batch:
    """A batch from whatever an executor yields."""
    return item.batch() if isinstance(item, Packed) else item


def pack(batch: Batch) -> Packed:
    """A batch as the compressed ``.npz`` bytes that results folders keep.

    Its per-replication numbers travel as one structured array (``record``, a field per
    column), beside ``point``, ``series_t``, ``series`` and ``trips``: few entries, so a
    file is quick to read back. Written as ``np.savez_compressed`` writes, but at zlib's
    fastest level (a third of the time for about a tenth more bytes), the series as two-byte
    counts when they fit.
    """
    columns = [np.asarray(getattr(batch, name)) for name in ROW_FIELDS]
    record = np.empty(len(batch), dtype=[(name, c.dtype, c.shape[1:])
                                         for name, c in zip(ROW_FIELDS, columns, strict=True)])
    for name, column in zip(ROW_FIELDS, columns, strict=True):
        record[name] = column
    series = batch.series  # counts of people: two bytes each unless a count needs more
    compact = series.astype(np.uint16) if series.size and series.max() < 2**16 else series
    arrays = {"point": np.int64(batch.point), "record": record, "series_t": batch.series_t,
              "series": compact, "trips": batch.trips}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, value in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(value))
    return Packed(batch.point, int(batch.replication[0]), len(batch), buffer.getvalue())


def read_arrays(data: Any, series: bool = False, grid: bool = True,
                rows: bool = True) -> dict[str, Any]:
    """A batch file's arrays by name (:data:`ROW_FIELDS`, ``point``, ``trips``, and
    ``series_t`` and ``series`` if asked; ``series_t`` None unless ``grid``: every batch of
    a point has the same; of the rows only ``replication`` unless ``rows``), from an open
    ``.npz``; also reads the files of earlier versions, which kept each column as an entry
    of its own."""
    arrays = {"point": data["point"]}
    if rows:
        arrays["trips"] = data["trips"]
    if series:  # (not otherwise: on a fine grid the grid alone is half a megabyte a batch)
        arrays["series_t"] = data["series_t"] if grid else None
        arrays["series"] = data["series"].astype(np.int32, copy=False)
    names = ROW_FIELDS if rows else ("replication",)
    if "record" in data.files:
        record = data["record"]
        arrays.update({name: np.ascontiguousarray(record[name]) for name in names})
    else:
        arrays.update({name: data[name] for name in names})
    return arrays
