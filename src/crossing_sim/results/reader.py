"""Reading a finished results folder back: the data the figures and notebooks are drawn from.

Nothing here runs the model. :func:`load_results` checks the folder and reads what says what
was run (``manifest.json``, ``summary.json``); the larger tables (``replications.csv``,
``trips.csv``, ``series.npz``) are read when first asked for, so a figure of the time-series
bands of a 10,000-replication run never parses its bus trips::

    from crossing_sim.results.reader import load_results
    base = load_results("results/baseline-20261128-204512")
    base.point(0).crossed            # people who crossed, one per replication
    base.point(0).series.quantile("queue", 0.5)   # median queue on the time grid

A run has one point; a sweep has one per combination of its factors' values.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from crossing_sim.arrays import FloatArray
from crossing_sim.errors import ResultsError, ScenarioError, param
from crossing_sim.scenario.spec import Scenario, scenario_from_dict

Table = dict[str, FloatArray]

#: The files of a finished results folder (see results/README.md).
FILES: Final = ("manifest.json", "summary.json", "replications.csv", "trips.csv",
                "series.npz")
#: The figures ``crossing-sim plot`` draws (see crossing_sim.figures), and its file formats.
FORMATS: Final = ("png", "svg", "pdf")
_EMPTY_FIELD = re.compile(r",(?=,|\r?\n|$)")


@dataclass(frozen=True)
class Bands:
    """One point's time series as quantiles over replications on a fixed grid.

    ``t`` is minutes after the point's start clock; ``quantiles`` has shape
    (series, levels, time) and ``mean`` (series, time), the series being ``names``
    (``crossed``, ``queue``, ``holding``, ``departed``, ``arrived``) and the levels ``levels``.
    """

    t: FloatArray
    names: tuple[str, ...]
    levels: tuple[float, ...]
    quantiles: FloatArray
    mean: FloatArray

    def quantile(self, name: str, level: float) -> FloatArray:
        """The ``level`` quantile of series ``name`` over replications, at each grid time."""
        if level not in self.levels:
            raise ResultsError(f"the bands hold the quantiles {self.levels}, not {level}")
        band: FloatArray = self.quantiles[self.names.index(name), self.levels.index(level)]
        return band


@dataclass(frozen=True)
class Trips:
    """One point's bus trips that carried anyone, one entry each (times: minutes after the
    start clock; ``depart`` is NaN for a trip that had not left by the end)."""

    replication: FloatArray
    bus: FloatArray
    load_start: FloatArray
    depart: FloatArray
    people: FloatArray


@dataclass(frozen=True, eq=False)
class PointResult:
    """One scenario of a results folder: a run's only point, or one point of a sweep."""

    results: Results
    index: int
    values: dict[str, object]  # the sweep's factor values ({} for a run)
    summary: dict[str, Any]  # as in summary.json

    @cached_property
    def scenario(self) -> Scenario:
        """The point's resolved scenario, as stored when it ran."""
        text = self.results.manifest["points"][self.index].get("scenario_toml", "")
        try:
            table = tomllib.loads(text)
            arrivals = table.get("arrivals")
            if isinstance(arrivals, dict) and arrivals.get("mode") == "replay":
                # the replayed groups are not needed to draw figures (and the file they
                # came from may have moved): read the rest of the scenario without them
                table["arrivals"] = {"mode": "poisson", "rate": "1/h"}
            return scenario_from_dict(table)
        except (tomllib.TOMLDecodeError, ScenarioError) as exc:
            raise ResultsError(f"{self.results.folder}/manifest.json: the scenario of point "
                               f"{self.index} cannot be read: {exc}") from None

    @property
    def label(self) -> str:
        """A short name for legends: the scenario's name, or the sweep values that differ."""
        changed = self.summary.get("set", [])
        if not self.values:
            name = str(self.summary.get("scenario", self.results.name))
            return f"{name} ({', '.join(changed)})" if changed else name
        return ", ".join(f"{k.rsplit('.', 1)[-1]}={_short(v)}" for k, v in self.values.items())

    @property
    def replications(self) -> int:
        return int(self.summary["replications"])

    @property
    def expected(self) -> int:
        return int(self.summary["expected"])

    def column(self, name: str) -> FloatArray:
        """One column of ``replications.csv`` for this point, in replication order."""
        table = self.results.replications
        if name not in table:
            raise ResultsError(f"{self.results.folder}/replications.csv has no column {name}")
        column: FloatArray = table[name][table["point"] == self.index]
        return column

    @property
    def crossed(self) -> NDArray[np.int64]:
        """People who crossed, one entry per replication."""
        return self.column("crossed").astype(np.int64)

    @property
    def series(self) -> Bands:
        data = self.results.series_data
        return Bands(t=data["t"], names=tuple(str(n) for n in data["names"]),
                     levels=tuple(float(v) for v in data["levels"]),
                     quantiles=data["bands"][self.index], mean=data["mean"][self.index])

    @property
    def trips(self) -> Trips:
        table = self.results.trips
        mine = table["point"] == self.index
        return Trips(**{name: table[col][mine] for name, col in (
            ("replication", "replication"), ("bus", "bus"), ("load_start", "load_start_min"),
            ("depart", "depart_min"), ("people", "people"))})


@dataclass(frozen=True, eq=False)
class Results:
    """A finished results folder (``crossing-sim run`` or ``sweep``), read back."""

    folder: Path
    manifest: dict[str, Any]
    summaries: tuple[dict[str, Any], ...]

    @property
    def kind(self) -> str:
        """``"run"``, ``"sweep"`` or ``"compare"``."""
        return str(self.manifest["spec"]["kind"])

    @property
    def name(self) -> str:
        """The (base) scenario's name."""
        return str(self.manifest.get("scenario") or self.summaries[0].get("scenario", ""))

    @property
    def factors(self) -> tuple[str, ...]:
        """The keys a sweep varies (none for a run)."""
        return tuple(self.manifest["spec"].get("factors") or ())

    @property
    def design(self) -> str | None:
        """``"grid"`` or ``"lhs"`` for a sweep."""
        design = self.manifest["spec"].get("design")
        return str(design) if design else None

    @cached_property
    def points(self) -> tuple[PointResult, ...]:
        return tuple(PointResult(self, i, dict(s.get("values") or {}), s)
                     for i, s in enumerate(self.summaries))

    def point(self, index: int) -> PointResult:
        """One point (0 for a run)."""
        if not 0 <= index < len(self.points):
            raise ResultsError(f"{self.folder} has points 0 to {len(self.points) - 1}; "
                               f"there is no point {index}")
        return self.points[index]

    @cached_property
    def replications(self) -> Table:
        """``replications.csv`` as columns; every point holds replications 0 .. n - 1 of its
        summary once each (ResultsError naming the first that is missing or repeated)."""
        path = self.folder / "replications.csv"
        table = read_table(path)
        if "point" not in table or "replication" not in table:
            raise ResultsError(f"{path} has no point or replication column; the folder is "
                               "damaged")
        for index, summary in enumerate(self.summaries):
            held = np.sort(table["replication"][table["point"] == index])
            count = int(summary.get("replications", -1))
            if held.size != count or not np.array_equal(held, np.arange(count)):
                repeated = held[1:][np.diff(held) == 0]
                what = (f"replication {int(repeated[0])} twice" if repeated.size else
                        f"{held.size} replications")
                raise ResultsError(f"{path}: point {index} should hold replications 0 to "
                                   f"{count - 1} once each (summary.json), but holds {what}; "
                                   "the folder is damaged")
        return table

    @cached_property
    def trips(self) -> Table:
        """``trips.csv`` as columns."""
        return read_table(self.folder / "trips.csv")

    @cached_property
    def series_data(self) -> dict[str, Any]:
        """The arrays of ``series.npz``."""
        path = self.folder / "series.npz"
        try:
            with np.load(path) as data:
                arrays = {name: data[name] for name in ("t", "names", "levels", "bands",
                                                        "mean")}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise ResultsError(f"{path} cannot be read ({exc}); the folder is damaged: "
                               f"run the experiment again into a new {param('out')}") from None
        if arrays["bands"].shape[0] != len(self.summaries):
            raise ResultsError(f"{path} holds {arrays['bands'].shape[0]} points but "
                               f"summary.json {len(self.summaries)}; the folder is damaged")
        return arrays


def load_results(folder: str | Path) -> Results:
    """Read a finished results folder; ResultsError (one line, with the fix) if it is not one."""
    folder = Path(folder)
    hint = "give a folder written by crossing-sim run or sweep"
    if not folder.exists():
        raise ResultsError(f"{folder}: no such folder; {hint}")
    if not folder.is_dir():
        raise ResultsError(f"{folder} is a file, not a results folder; {hint}")
    if not (folder / "manifest.json").is_file():
        raise ResultsError(f"{folder} is not a results folder (it has no manifest.json); "
                           f"{hint}")
    manifest = _read_json(folder / "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("tool") != "crossing-sim" or \
            not isinstance(manifest.get("spec"), Mapping) or \
            manifest["spec"].get("kind") not in ("run", "sweep", "compare"):
        raise ResultsError(f"{folder}/manifest.json is not a crossing-sim manifest; {hint}")
    if manifest.get("status") != "complete":
        raise ResultsError(f"{folder} is unfinished (status {manifest.get('status')!r}): run "
                           "the same command again to complete it, then plot it")
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise ResultsError(f"{folder} has no {', '.join(missing)}; the folder is damaged: run "
                           f"the experiment again into a new {param('out')}")
    summary = _read_json(folder / "summary.json")
    summaries = tuple(summary if isinstance(summary, list) else [summary])
    if len(summaries) != len(manifest.get("points") or ()):
        raise ResultsError(f"{folder}: summary.json has {len(summaries)} points but "
                           f"manifest.json {len(manifest.get('points') or ())}; the folder "
                           "is damaged")
    return Results(folder, manifest, summaries)


def read_table(path: Path) -> Table:
    """A CSV table of numbers as columns (an empty field is NaN)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path} cannot be read: {exc}") from None
    header, _, body = text.partition("\n")
    names = header.strip().split(",")
    if not body.strip():
        return {name: np.empty(0) for name in names}
    try:
        data = np.loadtxt(io.StringIO(_EMPTY_FIELD.sub(",nan", body)), delimiter=",",
                          ndmin=2, dtype=np.float64)
    except ValueError as exc:
        raise ResultsError(f"{path} is not a table of numbers ({exc}); the folder is "
                           "damaged") from None
    if data.shape[1] != len(names):
        raise ResultsError(f"{path} has {data.shape[1]} columns but its header "
                           f"{len(names)}; the folder is damaged")
    return {name: data[:, i] for i, name in enumerate(names)}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path} cannot be read ({exc}); the folder is damaged") from None


def _short(value: object) -> str:
    """A factor value for a legend: a scenario file by its name."""
    text = str(value)
    return Path(text).stem if text.endswith(".toml") else text


__all__ = ["FORMATS", "Bands", "PointResult", "Results", "Trips", "load_results",
           "read_table"]
