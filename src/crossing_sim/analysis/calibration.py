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

The statistics that can be observed are in :mod:`crossing_sim.analysis.observed`; writing
a calibration's folder and its calibrated scenario in
:mod:`crossing_sim.analysis.calibration_files`; its text in :mod:`crossing_sim.report.analysis`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from crossing_sim.analysis.observed import Observed, statistics
from crossing_sim.analysis.parameters import Prior, build_points
from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.errors import AnalysisError, ScenarioError, param, show_value
from crossing_sim.experiment.executors import Executor, SerialExecutor
from crossing_sim.experiment.replications import Replications, Task
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.seeding import CALIBRATION_PRIORS, DEFAULT_SEED, stream_rng
from crossing_sim.results.batches import Batch, unpacked
from crossing_sim.scenario.loading import build_scenario, resolve

__all__ = ["LEVELS", "PRIOR_STREAM", "SEEDING", "BoolArray", "Calibration", "Settings",
           "calibrate"]

BoolArray = NDArray[np.bool_]

#: The spawn key of the Generator that draws from the priors (points use (point, rep)).
PRIOR_STREAM: Final = CALIBRATION_PRIORS
#: How a calibration's random numbers are seeded (its manifest says so).
SEEDING: Final = ("priors: SeedSequence(seed, spawn_key=(2**31-1,)); draw i's nights: "
                  "SeedSequence(seed, spawn_key=(i, replication)), replication 0 decides "
                  "acceptance, 1.. are its posterior predictive nights")
#: Posterior quantiles reported (a 90 % interval and the median).
LEVELS: Final = (0.05, 0.5, 0.95)


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
            raise AnalysisError(f"{param('samples')} = {show_value(self.samples)}: a "
                                "calibration needs at least 2 samples")
        if not 0 < self.accept <= 1:
            raise AnalysisError(f"{param('accept')} = {show_value(self.accept)}: must be a "
                                "fraction in (0, 1]")


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
                            file=param("observed"))
    names = [o.name for o in observed]
    if len(set(names)) != len(names):
        raise ScenarioError(rule="is observed twice", key=names[0], file=param("observed"))
    executor = executor or SerialExecutor()
    n = settings.samples
    rng = stream_rng(settings.seed, PRIOR_STREAM)
    draws = np.column_stack([p.sample(rng, n) for p in priors]).reshape(n, len(priors))
    points = [{p.key: p.value(float(x)) for p, x in zip(priors, row, strict=True)}
              for row in draws]
    scenarios = build_points(scenario, overrides, points, source)

    # each draw its own nights (independent points): ABC compares draws under fresh noise
    reps = run_experiment(Plan(scenarios, settings.seed, 1, paired=False), executor,
                          progress=progress)
    stats = np.vstack([_of_replications(r, names) for r in reps])
    target = np.array([o.value for o in observed])
    scales = _scales(stats)
    distance = np.sqrt((((stats - target) / scales) ** 2).sum(axis=1))
    tolerance, accepted = _accept(distance, settings)

    kept = np.flatnonzero(accepted)
    per_draw = max(1, math.ceil(settings.predictive / kept.size))
    tasks = [Task(int(i), 1, per_draw, paired=False) for i in kept]
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
            raise AnalysisError(
                f"{param('tolerance')} = {show_value(settings.tolerance)}: only "
                f"{int(accepted.sum())} of {distance.size} draws came within it (the closest "
                f"was {distance.min():.3g}); raise it, or {param('samples')}")
        return float(settings.tolerance), accepted
    k = max(2, math.ceil(settings.accept * distance.size))
    tolerance = float(np.sort(distance)[k - 1])
    return tolerance, distance <= tolerance


def _round(x: float, digits: int = 4) -> float:
    """``digits`` significant digits: a calibrated value is not known better than that."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))

