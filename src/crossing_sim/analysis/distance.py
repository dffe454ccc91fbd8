"""How far a simulated night is from the observed facts, fact by fact.

A fact is an exact count (``crossed = 422``) or an interval (``last_crossing`` before 04:30).
A night's *excess* over a fact is how far its measure lies outside the fact: 0 inside the
interval (or on the count), otherwise the gap to the nearer end, in the fact's own unit
(people, buses or minutes). A night with no value at all (nobody crossed, so no first
crossing) is a whole day away. ABC-SMC (:mod:`crossing_sim.analysis.smc`) compares the
excesses with 0, each divided by an adaptive scale, so counts and clock times weigh alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from crossing_sim.arrays import FloatArray
from crossing_sim.errors import ScenarioError, param
from crossing_sim.experiment.replications import children_share, family_members
from crossing_sim.experiment.summary import FACT_MEASURES
from crossing_sim.model.fates import Fate
from crossing_sim.scenario.facts import Fact
from crossing_sim.scenario.observed import FACT_KEYS
from crossing_sim.scenario.units import MINUTES_PER_DAY

__all__ = ["GROUPS", "MISSING", "Facts", "excess", "fact_values", "facts_of", "night_excess",
           "night_fact_values", "record_columns", "select"]

#: How far a night without a value (NaN) is from any fact.
MISSING: Final = float(MINUTES_PER_DAY)
#: The facts a held-out check fits on, by name: the counts, or the timing facts.
GROUPS: Final = {"counts": "count", "timing": "clock"}

Facts = Mapping[str, Fact]


def facts_of(observed: Facts, names: Sequence[str] = ()) -> dict[str, Fact]:
    """The facts to calibrate on: ``names`` of them, or all; ScenarioError if none."""
    if not observed:
        raise ScenarioError(rule="the scenario states no observed facts to calibrate on: "
                                 "add an [observed] section (e.g. crossed = 422)",
                            key=param("facts"))
    chosen = list(names) or list(observed)
    for name in chosen:
        if name not in observed:
            known = ", ".join(observed) or "none"
            rule = (f"the scenario's [observed] section does not state it (it states {known})"
                    if name in FACT_KEYS else f"unknown fact; one of {', '.join(FACT_KEYS)}")
            raise ScenarioError(rule=rule, key=name, file=param("facts"))
    return {name: observed[name] for name in chosen}


def select(facts: Facts, group: str) -> dict[str, Fact]:
    """The facts of one group of :data:`GROUPS` (``counts`` or ``timing``)."""
    return {k: f for k, f in facts.items() if f.unit == GROUPS[group]}


def fact_values(nights: Any, names: Sequence[str]) -> FloatArray:
    """Each night's measure of each named fact, one row per night (from a Batch or
    Replications: anything with the record's per-replication arrays)."""
    crossed = np.asarray(nights.fates)[:, int(Fate.CROSSED)].astype(np.float64)
    columns = []
    for name in names:
        measure = FACT_MEASURES[name]
        if measure == "crossed":
            columns.append(crossed)
        elif measure == "crossed_family_members":  # derived, as in Replications
            columns.append(family_members(crossed, nights.crossed_volunteers).astype(np.float64))
        elif measure == "crossed_children_share":
            columns.append(children_share(crossed, nights.crossed_children))
        else:
            columns.append(np.asarray(getattr(nights, measure)))
    rows = crossed.size
    return np.column_stack(columns).astype(np.float64).reshape(rows, len(names))


#: The record's columns a derived measure is computed from (with the crossed count).
_DERIVED: Final = {"crossed": (), "crossed_family_members": ("crossed_volunteers",),
                   "crossed_children_share": ("crossed_children",)}


def record_columns(names: Sequence[str]) -> frozenset[str]:
    """The record's columns the named facts' measures are read or derived from."""
    measures = [FACT_MEASURES[name] for name in names]
    return frozenset(c for m in measures for c in _DERIVED.get(m, (m,)))


def night_fact_values(crossed: int, record: Mapping[str, float | int],
                      names: Sequence[str]) -> list[float]:
    """:func:`fact_values` of one night, from its crossed count and its record (at least
    :func:`record_columns`): the same numbers, as plain floats."""
    values = []
    for name in names:
        measure = FACT_MEASURES[name]
        if measure == "crossed":
            values.append(float(crossed))
        elif measure == "crossed_family_members":
            values.append(float(crossed - record["crossed_volunteers"]))
        elif measure == "crossed_children_share":
            values.append(float(record["crossed_children"]) / crossed if crossed > 0 else
                          math.nan)
        else:
            values.append(float(record[measure]))
    return values


def night_excess(values: Sequence[float], facts: Sequence[Fact]) -> list[float]:
    """:func:`excess` of one night's values: the same numbers, as plain floats (each
    maximum taken as ``np.maximum`` takes it: a NaN wins, the second of equals)."""
    gaps = []
    for value, fact in zip(values, facts, strict=True):
        if value != value:
            gaps.append(MISSING)
            continue
        below, above = float(fact.low) - value, value - float(fact.high)
        gap = below if below > above or below != below else above
        gaps.append(gap if gap > 0.0 or gap != gap else 0.0)
    return gaps


def excess(values: FloatArray, facts: Sequence[Fact]) -> FloatArray:
    """How far each value lies outside its fact (0 inside; :data:`MISSING` for NaN)."""
    low = np.array([f.low for f in facts])
    high = np.array([f.high for f in facts])
    gap = np.maximum(np.maximum(low - values, values - high), 0.0)
    return np.where(np.isnan(values), MISSING, gap)
