"""Results folders: written as work completes, resumable, never corrupt, never overwritten.

A folder holds one experiment: a ``run`` (one scenario) or a ``sweep`` (many points). While
it runs, each finished batch of replications is saved as ``batches/*.npz``; when all are
done the tables are written: ``replications.csv``, ``trips.csv``, ``summary.csv``,
``series.npz`` and ``summary.json``. Every file is written to a temporary name and renamed,
so a folder killed at any moment holds only whole files, and running the same experiment
again into it resumes where it stopped. ``manifest.json`` says what the experiment is; a
folder holding a different or finished experiment is never written to.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from crossing_sim.arrays import FloatArray
from crossing_sim.errors import ResultsError, param
from crossing_sim.model.outcome import Series
from crossing_sim.results.batches import Batch, Packed, pack
from crossing_sim.results.provenance import INDEPENDENT_SEEDING, REPLICATION_SEEDING, provenance
from crossing_sim.results.record import (
    MEASURED,
    REPLICATION_COLUMNS,
    ROW_FIELDS,
    TRIP_COLUMNS,
    replication_row,
    trip_row,
)

__all__ = [
    "BAND_LEVELS",
    "RESULTS_ROOT",
    "Store",
    "default_run_dir",
    "named_with",
    "new_folder",
    "safe_name",
    "write_atomic",
    "write_json",
]

RESULTS_ROOT = Path("results")
#: Quantile levels of the time-series bands in ``series.npz``.
BAND_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)



def default_run_dir(name: str, root: Path = RESULTS_ROOT, now: datetime | None = None) -> Path:
    """A new folder name under ``root``: ``NAME-YYYYMMDD-HHMMSS`` (with ``-2``... if taken)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = root / f"{safe_name(name)}-{stamp}"
    k = 2
    while candidate.exists():
        candidate = root / f"{safe_name(name)}-{stamp}-{k}"
        k += 1
    return candidate


def named_with(name: str, overrides: Sequence[str], limit: int = 40) -> str:
    """A run's name with a short trace of its overrides: ``--set gate.close=04:00`` makes
    ``baseline-close_04.00``, so folders of different runs tell them apart."""
    if not overrides:
        return name
    parts = [f"{o.split('=', 1)[0].rsplit('.', 1)[-1]}_{o.split('=', 1)[-1]}"
             for o in overrides]
    suffix = "-".join(p.replace(":", ".").replace('"', "") for p in parts)
    return f"{name}-{suffix[:limit]}"


def safe_name(name: str) -> str:
    """A name usable as a folder name."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "run"


def new_folder(folder: Path) -> None:
    """Create ``folder`` for a new result; one that holds anything is never written to."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ResultsError(f"{folder} already exists and is not empty; an earlier result is "
                           f"never overwritten: choose another {param('out')}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"{folder}: cannot be used for results: {exc.strerror}") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file, flushed, then renamed."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())


class Store:
    """One experiment's folder on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.batches = folder / "batches"

    # --- opening -------------------------------------------------------------------------

    def open(self, spec: dict[str, Any], manifest: dict[str, Any]) -> str:
        """Claim the folder for the experiment ``spec``: ``"new"``, ``"resume"`` or
        ``"complete"``. Raises ResultsError for a folder that holds anything else."""
        try:
            state = self._state(spec)
            if state == "new":
                self.batches.mkdir(parents=True, exist_ok=True)
                write_json(self.folder / "manifest.json", {
                    **manifest, "spec": spec, "status": "running",
                    **provenance(REPLICATION_SEEDING if spec.get("paired", True)
                                 else INDEPENDENT_SEEDING)})
        except OSError as exc:
            raise ResultsError(f"{self.folder}: cannot be used for results: "
                               f"{exc.strerror}") from None
        return state

    def _state(self, spec: dict[str, Any]) -> str:
        folder = self.folder
        if not folder.exists():
            return "new"
        if not folder.is_dir():
            raise ResultsError(f"{folder} exists and is not a folder; "
                               f"choose another {param('out')}")
        manifest_path = folder / "manifest.json"
        if not manifest_path.exists():
            if any(folder.iterdir()):
                raise ResultsError(f"{folder} already exists and is not empty; an earlier "
                                   f"run is never overwritten: choose another {param('out')}")
            return "new"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            raise ResultsError(f"{manifest_path} cannot be read; this folder is not "
                               f"resumable: choose another {param('out')}") from None
        if manifest.get("spec") != json.loads(json.dumps(spec)):
            raise ResultsError(f"{folder} already holds a different experiment; an earlier "
                               f"run is never overwritten: choose another {param('out')}")
        return "complete" if manifest.get("status") == "complete" else "resume"

    # --- batches -------------------------------------------------------------------------

    def save(self, batch: Batch | Packed) -> None:
        """Save one finished batch (atomically)."""
        packed = batch if isinstance(batch, Packed) else pack(batch)
        name = f"p{packed.point:05d}-r{packed.first:09d}-n{packed.count:07d}.npz"
        write_atomic(self.batches / name, packed.data)

    def saved(self, with_series: bool = False) -> Iterator[dict[str, Any]]:
        """Every saved batch as a dict of arrays (without the series unless asked)."""
        if not self.batches.is_dir():
            return
        for path in sorted(self.batches.glob("p*-r*-n*.npz")):
            with np.load(path) as data:
                names = [*ROW_FIELDS, "point", "trips", "series_t",
                         *(["series"] if with_series else [])]
                yield {name: data[name] for name in names}

    def point_series(self, point: int) -> tuple[FloatArray, np.ndarray[Any, Any]]:
        """All saved time series of one point, in replication order: (t, (reps, 4, time))."""
        parts = sorted(self.batches.glob(f"p{point:05d}-r*-n*.npz"))
        t: FloatArray = np.empty(0)
        arrays = []
        for path in parts:
            with np.load(path) as data:
                t, series = data["series_t"], data["series"]
                arrays.append(series)
        return t, np.concatenate(arrays)

    # --- the tables at the end -----------------------------------------------------------

    def finish(self, n_points: int, summary: Any,
               summary_rows: Sequence[dict[str, Any]], expected: Sequence[int],
               start_clock: int) -> None:
        """Write the tables from the saved batches, then mark the manifest complete."""
        self._write_replications(expected)
        self._write_series(n_points, start_clock)
        write_atomic(self.folder / "summary.csv", _csv(summary_rows))
        write_json(self.folder / "summary.json", summary)
        manifest_path = self.folder / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest.update(status="complete",
                        finished=datetime.now(UTC).isoformat(timespec="seconds"))
        write_json(manifest_path, manifest)

    def _write_replications(self, expected: Sequence[int]) -> None:
        reps, trips = io.StringIO(), io.StringIO()
        rep_writer, trip_writer = csv.writer(reps), csv.writer(trips)
        rep_writer.writerow(REPLICATION_COLUMNS)
        trip_writer.writerow(TRIP_COLUMNS)
        for batch in self.saved():
            point = int(batch["point"])
            for i, index in enumerate(batch["replication"].tolist()):
                values = {c.name: batch[c.name][i] for c in MEASURED}
                rep_writer.writerow(replication_row(point, index, batch["fates"][i].tolist(),
                                                    expected[point], values))
            for trip in batch["trips"]:
                trip_writer.writerow(trip_row(point, trip))
        write_atomic(self.folder / "replications.csv", reps.getvalue().encode())
        write_atomic(self.folder / "trips.csv", trips.getvalue().encode())

    def _write_series(self, n_points: int, start_clock: int) -> None:
        """Bands over replications (quantiles and mean) of each series, point by point."""
        bands, means = [], []
        t: FloatArray = np.empty(0)
        for point in range(n_points):
            t, series = self.point_series(point)
            bands.append(np.quantile(series, BAND_LEVELS, axis=0).transpose(1, 0, 2))
            means.append(series.mean(axis=0))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, t=t, names=np.array(Series.NAMES),
                            levels=np.array(BAND_LEVELS), bands=np.array(bands),
                            mean=np.array(means), start_clock=np.int64(start_clock))
        write_atomic(self.folder / "series.npz", buffer.getvalue())


def _csv(rows: Sequence[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue().encode()
