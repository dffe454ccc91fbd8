"""ABC-SMC with pyabc: the model of one night as pyabc sees it, its priors, and the fit.

pyabc (Schälte et al., Bioinformatics 2022) runs the sequential Monte Carlo: generation 0
draws from the priors, each later generation perturbs the last one's particles and keeps
those within a shrinking tolerance, with importance weights. Its distance is
:class:`pyabc.distance.AdaptivePNormDistance` over the facts' excesses
(:mod:`crossing_sim.analysis.distance`): each fact is divided by the root mean square of its
excess over the generation's nights, so no fact weighs more for being counted in minutes.

Randomness. Each draw's night comes from ``SeedSequence(seed, spawn_key=(NIGHTS_STREAM, h))``
with ``h`` a hash of the drawn values, so a night depends on its parameters and the seed
only. pyabc's proposals are drawn in batches seeded each by index
(:mod:`crossing_sim.analysis.sampler`), so the result is the same for any number of workers.
"""

from __future__ import annotations

import hashlib
import logging
import math
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from crossing_sim.analysis.distance import night_excess, night_fact_values, record_columns
from crossing_sim.analysis.parameters import Prior
from crossing_sim.analysis.sampler import BatchSampler
from crossing_sim.arrays import FloatArray
from crossing_sim.errors import AnalysisError
from crossing_sim.experiment.parsed import Parsed
from crossing_sim.model.night import simulate
from crossing_sim.model.streams import Streams
from crossing_sim.results.record import measure_columns
from crossing_sim.scenario.distributions import Lognormal, Triangular, Uniform
from crossing_sim.scenario.facts import Fact

__all__ = ["NIGHTS_STREAM", "Fit", "Generation", "NightModel", "PriorRV", "SmcSettings",
           "fact_scale", "fit"]

#: The spawn key of the calibration's nights (far above any point index, like the others).
NIGHTS_STREAM: Final = 2**31 - 5


@dataclass(frozen=True)
class SmcSettings:
    """How ABC-SMC runs: particles per generation and when it stops."""

    population: int = 300
    generations: int = 6  # at most
    min_acceptance: float = 0.02  # stop once fewer than this share of proposals is kept
    max_nights: int = 200_000  # stop once this many nights were simulated
    seed: int = 2018


@dataclass(frozen=True)
class Generation:
    """One generation of ABC-SMC: its tolerance, how many nights it took, its fact weights."""

    t: int
    epsilon: float
    nights: int
    accepted: int
    weights: dict[str, float]  # each fact's weight in the distance (1 / its scale)


@dataclass(frozen=True)
class Fit:
    """A finished ABC-SMC fit: the last generation's weighted particles, and its history."""

    facts: dict[str, Fact]
    particles: FloatArray  # (population, priors): numbers in each prior's written unit
    weights: FloatArray  # importance weights, summing to 1
    generations: tuple[Generation, ...]

    @property
    def nights(self) -> int:
        return sum(g.nights for g in self.generations)

    def resample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` equally weighted rows (systematic resampling of the weighted particles)."""
        positions = (rng.random() + np.arange(n)) / n
        index = np.searchsorted(np.cumsum(self.weights), positions, side="left")
        picked: FloatArray = self.particles[np.minimum(index, len(self.particles) - 1)]
        return picked


def _names(priors: Sequence[Prior]) -> list[str]:
    return [f"p{j}" for j in range(len(priors))]


def night_seed(seed: int, x: FloatArray) -> np.random.SeedSequence:
    """The seed of the night of drawn values ``x`` (see the module's docstring)."""
    h = int.from_bytes(hashlib.blake2b(np.ascontiguousarray(x, dtype=np.float64).tobytes(),
                                       digest_size=8).digest(), "little")
    return np.random.SeedSequence(seed, spawn_key=(NIGHTS_STREAM, h))


class NightModel:
    """What pyabc calls: drawn values in, each fact's excess for one simulated night out."""

    def __init__(self, parsed: Parsed, priors: Sequence[Prior], facts: dict[str, Fact],
                 seed: int) -> None:
        self.parsed, self.priors, self.facts, self.seed = parsed, tuple(priors), facts, seed
        self.names = list(facts)
        self._pars = _names(priors)
        self._columns = record_columns(self.names)  # the record's columns the facts read
        self._facts = list(facts.values())

    def values(self, x: Sequence[float]) -> dict[str, object]:
        return {p.key: p.value(float(v)) for p, v in zip(self.priors, x, strict=True)}

    def measures(self, x: FloatArray) -> list[float]:
        """The facts' measures of one night of the drawn values ``x`` (the numbers
        :func:`fact_values` gives of the night's record)."""
        scenario = self.parsed.build(self.values(x.tolist()))
        outcome = simulate(scenario, Streams(night_seed(self.seed, x)))
        record = measure_columns(outcome, scenario, self._columns)
        return night_fact_values(outcome.crossed, record, self.names)

    def __call__(self, pars: Any) -> dict[str, float]:
        x = np.array([pars[name] for name in self._pars], dtype=np.float64)
        gaps = night_excess(self.measures(x), self._facts)
        return dict(zip(self.names, gaps, strict=True))


def scipy_prior(prior: Prior) -> tuple[str, tuple[float, ...]]:
    """The scipy.stats distribution of a prior (name, arguments), for pyabc's weights."""
    d = prior.dist
    if isinstance(d, Uniform):
        low, high = (d.low - 0.5, d.high + 0.5) if prior.whole else (d.low, d.high)
        return "uniform", (low, high - low)
    if isinstance(d, Triangular):
        return "triang", ((d.mode - d.low) / (d.high - d.low), d.low, d.high - d.low)
    if isinstance(d, Lognormal):
        sigma2 = math.log1p((d.sd / d.mean_value) ** 2)
        return "lognorm", (math.sqrt(sigma2), 0.0, math.exp(math.log(d.mean_value) - sigma2 / 2))
    kind = type(d).__name__.lower()
    raise AnalysisError(f"the prior of {prior.key} is {kind}: ABC-SMC needs a uniform, "
                        "triangular or lognormal prior for each key")


class PriorRV:
    """One prior as pyabc's random variable (in place of ``pyabc.RV``): the same scipy.stats
    distribution, made when first drawn from (a worker that only weighs proposals never
    makes it), and a uniform's density worked out as scipy does (``1 / scale`` where
    ``0 <= (x - loc) / scale <= 1``, the same number) without scipy's per-call set-up, which
    took a fifth of a fit's time."""

    def __init__(self, name: str, *args: float) -> None:
        self.name, self.args = name, args
        self._frozen: Any = None

    def _dist(self) -> Any:
        if self._frozen is None:
            import scipy.stats

            self._frozen = getattr(scipy.stats, self.name)(*self.args)
        return self._frozen

    def __getstate__(self) -> tuple[str, tuple[float, ...]]:
        return self.name, self.args

    def __setstate__(self, state: tuple[str, tuple[float, ...]]) -> None:
        self.name, self.args = state
        self._frozen = None

    def copy(self) -> PriorRV:
        return PriorRV(self.name, *self.args)

    def rvs(self, *args: Any, **kwargs: Any) -> Any:
        return self._dist().rvs(*args, **kwargs)

    def pdf(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        if self.name != "uniform" or args or kwargs or np.ndim(x):
            return self._dist().pdf(x, *args, **kwargs)
        loc, scale = (np.float64(a) for a in self.args)
        y = (np.float64(x) - loc) / scale
        if np.isnan(y):
            return np.float64(np.nan)
        return np.float64(1.0) / scale if 0 <= y <= 1 else np.float64(0.0)

    def pmf(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return self._dist().pmf(x, *args, **kwargs)

    def cdf(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return self._dist().cdf(x, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<PriorRV name={self.name}, args={self.args}>"



def fact_scale(**kwargs: Any) -> FloatArray:
    """Each fact's scale: the root mean square of its excess over a generation's nights (the
    distance from the observed 0), at least 1 (a person, a bus, a minute): a fact no night
    missed still counts a miss of 1 as 1."""
    from pyabc.distance.scale import root_mean_square_deviation

    scale: FloatArray = np.maximum(root_mean_square_deviation(**kwargs), 1.0)
    return scale


@contextmanager
def _quiet() -> Iterator[None]:
    """pyabc logs every generation at INFO: keep it to warnings while we run."""
    loggers = [logging.getLogger(name) for name in ("ABC", "pyabc", "Distance", "Epsilon")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def fit(parsed: Parsed, priors: Sequence[Prior], facts: dict[str, Fact], settings: SmcSettings,
        workers: int = 1, on_batch: Callable[[int, int], None] | None = None,
        sampler: Any = None) -> Fit:
    """ABC-SMC of ``priors`` against ``facts`` (see the module's docstring). A
    :func:`BatchSampler` given is used (its pool kept for the next fit); otherwise one is
    made, with ``workers`` processes, and closed."""
    import pyabc

    names = _names(priors)
    prior = pyabc.Distribution(**{name: PriorRV(scipy_prior(p)[0], *scipy_prior(p)[1])
                                  for name, p in zip(names, priors, strict=True)})
    model = NightModel(parsed, priors, facts, settings.seed)
    distance = pyabc.AdaptivePNormDistance(p=2, scale_function=fact_scale,
                                           max_scale_weight_ratio=100)
    own = sampler is None
    sampler = BatchSampler(settings.seed, workers) if own else sampler
    sampler.on_batch = on_batch
    with tempfile.TemporaryDirectory(prefix="crossing-abc-") as tmp, _quiet():
        try:
            abc = pyabc.ABCSMC(model, prior, distance, population_size=settings.population,
                               sampler=sampler)
            abc.new(f"sqlite:///{Path(tmp) / 'abc.db'}", dict.fromkeys(facts, 0.0))
            # the particles' facts are read from memory, never back from the database: not
            # storing them saves a fifth of its rows (pyabc's database is most of the main
            # process's work when workers simulate)
            abc.history.stores_sum_stats = False
            history = abc.run(minimum_epsilon=0.0, max_nr_populations=settings.generations,
                              min_acceptance_rate=settings.min_acceptance,
                              max_total_nr_simulations=settings.max_nights)
            frame, weights = history.get_distribution(m=0, t=history.max_t)
            populations = history.get_all_populations()
        finally:
            if own:
                sampler.close()
    particles = frame[names].to_numpy(dtype=np.float64)
    gens = []
    for _, row in populations[populations["t"] >= 0].iterrows():
        t = int(row["t"])
        w = distance.get_weights(t) if distance.scale_weights else np.ones(len(facts))
        gens.append(Generation(t, float(row["epsilon"]), int(row["samples"]),
                               settings.population,
                               {k: float(v) for k, v in zip(facts, w, strict=True)}))
    weights = np.asarray(weights, dtype=np.float64)
    return Fit(dict(facts), particles, weights / weights.sum(), tuple(gens))
