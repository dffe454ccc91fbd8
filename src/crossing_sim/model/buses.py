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

from crossing_sim.model.gate import GateQueue
from crossing_sim.model.holding import HoldingArea
from crossing_sim.model.log import Log
from crossing_sim.scenario.spec import Buses

__all__ = ["BusLoader", "Process"]

Process = Generator[simpy.Event, object, None]


class BusLoader:
    """Dispatches the fleet: one fleet (one bus, or the whole convoy) loads and leaves at a time."""

    def __init__(self, env: simpy.Environment, spec: Buses, holding: HoldingArea, gate: GateQueue,
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
        """Load one fleet after another; it leaves when full, or when nobody more will come.

        The loading loop is written out here rather than in a sub-generator: it runs for every
        family, and each generator level costs time on every event.
        """
        env, holding, log, done = self.env, self.holding, self.log, self.gate.done
        waiting, to_board, cum = holding.waiting, holding.to_board, self.boarding_cum
        split, first_person, sizes = self.spec.split_families, self.first_person, self.sizes
        trip_people, boarded, trip_of = log.trip_people, log.boarded, log.trip_of
        board_time, board_group = log.board_time.append, log.board_group.append
        board_trip, board_people = log.board_trip.append, log.board_people.append
        while fleet := self._next_fleet():
            ready_at = max(self.free_at[b] for b in fleet)
            if ready_at > env.now:
                yield env.timeout(ready_at - env.now)
            first_trip = len(log.trip_bus)
            more_may_come = True
            for bus in fleet:
                seats, trip = self.spec.seats, -1
                while seats > 0:
                    if not waiting:
                        if done.triggered:
                            more_may_come = False
                            break
                        yield holding.arrival_event()
                        continue
                    group = waiting[0]
                    left = to_board[group]
                    people = left if left <= seats else (seats if split else 0)
                    if people == 0:
                        break  # the family waits for the next bus
                    started = env.now
                    start = first_person[group] + sizes[group] - left
                    yield env.timeout(cum[start + people] - cum[start])
                    if trip < 0:  # a trip is recorded once someone has got on
                        trip = log.new_trip(bus, started)
                    now = env.now
                    board_time(now)
                    board_group(group)
                    board_trip(trip)
                    board_people(people)
                    trip_people[trip] += people
                    seats -= people
                    if people == left:  # the family's last member is on
                        boarded[group] = now
                        trip_of[group] = trip
                        waiting.popleft()
                        del to_board[group]
                    else:
                        to_board[group] = left - people
                    holding.occupied -= people
                    if holding.room_waiter is not None:
                        holding.wake_gate()
                if not more_may_come:
                    break
            if first_trip == len(log.trip_bus):
                return
            for trip in range(first_trip, len(log.trip_bus)):
                bus = log.trip_bus[trip]
                log.trip_depart[trip] = env.now
                self.trips_left[bus] -= 1
                self.free_at[bus] = env.now + self.spec.turnaround
            if not waiting and done.triggered:
                return
