"""Buses (SimPy): loading families from the holding area at one loading point, and departing.

This is the loader for ``buses.loading_points = 1``; with several loading points buses load
side by side by the same rules (:mod:`crossing_sim.model.bays`).

Buses load one at a time, families in the order they crossed, each person taking a boarding
time. A family that does not fit in the seats left waits for the next bus unless families
may be split. Under ``when_full`` each bus leaves as soon as it is full (or as full as the
next family allows); under ``convoy`` the buses fill one after another and leave together.
Either way, once the gate has finished and nobody is left waiting, a part-full bus leaves.
With return trips a bus comes back after its turnaround and loads again.

When the holding area has no capacity, the buses cannot act back on the gate: nothing the
gate does depends on when people board. Then the loading is not run as SimPy events (two per
family: a wake-up and a boarding) but worked out after the night's SimPy run, in one pass
over the families in the order they crossed (:meth:`BusLoader.load_after`), with the same
arithmetic on the clock as the events would do, so the records are the same to the last bit.
With a capacity, boarding frees room for the gate, and the loader runs as a SimPy process.
"""

from __future__ import annotations

import math
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
        self.after_the_night = holding.capacity is None  # see the module's docstring
        if not self.after_the_night:
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

    def load_after(self, end: float) -> None:
        """Load the buses after the SimPy run, as :meth:`_dispatch` would have during it.

        The families come in the order the gate admitted them (``holding.waiting``), each at
        its admission time (``screen_end``); the gate finished at ``gate.done_at``. The loader
        starts at time 0, and every step it takes is a step :meth:`_dispatch` would take at
        the same clock time, computed as ``now + delay`` as a SimPy timeout is. A step due at
        or after ``end`` does not happen (``env.run(until=end)`` stops before it).
        """
        log, spec = self.log, self.spec
        admitted = list(self.holding.waiting)
        screen_end = log.screen_end
        admit_time = [screen_end[g] for g in admitted]
        count = len(admitted)
        done = math.inf if self.gate.done_at is None else self.gate.done_at
        cum, split, first_person, sizes = (self.boarding_cum, spec.split_families,
                                           self.first_person, self.sizes)
        trip_people, boarded, trip_of, trip_bus = (log.trip_people, log.boarded, log.trip_of,
                                                   log.trip_bus)
        board_time, board_group = log.board_time.append, log.board_group.append
        board_trip, board_people = log.board_trip.append, log.board_people.append
        head = 0  # the first family not yet all on a bus; ``left`` of its people still off
        left = sizes[admitted[0]] if count else 0
        now = 0.0
        while fleet := self._next_fleet():
            ready_at = max(self.free_at[b] for b in fleet)
            if ready_at > now:
                now += ready_at - now
                if now >= end:
                    return
            first_trip = len(trip_bus)
            more_may_come = True
            for bus in fleet:
                seats, trip = spec.seats, -1
                while seats > 0:
                    if head == count or admit_time[head] > now:  # nobody is waiting
                        if done <= now:
                            more_may_come = False
                            break
                        # wait for the next family, or for the gate to finish
                        now = min(admit_time[head] if head < count else math.inf, done)
                        if now >= end:
                            return
                        continue
                    group = admitted[head]
                    people = left if left <= seats else (seats if split else 0)
                    if people == 0:
                        break  # the family waits for the next bus
                    started = now
                    start = first_person[group] + sizes[group] - left
                    now += cum[start + people] - cum[start]
                    if now >= end:
                        return
                    if trip < 0:  # a trip is recorded once someone has got on
                        trip = log.new_trip(bus, started)
                    board_time(now)
                    board_group(group)
                    board_trip(trip)
                    board_people(people)
                    trip_people[trip] += people
                    seats -= people
                    if people == left:  # the family's last member is on
                        boarded[group] = now
                        trip_of[group] = trip
                        head += 1
                        left = sizes[admitted[head]] if head < count else 0
                    else:
                        left -= people
                if not more_may_come:
                    break
            if first_trip == len(trip_bus):
                return
            for trip in range(first_trip, len(trip_bus)):
                bus = trip_bus[trip]
                log.trip_depart[trip] = now
                self.trips_left[bus] -= 1
                self.free_at[bus] = now + spec.turnaround
            if (head == count or admit_time[head] > now) and done <= now:
                return
