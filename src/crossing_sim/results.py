"""Run folders on disk: written whole or not at all, never over an earlier run.

A run folder holds ``manifest.json`` (what was run, with what, when), ``scenario.toml`` (the
resolved scenario), ``replications.csv`` (one row per replication), ``timeseries.npz`` (the
time series of every replication) and ``summary.json`` (what ``run`` printed). Everything is
written into a hidden folder beside the target, which is renamed into place at the end.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from crossing_sim.experiment import Replications
from crossing_sim.fates import FATES
from crossing_sim.loading import Resolved
from crossing_sim.outcome import Series
from crossing_sim.units import format_clock

RESULTS_ROOT = Path("results")


class ResultsError(Exception):
    """A results folder that cannot be written where the user asked."""


def default_run_dir(name: str, root: Path = RESULTS_ROOT, now: datetime | None = None) -> Path:
    """A new folder name under ``root``: ``NAME-YYYYMMDD-HHMMSS`` (with ``-2``... if taken)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "run"
    candidate = root / f"{safe}-{stamp}"
    k = 2
    while candidate.exists():
        candidate = root / f"{safe}-{stamp}-{k}"
        k += 1
    return candidate


def check_target(out: Path) -> None:
    """Refuse a target that holds anything, or that cannot be made: checked before any work."""
    try:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ResultsError(f"{out} already exists and is not empty; an earlier run is "
                               "never overwritten: choose another --out or remove it")
        parent = next((p for p in out.parents if p.exists()), Path("."))
    except OSError as exc:
        raise ResultsError(f"{out}: cannot be used for results: {exc.strerror}") from None
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ResultsError(f"{out}: cannot be created: {parent} is not a writable folder")


REPLICATION_COLUMNS = (
    "replication", "crossed", "crossed_share",
    *(f.key for f in FATES),
    "left_by_bus", "left_waiting", "buses_used",
    "first_bus_departure_min", "last_bus_departure_min", "last_crossing_min",
)


def write_run(out: Path, reps: Replications, resolved: Resolved, summary: dict[str, Any],
              command: list[str]) -> Path:
    """Write a run folder at ``out`` atomically; returns ``out``."""
    check_target(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise ResultsError(f"{out}: cannot be created: {exc.strerror}") from None
    try:
        _write_manifest(work / "manifest.json", reps, resolved, command)
        (work / "scenario.toml").write_text(resolved.to_toml(), encoding="utf-8")
        _write_replications(work / "replications.csv", reps)
        _write_trips(work / "trips.csv", reps)
        np.savez_compressed(work / "timeseries.npz", t=reps.series_t,
                            names=np.array(Series.NAMES), replication=reps.replication,
                            series=reps.series.astype(np.int32),
                            start_clock=np.int64(reps.scenario.start_clock))
        _write_json(work / "summary.json", summary)
        if out.exists():
            out.rmdir()  # empty (checked above); rename needs the name free
        os.rename(work, out)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise ResultsError(f"{out}: the results could not be written: {exc.strerror}; "
                           "nothing was kept") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out


def _write_manifest(path: Path, reps: Replications, resolved: Resolved,
                    command: list[str]) -> None:
    from crossing_sim import __version__

    _write_json(path, {
        "tool": "crossing-sim",
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "scenario": reps.scenario.name,
        "scenario_files": list(resolved.files),
        "scenario_sha256": resolved.digest,
        "scenario_toml": resolved.to_toml(),
        "seed": reps.seed,
        "point": reps.point,
        "replications": len(reps),
        "seeding": "numpy SeedSequence(seed, spawn_key=(point, replication))",
        "time_unit": "minutes after the scenario's start clock",
        "start_clock": format_clock(0.0, reps.scenario.start_clock),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
    })


def _write_replications(path: Path, reps: Replications) -> None:
    expected = reps.scenario.population.expected
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPLICATION_COLUMNS)
        for i in range(len(reps)):
            crossed = int(reps.crossed[i])
            writer.writerow([
                int(reps.replication[i]), crossed, f"{crossed / expected:.6f}",
                *(int(v) for v in reps.fates[i]),
                int(reps.left_by_bus[i]), int(reps.left_waiting[i]), int(reps.buses_used[i]),
                *(_num(v[i]) for v in (reps.first_departure, reps.last_departure,
                                       reps.last_crossing)),
            ])


def _write_trips(path: Path, reps: Replications) -> None:
    trips = reps.trips
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRIP_COLUMNS)
        for i in range(trips["bus"].size):
            writer.writerow([int(trips["replication"][i]), int(trips["bus"][i]),
                             _num(trips["load_start"][i]), _num(trips["depart"][i]),
                             int(trips["people"][i])])


TRIP_COLUMNS = ("replication", "bus", "load_start_min", "depart_min", "people")


def _num(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.3f}"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
