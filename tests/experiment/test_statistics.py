"""Statistics over replications: the same numbers numpy and scipy give, to the last bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from crossing_sim.experiment.statistics import estimate, position

nights = arrays(np.float64, st.integers(1, 80), elements=st.floats(-1e6, 1e6))


@given(nights)
def test_an_estimate_is_numpys_mean_sd_and_quantiles(x: np.ndarray) -> None:
    e = estimate(x)
    assert e.n == x.size
    assert e.mean == float(x.mean())
    assert (e.q05, e.q50, e.q95) == tuple(float(q) for q in np.quantile(x, [0.05, 0.5, 0.95]))
    if x.size > 1:
        assert e.sd == float(x.std(ddof=1))
        half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
        assert np.isclose(e.half_width, half, rtol=1e-12, atol=1e-9)


@given(nights, st.floats(-1e6, 1e6))
def test_a_position_is_scipys_percentile_of_score(x: np.ndarray, observed: float) -> None:
    where = position(x, observed)
    assert np.isclose(where.percentile, stats.percentileofscore(x, observed, kind="mean"))
    assert where.p_at_most == float(np.mean(x <= observed))
