"""Replications: tasks of work, running them, and all the nights of one scenario.

Work travels in :class:`Task` batches; each comes back as a
:class:`~crossing_sim.results.batches.Batch` of plain arrays. Every replication draws from
its own Generator (:mod:`crossing_sim.experiment.seeding`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from crossing_sim.arrays import FloatArray, IntArray, SeriesArray
from crossing_sim.experiment.posterior import OverPosterior
from crossing_sim.experiment.seeding import DEFAULT_SEED, replication_streams
from crossing_sim.model.fates import FATES, Fate
from crossing_sim.model.night import simulate
from crossing_sim.model.outcome import Groups, Series, Trips
from crossing_sim.results.batches import Batch, Packed, pack
from crossing_sim.results.record import MEASURED, ROW_FIELDS, TRIP_FIELDS, measure
from crossing_sim.scenario.spec import Scenario

__all__ = ["Replications", "Task", "run_batch", "run_packed", "run_replications"]


@dataclass(frozen=True)
class Task:
    """Replications ``first .. first + count - 1`` of sweep point ``point``.

    ``paired``: replication ``i`` draws the same numbers at every point (common random
    numbers); otherwise each point draws its own.
    """

    point: int
    first: int
    count: int
    paired: bool = True


def run_batch(scenario: Scenario, seed: int, task: Task) -> Batch:
    """Run one task's replications in this process (what every executor calls)."""
    # A night's own arrays are small: a numpy call on each costs more than its arithmetic,
    # so the nights' parts are kept in lists and joined once for the batch.
    n = task.count
    if n < 1:
        raise ValueError(f"a task has at least one replication (got {n})")
    point = None if task.paired else task.point
    records: list[dict[str, float | int]] = []
    groups: list[Groups] = []
    series: list[Series] = []
    trips: list[Trips] = []
    for index in range(task.first, task.first + n):
        night = scenario.night(seed, index) if isinstance(scenario, OverPosterior) else scenario
        outcome = simulate(night, replication_streams(seed, index, point))
        records.append(measure(outcome, night))
        groups.append(outcome.groups)
        series.append(outcome.series)
        trips.append(outcome.trips)
    indices = np.arange(task.first, task.first + n, dtype=np.int64)
    return Batch(task.point, indices, _people_by_fate(groups), series_t=series[0].t,
                 series=_series(series), trips=_trip_table(indices, trips), **_columns(records))


def _people_by_fate(groups: Sequence[Groups]) -> IntArray:
    """Each night's people per fate (as :meth:`Outcome.people_by_fate`), one bincount."""
    families = [g.fate.size for g in groups]
    keys = (np.repeat(np.arange(len(groups)) * len(FATES), families)
            + np.concatenate([g.fate for g in groups]))
    counts = np.bincount(keys, weights=np.concatenate([g.size for g in groups]),
                         minlength=len(groups) * len(FATES))
    return counts.reshape(len(groups), len(FATES)).astype(np.int64)


def _columns(records: Sequence[dict[str, float | int]]) -> dict[str, Any]:
    """The measured columns of the nights' records."""
    if any(list(r) != _MEASURED_NAMES for r in records):
        raise ValueError(f"a night's record lacks some of {_MEASURED_NAMES}")
    return {c.name: np.array(column, dtype=np.int64 if c.kind == "count" else np.float64)
            for c, column in zip(MEASURED, zip(*(r.values() for r in records), strict=True),
                                 strict=True)}


_MEASURED_NAMES = [c.name for c in MEASURED]


def _series(nights: Sequence[Series]) -> SeriesArray:
    """The nights' time series as one array ``(nights, len(Series.NAMES), time)``."""
    size = nights[0].t.size
    if any(s.t.size != size for s in nights):
        raise ValueError("the nights of a batch have time series on different grids")
    rows = [getattr(s, name) for s in nights for name in Series.NAMES]
    joined: SeriesArray = np.concatenate(rows, dtype=np.int32, casting="unsafe")
    return joined.reshape(len(nights), len(Series.NAMES), size)


def _trip_table(indices: IntArray, trips: Sequence[Trips]) -> FloatArray:
    """The nights' bus trips, one row a trip (:data:`TRIP_FIELDS`)."""
    table = np.empty((sum(tr.bus.size for tr in trips), len(TRIP_FIELDS)))
    table[:, 0] = np.repeat(indices, [tr.bus.size for tr in trips])
    for column, name in enumerate(("bus", "load_start", "depart", "people"), start=1):
        table[:, column] = np.concatenate([getattr(tr, name) for tr in trips])
    return table


def run_packed(scenario: Scenario, seed: int, task: Task) -> Packed:
    """:func:`run_batch`, packed for sending back from a worker process."""
    return pack(run_batch(scenario, seed, task))


def family_members(crossed: ArrayLike, volunteers: ArrayLike) -> IntArray:
    """Of those who crossed each night, the family members (not volunteers)."""
    members: IntArray = np.asarray(crossed, dtype=np.int64) - np.asarray(volunteers,
                                                                          dtype=np.int64)
    return members


def children_share(crossed: ArrayLike, children: ArrayLike) -> FloatArray:
    """Of those who crossed each night, the share who are children (NaN if nobody crossed)."""
    people = np.asarray(crossed, dtype=np.float64)
    share: FloatArray = np.divide(np.asarray(children, dtype=np.float64), people,
                                  out=np.full(people.size, np.nan), where=people > 0)
    return share


@dataclass(frozen=True)
class Replications:
    """All replications of one scenario (one sweep point), one row per replication.

    ``series`` holds every replication's time series when they were kept (the default for
    :func:`run_replications`); experiments that stream to disk leave it ``None``.
    """

    scenario: Scenario
    seed: int
    point: int
    replication: IntArray
    fates: IntArray
    left_by_bus: IntArray
    buses_used: IntArray
    first_departure: FloatArray
    last_departure: FloatArray
    last_crossing: FloatArray
    first_crossing: FloatArray
    wait_mean: FloatArray
    wait_p90: FloatArray
    wait_max: FloatArray
    utilisation: FloatArray
    queued_at_closing: IntArray
    busiest_hour: FloatArray
    people: IntArray  # who made for the gate that night (population.turnout)
    crossed_families: IntArray
    crossed_volunteers: IntArray
    crossed_children: IntArray
    series_t: FloatArray
    series: SeriesArray | None
    trips: dict[str, FloatArray]

    @property
    def crossed(self) -> IntArray:
        return self.fates[:, int(Fate.CROSSED)]

    @property
    def left_waiting(self) -> IntArray:
        return self.crossed - self.left_by_bus

    @property
    def crossed_family_members(self) -> IntArray:
        """Of those who crossed, the family members (not volunteers)."""
        return family_members(self.crossed, self.crossed_volunteers)

    @property
    def crossed_children_share(self) -> FloatArray:
        """Of those who crossed, the share who are children (NaN if nobody crossed)."""
        return children_share(self.crossed, self.crossed_children)

    def __len__(self) -> int:
        return int(self.replication.size)

    @classmethod
    def from_batches(cls, scenario: Scenario, seed: int, point: int, batches: Sequence[Batch],
                     keep_series: bool = True) -> Replications:
        """Join a point's batches in replication order."""
        if not batches:
            raise ValueError("no batches to join")
        ordered = sorted(batches, key=lambda b: int(b.replication[0]))
        table = np.concatenate([b.trips for b in ordered])

        def join(name: str) -> Any:
            return np.concatenate([getattr(b, name) for b in ordered])

        return cls(scenario, seed, point, series_t=ordered[0].series_t,
                   series=join("series") if keep_series else None,
                   trips={name: table[:, i] for i, name in enumerate(TRIP_FIELDS)},
                   **{name: join(name) for name in ROW_FIELDS})


def run_replications(scenario: Scenario, replications: int, seed: int = DEFAULT_SEED,
                     point: int = 0, first: int = 0, paired: bool = True) -> Replications:
    """Run replications ``first .. first + replications - 1`` of ``scenario`` in this process.

    For many replications, several cores or a cluster, see :mod:`crossing_sim.experiment.run`.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    batch = run_batch(scenario, seed, Task(point, first, replications, paired))
    return Replications.from_batches(scenario, seed, point, [batch])
