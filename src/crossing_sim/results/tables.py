"""The tables of a finished experiment, written in one pass over its saved batches.

``replications.csv`` and ``trips.csv`` are streamed to disk batch by batch, and the time-series
bands of ``series.npz`` are counted point by point (:class:`~crossing_sim.results.quantiles.
CountBands`), so the memory this takes does not grow with the replications or the points,
and the time grows linearly with both.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Final

import numpy as np

from crossing_sim.errors import ResultsError, param
from crossing_sim.model.outcome import Series
from crossing_sim.results.atomic import open_atomic, temporary_name
from crossing_sim.results.quantiles import CountBands, night_quantiles
from crossing_sim.results.record import (
    REPLICATION_COLUMNS,
    ROW_FIELDS,
    TRIP_COLUMNS,
    TRIP_FIELDS,
    replication_lines,
    trip_lines,
)

__all__ = ["BAND_LEVELS", "write_tables"]

#: Quantile levels of the time-series bands in ``series.npz``.
BAND_LEVELS: Final = (0.05, 0.25, 0.5, 0.75, 0.95)


def write_tables(folder: Path, batches: Iterable[Mapping[str, Any]], n_points: int,
                 expected: Sequence[int], start_clock: int,
                 counts: Sequence[int] | None = None,
                 rows: Sequence[Mapping[str, Any]] | None = None) -> None:
    """Write replications.csv, trips.csv and series.npz from ``batches`` (with their
    series), which come point by point as :meth:`~crossing_sim.results.store.Store.saved`
    gives them. ``counts``: the replications each point must hold, once each. ``rows``:
    each point's numbers (:data:`ROW_FIELDS`, in replication order) and its ``trips`` (a
    column each of :data:`TRIP_FIELDS`) as the experiment holds them, read from these
    batches: the lines are then made from them, and the batches need only their
    ``replication`` numbers and series."""
    with open_atomic(folder / "series.npz") as handle, \
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                            compresslevel=1) as series:
        bands = _Bands(folder, n_points, series)
        try:
            with open_atomic(folder / "replications.csv", "w", newline="") as reps, \
                    open_atomic(folder / "trips.csv", "w", newline="") as trips:
                held = _write_rows(batches, reps, trips, bands, expected, rows)
                _check_held(folder, held, counts or ())
            bands.write(start_clock)
        finally:
            bands.discard()


def _write_rows(batches: Iterable[Mapping[str, Any]], reps: IO[str], trips: IO[str],
                bands: _Bands, expected: Sequence[int],
                rows: Sequence[Mapping[str, Any]] | None) -> dict[int, list[Any]]:
    rep_writer, trip_writer = csv.writer(reps), csv.writer(trips)
    rep_writer.writerow(REPLICATION_COLUMNS)
    trip_writer.writerow(TRIP_COLUMNS)
    held: dict[int, list[Any]] = {}
    for batch in batches:
        point = int(batch["point"])
        if rows is None:
            reps.writelines(replication_lines(point, batch, expected[point]))
            trips.writelines(trip_lines(point, batch["trips"]))
        elif point not in held:  # the point's first batch: all its lines, as the batches'
            _write_point(reps, trips, point, rows[point], expected[point])
        held.setdefault(point, []).append(batch["replication"])
        bands.add(point, batch["series_t"], batch["series"])
    return held


#: Rows of a point formatted at a time when its lines come from memory.
CHUNK: Final = 4096


def _write_point(reps: IO[str], trips: IO[str], point: int, rows: Mapping[str, Any],
                 expected: int) -> None:
    """A point's lines, from its numbers held in memory, a chunk of rows at a time (each
    line is formatted alone: the same text as batch by batch)."""
    for low in range(0, len(rows["replication"]), CHUNK):
        reps.writelines(replication_lines(
            point, {name: rows[name][low:low + CHUNK] for name in ROW_FIELDS}, expected))
    table = rows["trips"]
    for low in range(0, len(table[TRIP_FIELDS[0]]), CHUNK):
        trips.writelines(trip_lines(point, np.column_stack(
            [table[name][low:low + CHUNK] for name in TRIP_FIELDS])))


def _check_held(folder: Path, held: Mapping[int, list[Any]], counts: Sequence[int]) -> None:
    for point, count in enumerate(counts):
        got = np.sort(np.concatenate(held.get(point, [np.empty(0, np.int64)])))
        if not np.array_equal(got, np.arange(count)):
            raise ResultsError(
                f"{folder / 'batches'}: point {point} should hold replications 0 to "
                f"{count - 1} once each, but holds {got.size}; the folder is damaged: "
                f"run the experiment again into a new {param('out')}")


class _Bands:
    """Each point's bands and mean, counted from its batches: the bands streamed into
    ``series.npz`` (written as ``np.savez_compressed`` would write it, at zlib's fastest
    level) point by point, the means kept on disk until the end, so that many points take
    no more memory than one. Points of a few nights each (a sweep's) wait to have their
    quantiles taken together, up to :data:`WAITING` values (more would be slower: the
    arrays would no longer fit a cache)."""

    #: Most values of the points waiting (int32: 512 KiB).
    WAITING = 2**17

    def __init__(self, folder: Path, n_points: int, series: zipfile.ZipFile) -> None:
        self.n_points = n_points
        self.series = series
        self.mean_path = temporary_name(folder / "mean.npy")
        self.mean: Any = None  # (points, names, time) on disk, made at the first point
        self.bands: IO[bytes] | None = None  # the open entry of series.npz
        self.t: Any = np.empty(0)
        self.point = -1
        self.counter: CountBands | None = None
        self.widths: list[int] = []  # each point's bin width: 1 where its bands are exact
        self.waiting: list[tuple[int, Any]] = []  # (point, its nights) not yet written

    def add(self, point: int, t: Any, series: Any) -> None:
        if point != self.point:
            self._close_point()
            if point < self.point:
                raise ValueError("batches must come point by point, in order")
            self.point, self.t = point, t
            self.counter = CountBands(series.shape[1:])
        assert self.counter is not None
        self.counter.add(series)

    def _close_point(self) -> None:
        if self.counter is None:
            return
        if self.bands is None:
            names, size = len(Series.NAMES), self.t.size
            self.mean = np.lib.format.open_memmap(self.mean_path, mode="w+", dtype=np.float64,
                                                  shape=(self.n_points, names, size))
            self.bands = self.series.open("bands.npy", "w", force_zip64=True)
            np.lib.format.write_array_header_1_0(self.bands, {
                "descr": np.lib.format.dtype_to_descr(np.dtype(np.float64)),
                "fortran_order": False,
                "shape": (self.n_points, names, len(BAND_LEVELS), size)})
        kept = self.counter.only_kept()
        if kept is not None and kept.size <= self.WAITING:
            if self.waiting and (self.waiting[0][1].shape != kept.shape
                                 or (len(self.waiting) + 1) * kept.size > self.WAITING):
                self._write_waiting()
            self.waiting.append((self.point, kept))
        else:
            self._write_waiting()
            self.bands.write(np.ascontiguousarray(self.counter.quantiles(
                BAND_LEVELS).transpose(1, 0, 2)).data)
            self.mean[self.point] = self.counter.mean()
        self.widths.append(self.counter.width)
        self.counter = None

    def _write_waiting(self) -> None:
        """The waiting points' quantiles (exact, as :class:`CountBands` gives) and means."""
        if not self.waiting:
            return
        assert self.bands is not None
        first, count = self.waiting[0][0], len(self.waiting)
        assert self.waiting[-1][0] == first + count - 1, "points wait in a run, in order"
        nights = np.stack([k for _, k in self.waiting])  # (points, nights, cells)
        names, size = self.mean.shape[1:]
        self.bands.write(np.ascontiguousarray(night_quantiles(nights, BAND_LEVELS).reshape(
            count, len(BAND_LEVELS), names, size).transpose(0, 2, 1, 3)).data)
        self.mean[first:first + count] = (
            nights.sum(axis=1, dtype=np.int64) / nights.shape[1]).reshape(count, names, size)
        self.waiting.clear()

    def write(self, start_clock: int) -> None:
        """The rest of series.npz: the last points, the means, the grid and the levels."""
        self._close_point()
        self._write_waiting()
        assert self.bands is not None, "a study has at least one point"
        self.bands.close()
        self.bands = None
        self.mean.flush()
        small = {"t": self.t, "names": np.array(Series.NAMES),
                 "band_width": np.array(self.widths, dtype=np.int64),
                 "levels": np.array(BAND_LEVELS), "start_clock": np.int64(start_clock)}
        for name, value in small.items():
            with self.series.open(f"{name}.npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(value))
        with self.series.open("mean.npy", "w", force_zip64=True) as entry, \
                self.mean_path.open("rb") as source:  # streamed from disk, as written
            shutil.copyfileobj(source, entry, 2**20)

    def discard(self) -> None:
        if self.bands is not None:  # an error on the way: the zip file may close
            self.bands.close()
            self.bands = None
        self.mean = None
        self.mean_path.unlink(missing_ok=True)
