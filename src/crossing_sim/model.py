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
from crossing_sim.journey import Travellers, travel
from crossing_sim.outcome import Boardings, FloatArray, Groups, IntArray, Outcome, Series, Trips
from crossing_sim.records import Log
from crossing_sim.scenario import Scenario

__all__ = ["simulate"]


def simulate(scenario: Scenario, rng: np.random.Generator) -> Outcome:
    """Run one night of ``scenario`` with random numbers from ``rng``."""
    people = travel(scenario, rng)
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
    log.fate = people.fate.tolist()
    sizes = size.tolist()
    holding = HoldingArea(env, scenario.holding.capacity)
    gate = Gate(env, gate_spec, sizes, screening.tolist(), listed.tolist(), holding, log)
    BusLoader(env, scenario.buses, holding, gate, boarding_cum.tolist(), first_person.tolist(),
              sizes, log)
    coming = np.flatnonzero(people.arrive < scenario.end)
    order = coming[np.argsort(people.arrive[coming], kind="stable")]
    env.process(gate.arrivals(order.tolist(), people.arrive[order].tolist()))
    env.run(until=scenario.end)
    return _outcome(scenario, people, log)


def _outcome(scenario: Scenario, people: Travellers, log: Log) -> Outcome:
    queued = np.asarray(log.queued)
    fate = np.asarray(log.fate, dtype=np.int64)
    fate[(fate < 0) & ~np.isnan(queued)] = Fate.AT_GATE
    fate[fate < 0] = Fate.EN_ROUTE
    groups = Groups(
        size=people.size, origin=people.origin, fate=fate, heard=people.heard,
        depart=people.depart, arrive=people.arrive, left_queue=np.asarray(log.left_queue),
        screen_start=np.asarray(log.screen_start), screen_end=np.asarray(log.screen_end),
        boarded=np.asarray(log.boarded), trip=np.asarray(log.trip_of, dtype=np.int64))
    trips = Trips(bus=np.asarray(log.trip_bus, dtype=np.int64),
                  load_start=np.asarray(log.trip_load_start),
                  depart=np.asarray(log.trip_depart),
                  people=np.asarray(log.trip_people, dtype=np.int64))
    boardings = Boardings(time=np.asarray(log.board_time),
                          group=np.asarray(log.board_group, dtype=np.int64),
                          trip=np.asarray(log.board_trip, dtype=np.int64),
                          people=np.asarray(log.board_people, dtype=np.int64))
    grid = np.arange(0.0, scenario.end + 1e-9, scenario.series_step)
    crossed = fate == Fate.CROSSED
    through = _cumulative(groups.screen_end[crossed], people.size[crossed], grid)
    series = Series(
        t=grid,
        crossed=through,
        queue=_cumulative(queued, people.size, grid)
        - _cumulative(groups.left_queue, people.size, grid),
        holding=through - _cumulative(boardings.time, boardings.people, grid),
        departed=_cumulative(trips.depart, trips.people, grid))
    return Outcome(scenario.population.expected, scenario.end, groups, trips, boardings, series)


def _cumulative(times: FloatArray, weights: IntArray, grid: FloatArray) -> IntArray:
    """Total weight of the events at or before each grid time (NaN times never happen)."""
    happened = ~np.isnan(times)
    order = np.argsort(times[happened], kind="stable")
    sums = np.concatenate(([0], np.cumsum(weights[happened][order])))
    return sums[np.searchsorted(times[happened][order], grid, side="right")].astype(np.int64)
