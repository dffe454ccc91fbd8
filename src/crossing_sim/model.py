"""One replication of the night: ``simulate(scenario, rng) -> Outcome``.

Pure: no files, no printing, no global state; every random number comes from ``rng``, drawn
in bulk before the SimPy run starts, so a replication is fixed by its Generator alone.
"""

from __future__ import annotations

import numpy as np
import simpy

from crossing_sim.buses import BusLoader
from crossing_sim.fates import Fate
from crossing_sim.gate import Gate
from crossing_sim.holding import HoldingArea
from crossing_sim.journey import Travellers, direct, travel
from crossing_sim.outcome import Boardings, FloatArray, Groups, IntArray, Outcome, Series, Trips
from crossing_sim.records import Log
from crossing_sim.scenario import Gate as GateSpec
from crossing_sim.scenario import Scenario

__all__ = ["simulate"]


def simulate(scenario: Scenario, rng: np.random.Generator) -> Outcome:
    """Run one night of ``scenario`` with random numbers from ``rng``."""
    reach_gate = travel if scenario.arrivals.mode == "journey" else direct
    people = reach_gate(scenario, rng)
    size = people.size
    n, total = size.size, int(size.sum())
    gate_spec = scenario.gate
    first_person = np.concatenate(([0], np.cumsum(size)[:-1]))
    screening = gate_spec.screening_per_group.sample(rng, n) + np.add.reduceat(
        gate_spec.screening_per_person.sample(rng, total), first_person)
    listed = rng.random(n) >= gate_spec.p_not_on_list
    boarding_cum = np.concatenate(([0.0], np.cumsum(scenario.buses.boarding.sample(rng, total))))

    env = simpy.Environment()
    log = Log(n)
    sizes = size.tolist()
    holding = HoldingArea(env, scenario.holding.capacity)
    gate = Gate(env, gate_spec, sizes, screening.tolist(), listed.tolist(), holding, log)
    BusLoader(env, scenario.buses, holding, gate, boarding_cum.tolist(), first_person.tolist(),
              sizes, log)
    arrive = people.arrive
    log.fate = _late_at_the_gate(gate_spec, arrive, people.fate, scenario.end).tolist()
    coming = np.flatnonzero(arrive < min(gate_spec.close, gate_spec.give_up or np.inf))
    order = coming[np.argsort(arrive[coming], kind="stable")]
    env.process(gate.arrivals(order.tolist(), arrive[order].tolist()))
    env.run(until=scenario.end)
    return _outcome(scenario, people, log)


def _late_at_the_gate(gate: GateSpec, arrive: FloatArray, fate: IntArray,
                      end: float) -> IntArray:
    """Fates of groups that reach the gate after closing, or after dawn while it is open."""
    fate = fate.copy()
    fate[arrive >= gate.close] = int(Fate.TOO_LATE)  # NaN (never arrives) compares False
    if gate.give_up is not None:
        fate[(arrive >= gate.give_up) & (arrive < gate.close)] = int(Fate.GAVE_UP)
    fate[arrive >= end] = -1  # still on the road when the model stops
    return fate


def _outcome(scenario: Scenario, people: Travellers, log: Log) -> Outcome:
    queued = np.asarray(log.queued)
    fate = np.asarray(log.fate, dtype=np.int64)
    fate[(fate < 0) & ~np.isnan(queued)] = int(Fate.AT_GATE)
    fate[fate < 0] = int(Fate.EN_ROUTE)
    boardings = Boardings(time=np.asarray(log.board_time),
                          group=np.asarray(log.board_group, dtype=np.int64),
                          trip=np.asarray(log.board_trip, dtype=np.int64),
                          people=np.asarray(log.board_people, dtype=np.int64))
    groups = Groups(
        size=people.size, origin=people.origin, fate=fate, heard=people.heard,
        depart=people.depart, arrive=people.arrive, left_queue=np.asarray(log.left_queue),
        screen_start=np.asarray(log.screen_start), screen_end=np.asarray(log.screen_end),
        boarded=np.asarray(log.boarded), trip=np.asarray(log.trip_of, dtype=np.int64))
    trips = Trips(bus=np.asarray(log.trip_bus, dtype=np.int64),
                  load_start=np.asarray(log.trip_load_start),
                  depart=np.asarray(log.trip_depart),
                  people=np.asarray(log.trip_people, dtype=np.int64))
    grid = series_grid(scenario)
    crossed = fate == int(Fate.CROSSED)
    through, size = groups.screen_end[crossed], people.size[crossed]
    counts = _step_counts(grid, [
        # (series row, event times, people: + arriving in it, - leaving it)
        (0, through, size),
        (1, queued, people.size), (1, groups.left_queue, -people.size),
        (2, through, size), (2, boardings.time, -boardings.people),
        (3, trips.depart, trips.people),
    ])
    series = Series(t=grid, crossed=counts[0], queue=counts[1], holding=counts[2],
                    departed=counts[3])
    return Outcome(scenario.population.expected, scenario.end, groups, trips, boardings, series)


def series_grid(scenario: Scenario) -> FloatArray:
    """The clock grid of the time series: every ``series_step`` from the start, and the end."""
    grid = np.arange(0.0, scenario.end, scenario.series_step)
    return np.append(grid, scenario.end)


def _step_counts(grid: FloatArray, flows: list[tuple[int, FloatArray, IntArray]]) -> IntArray:
    """People in each series at each grid time, from the times they came in or left.

    An event counts from the first grid time at or after it; NaN times never happen. One
    ``bincount`` over all series at once keeps this cheap on every replication.
    """
    width = grid.size + 1  # the last column collects events after the grid (and NaN)
    rows = len(Series.NAMES)
    slots = np.concatenate([grid.searchsorted(t, side="left") + row * width
                            for row, t, _ in flows])
    weights = np.concatenate([w for _, _, w in flows]).astype(np.float64)
    counts = np.bincount(slots, weights=weights, minlength=rows * width)
    return np.cumsum(counts.reshape(rows, width)[:, :-1], axis=1).astype(np.int64)
