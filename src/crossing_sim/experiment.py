"""Replications of one scenario: seeding, collection and the statistics people report.

Every replication draws from its own Generator, made from ``SeedSequence(seed,
spawn_key=(point, replication))``: any replication can be re-run alone and gets the same
numbers, whatever order, process or machine runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crossing_sim.fates import FATES, Fate
from crossing_sim.model import simulate
from crossing_sim.outcome import Outcome, Series
from crossing_sim.scenario import Scenario

DEFAULT_SEED = 2018

#: Columns of :attr:`Replications.trips`: one row per bus trip that carried anyone.
TRIP_FIELDS = ("replication", "bus", "load_start", "depart", "people")

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def replication_rng(seed: int, replication: int, point: int = 0) -> np.random.Generator:
    """The Generator of one replication of one sweep point."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(point, replication)))


@dataclass(frozen=True)
class Replications:
    """What a set of replications produced, one row per replication."""

    scenario: Scenario
    seed: int
    point: int
    replication: IntArray
    fates: IntArray  # (replications, fates): people per fate
    left_by_bus: IntArray
    buses_used: IntArray
    first_departure: FloatArray  # minutes after the start clock, NaN if no bus left
    last_departure: FloatArray
    last_crossing: FloatArray
    series_t: FloatArray
    series: IntArray  # (replications, len(Series.NAMES), time)
    trips: dict[str, FloatArray]  # every bus trip of every replication (see TRIP_FIELDS)

    @property
    def crossed(self) -> IntArray:
        return self.fates[:, Fate.CROSSED]

    @property
    def left_waiting(self) -> IntArray:
        return self.crossed - self.left_by_bus

    def __len__(self) -> int:
        return int(self.replication.size)


def run_replications(scenario: Scenario, replications: int, seed: int = DEFAULT_SEED,
                     point: int = 0, first: int = 0,
                     on_outcome: Callable[[int, Outcome], None] | None = None) -> Replications:
    """Run replications ``first .. first + replications - 1`` of ``scenario`` in this process."""
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    indices = np.arange(first, first + replications, dtype=np.int64)
    fates = np.empty((replications, len(FATES)), dtype=np.int64)
    by_bus = np.empty(replications, dtype=np.int64)
    buses = np.empty(replications, dtype=np.int64)
    first_dep, last_dep, last_cross = (np.full(replications, np.nan) for _ in range(3))
    series: IntArray | None = None
    t: FloatArray = np.empty(0)
    trips: list[FloatArray] = []
    for row, index in enumerate(indices):
        outcome = simulate(scenario, replication_rng(seed, int(index), point))
        if on_outcome is not None:
            on_outcome(int(index), outcome)
        fates[row] = outcome.people_by_fate()
        by_bus[row] = outcome.left_by_bus
        buses[row] = outcome.buses_used
        departed = outcome.trips.depart[~np.isnan(outcome.trips.depart)]
        if departed.size:
            first_dep[row], last_dep[row] = departed.min(), departed.max()
        crossed_at = outcome.groups.screen_end[outcome.groups.fate == Fate.CROSSED]
        if crossed_at.size:
            last_cross[row] = crossed_at.max()
        tr = outcome.trips
        trips.append(np.column_stack([np.full(tr.bus.size, index), tr.bus, tr.load_start,
                                      tr.depart, tr.people]))
        s = outcome.series
        if series is None:
            t = s.t
            series = np.empty((replications, len(Series.NAMES), t.size), dtype=np.int64)
        series[row] = [getattr(s, name) for name in Series.NAMES]
    assert series is not None
    table = np.concatenate(trips)
    return Replications(scenario, seed, point, indices, fates, by_bus, buses, first_dep,
                        last_dep, last_cross, t, series,
                        {name: table[:, i] for i, name in enumerate(TRIP_FIELDS)})
