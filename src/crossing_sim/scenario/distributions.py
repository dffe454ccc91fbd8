"""Probability distributions for scenario quantities: small spec objects that draw in bulk.

Each spec draws ``n`` values at once from a passed :class:`numpy.random.Generator` and knows
its analytic mean and variance (used by validation tests and the docs). In a scenario file a
distribution is an inline table such as ``{dist = "lognormal", mean = "50s", sd = "20s"}``; a
plain quantity such as ``"45s"`` is a fixed value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

from crossing_sim.scenario.units import parse_quantity

__all__ = [
    "Choice",
    "Distribution",
    "Exponential",
    "Fixed",
    "Lognormal",
    "Triangular",
    "Uniform",
    "parse_distribution",
]


class Distribution(Protocol):
    """What the model needs of a distribution."""

    @property
    def mean(self) -> float: ...

    @property
    def variance(self) -> float: ...

    @property
    def low(self) -> float:
        """The smallest value it can draw."""
        ...

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]: ...


@dataclass(frozen=True)
class Fixed:
    """Always the same value."""

    value: float

    name: ClassVar[str] = "fixed"

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    @property
    def low(self) -> float:
        return self.value

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return np.full(n, self.value, dtype=np.float64)


@dataclass(frozen=True)
class Uniform:
    """Any value between ``low`` and ``high``, all equally likely."""

    low: float
    high: float

    name: ClassVar[str] = "uniform"

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) * (self.high - self.low) / 12

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return rng.uniform(self.low, self.high, n)


@dataclass(frozen=True)
class Triangular:
    """A best guess ``mode`` between a ``low`` and a ``high`` bound."""

    low: float
    mode: float
    high: float

    name: ClassVar[str] = "triangular"

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        if self.low == self.high:
            return np.full(n, self.low, dtype=np.float64)
        return rng.triangular(self.low, self.mode, self.high, n)


@dataclass(frozen=True)
class Exponential:
    """Memoryless waiting times with the given ``mean`` (the textbook service time)."""

    mean_value: float

    name: ClassVar[str] = "exponential"

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.mean_value * self.mean_value

    @property
    def low(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return rng.exponential(self.mean_value, n)


@dataclass(frozen=True)
class Lognormal:
    """Positive, right-skewed values given by their own ``mean`` and ``sd`` (not the log's)."""

    mean_value: float
    sd: float

    name: ClassVar[str] = "lognormal"

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.sd * self.sd

    @property
    def low(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        sigma2 = math.log1p((self.sd / self.mean_value) ** 2)
        mu = math.log(self.mean_value) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), n)


@dataclass(frozen=True)
class Choice:
    """One of a list of ``values`` with relative ``weights`` (e.g. family sizes)."""

    values: tuple[float, ...]
    weights: tuple[float, ...]

    name: ClassVar[str] = "choice"

    @property
    def mean(self) -> float:
        total = sum(self.weights)
        return sum(v * w for v, w in zip(self.values, self.weights, strict=True)) / total

    @property
    def variance(self) -> float:
        total, mean = sum(self.weights), self.mean
        return sum((v - mean) * (v - mean) * w
                   for v, w in zip(self.values, self.weights, strict=True)) / total

    @property
    def low(self) -> float:
        return min(v for v, w in zip(self.values, self.weights, strict=True) if w > 0)

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        # what Generator.choice(values, p=...) does, without re-checking p on every call
        index = self._cdf.searchsorted(rng.random(n), side="right")
        return self._values[index]

    @cached_property
    def _cdf(self) -> NDArray[np.float64]:
        cdf = np.cumsum(np.asarray(self.weights, dtype=np.float64))
        cdf /= cdf[-1]
        return cdf

    @cached_property
    def _values(self) -> NDArray[np.float64]:
        return np.asarray(self.values, dtype=np.float64)


# --- reading a distribution from a scenario file ---------------------------------------------

Reader = Callable[[object], float]


def _reader(kind: str) -> Reader:
    if kind == "count":
        return _number
    return lambda value: parse_quantity(value, kind)


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be finite")
    return float(value)


_PARAMS: Mapping[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "exponential": ("mean",),
    "lognormal": ("mean", "sd"),
    "choice": ("values", "weights"),
    "empirical": ("values",),
}


def parse_distribution(raw: object, kind: str) -> Distribution:
    """Build a distribution from a scenario value; ``kind`` is duration, distance, speed or count.

    Raises :class:`ValueError` naming the rule broken. Returned specs are validated: bounds in
    order, positive means, weights that are not all zero.
    """
    read = _reader(kind)
    if not isinstance(raw, Mapping):
        return Fixed(read(raw))
    name = raw.get("dist")
    if not isinstance(name, str) or name not in _PARAMS:
        raise ValueError(f"'dist' must be one of {', '.join(_PARAMS)} (got {name!r})")
    expected = set(_PARAMS[name]) | {"dist"}
    unknown = sorted(set(raw) - expected)
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r} for a {name} distribution; "
                         f"it takes {', '.join(_PARAMS[name])}")
    required = set(_PARAMS[name]) - ({"weights"} if name == "choice" else set())
    missing = sorted(required - set(raw))
    if missing:
        raise ValueError(f"a {name} distribution needs {', '.join(_PARAMS[name])}; "
                         f"{missing[0]!r} is missing")
    dist = _BUILDERS[name](raw, read)
    if not (math.isfinite(dist.mean) and math.isfinite(dist.variance)):
        raise ValueError(f"the {name} distribution's parameters are too large: "
                         "its mean and variance must be finite numbers")
    return dist


def _fixed(raw: Mapping[str, Any], read: Reader) -> Distribution:
    return Fixed(read(raw["value"]))


def _uniform(raw: Mapping[str, Any], read: Reader) -> Distribution:
    low, high = read(raw["low"]), read(raw["high"])
    if low > high:
        raise ValueError(f"uniform needs low <= high (low {raw['low']}, high {raw['high']})")
    return Uniform(low, high)


def _triangular(raw: Mapping[str, Any], read: Reader) -> Distribution:
    low, mode, high = read(raw["low"]), read(raw["mode"]), read(raw["high"])
    if not low <= mode <= high:
        raise ValueError("triangular needs low <= mode <= high "
                         f"(low {raw['low']}, mode {raw['mode']}, high {raw['high']})")
    return Triangular(low, mode, high)


def _exponential(raw: Mapping[str, Any], read: Reader) -> Distribution:
    mean = read(raw["mean"])
    if mean <= 0:
        raise ValueError(f"exponential needs mean > 0 (got {raw['mean']})")
    return Exponential(mean)


def _lognormal(raw: Mapping[str, Any], read: Reader) -> Distribution:
    mean, sd = read(raw["mean"]), read(raw["sd"])
    if mean <= 0 or sd < 0:
        raise ValueError("lognormal needs mean > 0 and sd >= 0 "
                         f"(mean {raw['mean']}, sd {raw['sd']})")
    if not math.isfinite((sd / mean) * (sd / mean)):
        raise ValueError(f"lognormal sd is too large next to its mean (mean {raw['mean']}, "
                         f"sd {raw['sd']})")
    return Fixed(mean) if sd == 0 else Lognormal(mean, sd)


def _choice(raw: Mapping[str, Any], read: Reader) -> Distribution:
    values = raw["values"]
    if not isinstance(values, list) or not values:
        raise ValueError("'values' must be a non-empty list")
    parsed = tuple(read(v) for v in values)
    weights_raw = raw.get("weights", [1] * len(values))
    if not isinstance(weights_raw, list) or len(weights_raw) != len(values):
        raise ValueError(f"'weights' must be a list as long as 'values' ({len(values)})")
    weights = tuple(_number(w) for w in weights_raw)
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("'weights' must be >= 0 and not all zero")
    if not math.isfinite(sum(weights)):
        raise ValueError("'weights' are too large: their sum must be a finite number")
    return Choice(parsed, weights)


_BUILDERS: Mapping[str, Callable[[Mapping[str, Any], Reader], Distribution]] = {
    "fixed": _fixed,
    "uniform": _uniform,
    "triangular": _triangular,
    "exponential": _exponential,
    "lognormal": _lognormal,
    "choice": _choice,
    "empirical": _choice,
}


def highest(dist: Distribution) -> float:
    """The largest value a distribution can draw (infinite for unbounded ones)."""
    if isinstance(dist, Fixed):
        return dist.value
    if isinstance(dist, Uniform | Triangular):
        return dist.high
    if isinstance(dist, Choice):
        return max(v for v, w in zip(dist.values, dist.weights, strict=True) if w > 0)
    return math.inf
