"""Quantiles as numpy's default (``linear``) method computes them, to the last bit, but cheap.

:func:`linear_quantile` is ``np.quantile(x, q)`` for one value without its set-up cost (it
weighs on every night's record). :class:`CountBands` streams the time-series bands of many
nights: instead of holding every night's series it counts, per grid cell, how many nights
had each value (the series are whole numbers of people), and reads the same quantiles and
means off the counts that ``np.quantile`` and ``mean`` over all the nights would give.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from crossing_sim.arrays import FloatArray, SeriesArray

__all__ = ["CountBands", "lerp", "linear_quantile", "night_quantiles", "order_statistics",
           "sorted_quantiles"]


def order_statistics(n: int, q: float) -> tuple[int, int, float]:
    """Where numpy's linear method finds the ``q`` quantile of ``n`` sorted values: between
    the ``lo``-th and ``hi``-th (from 0), a fraction ``g`` of the way."""
    h = (n - 1) * q
    lo = math.floor(h)
    return lo, min(lo + 1, n - 1), h - lo


_V = TypeVar("_V", float, FloatArray)


def lerp(a: _V, b: _V, g: float) -> _V:
    """Linear interpolation from ``a`` to ``b`` (numbers or arrays) by ``g``, with numpy's
    quantile arithmetic (``b - (b - a)(1 - g)`` from ``g = 0.5`` on, so a quantile never
    overshoots ``b``)."""
    diff = b - a
    return b - diff * (1 - g) if g >= 0.5 else a + diff * g


def linear_quantile(x: FloatArray, q: float) -> float:
    """``np.quantile(x, q)`` (``x`` non-empty, without NaN), from two order statistics."""
    lo, hi, g = order_statistics(x.size, q)
    part = np.partition(x, (lo, hi))
    return lerp(float(part[lo]), float(part[hi]), g)


def sorted_quantiles(ordered: FloatArray, levels: Sequence[float]) -> list[float]:
    """``np.quantile(x, levels)`` from ``x`` already sorted (several levels, one sort); NaN
    for all if ``x`` holds NaN (it sorts last), as numpy gives."""
    if math.isnan(ordered[-1]):
        return [math.nan] * len(levels)
    out = []
    for q in levels:
        lo, hi, g = order_statistics(ordered.size, q)
        out.append(lerp(float(ordered[lo]), float(ordered[hi]), g))
    return out


def night_quantiles(series: SeriesArray, levels: Sequence[float]) -> FloatArray:
    """``np.quantile(series, levels, axis=1)`` of a stack ``(points, nights, cells)``, as
    ``(points, levels, cells)``: each point's quantiles over its nights, all points at once."""
    n = series.shape[1]
    if n == 2:  # two nights are ordered by their least and greatest (sorting a great many
        # lanes of two, numpy's cost is all in the lanes): the same order statistics
        ordered = [np.minimum(series[:, 0], series[:, 1]), np.maximum(series[:, 0],
                                                                      series[:, 1])]
    else:
        stacked = np.sort(series, axis=1)
        ordered = [stacked[:, k] for k in range(n)]
    floats: dict[int, FloatArray] = {}  # each order statistic needed, once, as floats
    out = np.empty((series.shape[0], len(levels), series.shape[2]))
    for i, q in enumerate(levels):
        lo, hi, g = order_statistics(n, q)
        for k in (lo, hi):
            if k not in floats:
                floats[k] = ordered[k].astype(np.float64)
        out[:, i] = lerp(floats[lo], floats[hi], g)
    return out


class CountBands:
    """Quantiles over nights of series on a fixed grid, from counts of each value per cell.

    Memory is at most ``budget`` counters whatever the number of nights. While every value
    fits, one counter per value and cell (a night of 700 people on the default five-minute
    grid needs about 0.8 million), and :meth:`quantiles` equals ``np.quantile(all, levels,
    axis=0)`` over every night added, to the last bit. On a grid so fine that they do not
    fit, values are counted in bins of ``width`` (a power of two) and each order statistic
    is the middle of its bin: at most ``(width - 1) / 2`` off. :meth:`mean` is always exact.
    :meth:`add` takes a batch ``(nights, *cells)`` of non-negative whole numbers; the first
    ``keep`` values are kept as they are (counting a handful of nights costs more than
    sorting them).
    """

    #: Counters at most (int32: 64 MiB).
    BUDGET = 2**24
    #: Values kept as they are, before counting starts (int32: 16 MiB): a few nights
    #: are cheaper to keep than to count.
    KEEP = 2**22

    def __init__(self, shape: Sequence[int], budget: int = BUDGET, keep: int = KEEP) -> None:
        self.shape = tuple(shape)
        self.cells = math.prod(self.shape)
        self.budget = max(budget, self.cells)
        self.keep = keep
        self.width = 1  # values per bin
        self.nights = 0
        self.kept: list[SeriesArray] = []  # the nights not counted yet
        self.counts = np.zeros((self.cells, 1), dtype=np.int32)
        self.total = np.zeros(self.cells, dtype=np.int64)

    def add(self, series: SeriesArray) -> None:
        """Add a batch of nights' series."""
        values = np.asarray(series).reshape(-1, self.cells)
        if values.size == 0:
            return
        if values.min() < 0:
            raise ValueError("series count people: they cannot be negative")
        self.total += values.sum(axis=0, dtype=np.int64)
        self.nights += values.shape[0]
        self.kept.append(values)
        if sum(k.size for k in self.kept) > self.keep:
            for kept in self.kept:
                self._count(kept)
            self.kept.clear()

    def only_kept(self) -> SeriesArray | None:
        """Every night added, ``(nights, cells)``, if none was counted yet (else None)."""
        if not self.kept or self.counted:
            return None
        return self.kept[0] if len(self.kept) == 1 else np.concatenate(self.kept)

    @property
    def counted(self) -> int:
        """The nights in the counters (the others are kept as they are)."""
        return self.nights - sum(len(k) for k in self.kept)

    def _count(self, values: SeriesArray, chunk: int = 2**21) -> None:
        """Count nights ``(nights, cells)`` into the bins, a block of cells at a time (so the
        counting itself needs little memory beside the counters)."""
        self._make_room(int(values.max()))
        bins = self.counts.shape[1]
        step = max(1, chunk // max(bins, values.shape[0]))
        for first in range(0, self.cells, step):
            block = values[:, first:first + step]
            cells = block.shape[1]
            binned = block // self.width if self.width > 1 else block
            flat = (np.arange(cells, dtype=np.int64) * bins + binned).ravel()
            self.counts[first:first + cells] += np.bincount(
                flat, minlength=cells * bins).reshape(cells, bins).astype(np.int32)

    def _make_room(self, largest: int) -> None:
        """Bins up to ``largest``: more of them, or (past the budget) wider ones."""
        bins = largest // self.width + 1
        if bins <= self.counts.shape[1]:
            return
        while self.cells * bins > self.budget:  # merge pairs of bins
            if self.counts.shape[1] % 2:
                self.counts = np.pad(self.counts, ((0, 0), (0, 1)))
            self.counts = self.counts.reshape(self.cells, -1, 2).sum(axis=2, dtype=np.int32)
            self.width *= 2
            bins = largest // self.width + 1
        if bins > self.counts.shape[1]:
            self.counts = np.pad(self.counts, ((0, 0), (0, bins - self.counts.shape[1])))

    def mean(self) -> FloatArray:
        """The mean of each cell over the nights."""
        mean: FloatArray = (self.total / self.nights).reshape(self.shape)
        return mean

    def quantiles(self, levels: Sequence[float], chunk: int = 4096) -> FloatArray:
        """The ``levels`` quantiles of each cell over the nights (numpy's linear method)."""
        if self.nights == 0:
            raise ValueError("no nights to take quantiles of")
        if self.kept and self.counted:  # some nights counted, some kept: count them all
            for values in self.kept:
                self._count(values)
            self.kept.clear()
        kept = self.only_kept()
        if kept is not None:  # nothing counted: the order statistics of the nights themselves
            bands: FloatArray = night_quantiles(kept[None], levels)[0]
            return bands.reshape(len(levels), *self.shape)
        out = np.empty((len(levels), self.cells))
        middle = (self.width - 1) / 2
        for first in range(0, self.cells, chunk):  # a chunk of cells at a time: little memory
            below = np.cumsum(self.counts[first:first + chunk], axis=1)  # nights <= each bin
            for i, q in enumerate(levels):
                lo, hi, g = order_statistics(self.nights, q)
                # the k-th smallest value (from 0) is in the first bin holding more than k
                a = (below <= lo).sum(axis=1) * self.width + middle
                b = (below <= hi).sum(axis=1) * self.width + middle
                out[i, first:first + chunk] = lerp(a.astype(np.float64), b.astype(np.float64),
                                                   g)
        result: FloatArray = out.reshape(len(levels), *self.shape)
        return result
