"""The outcome of one replication: every group's story, the bus trips and the time series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.model.fates import FATES, Fate

__all__ = ["Boardings", "Groups", "Outcome", "Series", "Trips"]


@dataclass(frozen=True)
class Groups:
    """One entry per family group. Times are minutes after the start clock; NaN = never."""

    size: IntArray
    volunteers: IntArray  # members who are volunteers
    children: IntArray  # family members (not volunteers) who are children
    origin: IntArray
    fate: IntArray
    heard: FloatArray
    depart: FloatArray
    arrive: FloatArray
    lost: FloatArray  # when stopped at a checkpoint or blocked by a road cut
    left_queue: FloatArray
    screen_start: FloatArray
    screen_end: FloatArray
    boarded: FloatArray  # when its last member got on a bus
    trip: IntArray  # the trip its last member boarded, -1 if none


@dataclass(frozen=True)
class Trips:
    """One entry per bus trip that carried anyone."""

    bus: IntArray
    load_start: FloatArray
    depart: FloatArray  # NaN if it had not left by the end
    people: IntArray


@dataclass(frozen=True)
class Boardings:
    """One entry per family (or part of a split family) getting on one trip."""

    time: FloatArray
    group: IntArray
    trip: IntArray
    people: IntArray


@dataclass(frozen=True)
class Series:
    """People counts on the fixed clock grid ``t`` (minutes after the start clock)."""

    t: FloatArray
    crossed: IntArray  # cumulative people through the gate (the throughput curve)
    queue: IntArray  # people waiting at the gate (before opening too)
    holding: IntArray  # people in the holding area, not yet on a bus
    departed: IntArray  # people on buses that have left
    arrived: IntArray  # cumulative people who reached the gate (after closing too)

    NAMES = ("crossed", "queue", "holding", "departed", "arrived")


@dataclass(frozen=True)
class Outcome:
    """Where all the expected people ended one night, and how they got there."""

    expected: int
    end: float
    groups: Groups
    trips: Trips
    boardings: Boardings
    series: Series

    def people_by_fate(self) -> IntArray:
        """People per fate, indexed by :class:`Fate`; sums to ``expected``."""
        return self.by_fate(self.groups.size)

    def by_fate(self, counts: IntArray | None = None) -> IntArray:
        """A per-group count (people, volunteers, children; families if None) per fate."""
        return np.bincount(self.groups.fate, weights=counts,
                           minlength=len(FATES)).astype(np.int64)

    @property
    def crossed(self) -> int:
        """People who passed screening and entered the holding area."""
        return int(self.groups.size[self.groups.fate == Fate.CROSSED].sum())

    @property
    def left_by_bus(self) -> int:
        """People on bus trips that had left by the end."""
        return int(self.trips.people[~np.isnan(self.trips.depart)].sum())

    @property
    def left_waiting(self) -> int:
        """People who crossed but had not left on a bus by the end."""
        return self.crossed - self.left_by_bus

    @property
    def buses_used(self) -> int:
        """Distinct buses that left with anyone on board."""
        return len(set(self.trips.bus[~np.isnan(self.trips.depart)].tolist()))
