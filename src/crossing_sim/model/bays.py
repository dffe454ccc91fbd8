"""Buses loading at several loading points (bays) at once (``buses.loading_points > 1``).

The rules are those of one loading point (:mod:`crossing_sim.model.buses`), with up to
``loading_points`` buses loading side by side, each at its own bay:

- Families leave the holding area in the order they crossed. The family at the head goes to
  the lowest-numbered bay whose bus is not boarding anyone, so while families come slowly one
  bay takes them all (its bus fills and leaves first) and the others work when a queue builds.
  Each bay boards one family at a time, each person taking their own boarding time.
- A family that does not fit the seats left on the bus it is offered closes that bus ("as full
  as the next family allows") and is offered to the next free bay. With ``split_families``
  the bus takes as many as fit and the rest go on to the next free bay, possibly while the
  first part is still boarding: a family has boarded (``groups.boarded``, ``groups.trip``)
  when the last of its members to get on did.
- ``when_full``: a bus leaves its bay as soon as it is closed; the bay then takes the bus
  ready first (lowest number on a tie), waiting for it if it is away. ``convoy``: once all
  its buses are ready, they take the bays in order of number; a closed bus parks and the
  next one takes its bay; the convoy leaves when every bus has closed. A bus that is at a bay
  but gets nobody (the first bay was free each time a family came) simply waits there.
- Once the gate has finished and nobody is left waiting, no boarding starts: each bus leaves
  when the family it is boarding is on (a convoy when the last is). A bus that closes empty
  is not replaced (nobody more will board: the gate is done, or the next family fits no bus).
- With return trips a bus comes back after its turnaround and loads again (a bay that
  frees meanwhile may wait for it, as above; a convoy loads once all of it is back).
- More bays than buses: the extra bays stay empty.

With one bay this is exactly the one loading point's loader (the tests check it record for
record), which the model keeps for one bay as it is shorter and quicker.

The rules are written once, as a machine stepped at the clock times when something happens
(:meth:`BayLoader._step`). With a holding capacity a SimPy process steps it, waiting for the
next of its timers or for the next family; without one it is stepped after the night, from
the admission times, as :class:`~crossing_sim.model.buses.BusLoader` does. Every timer ends
at ``start + delay``, the arithmetic of a SimPy timeout, so both give the same records to the
last bit. A step at or after the end does not happen (``env.run(until=end)``).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence

import simpy

from crossing_sim.model.buses import Process
from crossing_sim.model.gate import GateQueue
from crossing_sim.model.holding import HoldingArea
from crossing_sim.model.log import Log
from crossing_sim.scenario.spec import Buses

__all__ = ["BayLoader"]

EMPTY, COMING, IDLE, BOARDING = range(4)  # what a bay is doing


class BayLoader:
    """Loads the fleet at ``spec.loading_points`` bays (see the module's docstring)."""

    def __init__(self, env: simpy.Environment, spec: Buses, holding: HoldingArea, gate: GateQueue,
                 boarding_cum: Sequence[float], first_person: Sequence[int],
                 sizes: Sequence[int], log: Log) -> None:
        self.env, self.spec, self.holding, self.gate, self.log = env, spec, holding, gate, log
        self.boarding_cum, self.first_person, self.sizes = boarding_cum, first_person, sizes
        bays = spec.loading_points
        self.state = [EMPTY] * bays
        self.bus = [-1] * bays  # the bus at (or coming to) each bay
        self.seats = [0] * bays  # seats not yet taken on it
        self.trip = [-1] * bays  # its trip, once someone is aboard
        self.group = [-1] * bays  # the boarding under way: family, people, start
        self.people = [0] * bays
        self.started = [0.0] * bays
        self.idle: list[int] = []  # heap of bays whose bus is not boarding
        self.timers: list[tuple[float, int]] = []  # heap of (time, bay); bay ``bays``: convoy
        self.events: dict[int, simpy.Event] = {}  # the SimPy timeout of each timer
        self.free_at = [spec.available] * spec.count
        self.trips_left = [1 + spec.return_trips] * spec.count
        self.depot = [(spec.available, b) for b in range(spec.count)]  # when_full: (free, bus)
        self.fleet: deque[int] = deque()  # convoy: buses yet to take a bay
        self.first_trip = 0  # convoy: its first trip
        self.taken = 0  # people of the head family already given a bay
        self.aboard_to_go: dict[int, int] = {}  # split families: people not yet aboard
        self.loading = 0  # bays with a bus (or one coming)
        self.wants_people = False  # a bus is free and nobody is waiting
        self.ended = False
        self.after_the_night = holding.capacity is None
        if not self.after_the_night:
            env.process(self._run())

    # --- the drivers -------------------------------------------------------------------------

    def _run(self) -> Process:
        """Step the machine in SimPy: at each timer's end, and when a family enters."""
        env, holding = self.env, self.holding
        self._start(0.0)
        while not self.ended:
            timer = self.events[self.timers[0][1]] if self.timers else None
            if self.wants_people:
                arrival = holding.arrival_event()
                yield arrival if timer is None else arrival | timer
            elif timer is None:
                return
            else:
                yield timer
            self._step(env.now)

    def load_after(self, end: float) -> None:
        """Step the machine after the SimPy run, from the admission times (see the module)."""
        waiting, screen_end, timers = self.holding.waiting, self.log.screen_end, self.timers
        done = math.inf if self.gate.done_at is None else self.gate.done_at
        self._start(0.0)
        while not self.ended:
            now = timers[0][0] if timers else math.inf
            if self.wants_people:
                now = min(now, screen_end[waiting[0]] if waiting else math.inf, done)
            if now >= end:
                return
            self._step(now)

    # --- the machine -------------------------------------------------------------------------

    def _timer(self, bay: int, now: float, delay: float) -> None:
        heapq.heappush(self.timers, (now + delay, bay))
        if not self.after_the_night:
            self.events[bay] = self.env.timeout(delay)  # ends at now + delay too

    def _waiting(self, now: float) -> bool:
        """Is a family waiting in the holding area at ``now``?"""
        waiting = self.holding.waiting
        return bool(waiting) and self.log.screen_end[waiting[0]] <= now

    def _over(self, now: float) -> bool:
        """Has the gate finished with nobody left waiting: will nobody more board?"""
        done = self.gate.done_at
        return done is not None and done <= now and not self._waiting(now)

    def _start(self, now: float) -> None:
        if self.spec.departure == "convoy":
            self._next_convoy(now)
        else:
            for bay in range(len(self.state)):
                self._fetch(bay, now)
        self._offer(now)

    def _step(self, now: float) -> None:
        """Everything that happens at ``now``: timers that end, then families to free bays."""
        timers, bays = self.timers, len(self.state)
        while timers and timers[0][0] <= now:
            _, bay = heapq.heappop(timers)
            if bay == bays:  # the convoy is ready
                for first in range(min(bays, len(self.fleet))):
                    self._enter(first, self.fleet.popleft())
            elif self.state[bay] == COMING:
                self.state[bay] = IDLE
                heapq.heappush(self.idle, bay)
            else:
                self._boarded(bay, now)
        self._offer(now)

    def _fetch(self, bay: int, now: float) -> None:
        """when_full: the bay takes the bus ready first, or waits for it."""
        if not self.depot:
            return
        free_at, bus = heapq.heappop(self.depot)
        self.bus[bay], self.seats[bay], self.trip[bay] = bus, self.spec.seats, -1
        self.loading += 1
        if free_at > now:
            self.state[bay] = COMING
            self._timer(bay, now, free_at - now)
        else:
            self.state[bay] = IDLE
            heapq.heappush(self.idle, bay)

    def _enter(self, bay: int, bus: int) -> None:
        self.bus[bay], self.seats[bay], self.trip[bay] = bus, self.spec.seats, -1
        self.loading += 1
        self.state[bay] = IDLE
        heapq.heappush(self.idle, bay)

    def _next_convoy(self, now: float) -> None:
        ready = [b for b in range(self.spec.count) if self.trips_left[b] > 0]
        if not ready:
            self.ended = True
            return
        self.fleet = deque(ready)
        self.first_trip = len(self.log.trip_bus)
        ready_at = max(self.free_at[b] for b in ready)
        if ready_at > now:
            self._timer(len(self.state), now, ready_at - now)
        else:
            for bay in range(min(len(self.state), len(ready))):
                self._enter(bay, self.fleet.popleft())

    def _offer(self, now: float) -> None:
        """Give the families waiting at ``now`` to free bays, lowest-numbered first.

        Run at every step, so what it reads is kept in locals.
        """
        idle, waiting, sizes, screen_end = self.idle, self.holding.waiting, self.sizes, \
            self.log.screen_end
        state, group_at, people_at, started, seats_at = (self.state, self.group, self.people,
                                                         self.started, self.seats)
        cum, first_person, split = self.boarding_cum, self.first_person, self.spec.split_families
        heappop, taken = heapq.heappop, self.taken
        while idle:
            if not waiting or screen_end[waiting[0]] > now:  # nobody is waiting
                self.taken = taken
                done = self.gate.done_at
                if done is not None and done <= now:  # nor will anybody come
                    while idle:
                        self._close(heappop(idle), now)
                    break
                self.wants_people = True
                return
            bay, group = heappop(idle), waiting[0]
            size = sizes[group]
            left, seats = size - taken, seats_at[bay]
            people = left if left <= seats else (seats if split else 0)
            if people == 0:  # the family waits for the next bay
                self.taken = taken
                self._close(bay, now)
                continue
            start = first_person[group] + taken
            state[bay], group_at[bay], people_at[bay], started[bay] = (BOARDING, group, people,
                                                                       now)
            seats_at[bay] = seats - people
            if people < size and group not in self.aboard_to_go:
                self.aboard_to_go[group] = size
            if people == left:  # every member has a bay
                waiting.popleft()
                if not self.after_the_night:
                    del self.holding.to_board[group]
                taken = 0
            else:
                taken += people
            delay = cum[start + people] - cum[start]
            if now + delay > now:
                self._timer(bay, now, delay)
            else:  # on at once: whatever the order of SimPy's events at ``now``
                self.taken = taken
                self._boarded(bay, now)
        self.taken = taken
        self.wants_people = False

    def _boarded(self, bay: int, now: float) -> None:
        """The family (or part of one) boarding at ``bay`` is on."""
        log, group, people = self.log, self.group[bay], self.people[bay]
        trip = self.trip[bay]
        if trip < 0:  # a trip is recorded once someone has got on
            trip = self.trip[bay] = log.new_trip(self.bus[bay], self.started[bay])
        log.board_time.append(now)
        log.board_group.append(group)
        log.board_trip.append(trip)
        log.board_people.append(people)
        log.trip_people[trip] += people
        to_go = self.aboard_to_go.get(group) if self.aboard_to_go else None
        if to_go is not None:
            to_go -= people
            if to_go:
                self.aboard_to_go[group] = to_go
            else:
                del self.aboard_to_go[group]
        if not to_go:  # the last of the family is on (None: it was not split)
            log.boarded[group] = now
            log.trip_of[group] = trip
        if not self.after_the_night:
            self.holding.release(people)
        if self.seats[bay] == 0:
            self._close(bay, now)
        else:
            self.state[bay] = IDLE
            heapq.heappush(self.idle, bay)

    def _close(self, bay: int, now: float) -> None:
        """The bus at ``bay`` takes nobody more: it leaves (or parks for the convoy)."""
        trip = self.trip[bay]
        self.state[bay] = EMPTY
        self.loading -= 1
        if self.spec.departure != "convoy":
            if trip >= 0:
                self._depart(trip, now)
                if not self._over(now):
                    self._fetch(bay, now)
            return
        if self.fleet and not self._over(now):
            self._enter(bay, self.fleet.popleft())
        elif not self.loading:  # the last bus has closed
            if self.first_trip == len(self.log.trip_bus):
                self.ended = True  # nobody boarded: nobody more will
                return
            for trip in range(self.first_trip, len(self.log.trip_bus)):
                self._depart(trip, now)
            if self._over(now):
                self.ended = True
            else:
                self._next_convoy(now)

    def _depart(self, trip: int, now: float) -> None:
        log, bus = self.log, self.log.trip_bus[trip]
        log.trip_depart[trip] = now
        self.trips_left[bus] -= 1
        self.free_at[bus] = now + self.spec.turnaround
        if self.trips_left[bus] > 0 and self.spec.departure != "convoy":
            heapq.heappush(self.depot, (self.free_at[bus], bus))
