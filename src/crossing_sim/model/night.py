"""One replication of the night: ``simulate(scenario, streams) -> Outcome``.

Pure: no files, no printing, no global state; every random number comes from the night's
component streams (:mod:`crossing_sim.model.streams`), drawn in bulk before the SimPy run
starts, so a replication is fixed by its SeedSequence alone.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import simpy

from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.model.bays import BayLoader
from crossing_sim.model.buses import BusLoader
from crossing_sim.model.fates import Fate
from crossing_sim.model.gate import GateQueue
from crossing_sim.model.holding import HoldingArea
from crossing_sim.model.journey import Travellers, direct, travel
from crossing_sim.model.log import Log, floats, ints, packed
from crossing_sim.model.outcome import Boardings, Groups, Outcome, Series, Trips
from crossing_sim.model.streams import Streams
from crossing_sim.scenario.spec import GateRules, Scenario

__all__ = ["simulate"]


def simulate(scenario: Scenario, streams: Streams | np.random.Generator) -> Outcome:
    """Run one night of ``scenario`` with random numbers from ``streams``.

    ``streams`` are a replication's streams (:func:`crossing_sim.replication_streams`:
    night ``i`` of any run or sweep with the same seed), or a Generator to seed them from.
    """
    if isinstance(streams, np.random.Generator):
        streams = Streams.from_generator(streams)
    reach_gate = travel if scenario.arrivals.mode == "journey" else direct
    people = reach_gate(scenario, streams)
    size = people.size
    n, total = size.size, int(size.sum())
    gate_spec = scenario.gate
    first_person = np.concatenate(([0], np.cumsum(size)[:-1]))
    per_person = streams.draw("gate/screening_per_person",
                              gate_spec.screening_per_person.sample, total)
    if gate_spec.screening_per_child is not None and total:
        # a family's children are its last members: their own screening time replaces theirs
        child = (np.arange(total) - np.repeat(first_person, size)
                 >= np.repeat(size - people.children, size))
        per_child = streams.draw("gate/screening_per_child",
                                 gate_spec.screening_per_child.sample, total)
        per_person = np.where(child, per_child, per_person)
    screening = streams.draw("gate/screening_per_group", gate_spec.screening_per_group.sample,
                             n) + np.add.reduceat(per_person, first_person)
    listed = streams.uniform("gate/list", n) >= gate_spec.p_not_on_list
    boarding = streams.draw("buses/boarding", scenario.buses.boarding.sample, total)
    boarding_cum = np.empty(total + 1)
    boarding_cum[0] = 0.0
    np.cumsum(boarding, out=boarding_cum[1:])
    del boarding, per_person

    arrive = people.arrive
    log = Log(n, _late_at_the_gate(gate_spec, arrive, people.fate, scenario.end))
    env = simpy.Environment()
    sizes = packed(size)  # typed buffers, not lists: 8 bytes an entry (see log.py)
    holding = HoldingArea(env, scenario.holding.capacity)
    gate = GateQueue(env, gate_spec, sizes, packed(screening), listed.tolist(), holding, log,
                     _pauses(gate_spec, streams))
    # one loading point has its own loader, shorter and quicker than the bays' (bays.py)
    loading = BusLoader if scenario.buses.loading_points == 1 else BayLoader
    loader = loading(env, scenario.buses, holding, gate, packed(boarding_cum),
                     packed(first_person), sizes, log)
    coming = np.flatnonzero(arrive < min(gate_spec.close, gate_spec.give_up or np.inf))
    order = coming[np.argsort(arrive[coming], kind="stable")]
    early = int(np.searchsorted(arrive[order], gate_spec.open, side="left"))
    gate.wait_for_opening(packed(order[:early]), packed(arrive[order[:early]]))
    env.process(gate.arrivals(packed(order[early:]), packed(arrive[order[early:]])))
    env.run(until=scenario.end)
    if loader.after_the_night:
        loader.load_after(scenario.end)
    return _outcome(scenario, people, log)


#: Threats are drawn over this much of the night's clock from its start, whatever the gate's
#: hours, so that a night keeps its threats at the same clock times in every scenario.
THREAT_HORIZON = 24 * 60.0


def _pauses(gate: GateRules, streams: Streams) -> list[tuple[float, float]]:
    """Tonight's pauses in screening (overlapping ones merged).

    Threats come as a Poisson process on the night's clock from its start, each with its
    length, drawn the same way whatever the gate's hours (paired comparisons keep them); a
    threat pauses the screening when it overlaps the gate's open window.
    """
    if gate.pauses is None:
        return []
    expected = THREAT_HORIZON * gate.pauses
    count = int(expected + 10 * math.sqrt(expected) + 10)  # more than can fit, nearly surely
    starts = np.cumsum(streams.exponential("gate/pauses", 1 / gate.pauses, count))
    ends = starts + streams.draw("gate/pause_length", gate.pause_length.sample, count)
    inside = (starts < gate.close) & (ends > gate.open)
    merged: list[tuple[float, float]] = []
    for start, end in zip(starts[inside].tolist(), ends[inside].tolist(), strict=True):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _late_at_the_gate(gate: GateRules, arrive: FloatArray, fate: IntArray,
                      end: float) -> IntArray:
    """Fates of groups that reach the gate after closing, or after dawn while it is open."""
    fate = fate.copy()
    fate[arrive >= gate.close] = int(Fate.TOO_LATE)  # NaN (never arrives) compares False
    if gate.give_up is not None:
        fate[(arrive >= gate.give_up) & (arrive < gate.close)] = int(Fate.GAVE_UP)
    fate[arrive >= end] = -1  # still on the road when the model stops
    return fate


def _outcome(scenario: Scenario, people: Travellers, log: Log) -> Outcome:
    queued = floats(log.queued)
    fate = ints(log.fate)
    fate[(fate < 0) & ~np.isnan(queued)] = int(Fate.AT_GATE)
    fate[fate < 0] = int(Fate.EN_ROUTE)
    boardings = Boardings(time=floats(log.board_time), group=ints(log.board_group),
                          trip=ints(log.board_trip), people=ints(log.board_people))
    groups = Groups(
        size=people.size, volunteers=people.volunteers, children=people.children,
        origin=people.origin, fate=fate, heard=people.heard,
        depart=people.depart, arrive=people.arrive, lost=people.lost,
        left_queue=floats(log.left_queue),
        screen_start=floats(log.screen_start), screen_end=floats(log.screen_end),
        boarded=floats(log.boarded), trip=ints(log.trip_of))
    trips = Trips(bus=ints(log.trip_bus), load_start=floats(log.trip_load_start),
                  depart=floats(log.trip_depart), people=ints(log.trip_people))
    grid = series_grid(scenario)
    crossed = fate == int(Fate.CROSSED)
    through, size = groups.screen_end[crossed], people.size[crossed]
    counts = _step_counts(grid, [
        # (series row, event times, people: + arriving in it, - leaving it)
        (0, through, size),
        (1, queued, people.size), (1, groups.left_queue, -people.size),
        (2, through, size), (2, boardings.time, -boardings.people),
        (3, trips.depart, trips.people),
        (4, people.arrive, people.size),
    ])
    series = Series(t=grid, crossed=counts[0], queue=counts[1], holding=counts[2],
                    departed=counts[3], arrived=counts[4])
    return Outcome(int(people.size.sum()), scenario.end, groups, trips, boardings, series)


def series_grid(scenario: Scenario) -> FloatArray:
    """The clock grid of the time series: every ``series_step`` from the start, and the end."""
    return _grid(scenario.end, scenario.series_step)


@lru_cache(maxsize=64)
def _grid(end: float, step: float) -> FloatArray:
    grid = np.append(np.arange(0.0, end, step), end)
    grid.flags.writeable = False  # shared by every outcome of the scenario
    return grid


def _step_counts(grid: FloatArray, flows: list[tuple[int, FloatArray, IntArray]]) -> IntArray:
    """People in each series at each grid time, from the times they came in or left.

    An event counts from the first grid time at or after it; NaN times never happen. One
    ``bincount`` over all series at once keeps this cheap on every replication.
    """
    width = grid.size + 1  # the last column collects events after the grid (and NaN)
    rows = len(Series.NAMES)
    times = np.concatenate([t for _, t, _ in flows])
    rows_of = np.repeat([row * width for row, _, _ in flows], [t.size for _, t, _ in flows])
    slots = grid.searchsorted(times, side="left") + rows_of
    weights = np.concatenate([w for _, _, w in flows]).astype(np.float64)
    counts = np.bincount(slots, weights=weights, minlength=rows * width)
    return np.cumsum(counts.reshape(rows, width)[:, :-1], axis=1).astype(np.int64)
