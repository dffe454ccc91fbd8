"""Distributions read from scenario inline tables: parsing, bulk sampling, moments, rejections.

Statistical checks use a seeded Generator and a tolerance of 5 standard errors of the estimate,
so a correct implementation fails them with probability well below one in a million, while a
wrong mean or variance (a log-scale parameter, a misplaced square) is far outside it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crossing_sim.scenario.distributions import (
    Choice,
    Exponential,
    Fixed,
    Lognormal,
    Triangular,
    Uniform,
    parse_distribution,
)
from crossing_sim.scenario.distributions import (
    highest as highest_value,
)

N_DRAWS = 200_000
TOLERANCE_SE = 5.0

# raw value, kind, class, parameters in internal units, analytic mean, analytic variance
PARSED = [
    pytest.param("45s", "duration", Fixed, (0.75,), 0.75, 0.0, id="plain-quantity"),
    pytest.param(3, "count", Fixed, (3.0,), 3.0, 0.0, id="plain-count"),
    pytest.param({"dist": "fixed", "value": "2min"}, "duration", Fixed, (2.0,), 2.0, 0.0,
                 id="fixed"),
    pytest.param({"dist": "uniform", "low": "1min", "high": "3min"}, "duration", Uniform,
                 (1.0, 3.0), 2.0, 4 / 12, id="uniform"),
    pytest.param({"dist": "uniform", "low": "800m", "high": "2km"}, "distance", Uniform,
                 (0.8, 2.0), 1.4, 1.2**2 / 12, id="uniform-distance"),
    pytest.param({"dist": "triangular", "low": "0min", "mode": "10min", "high": "40min"},
                 "duration", Triangular, (0.0, 10.0, 40.0), 50 / 3, 1300 / 18, id="triangular"),
    pytest.param({"dist": "triangular", "low": "1.5km/h", "mode": "2.2km/h", "high": "3km/h"},
                 "speed", Triangular, (1.5, 2.2, 3.0), 6.7 / 3,
                 (1.5**2 + 3**2 + 2.2**2 - 1.5 * 3 - 1.5 * 2.2 - 3 * 2.2) / 18,
                 id="triangular-speed"),
    pytest.param({"dist": "triangular", "low": "1m/s", "mode": "1m/s", "high": "2m/s"},
                 "speed", Triangular, (3.6, 3.6, 7.2), 14.4 / 3,
                 (3.6**2 + 7.2**2 + 3.6**2 - 3.6 * 7.2 - 3.6 * 3.6 - 3.6 * 7.2) / 18,
                 id="triangular-mode-at-low"),
    pytest.param({"dist": "exponential", "mean": "30s"}, "duration", Exponential, (0.5,),
                 0.5, 0.25, id="exponential"),
    pytest.param({"dist": "lognormal", "mean": "40s", "sd": "15s"}, "duration", Lognormal,
                 (40 / 60, 15 / 60), 40 / 60, (15 / 60) ** 2, id="lognormal"),
    pytest.param({"dist": "choice", "values": [1, 2, 3], "weights": [1, 1, 2]}, "count", Choice,
                 ((1.0, 2.0, 3.0), (1.0, 1.0, 2.0)), 2.25, 0.6875, id="choice"),
    pytest.param({"dist": "choice", "values": [2, 4]}, "count", Choice,
                 ((2.0, 4.0), (1.0, 1.0)), 3.0, 1.0, id="choice-equal-weights"),
    pytest.param({"dist": "choice", "values": ["1km", "500m"], "weights": [3, 1]}, "distance",
                 Choice, ((1.0, 0.5), (3.0, 1.0)), 0.875, 0.75 * 0.125**2 + 0.25 * 0.375**2,
                 id="choice-distance"),
    pytest.param({"dist": "empirical", "values": ["1min", "2min", "6min"]}, "duration", Choice,
                 ((1.0, 2.0, 6.0), (1.0, 1.0, 1.0)), 3.0, 14 / 3, id="empirical"),
]


def _params(dist: object) -> tuple[Any, ...]:
    if isinstance(dist, Fixed):
        return (dist.value,)
    if isinstance(dist, Uniform):
        return (dist.low, dist.high)
    if isinstance(dist, Triangular):
        return (dist.low, dist.mode, dist.high)
    if isinstance(dist, Exponential):
        return (dist.mean_value,)
    if isinstance(dist, Lognormal):
        return (dist.mean_value, dist.sd)
    assert isinstance(dist, Choice)
    return (dist.values, dist.weights)


@pytest.mark.parametrize(("raw", "kind", "cls", "params", "mean", "variance"), PARSED)
def test_parsed_with_units_into_internal_units(
    raw: object, kind: str, cls: type, params: tuple[Any, ...], mean: float, variance: float
) -> None:
    dist = parse_distribution(raw, kind)
    assert type(dist) is cls
    got = _params(dist)
    if cls is Choice:
        assert got[0] == pytest.approx(params[0], rel=1e-12)
        assert got[1] == pytest.approx(params[1], rel=1e-12)
    else:
        assert got == pytest.approx(params, rel=1e-12)


@pytest.mark.parametrize(("raw", "kind", "cls", "params", "mean", "variance"), PARSED)
def test_analytic_mean_and_variance(
    raw: object, kind: str, cls: type, params: tuple[Any, ...], mean: float, variance: float
) -> None:
    dist = parse_distribution(raw, kind)
    assert dist.mean == pytest.approx(mean, rel=1e-9)
    assert dist.variance == pytest.approx(variance, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("raw", "kind", "cls", "params", "mean", "variance"), PARSED)
@pytest.mark.parametrize("n", [0, 1, 1000])
def test_bulk_sample_shape_and_dtype(
    raw: object, kind: str, cls: type, params: tuple[Any, ...], mean: float, variance: float,
    n: int,
) -> None:
    draws = parse_distribution(raw, kind).sample(np.random.default_rng(7), n)
    assert isinstance(draws, np.ndarray)
    assert draws.shape == (n,)
    assert draws.dtype == np.float64
    assert np.all(np.isfinite(draws))


@pytest.mark.parametrize(("raw", "kind", "cls", "params", "mean", "variance"), PARSED)
def test_sample_moments_match_the_analytic_ones(
    raw: object, kind: str, cls: type, params: tuple[Any, ...], mean: float, variance: float
) -> None:
    """Sample mean and variance within 5 standard errors of ``.mean`` and ``.variance``.

    The standard error of the sample variance is estimated from the sample's fourth central
    moment: se = sqrt((m4 - s^4) / n).
    """
    dist = parse_distribution(raw, kind)
    x = dist.sample(np.random.default_rng(20180721), N_DRAWS)
    if dist.variance == 0:
        assert np.all(x == dist.mean)
        return
    se_mean = math.sqrt(dist.variance / N_DRAWS)
    assert abs(x.mean() - dist.mean) <= TOLERANCE_SE * se_mean
    centred = x - x.mean()
    s2 = float(np.mean(centred**2))
    m4 = float(np.mean(centred**4))
    se_var = math.sqrt((m4 - s2**2) / N_DRAWS)
    assert abs(x.var(ddof=1) - dist.variance) <= TOLERANCE_SE * se_var


def test_lognormal_is_given_by_its_own_mean_and_sd_not_the_logs() -> None:
    """A long-tailed lognormal (mean 12 h, sd 14 h, as in the baseline's hearing delay).

    Its log is normal with sigma^2 = ln(1 + (sd/mean)^2) and mu = ln(mean) - sigma^2/2; the
    log's sample mean and variance are checked within 5 standard errors of a normal's.
    """
    dist = parse_distribution({"dist": "lognormal", "mean": "12h", "sd": "14h"}, "duration")
    assert dist.mean == pytest.approx(720.0)
    assert math.sqrt(dist.variance) == pytest.approx(840.0)
    x = dist.sample(np.random.default_rng(3), N_DRAWS)
    assert np.all(x > 0)
    sigma2 = math.log1p((840 / 720) ** 2)
    mu = math.log(720) - sigma2 / 2
    logs = np.log(x)
    assert abs(logs.mean() - mu) <= TOLERANCE_SE * math.sqrt(sigma2 / N_DRAWS)
    assert abs(logs.var(ddof=1) - sigma2) <= TOLERANCE_SE * sigma2 * math.sqrt(2 / (N_DRAWS - 1))
    assert abs(x.mean() - 720) <= TOLERANCE_SE * 840 / math.sqrt(N_DRAWS)


def test_lognormal_with_zero_sd_always_draws_its_mean() -> None:
    dist = parse_distribution({"dist": "lognormal", "mean": "40s", "sd": "0s"}, "duration")
    assert dist.mean == pytest.approx(40 / 60)
    assert dist.variance == 0
    assert np.all(dist.sample(np.random.default_rng(0), 100) == pytest.approx(40 / 60))


def test_choice_draws_each_value_with_its_weight_and_never_a_zero_weight_one() -> None:
    dist = parse_distribution({"dist": "choice", "values": [1, 2, 3, 9], "weights": [1, 2, 5, 0]},
                              "count")
    x = dist.sample(np.random.default_rng(11), N_DRAWS)
    assert set(np.unique(x)) == {1.0, 2.0, 3.0}
    for value, p in [(1.0, 1 / 8), (2.0, 2 / 8), (3.0, 5 / 8)]:
        share = float(np.mean(x == value))
        assert abs(share - p) <= TOLERANCE_SE * math.sqrt(p * (1 - p) / N_DRAWS)
    assert dist.low == 1.0
    assert highest_value(dist) == 3.0


@pytest.mark.parametrize(
    ("raw", "low", "high"),
    [
        ({"dist": "uniform", "low": "1min", "high": "3min"}, 1.0, 3.0),
        ({"dist": "triangular", "low": "0min", "mode": "10min", "high": "40min"}, 0.0, 40.0),
        ({"dist": "exponential", "mean": "1min"}, 0.0, math.inf),
        ({"dist": "lognormal", "mean": "1min", "sd": "1min"}, 0.0, math.inf),
        ("5min", 5.0, 5.0),
    ],
)
def test_lowest_and_highest_possible_draws(raw: object, low: float, high: float) -> None:
    dist = parse_distribution(raw, "duration")
    assert dist.low == low
    assert highest_value(dist) == high


# --- rejections ------------------------------------------------------------------------------

REJECTED = [
    pytest.param({"dist": "uniform", "low": "3min", "high": "1min"}, "duration", "low <= high",
                 id="uniform-low-above-high"),
    pytest.param({"dist": "triangular", "low": "1min", "mode": "5min", "high": "3min"},
                 "duration", "low <= mode <= high", id="triangular-mode-above-high"),
    pytest.param({"dist": "triangular", "low": "2min", "mode": "1min", "high": "3min"},
                 "duration", "low <= mode <= high", id="triangular-mode-below-low"),
    pytest.param({"dist": "triangular", "low": "4min", "mode": "3min", "high": "2min"},
                 "duration", "low <= mode <= high", id="triangular-reversed"),
    pytest.param({"dist": "exponential", "mean": "0s"}, "duration", "mean > 0",
                 id="exponential-zero-mean"),
    pytest.param({"dist": "exponential", "mean": "-1min"}, "duration", "mean > 0",
                 id="exponential-negative-mean"),
    pytest.param({"dist": "lognormal", "mean": "0s", "sd": "1s"}, "duration", "mean > 0",
                 id="lognormal-zero-mean"),
    pytest.param({"dist": "lognormal", "mean": "-5s", "sd": "1s"}, "duration", "mean > 0",
                 id="lognormal-negative-mean"),
    pytest.param({"dist": "lognormal", "mean": "40s", "sd": "-15s"}, "duration", "sd >= 0",
                 id="lognormal-negative-sd"),
    pytest.param({"dist": "uniform", "low": "1min", "high": "2min", "mode": "1min"}, "duration",
                 "unknown parameter 'mode'", id="unknown-parameter"),
    pytest.param({"dist": "lognormal", "mean": "40s", "sigma": "1s"}, "duration",
                 "unknown parameter 'sigma'", id="unknown-parameter-instead-of-sd"),
    pytest.param({"dist": "empirical", "values": [1, 2], "weights": [1, 1]}, "count",
                 "unknown parameter 'weights'", id="empirical-takes-no-weights"),
    pytest.param({"dist": "uniform", "low": "1min"}, "duration", "'high' is missing",
                 id="missing-parameter"),
    pytest.param({"dist": "triangular", "low": "1min", "high": "3min"}, "duration",
                 "'mode' is missing", id="missing-mode"),
    pytest.param({"dist": "choice"}, "count", "'values' is missing", id="choice-missing-values"),
    pytest.param({"dist": "gamma", "shape": 2}, "duration", "'dist' must be one of",
                 id="unknown-dist"),
    pytest.param({"low": "1min", "high": "2min"}, "duration", "'dist' must be one of",
                 id="no-dist"),
    pytest.param({"dist": 3}, "duration", "'dist' must be one of", id="dist-a-number"),
    pytest.param({"dist": ["uniform"]}, "duration", "'dist' must be one of",
                 id="dist-a-list"),
    pytest.param({"dist": {"name": "uniform"}}, "duration", "'dist' must be one of",
                 id="dist-a-table"),
    pytest.param({"dist": "choice", "values": [1, 2, 3], "weights": [1, 1]}, "count",
                 "as long as 'values'", id="weights-wrong-length"),
    pytest.param({"dist": "choice", "values": [1, 2], "weights": [0, 0]}, "count",
                 "not all zero", id="weights-all-zero"),
    pytest.param({"dist": "choice", "values": [1, 2], "weights": [2, -1]}, "count", ">= 0",
                 id="weights-negative"),
    pytest.param({"dist": "choice", "values": [1, 2], "weights": 3}, "count", "'weights'",
                 id="weights-not-a-list"),
    pytest.param({"dist": "choice", "values": [1, 2], "weights": ["a", 1]}, "count",
                 "must be a number", id="weights-not-numbers"),
    pytest.param({"dist": "choice", "values": []}, "count", "non-empty", id="values-empty"),
    pytest.param({"dist": "choice", "values": 3}, "count", "non-empty", id="values-not-a-list"),
    pytest.param({"dist": "choice", "values": ["3"]}, "count", "must be a number",
                 id="count-values-as-strings"),
    pytest.param({"dist": "choice", "values": ["1min", 2]}, "duration", "needs a unit",
                 id="duration-values-without-unit"),
    pytest.param({"dist": "fixed", "value": 5}, "duration", "needs a unit",
                 id="parameter-without-unit"),
    pytest.param({"dist": "uniform", "low": "1min", "high": "2km"}, "duration",
                 "not a duration", id="parameter-with-wrong-unit"),
    pytest.param({"dist": "exponential", "mean": "1e999s"}, "duration", "finite",
                 id="infinite-parameter"),
    pytest.param(float("nan"), "count", "finite", id="nan-count"),
    pytest.param(True, "count", "must be a number", id="boolean-count"),
    pytest.param("45", "duration", "not a duration", id="bare-string"),
]


@pytest.mark.parametrize(("raw", "kind", "rule"), REJECTED)
def test_invalid_parameters_are_rejected_naming_the_rule(raw: object, kind: str,
                                                          rule: str) -> None:
    with pytest.raises(ValueError, match=rule.replace("(", r"\(")):
        parse_distribution(raw, kind)


# --- properties ------------------------------------------------------------------------------

# Bounds are multiples of 1/8 of modest size, so that low + (high - low) * u is computed
# exactly enough that rounding cannot push a correct draw outside [low, high].
eighths = st.integers(-8_000_000, 8_000_000).map(lambda k: k / 8)


@st.composite
def bounded_specs(draw: st.DrawFn) -> tuple[dict[str, Any], float, float]:
    """A bounded distribution as written in a file (kind "count"), with its bounds."""
    a, b, c = sorted(draw(st.lists(eighths, min_size=3, max_size=3)))
    name = draw(st.sampled_from(["fixed", "uniform", "triangular", "choice", "empirical"]))
    if name == "fixed":
        return {"dist": "fixed", "value": b}, b, b
    if name == "uniform":
        return {"dist": "uniform", "low": a, "high": c}, a, c
    if name == "triangular":
        return {"dist": "triangular", "low": a, "mode": b, "high": c}, a, c
    values = draw(st.lists(eighths, min_size=1, max_size=6))
    if name == "empirical":
        return {"dist": "empirical", "values": values}, min(values), max(values)
    weights = draw(st.lists(st.integers(1, 1000), min_size=len(values), max_size=len(values)))
    return {"dist": "choice", "values": values, "weights": weights}, min(values), max(values)


@settings(max_examples=200, deadline=None)
@given(spec=bounded_specs(), seed=st.integers(0, 2**63), n=st.integers(0, 300))
def test_bounded_draws_stay_within_low_and_high(
    spec: tuple[dict[str, Any], float, float], seed: int, n: int
) -> None:
    raw, low, high = spec
    dist = parse_distribution(raw, "count")
    draws = dist.sample(np.random.default_rng(seed), n)
    assert draws.shape == (n,)
    assert np.all(draws >= low)
    assert np.all(draws <= high)
    assert dist.low >= low


unbounded_specs = st.one_of(
    st.floats(0.01, 1e4).map(lambda m: {"dist": "exponential", "mean": m}),
    st.tuples(st.floats(0.01, 1e4), st.floats(0, 1e4)).map(
        lambda t: {"dist": "lognormal", "mean": t[0], "sd": t[1]}),
)


@settings(max_examples=100, deadline=None)
@given(raw=st.one_of(bounded_specs().map(lambda s: s[0]), unbounded_specs),
       seed=st.integers(0, 2**63), n=st.integers(1, 200))
def test_the_same_seed_gives_the_same_draws(raw: dict[str, Any], seed: int, n: int) -> None:
    dist = parse_distribution(raw, "count")
    first = dist.sample(np.random.default_rng(seed), n)
    second = dist.sample(np.random.default_rng(seed), n)
    np.testing.assert_array_equal(first, second)


def test_sampling_does_not_touch_the_global_numpy_random_state() -> None:
    dist = parse_distribution({"dist": "lognormal", "mean": "40s", "sd": "15s"}, "duration")
    np.random.seed(1)  # noqa: NPY002 - the legacy global state is what is being checked
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    first = dist.sample(np.random.default_rng(5), 50)
    after = np.random.get_state()[1]  # noqa: NPY002
    np.testing.assert_array_equal(before, after)
    np.random.seed(2)  # noqa: NPY002
    np.testing.assert_array_equal(first, dist.sample(np.random.default_rng(5), 50))


# Parameters that pass validation must give a distribution that can be used: a finite mean and
# variance and finite draws. Extreme but finite values are where this breaks.
usable_specs = st.one_of(
    st.tuples(st.floats(1e-300, 1e300), st.floats(0, 1e300)).map(
        lambda t: {"dist": "lognormal", "mean": t[0], "sd": t[1]}),
    st.lists(st.floats(0, 1.7e308), min_size=1, max_size=4).map(
        lambda w: {"dist": "choice", "values": list(range(1, len(w) + 1)), "weights": w}),
    st.tuples(st.floats(-1e300, 1e300), st.floats(-1e300, 1e300)).map(
        lambda t: {"dist": "uniform", "low": min(t), "high": max(t)}),
)


@settings(max_examples=200, deadline=None)
@example(raw={"dist": "choice", "values": [1, 2], "weights": [1e308, 1e308]})
@example(raw={"dist": "lognormal", "mean": 1e-300, "sd": 1e300})
@given(raw=usable_specs)
def test_a_distribution_that_passes_validation_can_be_used(raw: dict[str, Any]) -> None:
    try:
        dist = parse_distribution(raw, "count")
    except ValueError:
        return  # rejected with a rule: fine
    assert math.isfinite(dist.mean)
    assert math.isfinite(dist.variance)
    draws = dist.sample(np.random.default_rng(0), 10)
    assert np.all(np.isfinite(draws))
