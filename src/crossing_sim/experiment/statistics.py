"""Statistics over replications: means with Student-t intervals, quantiles, an observed value."""

from __future__ import annotations

import functools
import importlib
import math
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from crossing_sim.arrays import FloatArray
from crossing_sim.results.quantiles import lerp, order_statistics

__all__ = ["CONFIDENCE", "Estimate", "Position", "estimate", "estimate_rows",
           "import_in_background", "kept_estimates", "kept_rows", "position", "positions",
           "same_length", "t_quantile"]

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
    if x.size == 0:
        raise ValueError("no replications to summarise")
    return estimate_rows(x.reshape(1, -1), confidence)[0]


def estimate_rows(rows: FloatArray, confidence: float = CONFIDENCE) -> list[Estimate]:
    """:func:`estimate` of each row of ``rows`` (rows, replications), computed together: the
    same bits as row by row (numpy reduces each row of a C-ordered array on its own), for the
    cost of one (a sweep's points, the measures of one point)."""
    x = np.ascontiguousarray(rows, dtype=np.float64)
    n = x.shape[1]
    # x.mean() and x.std(ddof=1) as numpy computes them, without their set-up cost
    total = np.add.reduce(x, axis=1)
    mean = total / n
    if n > 1:
        deviation = x - mean[:, None]
        sd = np.sqrt(np.add.reduce(deviation * deviation, axis=1) / (n - 1))
        half = t_quantile(n - 1, (1 + confidence) / 2) * sd / math.sqrt(n)
    else:
        sd = half = np.full(x.shape[0], math.nan)
    ordered = np.sort(x, axis=1)
    levels = []
    for q in (0.05, 0.5, 0.95):
        lo, hi, g = order_statistics(n, q)
        levels.append(lerp(ordered[:, lo], ordered[:, hi], g))
    q05, q50, q95 = np.where(np.isnan(ordered[:, -1]), math.nan, levels)  # NaN sorts last
    return [Estimate(n, *numbers) for numbers in zip(
        mean.tolist(), sd.tolist(), (mean - half).tolist(), (mean + half).tolist(),
        q05.tolist(), q50.tolist(), q95.tolist(), strict=True)]


def kept_estimates(rows: Sequence[FloatArray]) -> list[Estimate | None]:
    """:func:`estimate` of each array's values that are not NaN (None where none is), those
    of one length computed together (:func:`estimate_rows`)."""
    out: list[Estimate | None] = [None] * len(rows)
    for where, matrix in kept_rows(rows):
        for i, e in zip(where, estimate_rows(matrix), strict=True):
            out[i] = e
    return out


def same_length(rows: Sequence[FloatArray]) -> Iterator[tuple[list[int], FloatArray]]:
    """The non-empty arrays of ``rows`` (of floats) stacked by length: for each length, their
    positions in ``rows`` and the matrix (arrays, length) of their values."""
    groups: dict[int, list[int]] = {}
    for i, a in enumerate(rows):
        groups.setdefault(a.size, []).append(i)
    for size, where in groups.items():
        if size:
            yield where, np.concatenate([rows[i] for i in where]).reshape(len(where), size)


def kept_rows(rows: Sequence[FloatArray]) -> Iterator[tuple[list[int], FloatArray]]:
    """:func:`same_length` of each array's values that are not NaN (those with none left
    out), each row in its order."""
    for where, matrix in same_length(rows):
        present = ~np.isnan(matrix)
        kept = np.count_nonzero(present, axis=1)
        if kept.min() == matrix.shape[1]:
            yield where, matrix
            continue
        for size in np.unique(kept[kept > 0]).tolist():
            these = np.flatnonzero(kept == size)
            yield ([where[i] for i in these.tolist()],
                   matrix[these][present[these]].reshape(these.size, size))


#: The thread importing scipy.special, while it may run.
_importing: list[threading.Thread] = []


def import_in_background() -> None:
    """Start importing scipy.special (for :func:`t_quantile`) on a thread of its own: called
    while worker processes run the nights, when this process only waits for them."""
    if "scipy.special" not in sys.modules and not _importing:
        thread = threading.Thread(target=importlib.import_module, args=("scipy.special",),
                                  name="import scipy.special", daemon=True)
        thread.start()
        _importing.append(thread)


def imported() -> None:
    """Wait for :func:`import_in_background`'s import to end (the summaries need it)."""
    while _importing:
        _importing.pop().join()


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
    (p_at_most,), (percentile,) = positions(x.reshape(1, -1), observed)
    return Position(observed, p_at_most, percentile)


def positions(rows: FloatArray, observed: float) -> tuple[list[float], list[float]]:
    """:func:`position` of ``observed`` in each row of ``rows`` (rows, replications): the
    shares at most and the percentiles, computed together."""
    n = rows.shape[1]
    below = np.count_nonzero(rows < observed, axis=1)
    at_most = np.count_nonzero(rows <= observed, axis=1)
    return (at_most / n).tolist(), ((below + at_most) * (50.0 / n)).tolist()
