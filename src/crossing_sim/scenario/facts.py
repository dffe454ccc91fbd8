"""One observed fact of a night: an exact count, or an interval a measure fell in.

A fact is written in a scenario's ``[observed]`` section as a whole number (``crossed = 422``)
or as a table with ``from`` and/or ``to`` (``last_crossing = { to = "04:30" }``,
``children_share = { from = 0.5 }``): clock times for the night's times, numbers otherwise.
Simulated nights are *consistent* with a fact when their measure lies in ``[low, high]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from crossing_sim.scenario.units import clock_to_minutes, format_clock, parse_clock

__all__ = ["FACT_UNITS", "Fact", "parse_fact"]

#: What a fact measures: people or buses (``count``), a share, or a clock time.
FACT_UNITS: Final = ("count", "share", "clock")


@dataclass(frozen=True)
class Fact:
    """What was observed of one measure: the closed interval ``[low, high]`` it lay in
    (``low == high`` for an exact count; an open end is infinite). Clock times are minutes
    after the scenario's start clock."""

    unit: str
    low: float
    high: float
    start_clock: int = 0

    @property
    def exact(self) -> bool:
        """A single value (a count), not an interval."""
        return self.low == self.high

    @property
    def value(self) -> float:
        """The observed value of an exact fact (the middle of an interval's finite ends)."""
        finite = [v for v in (self.low, self.high) if math.isfinite(v)]
        return sum(finite) / len(finite)

    def holds(self, values: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Which simulated values agree with the fact (a missing value, NaN, never does)."""
        return (values >= self.low) & (values <= self.high)

    def describe(self) -> str:
        """The fact as a person reads it: ``422``, ``21:00-21:45``, ``before 04:30``."""
        low, high = (self._show(v) for v in (self.low, self.high))
        if self.exact:
            return low
        if math.isinf(self.low):
            return f"{'before' if self.unit == 'clock' else 'at most'} {high}"
        if math.isinf(self.high):
            return f"{'after' if self.unit == 'clock' else 'at least'} {low}"
        return f"{low}-{high}"

    def _show(self, value: float) -> str:
        if math.isinf(value):
            return ""
        if self.unit == "clock":
            return format_clock(value, self.start_clock)
        if self.unit == "share":
            return f"{100 * value:g} %"
        return f"{value:g}"


def parse_fact(value: object, unit: str, start_clock: int) -> Fact:
    """Read a fact as written in a file; ValueError with the rule broken."""
    if isinstance(value, Mapping):
        return _interval(value, unit, start_clock)
    if unit != "count":
        example = '{ from = "00:00", to = "04:30" }' if unit == "clock" else "{ from = 0.5 }"
        raise ValueError(f"must be a table with 'from' and/or 'to', e.g. {example}")
    count = _number(value, unit, start_clock)
    if count != int(count):
        raise ValueError("a count must be a whole number")
    return Fact(unit, count, count, start_clock)


def _interval(table: Mapping[str, Any], unit: str, start_clock: int) -> Fact:
    unknown = sorted(set(table) - {"from", "to"})
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}: an interval has 'from' and/or 'to'")
    if not table:
        raise ValueError("an interval needs 'from', 'to' or both")
    low = _number(table["from"], unit, start_clock) if "from" in table else -math.inf
    high = _number(table["to"], unit, start_clock) if "to" in table else math.inf
    if low > high:
        raise ValueError("'from' must not come after 'to'")
    return Fact(unit, low, high, start_clock)


def _number(value: object, unit: str, start_clock: int) -> float:
    if unit == "clock":
        return clock_to_minutes(parse_clock(value), start_clock)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a finite number")
    if value < 0 or (unit == "share" and value > 1):
        raise ValueError("a share must be between 0 and 1" if unit == "share"
                         else "a count cannot be negative")
    if unit == "count" and value > 1e9:
        raise ValueError("a count must be at most 1e9")
    return float(value)
