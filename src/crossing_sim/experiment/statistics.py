"""Statistics over replications: means with Student-t intervals, quantiles, an observed value."""

from __future__ import annotations

import functools
import importlib
import math
import sys
import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from crossing_sim.results.quantiles import sorted_quantiles

__all__ = ["CONFIDENCE", "Estimate", "Position", "estimate", "import_in_background",
           "position", "t_quantile"]

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """Mean, spread and a confidence interval of one quantity over replications."""

    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    q05: float
    q50: float
    q95: float

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2


def estimate(values: ArrayLike, confidence: float = CONFIDENCE) -> Estimate:
    """Mean with a Student-t confidence interval, and the 5/50/95 % quantiles."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n == 0:
        raise ValueError("no replications to summarise")
    # x.mean() and x.std(ddof=1) as numpy computes them, without their set-up cost
    total = np.add.reduce(x)
    mean = float(total / n)
    if n > 1:
        deviation = x - total / n
        sd = math.sqrt(float(np.add.reduce(deviation * deviation)) / (n - 1))
    else:
        sd = math.nan
    half = math.nan
    if n > 1:
        half = t_quantile(n - 1, (1 + confidence) / 2) * sd / math.sqrt(n)
    q05, q50, q95 = sorted_quantiles(np.sort(x), (0.05, 0.5, 0.95))
    return Estimate(n, mean, sd, mean - half, mean + half, q05, q50, q95)


def import_in_background() -> None:
    """Start importing scipy.special (for :func:`t_quantile`) on a thread of its own: called
    while worker processes run the nights, when this process only waits for them."""
    if "scipy.special" not in sys.modules:
        threading.Thread(target=importlib.import_module, args=("scipy.special",),
                         name="import scipy.special", daemon=True).start()


@functools.lru_cache(maxsize=256)
def t_quantile(df: int, p: float) -> float:
    """Student's t quantile (what ``scipy.stats.t.ppf`` computes), from scipy.special, which
    imports in a fraction of the time scipy.stats takes; the same few are asked for often."""
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


@dataclass(frozen=True)
class Position:
    """Where an observed value falls among the simulated ones."""

    observed: float
    p_at_most: float  # share of replications with a value <= observed
    percentile: float  # mid-rank percentile of the observed value, 0-100


def position(values: ArrayLike, observed: float) -> Position:
    """How often the simulation gives ``observed`` or less, and its mid-rank percentile (as
    ``scipy.stats.percentileofscore(kind="mean")`` defines it: the mean of the shares below
    and at most)."""
    x = np.asarray(values, dtype=np.float64)
    below, at_most = np.count_nonzero(x < observed), np.count_nonzero(x <= observed)
    return Position(observed, float(np.mean(x <= observed)),
                    float((below + at_most) * (50.0 / x.size)))
