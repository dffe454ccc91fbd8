"""The gate at night (SimPy): groups queue, tables screen them, the closing rule and dawn.

Families wait near the gate until it opens and join one first-come-first-served queue. Each
screening table takes the family at the head of the queue when the holding area behind the
gate has room for it, screens it (a time drawn in advance from its size), and lets it through
or refuses it. At closing no new family may queue; the closing rule says what happens to the
queue. At dawn (``give_up``) families still queued leave. While the site is under threat
(a pause), no family is called to a table; one already at a table is finished.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Sequence

import simpy

from crossing_sim.model.fates import Fate
from crossing_sim.model.holding import HoldingArea
from crossing_sim.model.log import Log
from crossing_sim.scenario.spec import GateRules

__all__ = ["GateQueue", "Process"]

Process = Generator[simpy.Event, object, None]

# plain ints in the hot loop: numpy converts IntEnum members several times slower
TOO_LATE, GAVE_UP, TURNED_AWAY, REFUSED, CROSSED = (
    int(f) for f in (Fate.TOO_LATE, Fate.GAVE_UP, Fate.TURNED_AWAY, Fate.REFUSED, Fate.CROSSED))


class GateQueue:
    """The gate's queue and tables; ``done`` fires when the last table has stopped for good."""

    def __init__(self, env: simpy.Environment, spec: GateRules, sizes: Sequence[int],
                 screening: Sequence[float], listed: Sequence[bool], holding: HoldingArea,
                 log: Log, pauses: Sequence[tuple[float, float]] = ()) -> None:
        self.env = env
        self.spec = spec
        self.sizes = sizes
        self.screening = screening
        self.listed = listed
        self.holding = holding
        self.log = log
        self.pauses = pauses  # (start, end) of each pause in screening, in order, disjoint
        self.queue: deque[int] = deque()
        self.idle: list[simpy.Event] = []
        self.working = spec.lanes
        self.done = env.event()
        self.done_at: float | None = None  # when the last table stopped
        for _ in range(spec.lanes):
            env.process(self._table())
        env.process(self._closing())
        if spec.give_up is not None:
            env.process(self._dawn(spec.give_up))

    def wait_for_opening(self, order: Sequence[int], times: Sequence[float]) -> None:
        """Groups that arrive before the gate opens: they wait nearby, in order of arrival.

        Nothing happens to them before the opening, so they join the queue without an event
        each; the queue's records keep their arrival times.
        """
        for group, t in zip(order, times, strict=True):
            self.log.queued[group] = t
            self.queue.append(group)

    def arrivals(self, order: Sequence[int], times: Sequence[float]) -> Process:
        """Bring each group to the queue at its arrival time (``order`` sorted by time).

        Only groups arriving before closing and before dawn come here: the model marks the
        others too late, or given up, without an event.
        """
        env, queue, idle, queued = self.env, self.queue, self.idle, self.log.queued
        now = env.now  # kept here: a timeout of d resumes this process at exactly now + d
        for group, t in zip(order, times, strict=True):
            if t > now:
                delay = t - now
                yield env.timeout(delay)
                now += delay
            queued[group] = t
            queue.append(group)
            if idle:
                idle.pop().succeed()

    def _table(self) -> Process:
        """One screening table: from opening until closing (and the rule) says stop."""
        env, spec, log, queue, holding = self.env, self.spec, self.log, self.queue, self.holding
        sizes, screening, listed, close = self.sizes, self.screening, self.listed, spec.close
        fate, left_queue, screen_start, screen_end = (
            log.fate, log.left_queue, log.screen_start, log.screen_end)
        if env.now < spec.open:
            yield env.timeout(spec.open - env.now)
        finish_queue = spec.closing == "finish_queue"
        cut_off = spec.closing == "cut_off"
        limited = holding.capacity is not None
        # without a capacity the buses load after the night (see buses.py): keep the order
        keep = holding.waiting.append
        pauses, pause = self.pauses, 0
        next_pause = pauses[0][0] if pauses else math.inf  # when the next pause starts
        # the clock is read after waiting for an event; after a timeout of d it is now + d
        now = env.now
        while True:
            if now >= close and not (finish_queue and queue):
                break
            if not queue:
                wake = env.event()
                self.idle.append(wake)
                yield wake
                now = env.now
                continue
            if now >= next_pause:
                while pause < len(pauses) and pauses[pause][1] <= now:
                    pause += 1
                next_pause = pauses[pause][0] if pause < len(pauses) else math.inf
                if next_pause <= now:
                    delay = pauses[pause][1] - now
                    yield env.timeout(delay)  # no family is called meanwhile
                    now += delay
                    continue
            group = queue[0]
            size = sizes[group]
            if limited:
                if not holding.has_room(size):
                    yield holding.room_event()
                    now = env.now
                    continue
                holding.occupied += size  # room is held for the family while it is screened
            queue.popleft()
            left_queue[group] = screen_start[group] = now
            duration = screening[group]
            if cut_off and now + duration > close:
                delay = close - now
                yield env.timeout(delay)
                now += delay
                fate[group] = TURNED_AWAY
                if limited:
                    holding.release(size)
                continue
            yield env.timeout(duration)
            now += duration
            screen_end[group] = now
            if listed[group]:
                fate[group] = CROSSED
                if limited:
                    holding.admit(group, size)
                else:
                    keep(group)
            else:
                fate[group] = REFUSED
                if limited:
                    holding.release(size)
        self.working -= 1
        if self.working == 0:
            self.done_at = env.now
            self.done.succeed()
            holding.wake_loader()

    def _closing(self) -> Process:
        """At closing, apply the closing rule to the queue and wake idle tables to stop."""
        env, spec = self.env, self.spec
        yield env.timeout(spec.close - env.now)
        if spec.closing != "finish_queue":
            self._clear_queue(TURNED_AWAY)
        for wake in self.idle:
            wake.succeed()
        self.idle.clear()
        self.holding.wake_gate()

    def _dawn(self, give_up: float) -> Process:
        """At dawn, every group still waiting in the queue gives up."""
        yield self.env.timeout(give_up - self.env.now)
        self._clear_queue(GAVE_UP)

    def _clear_queue(self, fate: int) -> None:
        now = self.env.now
        for group in self.queue:
            self.log.fate[group] = fate
            self.log.left_queue[group] = now
        self.queue.clear()
