"""Calibration: which values of uncertain scenario keys make the model's night look like the real
one, by approximate Bayesian computation (ABC) with rejection.

1. Draw ``samples`` parameter sets from the priors (one Generator, from
   ``SeedSequence(seed, spawn_key=(PRIOR_STREAM,))``).
2. Simulate one night with each: draw ``i`` is point ``i`` of an experiment, replication 0,
   so its random numbers come from ``SeedSequence(seed, spawn_key=(i, 0))`` as in any sweep,
   and the result is the same for any number of workers.
3. Measure the distance between that night and the observed one: ``|crossed - 422|`` people
   for one statistic; for several, the Euclidean distance after dividing each by its spread
   over all draws (1.4826 x its median absolute deviation).
4. Keep the draws within a tolerance (``tolerance``), or the closest fraction (``accept``,
   with every draw tied with the last one kept): they are a sample of the approximate
   posterior.

One simulated night per draw, compared with the one real night, is what makes the kept
draws a sample from the posterior given that night: comparing the mean of many simulated
nights with 422 would calibrate the expected count, ignore the night-to-night chance the real
count also had, and give too narrow a posterior.

The posterior predictive distribution is made of new nights of the kept draws (their
replications 1, 2, ...); the calibrated scenario sets each key to its posterior median.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import tomli_w
from numpy.typing import NDArray

from crossing_sim.analysis.parameters import Prior, build_points, show_number
from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.errors import ScenarioError
from crossing_sim.experiment.executors import Executor, SerialExecutor
from crossing_sim.experiment.replications import Replications, Task
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.seeding import DEFAULT_SEED
from crossing_sim.model.fates import FATES, Fate
from crossing_sim.results.batches import Batch, unpacked
from crossing_sim.results.store import new_folder, write_atomic, write_json
from crossing_sim.scenario.loading import build_scenario, parse_override, resolve
from crossing_sim.scenario.observed import OBSERVED_CROSSED

BoolArray = NDArray[np.bool_]

#: The spawn key of the Generator that draws from the priors (points use (point, rep)).
PRIOR_STREAM: Final = 2**31 - 1
#: Statistics of a night that can be observed: people per fate, and the buses.
STATISTICS: Final = (*(f.key for f in FATES), "left_by_bus", "left_waiting", "buses_used")
#: Posterior quantiles reported (a 90 % interval and the median).
LEVELS: Final = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Observed:
    """One statistic of the real night, e.g. ``crossed = 422``."""

    name: str
    value: float


def parse_observed(text: str) -> Observed:
    """Read ``crossed=422`` (``--observed``); ScenarioError naming the rule if it is not."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ScenarioError(rule="write name=value, e.g. crossed=422", key=text,
                            file="--observed")
    if name not in STATISTICS:
        raise ScenarioError(rule=f"unknown statistic; one of {', '.join(STATISTICS)}",
                            key=name, file="--observed")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ScenarioError(rule="must be a number >= 0 (people, or buses)", key=name,
                            value=raw.strip(), has_value=True, file="--observed")
    return Observed(name, value)


def statistics(fates: IntArray, left_by_bus: IntArray, buses_used: IntArray,
               names: Sequence[str]) -> FloatArray:
    """The named statistics of some nights, one row per night, one column per name."""
    columns = []
    for name in names:
        if name == "left_by_bus":
            columns.append(left_by_bus)
        elif name == "left_waiting":
            columns.append(fates[:, int(Fate.CROSSED)] - left_by_bus)
        elif name == "buses_used":
            columns.append(buses_used)
        else:
            columns.append(fates[:, int(Fate[name.upper()])])
    return np.column_stack(columns).astype(np.float64).reshape(len(fates), len(names))


def _of_replications(reps: Replications, names: Sequence[str]) -> FloatArray:
    return statistics(reps.fates, reps.left_by_bus, reps.buses_used, names)


def _of_batch(batch: Batch, names: Sequence[str]) -> FloatArray:
    return statistics(batch.fates, batch.left_by_bus, batch.buses_used, names)


@dataclass(frozen=True)
class Settings:
    """How a calibration is run."""

    samples: int = 2000  # parameter sets drawn from the priors (one night each)
    seed: int = DEFAULT_SEED
    accept: float = 0.05  # keep the closest fraction of the draws (without a tolerance)
    tolerance: float | None = None  # or keep the draws within this distance
    predictive: int = 2000  # posterior predictive nights in all (at least one per kept draw)
    check_reps: int = 500  # nights of the calibrated scenario

    def __post_init__(self) -> None:
        if self.samples < 2:
            raise ValueError("a calibration needs at least 2 samples")
        if not 0 < self.accept <= 1:
            raise ValueError(f"accept must be a fraction in (0, 1] (got {self.accept})")


@dataclass
class Calibration:
    """A finished calibration: every draw, its night, which were kept, and what follows."""

    scenario: Path
    overrides: tuple[str, ...]
    priors: tuple[Prior, ...]
    observed: tuple[Observed, ...]
    settings: Settings
    draws: FloatArray  # (samples, priors): numbers in each prior's written unit
    stats: FloatArray  # (samples, observed): the simulated night of each draw
    scales: FloatArray  # what each statistic's difference is divided by
    distance: FloatArray  # (samples,)
    tolerance: float
    accepted: BoolArray  # (samples,)
    predictive: FloatArray  # (nights, observed): new nights of the kept draws
    predictive_draw: IntArray  # (nights,): the draw each predictive night belongs to
    calibrated: dict[str, object]  # key -> scenario value (posterior median)
    check: FloatArray = field(default_factory=lambda: np.empty((0, 0)))  # calibrated nights

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.priors]

    @property
    def runs(self) -> int:
        """Simulated nights in all (draws, predictive, calibrated check)."""
        return int(self.settings.samples + len(self.predictive) + len(self.check))

    def posterior(self) -> list[dict[str, Any]]:
        """Each key's prior and posterior: mean, sd, 5/50/95 % quantiles, and how much the
        90 % interval shrank (1 - posterior width / prior width)."""
        kept = self.draws[self.accepted]
        out = []
        for j, prior in enumerate(self.priors):
            before, after = _summary(self.draws[:, j]), _summary(kept[:, j])
            width = before["q95"] - before["q05"]
            shrink = 1 - (after["q95"] - after["q05"]) / width if width > 0 else None
            out.append({"key": prior.key, "unit": prior.unit, "prior_written": prior.written,
                        "prior": before, "posterior": after,
                        "shrinkage_90": shrink, "calibrated": self.calibrated[prior.key]})
        return out

    def predictive_summary(self) -> list[dict[str, Any]]:
        """Each observed statistic's posterior predictive distribution, and where the
        observed value falls in it."""
        out = []
        for j, obs in enumerate(self.observed):
            values = self.predictive[:, j]
            checked = self.check[:, j] if self.check.size else np.empty(0)
            out.append({
                "statistic": obs.name, "observed": obs.value,
                "predictive": _summary(values),
                "inside_90": bool(_summary(values)["q05"] <= obs.value
                                  <= _summary(values)["q95"]),
                "p_at_most": float(np.mean(values <= obs.value)),
                "calibrated_scenario": _summary(checked) if checked.size else None,
            })
        return out


def _summary(x: FloatArray) -> dict[str, float]:
    q05, q50, q95 = (float(v) for v in np.quantile(x, LEVELS))
    return {"mean": float(x.mean()), "sd": float(x.std(ddof=1)) if x.size > 1 else math.nan,
            "q05": q05, "q50": q50, "q95": q95}


# --- running ----------------------------------------------------------------------------------


def calibrate(scenario: str | Path, priors: Sequence[Prior], observed: Sequence[Observed],
              settings: Settings = Settings(), overrides: Sequence[str] = (),
              executor: Executor | None = None, progress: bool = False,
              source: str = "priors") -> Calibration:
    """Rejection ABC of ``priors`` against ``observed``; see the module's docstring.

    Every draw's scenario is built and validated before any night is simulated (a
    ScenarioError names ``source``, the priors file, for a value a key cannot take).
    """
    if not priors:
        raise ScenarioError(rule="a calibration needs at least one prior", file=source)
    if not observed:
        raise ScenarioError(rule="a calibration needs an observed statistic, e.g. crossed=422",
                            file="--observed")
    names = [o.name for o in observed]
    if len(set(names)) != len(names):
        raise ScenarioError(rule="is observed twice", key=names[0], file="--observed")
    executor = executor or SerialExecutor()
    n = settings.samples
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(PRIOR_STREAM,)))
    draws = np.column_stack([p.sample(rng, n) for p in priors]).reshape(n, len(priors))
    points = [{p.key: p.value(float(x)) for p, x in zip(priors, row, strict=True)}
              for row in draws]
    scenarios = build_points(scenario, overrides, points, source)

    reps = run_experiment(Plan(scenarios, settings.seed, 1), executor, progress=progress)
    stats = np.vstack([_of_replications(r, names) for r in reps])
    target = np.array([o.value for o in observed])
    scales = _scales(stats)
    distance = np.sqrt((((stats - target) / scales) ** 2).sum(axis=1))
    tolerance, accepted = _accept(distance, settings)

    kept = np.flatnonzero(accepted)
    per_draw = max(1, math.ceil(settings.predictive / kept.size))
    tasks = [Task(int(i), 1, per_draw) for i in kept]
    batches = sorted((unpacked(b) for b in executor.run(scenarios, settings.seed, tasks)),
                     key=lambda b: (b.point, int(b.replication[0])))
    predictive = np.vstack([_of_batch(b, names) for b in batches])
    predictive_draw = np.concatenate([np.full(len(b), b.point) for b in batches])

    calibrated = {p.key: p.value(_round(float(np.median(draws[accepted, j]))))
                  for j, p in enumerate(priors)}
    result = Calibration(Path(scenario), tuple(overrides), tuple(priors), tuple(observed),
                         settings, draws, stats, scales, distance, tolerance, accepted,
                         predictive, predictive_draw.astype(np.int64), calibrated)
    if settings.check_reps > 0:
        model = build_scenario(resolve(scenario, overrides, calibrated, source))
        checked = run_experiment(Plan([model], settings.seed, settings.check_reps), executor)
        result.check = _of_replications(checked[0], names)
    return result


def _scales(stats: FloatArray) -> FloatArray:
    """One statistic: 1 (its distance is in people); several: each one's robust spread."""
    if stats.shape[1] == 1:
        return np.ones(1)
    mad = 1.4826 * np.median(np.abs(stats - np.median(stats, axis=0)), axis=0)
    sd = stats.std(axis=0)
    return np.where(mad > 0, mad, np.where(sd > 0, sd, 1.0))


def _accept(distance: FloatArray, settings: Settings) -> tuple[float, BoolArray]:
    if settings.tolerance is not None:
        accepted = distance <= settings.tolerance
        if accepted.sum() < 2:
            raise ScenarioError(
                rule=f"only {int(accepted.sum())} of {distance.size} draws came within it "
                     f"(the closest was {distance.min():.3g}); raise it, or --samples",
                key="--tolerance", value=settings.tolerance, has_value=True)
        return float(settings.tolerance), accepted
    k = max(2, math.ceil(settings.accept * distance.size))
    tolerance = float(np.sort(distance)[k - 1])
    return tolerance, distance <= tolerance


def _round(x: float, digits: int = 4) -> float:
    """``digits`` significant digits: a calibrated value is not known better than that."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


# --- what it means to a person -----------------------------------------------------------------


def render(result: Calibration, elapsed: float | None = None) -> str:
    """The posterior and the predictive check, as a person reads them on a terminal."""
    s = result.settings
    kept = int(result.accepted.sum())
    rule = (f"within the tolerance {result.tolerance:g}" if s.tolerance is not None else
            f"the closest {100 * s.accept:g} %, distance <= {result.tolerance:.3g}")
    unit = " people" if len(result.observed) == 1 and result.observed[0].name != \
        "buses_used" else ""
    observed = ", ".join(f"{o.name} = {o.value:g}" for o in result.observed)
    lines = [
        f"Calibration of {result.scenario} against {observed}",
        f"{s.samples} draws from the priors, one night each, seed {s.seed}; kept {kept} "
        f"({rule}{unit if s.tolerance is None else ''}); {result.runs} nights in all"
        + (f", {elapsed:.1f} s" if elapsed is not None else ""),
        "",
        f"{'key':<34}{'prior 5-95 %':>22}{'posterior median':>18}{'posterior 5-95 %':>22}"
        f"{'shrank':>8}",
    ]
    for row, prior in zip(result.posterior(), result.priors, strict=True):
        a, b = row["prior"], row["posterior"]
        scale = prior.scale
        lines.append(
            f"{row['key']:<34}"
            f"{show_number(scale, a['q05']) + ' - ' + show_number(scale, a['q95']):>22}"
            f"{show_number(scale, b['q50']):>18}"
            f"{show_number(scale, b['q05']) + ' - ' + show_number(scale, b['q95']):>22}"
            f"{_pct(row['shrinkage_90']):>8}")
    lines += ["", "Posterior predictive (new nights of the kept draws)"]
    for row in result.predictive_summary():
        p, obs = row["predictive"], row["observed"]
        inside = "inside" if row["inside_90"] else "OUTSIDE"
        lines.append(f"  {row['statistic']}: median {p['q50']:.0f}, 90 % interval "
                     f"{p['q05']:.0f} - {p['q95']:.0f}; the observed {obs:g} is {inside} it "
                     f"({100 * row['p_at_most']:.0f} % of nights had {obs:g} or fewer)")
        c = row["calibrated_scenario"]
        if c is not None:
            inside = "inside" if c["q05"] <= obs <= c["q95"] else "OUTSIDE"
            lines.append(f"  calibrated scenario ({len(result.check)} nights): mean "
                         f"{c['mean']:.1f}, 90 % of nights {c['q05']:.0f} - {c['q95']:.0f} "
                         f"({inside})")
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f} %"


# --- writing -----------------------------------------------------------------------------------


def calibrated_toml(result: Calibration, path: Path, command: Sequence[str] = (),
                    priors_file: str = "") -> str:
    """The calibrated scenario, to be written at ``path``: it extends the calibrated one and
    sets each key to its posterior median; comments say how it was made."""
    import os

    s = result.settings
    base = Path(os.path.relpath(result.scenario.resolve(), path.resolve().parent)).as_posix()
    kept = int(result.accepted.sum())
    rule = (f"distance <= {result.tolerance:g}" if s.tolerance is not None else
            f"the closest {100 * s.accept:g} % of the draws (distance <= {result.tolerance:.3g})")
    observed = ", ".join(f"{o.name} = {o.value:g}" for o in result.observed)
    lines = [
        f"# Calibrated by approximate Bayesian computation (rejection) against {observed}.",
        "# Each key below is its posterior median; the rest is as in the scenario it extends.",
        f"# Made by: {' '.join(command) if command else 'crossing_sim.analysis.calibration'}",
        f"# Priors ({priors_file or 'as given'}):",
        *(f"#   \"{p.key}\" = {p.describe()}" for p in result.priors),
        f"# Samples: {s.samples} draws, one night each; seed {s.seed}; kept {kept}: {rule}.",
        f"# Made on {datetime.now(UTC).date().isoformat()} (crossing-sim "
        f"{_version()}). See docs/calibration.md.",
        "",
        f"extends = {_toml(base)}",
        f"name = {_toml(path.stem)}",
        f"description = {_toml(f'The {result.scenario.stem} scenario calibrated to {observed}')}",
    ]
    post = {row["key"]: row["posterior"] for row in result.posterior()}
    sections: dict[tuple[str, ...], list[str]] = {}
    for text in result.overrides:
        parts, value = parse_override(text)
        sections.setdefault(parts[:-1], []).append(
            f"{_key(parts[-1])} = {_toml(value)}   # --set")
    for prior in result.priors:
        parts = tuple(prior.key.split("."))
        p = post[prior.key]
        note = (f"posterior median; 90 % interval {show_number(prior.scale, p['q05'])} - "
                f"{show_number(prior.scale, p['q95'])}")
        sections.setdefault(parts[:-1], []).append(
            f"{_key(parts[-1])} = {_toml(result.calibrated[prior.key])}   # {note}")
    for table, entries in sections.items():
        if table:
            lines += ["", f"[{'.'.join(_key(t) for t in table)}]"]
        lines += entries
    return "\n".join(lines) + "\n"


def _key(part: str) -> str:
    return part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else _toml(part)


def _toml(value: object) -> str:
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _version() -> str:
    from crossing_sim.version import package_version

    return package_version()


def write(result: Calibration, folder: Path, command: Sequence[str] = (),
          priors_text: str = "", priors_file: str = "") -> list[Path]:
    """Write a calibration's folder (it must not exist or be empty); returns the files."""
    from crossing_sim.figures.analysis import pairs_figure, predictive_figure

    new_folder(folder)
    files = [folder / name for name in (
        "manifest.json", "priors.toml", "draws.csv", "accepted.csv", "predictive.csv",
        "posterior.json", "calibrated.toml", "pairs.png", "predictive.png")]
    s = result.settings
    write_json(files[0], {
        "tool": "crossing-sim", "version": _version(), "kind": "calibrate",
        "command": list(command), "scenario": str(result.scenario),
        "overrides": list(result.overrides), "priors_file": priors_file,
        "priors": {p.key: p.written for p in result.priors},
        "observed": {o.name: o.value for o in result.observed},
        "method": "ABC rejection, one night per draw",
        "samples": s.samples, "seed": s.seed, "accept": s.accept,
        "tolerance_given": s.tolerance, "tolerance": result.tolerance,
        "distance": "|simulated - observed|" if len(result.observed) == 1 else
                    "Euclidean, each statistic divided by 1.4826 MAD over the draws",
        "scales": result.scales.tolist(),
        "seeding": "priors: SeedSequence(seed, spawn_key=(2**31-1,)); draw i's nights: "
                   "SeedSequence(seed, spawn_key=(i, replication)), replication 0 decides "
                   "acceptance, 1.. are its posterior predictive nights",
        "runs": result.runs,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": _python(), "numpy": np.__version__})
    write_atomic(files[1], priors_text.encode())
    write_atomic(files[2], _draws_csv(result, np.ones(len(result.draws), dtype=bool)))
    write_atomic(files[3], _draws_csv(result, result.accepted))
    write_atomic(files[4], _predictive_csv(result))
    write_json(files[5], {"tolerance": result.tolerance, "accepted": int(result.accepted.sum()),
                          "samples": s.samples, "posterior": result.posterior(),
                          "predictive": result.predictive_summary()})
    write_atomic(files[6], calibrated_toml(result, files[6], command, priors_file).encode())
    for path, figure in ((files[7], pairs_figure(result)), (files[8], predictive_figure(result))):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110)
        write_atomic(path, buffer.getvalue())
    return files


def _python() -> str:
    import platform

    return platform.python_version()


def _draws_csv(result: Calibration, rows: BoolArray) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["draw", *result.keys, *(o.name for o in result.observed), "distance",
                     "accepted"])
    for i in np.flatnonzero(rows):
        writer.writerow([int(i), *(f"{v:.6g}" for v in result.draws[i]),
                         *(f"{v:g}" for v in result.stats[i]), f"{result.distance[i]:.6g}",
                         int(result.accepted[i])])
    return buffer.getvalue().encode()


def _predictive_csv(result: Calibration) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["draw", *(o.name for o in result.observed)])
    for draw, row in zip(result.predictive_draw, result.predictive, strict=True):
        writer.writerow([int(draw), *(f"{v:g}" for v in row)])
    return buffer.getvalue().encode()


DEFAULT_OBSERVED: Final = (Observed("crossed", float(OBSERVED_CROSSED)),)

__all__ = ["DEFAULT_OBSERVED", "STATISTICS", "Calibration", "Observed", "Settings",
           "calibrate", "calibrated_toml", "parse_observed", "render", "statistics", "write"]
