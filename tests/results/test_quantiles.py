"""Quantiles: numpy's own to the last bit, for one value and streamed over batches of nights."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.extra.numpy import arrays

import crossing_sim.results.tables as tables
from crossing_sim.model.outcome import Series
from crossing_sim.results.quantiles import CountBands, linear_quantile, sorted_quantiles
from crossing_sim.results.tables import BAND_LEVELS

levels = st.floats(0, 1, allow_nan=False)


@given(arrays(np.float64, st.integers(1, 60), elements=st.floats(-1e6, 1e6)), levels)
def test_one_quantile_is_numpys(x: np.ndarray, q: float) -> None:
    assert linear_quantile(x, q) == float(np.quantile(x, q))


def _nights(draw: st.DrawFn) -> tuple[np.ndarray, list[int]]:
    nights = draw(st.integers(1, 80))
    top = draw(st.integers(0, 900))
    seed = draw(st.integers(0, 2**32 - 1))
    series = np.random.default_rng(seed).integers(0, top + 1, (nights, 3, 7), dtype=np.int32)
    cuts = sorted(draw(st.lists(st.integers(0, nights), max_size=5)))
    return series, cuts


@st.composite
def batches_of_nights(draw: st.DrawFn) -> tuple[np.ndarray, list[int]]:
    return _nights(draw)


_FIVE_NIGHTS = np.random.default_rng(0).integers(0, 50, (5, 3, 7), dtype=np.int32)


@settings(max_examples=60)
@given(batches_of_nights(), st.sampled_from([0, 21, 60, 10**9]))
@example((_FIVE_NIGHTS, [2, 4]), 21)  # two batches counted, then a night kept
def test_bands_streamed_in_batches_are_numpys_over_all_nights(
        data: tuple[np.ndarray, list[int]], keep: int) -> None:
    """Counted (keep 0), kept as they are (keep 10**9) or some of each (a night has 21
    values), batch cuts anywhere: the same bits."""
    series, cuts = data
    bands = CountBands(series.shape[1:], keep=keep)
    for part in np.split(series, cuts):
        bands.add(part)
    assert np.array_equal(bands.quantiles(BAND_LEVELS, chunk=5),
                          np.quantile(series, BAND_LEVELS, axis=0))
    assert np.array_equal(bands.mean(), series.mean(axis=0))
    assert bands.nights == len(series)


@settings(max_examples=30)
@given(batches_of_nights())
def test_past_the_budget_bins_widen_and_stay_within_half_a_bin(
        data: tuple[np.ndarray, list[int]]) -> None:
    series, cuts = data
    cells = 3 * 7
    bands = CountBands(series.shape[1:], budget=cells * 16, keep=0)
    for part in np.split(series, cuts):
        bands.add(part)
    assert bands.counts.size <= cells * 16  # the memory bound holds
    exact = np.quantile(series, BAND_LEVELS, axis=0)
    assert np.abs(bands.quantiles(BAND_LEVELS) - exact).max() <= (bands.width - 1) / 2 + 1e-9
    assert np.array_equal(bands.mean(), series.mean(axis=0))


def test_memory_does_not_grow_with_the_nights() -> None:
    bands = CountBands((5, 229), keep=0)
    rng = np.random.default_rng(1)
    bands.add(rng.integers(0, 701, (50, 5, 229), dtype=np.int32))
    size = bands.counts.nbytes
    for _ in range(20):
        bands.add(rng.integers(0, 701, (200, 5, 229), dtype=np.int32))
    assert bands.counts.nbytes == size
    assert not bands.kept
    assert bands.nights == 4050


def test_negative_counts_and_no_nights_are_refused() -> None:
    bands = CountBands((2,))
    with pytest.raises(ValueError, match="no nights"):
        bands.quantiles(BAND_LEVELS)
    with pytest.raises(ValueError, match="negative"):
        bands.add(np.array([[-1, 2]], dtype=np.int32))


@given(arrays(np.float64, st.integers(1, 60), elements=st.floats(-1e6, 1e6)),
       st.lists(levels, min_size=1, max_size=5))
def test_several_quantiles_of_a_sorted_array_are_numpys(x: np.ndarray, qs: list[float]) -> None:
    assert sorted_quantiles(np.sort(x), qs) == [float(v) for v in np.quantile(x, qs)]
    with_nan = np.append(x, np.nan)
    assert all(np.isnan(sorted_quantiles(np.sort(with_nan), qs)))


@settings(max_examples=40, deadline=None)
@given(points=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3)), min_size=1,
                      max_size=12),
       size=st.integers(1, 8), waiting=st.sampled_from([2**6, 2**9, 2**17]), data=st.data())
def test_points_waiting_together_have_each_points_bands(
        points: list[tuple[int, int]], size: int, waiting: int, data: st.DataObject,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The bands of a sweep's small points, taken together (a run of points of as many nights
    at a time, up to ``WAITING`` values), are each point's np.quantile and mean over its
    nights, whatever the runs and their breaks."""
    folder = tmp_path_factory.mktemp("bands")
    names = len(Series.NAMES)
    t = np.arange(size, dtype=np.float64)
    series = [data.draw(hnp.arrays(np.int32, (batches * nights, names, size),
                                   elements=st.integers(0, 50)))
              for batches, nights in points]
    with zipfile.ZipFile(folder / "series.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        bands = tables._Bands(folder, len(points), zf)
        bands.WAITING = waiting
        try:
            for point, ((batches, nights), s) in enumerate(zip(points, series, strict=True)):
                for b in range(batches):
                    bands.add(point, t, s[b * nights:(b + 1) * nights])
            bands.write(0)
        finally:
            bands.discard()
    with np.load(folder / "series.npz") as stored:
        for point, s in enumerate(series):
            assert np.array_equal(stored["bands"][point], np.quantile(
                s, tables.BAND_LEVELS, axis=0).transpose(1, 0, 2))
            assert np.array_equal(stored["mean"][point], s.mean(axis=0))
        assert stored["band_width"].tolist() == [1] * len(points)
