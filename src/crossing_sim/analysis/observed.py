"""What can be observed of a night, to calibrate against: people per fate, and the buses.

An observed statistic is written ``name=value`` (``crossed=422``); :func:`statistics` measures
the same statistics on simulated nights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.errors import ScenarioError, param
from crossing_sim.model.fates import FATES, Fate
from crossing_sim.scenario.spec import Scenario

__all__ = ["STATISTICS", "Observed", "observed_of", "parse_observed", "statistics"]

#: Statistics of a night that can be observed: people per fate, and the buses.
STATISTICS: Final = (*(f.key for f in FATES), "left_by_bus", "left_waiting", "buses_used")


@dataclass(frozen=True)
class Observed:
    """One statistic of the real night, e.g. ``crossed = 422``."""

    name: str
    value: float


def observed_of(scenario: Scenario) -> list[Observed]:
    """What a calibration is compared with unless told otherwise: the exact counts the
    scenario's ``[observed]`` section states; ScenarioError if it states none."""
    facts = scenario.observed.facts()
    found = [Observed(k, f.value) for k, f in facts.items() if k in STATISTICS and f.exact]
    if not found:
        raise ScenarioError(rule="the scenario states no observed count to calibrate on: "
                                 "set observed.crossed in it, or give e.g. crossed=422",
                            key=param("observed"))
    return found


def parse_observed(text: str) -> Observed:
    """Read ``crossed=422`` (the ``observed`` parameter); ScenarioError naming the rule if it
    is not."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    where = param("observed")
    if not sep or not name:
        raise ScenarioError(rule="write name=value, e.g. crossed=422", key=text, file=where)
    if name not in STATISTICS:
        raise ScenarioError(rule=f"unknown statistic; one of {', '.join(STATISTICS)}",
                            key=name, file=where)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ScenarioError(rule="must be a number >= 0 (people, or buses)", key=name,
                            value=raw.strip(), has_value=True, file=where)
    return Observed(name, value)


def statistics(fates: IntArray, left_by_bus: IntArray, buses_used: IntArray,
               names: Sequence[str]) -> FloatArray:
    """The named statistics of some nights, one row per night, one column per name."""
    columns = []
    for name in names:
        if name == "left_by_bus":
            columns.append(left_by_bus)
        elif name == "left_waiting":
            columns.append(fates[:, int(Fate.CROSSED)] - left_by_bus)
        elif name == "buses_used":
            columns.append(buses_used)
        else:
            columns.append(fates[:, int(Fate[name.upper()])])
    return np.column_stack(columns).astype(np.float64).reshape(len(fates), len(names))
