"""Buses (SimPy): loading families from the holding area at one loading point, and departing.

Buses load one at a time, families in the order they crossed, each person taking a boarding
time. A family that does not fit in the seats left waits for the next bus unless families
may be split. Under ``when_full`` each bus leaves as soon as it is full (or as full as the
next family allows); under ``convoy`` the buses fill one after another and leave together.
Either way, once the gate has finished and nobody is left waiting, a part-full bus leaves.
With return trips a bus comes back after its turnaround and loads again.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import simpy

from crossing_sim.gate import Gate
from crossing_sim.holding import HoldingArea
from crossing_sim.records import Log
from crossing_sim.scenario import Buses

Process = Generator[simpy.Event, object, None]


class BusLoader:
    """Dispatches the fleet: one fleet (one bus, or the whole convoy) loads and leaves at a time."""

    def __init__(self, env: simpy.Environment, spec: Buses, holding: HoldingArea, gate: Gate,
                 boarding_cum: Sequence[float], first_person: Sequence[int],
                 sizes: Sequence[int], log: Log) -> None:
        self.env = env
        self.spec = spec
        self.holding = holding
        self.gate = gate
        self.boarding_cum = boarding_cum
        self.first_person = first_person
        self.sizes = sizes
        self.log = log
        self.free_at = [spec.available] * spec.count
        self.trips_left = [1 + spec.return_trips] * spec.count
        env.process(self._dispatch())

    def _next_fleet(self) -> list[int]:
        ready = [b for b in range(self.spec.count) if self.trips_left[b] > 0]
        if self.spec.departure == "convoy" or not ready:
            return ready
        return [min(ready, key=lambda b: self.free_at[b])]

    def _dispatch(self) -> Process:
        env = self.env
        while fleet := self._next_fleet():
            ready_at = max(self.free_at[b] for b in fleet)
            if ready_at > env.now:
                yield env.timeout(ready_at - env.now)
            trips: list[int] = []
            yield from self._fill(fleet, trips)
            if not trips:
                return
            for trip in trips:
                bus = self.log.trip_bus[trip]
                self.log.trip_depart[trip] = env.now
                self.trips_left[bus] -= 1
                self.free_at[bus] = env.now + self.spec.turnaround
            if not self.holding.waiting and self.gate.done.triggered:
                return

    def _fill(self, fleet: list[int], trips: list[int]) -> Process:
        """Board families onto the fleet's buses in turn until all are full or none will come."""
        env, holding, seats_per_bus = self.env, self.holding, self.spec.seats
        for bus in fleet:
            seats = seats_per_bus
            trip = -1
            while seats > 0:
                if not holding.waiting:
                    if self.gate.done.triggered:
                        return
                    yield holding.arrival_event() | self.gate.done
                    continue
                group = holding.waiting[0]
                left = holding.to_board[group]
                people = left if left <= seats else (seats if self.spec.split_families else 0)
                if people == 0:
                    break
                if trip < 0:
                    trip = self.log.new_trip(bus, env.now)
                    trips.append(trip)
                start = self.first_person[group] + self.sizes[group] - left
                yield env.timeout(self.boarding_cum[start + people] - self.boarding_cum[start])
                self.log.board(env.now, group, trip, people)
                seats -= people
                if people == left:
                    holding.waiting.popleft()
                    del holding.to_board[group]
                else:
                    holding.to_board[group] = left - people
                holding.release(people)
