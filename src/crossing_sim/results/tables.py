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
from crossing_sim.results.quantiles import CountBands
from crossing_sim.results.record import (
    REPLICATION_COLUMNS,
    TRIP_COLUMNS,
    replication_lines,
    trip_lines,
)

__all__ = ["BAND_LEVELS", "write_tables"]

#: Quantile levels of the time-series bands in ``series.npz``.
BAND_LEVELS: Final = (0.05, 0.25, 0.5, 0.75, 0.95)


def write_tables(folder: Path, batches: Iterable[Mapping[str, Any]], n_points: int,
                 expected: Sequence[int], start_clock: int,
                 counts: Sequence[int] | None = None) -> None:
    """Write replications.csv, trips.csv and series.npz from ``batches`` (with their
    series), which come point by point as :meth:`~crossing_sim.results.store.Store.saved`
    gives them. ``counts``: the replications each point must hold, once each."""
    bands = _Bands(folder, n_points)
    try:
        with open_atomic(folder / "replications.csv", "w", newline="") as reps, \
                open_atomic(folder / "trips.csv", "w", newline="") as trips:
            held = _write_rows(batches, reps, trips, bands, expected)
            _check_held(folder, held, counts or ())
        bands.write(folder / "series.npz", start_clock)
    finally:
        bands.discard()


def _write_rows(batches: Iterable[Mapping[str, Any]], reps: IO[str], trips: IO[str],
                bands: _Bands, expected: Sequence[int]) -> dict[int, list[Any]]:
    rep_writer, trip_writer = csv.writer(reps), csv.writer(trips)
    rep_writer.writerow(REPLICATION_COLUMNS)
    trip_writer.writerow(TRIP_COLUMNS)
    held: dict[int, list[Any]] = {}
    for batch in batches:
        point = int(batch["point"])
        held.setdefault(point, []).append(batch["replication"])
        reps.writelines(replication_lines(point, batch, expected[point]))
        trips.writelines(trip_lines(point, batch["trips"]))
        bands.add(point, batch["series_t"], batch["series"])
    return held


def _check_held(folder: Path, held: Mapping[int, list[Any]], counts: Sequence[int]) -> None:
    for point, count in enumerate(counts):
        got = np.sort(np.concatenate(held.get(point, [np.empty(0, np.int64)])))
        if not np.array_equal(got, np.arange(count)):
            raise ResultsError(
                f"{folder / 'batches'}: point {point} should hold replications 0 to "
                f"{count - 1} once each, but holds {got.size}; the folder is damaged: "
                f"run the experiment again into a new {param('out')}")


class _Bands:
    """Each point's bands and mean, counted from its batches and kept on disk (a point's
    rows of two ``.npy`` files), so that many points take no more memory than one."""

    def __init__(self, folder: Path, n_points: int) -> None:
        self.n_points = n_points
        self.paths = {name: temporary_name(folder / f"{name}.npy") for name in ("bands", "mean")}
        self.arrays: dict[str, Any] = {}
        self.t: Any = np.empty(0)
        self.point = -1
        self.counter: CountBands | None = None
        self.widths: list[int] = []  # each point's bin width: 1 where its bands are exact

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
        if not self.arrays:
            names, size = len(Series.NAMES), self.t.size
            shapes = {"bands": (self.n_points, names, len(BAND_LEVELS), size),
                      "mean": (self.n_points, names, size)}
            self.arrays = {name: np.lib.format.open_memmap(
                self.paths[name], mode="w+", dtype=np.float64, shape=shapes[name])
                for name in shapes}
        self.arrays["bands"][self.point] = self.counter.quantiles(BAND_LEVELS).transpose(1, 0, 2)
        self.arrays["mean"][self.point] = self.counter.mean()
        self.widths.append(self.counter.width)
        self.counter = None

    def write(self, path: Path, start_clock: int) -> None:
        """series.npz, as ``np.savez_compressed`` would write it (at zlib's fastest level)."""
        self._close_point()
        for array in self.arrays.values():
            array.flush()
        small = {"t": self.t, "names": np.array(Series.NAMES),
                 "band_width": np.array(self.widths, dtype=np.int64),
                 "levels": np.array(BAND_LEVELS), "start_clock": np.int64(start_clock)}
        with open_atomic(path) as handle, \
                zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                                compresslevel=1) as zf:
            for name, value in small.items():
                with zf.open(f"{name}.npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, np.asanyarray(value))
            for name, tmp in self.paths.items():  # streamed from disk, as written
                with zf.open(f"{name}.npy", "w", force_zip64=True) as entry, \
                        tmp.open("rb") as source:
                    shutil.copyfileobj(source, entry, 2**20)

    def discard(self) -> None:
        self.arrays.clear()
        for tmp in self.paths.values():
            tmp.unlink(missing_ok=True)
