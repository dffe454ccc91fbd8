"""Calibration: which values of a scenario's uncertain keys make its simulated nights look like
the real one, on several observed facts at once, by ABC-SMC (pyabc).

1. The facts are the scenario's ``[observed]`` section (or some of them): exact counts
   (``crossed``, ``buses_used``) and clock intervals (``first_crossing``, ``busiest_hour``,
   ``last_crossing``, ``last_bus_departure``). A night's distance from them is 0 inside every
   interval and grows with the gaps outside, each fact divided by an adaptive scale
   (:mod:`crossing_sim.analysis.distance`, :mod:`crossing_sim.analysis.smc`).
2. ABC-SMC draws from the priors, simulates one night per draw and keeps the closest, then
   perturbs and narrows over generations. One night per draw, compared with the one real
   night, keeps the night-to-night chance in the posterior.
3. The posterior sample is the last generation resampled to equally likely rows: the file
   ``run``, ``sweep`` and ``compare`` take as ``--posterior``.
4. Held out: the same fit on the counts alone and on the timing facts alone; each predicts
   the facts it did not see (posterior predictive nights, 90 % intervals). A fact the fit
   used tests nothing when it is predicted back; a held-out one does.

Writing the folder is :mod:`crossing_sim.analysis.calibration_files`; the text is
:mod:`crossing_sim.report.analysis`.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from crossing_sim.analysis.distance import GROUPS, excess, fact_values, select
from crossing_sim.analysis.parameters import Prior
from crossing_sim.analysis.sampler import BatchSampler
from crossing_sim.analysis.smc import Fit, SmcSettings, fit
from crossing_sim.arrays import FloatArray
from crossing_sim.errors import AnalysisError, ScenarioError, param, show_value
from crossing_sim.experiment.executors import Executor, SerialExecutor
from crossing_sim.experiment.parsed import Parsed
from crossing_sim.experiment.posterior import PosteriorSample, over_posterior
from crossing_sim.experiment.progress import bar_class
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.seeding import CALIBRATION_PRIORS, DEFAULT_SEED
from crossing_sim.scenario.facts import Fact
from crossing_sim.scenario.loading import build_scenario

__all__ = ["FITS", "LEVELS", "SEEDING", "Calibration", "Check", "Settings", "calibrate",
           "weighted_summary"]

#: Posterior quantiles reported (a 90 % interval and the median).
LEVELS: Final = (0.05, 0.5, 0.95)
#: The fits of a calibration: on every fact, then (held-out checks) on each group alone.
FITS: Final = ("all", *GROUPS)
#: How a calibration's random numbers are seeded (its manifest says so).
SEEDING: Final = (
    "priors' widths: SeedSequence(seed, spawn_key=(2**31-1,)); a draw's night: "
    "SeedSequence(seed, spawn_key=(2**31-5, hash of the drawn values)); pyabc's proposals, "
    "batch b of generation t: SeedSequence(seed, spawn_key=(2**31-6, t+1, b)) into numpy's "
    "global generator (restored after); resampling fit k: SeedSequence(seed, spawn_key="
    "(2**31-1, k+1)); predictive night i: SeedSequence(seed, spawn_key=(i,)), its row "
    "SeedSequence(seed, spawn_key=(2**31-4, i))")


@dataclass(frozen=True)
class Settings:
    """How a calibration is run."""

    population: int = 300  # particles per ABC-SMC generation
    generations: int = 6  # at most
    min_acceptance: float = 0.02  # stop when fewer proposals than this are kept
    max_nights: int = 100_000  # per fit
    rows: int = 400  # rows of the posterior sample file
    predictive: int = 1000  # posterior predictive nights per fit
    holdout: bool = True  # also fit the counts alone and the timing alone
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        for name, value, least in (("population", self.population, 10),
                                   ("generations", self.generations, 1),
                                   ("rows", self.rows, 2), ("predictive", self.predictive, 2)):
            if value < least:
                raise AnalysisError(f"{param(name)} = {show_value(value)}: must be at least "
                                    f"{least}")
        if not 0 <= self.min_acceptance < 1:
            raise AnalysisError(f"{param('min_acceptance')} = "
                                f"{show_value(self.min_acceptance)}: a fraction in [0, 1)")

    def smc(self) -> SmcSettings:
        return SmcSettings(self.population, self.generations, self.min_acceptance,
                           self.max_nights, self.seed)


@dataclass(frozen=True)
class Check:
    """One fit and its posterior predictive nights: which facts it used, what it predicts."""

    name: str  # "all", "counts" or "timing"
    fit: Fit
    rows: FloatArray  # the fit's posterior, resampled to equally likely rows
    predictive: FloatArray  # (nights, facts): every fact's measure on nights over ``rows``

    @property
    def used(self) -> list[str]:
        return list(self.fit.facts)


@dataclass
class Calibration:
    """A finished calibration: the fits, the posterior sample and the predictive checks."""

    scenario: Path
    overrides: tuple[str, ...]
    priors: tuple[Prior, ...]
    facts: dict[str, Fact]
    settings: Settings
    prior_draws: FloatArray  # (draws, priors): for the priors' own quantiles
    checks: list[Check] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.priors]

    @property
    def main(self) -> Check:
        return self.checks[0]

    @property
    def nights(self) -> int:
        """Simulated nights in all (every fit and every predictive check)."""
        return sum(c.fit.nights + len(c.predictive) for c in self.checks)

    def sample(self) -> PosteriorSample:
        """The posterior sample (of the fit on every fact), as scenario values."""
        rows = tuple(tuple(p.value(float(x)) for p, x in zip(self.priors, row, strict=True))
                     for row in self.main.rows)
        return PosteriorSample("(calibration)", tuple(self.keys), rows)

    def posterior(self) -> list[dict[str, Any]]:
        """Each key's prior and posterior (mean, sd, 5/50/95 %) and how much its 90 %
        interval shrank (1 - posterior width / prior width) in each fit."""
        out = []
        for j, prior in enumerate(self.priors):
            before = weighted_summary(self.prior_draws[:, j])
            width = before["q95"] - before["q05"]
            row: dict[str, Any] = {"key": prior.key, "unit": prior.unit,
                                   "prior_written": prior.written, "prior": before}
            for check in self.checks:
                after = weighted_summary(check.fit.particles[:, j], check.fit.weights)
                row.setdefault("posterior", after)
                row.setdefault("by_fit", {})[check.name] = {
                    **after, "shrinkage_90": 1 - (after["q95"] - after["q05"]) / width
                    if width > 0 else None}
            row["shrinkage_90"] = row["by_fit"]["all"]["shrinkage_90"]
            out.append(row)
        return out

    def predictive_summary(self) -> list[dict[str, Any]]:
        """For every fit and fact: the posterior predictive 5-95 % interval, the share of
        nights consistent with the fact, and whether the fact was used (or held out)."""
        out = []
        for check in self.checks:
            for j, (name, fact) in enumerate(self.facts.items()):
                values = check.predictive[:, j]
                kept = values[~np.isnan(values)]
                q05, q50, q95 = (float(v) for v in np.quantile(kept, LEVELS)) if kept.size \
                    else (math.nan,) * 3
                out.append({
                    "fit": check.name, "fact": name, "observed": fact.describe(),
                    "unit": fact.unit, "low": fact.low if math.isfinite(fact.low) else None,
                    "high": fact.high if math.isfinite(fact.high) else None,
                    "used": name in check.used, "q05": q05, "q50": q50, "q95": q95,
                    "share_consistent": float(fact.holds(values).mean()),
                    "p_at_most": float(np.mean(values <= fact.high)),
                    "inside_90": bool(q05 <= fact.high and q95 >= fact.low),
                    "mean_excess": float(excess(values[:, None], [fact]).mean()),
                })
        return out


def weighted_summary(x: FloatArray, w: FloatArray | None = None) -> dict[str, float]:
    """Mean, sd and the :data:`LEVELS` quantiles of ``x`` with weights ``w``."""
    w = np.full(x.size, 1 / x.size) if w is None else w / w.sum()
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) - w[order] / 2
    q05, q50, q95 = (float(v) for v in np.interp(LEVELS, cdf, x[order]))
    mean = float(np.sum(w * x))
    return {"mean": mean, "sd": float(np.sqrt(np.sum(w * (x - mean) ** 2))),
            "q05": q05, "q50": q50, "q95": q95}


def calibrate(scenario: str | Path, priors: Sequence[Prior], facts: dict[str, Fact],
              settings: Settings = Settings(), overrides: Sequence[str] = (),
              executor: Executor | None = None, workers: int = 1, progress: bool = False,
              source: str = "priors") -> Calibration:
    """ABC-SMC of ``priors`` against ``facts``, with held-out checks; see the module."""
    if not priors:
        raise ScenarioError(rule="a calibration needs at least one prior", file=source)
    if not facts:
        raise ScenarioError(rule="a calibration needs at least one observed fact",
                            key=param("facts"))
    keys = [p.key for p in priors]
    if len(set(keys)) != len(keys):
        raise ScenarioError(rule="has two priors", key=keys[0], file=source)
    parsed = Parsed.read(scenario, overrides, source)
    executor = executor or SerialExecutor()
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed,
                                                       spawn_key=(CALIBRATION_PRIORS,)))
    prior_draws = np.column_stack([p.sample(rng, 20_000) for p in priors])
    # every prior's extremes must make a valid scenario before any night is run
    for corner in (prior_draws.min(axis=0), prior_draws.max(axis=0)):
        parsed.build({p.key: p.value(float(x)) for p, x in zip(priors, corner, strict=True)})
    result = Calibration(Path(scenario), tuple(overrides), tuple(priors), dict(facts),
                         settings, prior_draws)
    groups = [(name, select(facts, name)) for name in GROUPS] if settings.holdout else []
    plan = [("all", dict(facts)), *((n, f) for n, f in groups if f and len(f) < len(facts))]
    bar = _bar(settings, len(plan), progress)
    sampler = BatchSampler(settings.seed, workers)  # one pool of workers for every fit
    try:
        for k, (name, chosen) in enumerate(plan):
            bar.set_description(f"fit on {name} facts")
            # each pool's workers forked in turn, with the other's threads gone (with them
            # about, the sampler's workers were spawned, each importing pyabc again)
            executor.rest()
            fitted = fit(parsed, priors, chosen, settings.smc(), workers,
                         on_batch=lambda acc, _n: bar.update(acc), sampler=sampler)
            sampler.rest()
            rows = fitted.resample(np.random.default_rng(np.random.SeedSequence(
                settings.seed, spawn_key=(CALIBRATION_PRIORS, k + 1))), settings.rows)
            predictive = _predict(parsed, priors, rows, facts, settings, executor)
            result.checks.append(Check(name, fitted, rows, predictive))
            bar.n = (k + 1) * settings.population * (settings.generations + 1)
            bar.refresh()
    finally:
        sampler.close()
        bar.close()
    return result


def _predict(parsed: Parsed, priors: Sequence[Prior], rows: FloatArray, facts: dict[str, Fact],
             settings: Settings, executor: Executor) -> FloatArray:
    """New nights over the posterior rows (as ``run --posterior`` would run them)."""
    sample = PosteriorSample("(calibration)", tuple(p.key for p in priors),
                             tuple(tuple(p.value(float(x)) for p, x in
                                         zip(priors, row, strict=True)) for row in rows))
    over = over_posterior(build_scenario(parsed.resolved), parsed.resolved, sample)
    (reps,) = run_experiment(Plan([over], settings.seed, settings.predictive), executor)
    return fact_values(reps, list(facts))


def _bar(settings: Settings, fits: int, enabled: bool) -> Any:
    """A progress bar over the particles every generation of every fit accepts."""
    total = fits * settings.population * (settings.generations + 1)
    return bar_class()(total=total, unit="particle", dynamic_ncols=True, smoothing=0.1,
                       disable=not (enabled and sys.stderr.isatty()))

