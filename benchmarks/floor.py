"""The floor: the baseline night as a minimal SimPy model, with exactly the model's draws.

:func:`floor_night` runs one night of the baseline scenario (``scenarios/baseline.toml``) and
returns the number of people who crossed. It draws every random number the project's model
draws, from the same component streams (:class:`crossing_sim.Streams`, the same names, the
same numpy calls, the same counts), so on every seed it crosses exactly as many people as
``crossing_sim.simulate``; ``bench_model.py`` checks that on every timed night.

What it models, as plainly as it can be written: the families and their composition, the
message (reached, declined, hearing, preparation, departure delay), the two routes with the
guided groups near Quneitra, the checkpoints (stops, delays, guided groups waiting for each
other, the tripoint's closure) and the road cut, all in bulk with numpy; then, in SimPy, the
arrivals (a timeout each, those before the opening queued without one), one table per lane
with the pauses, the list, ``finish_screening`` at closing, and a convoy loading the crossed
families one timeout each, at one loading point. The only record it keeps is the count of
people who crossed.

It reads the baseline's numbers from the loaded scenario (nothing is copied, so nothing can
drift), and :func:`check_structure` refuses a scenario whose structure it does not model.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator

import numpy as np
import simpy

from crossing_sim import Scenario, Streams
from crossing_sim.scenario.distributions import Choice, Distribution, Fixed, Lognormal, Triangular
from crossing_sim.scenario.journey import Checkpoint

Process = Generator[simpy.Event, object, None]


def check_structure(scenario: Scenario) -> list[str]:
    """What in ``scenario`` the floor does not model (empty if it can run it exactly)."""
    gate, buses, problems = scenario.gate, scenario.buses, []
    if scenario.arrivals.mode != "journey":
        problems.append("arrivals are not the journey")
    if getattr(scenario.population, "turnout", None) is not None:
        problems.append("the number who set out is drawn (population.turnout)")
    if not isinstance(scenario.population.group_size, Choice):
        problems.append("group sizes are not a choice")
    if gate.screening_per_child is not None or gate.closing != "finish_screening":
        problems.append("the gate has a child screening time or another closing rule")
    if gate.give_up is not None and gate.give_up <= gate.close:
        problems.append("dawn comes before closing")
    if scenario.holding.capacity is not None:
        problems.append("the holding area has a capacity")
    if buses.departure != "convoy" or buses.split_families or buses.return_trips:
        problems.append("the buses are not one convoy of whole families")
    if buses.loading_points != 1:
        problems.append("the buses load at several loading points")
    return problems


def _sample(dist: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    """The numpy call the scenario's distribution makes (only the baseline's kinds)."""
    if isinstance(dist, Triangular):
        return rng.triangular(dist.low, dist.mode, dist.high, n)
    if isinstance(dist, Lognormal):
        sigma2 = math.log1p((dist.sd / dist.mean_value) ** 2)
        return rng.lognormal(math.log(dist.mean_value) - sigma2 / 2, math.sqrt(sigma2), n)
    return dist.sample(rng, n)


def _draw(streams: Streams, name: str, dist: Distribution, n: int) -> np.ndarray:
    if isinstance(dist, Fixed):  # draws nothing: no need to position the stream
        return np.full(n, dist.value)
    return _sample(dist, streams.generator(name), n)


def floor_night(scenario: Scenario, streams: Streams) -> int:
    """One baseline night as a bare SimPy model; returns the number of people who crossed."""
    pop, w, gate, buses = scenario.population, scenario.warning, scenario.gate, scenario.buses
    expected, end = pop.expected, scenario.end
    # --- the families, in bulk --------------------------------------------------------------
    choice = pop.group_size
    assert isinstance(choice, Choice)
    cdf = np.cumsum(np.asarray(choice.weights, dtype=np.float64))
    cdf /= cdf[-1]
    values = np.asarray(choice.values, dtype=np.float64)
    drawn = values[cdf.searchsorted(streams.generator("population/families").random(expected),
                                    side="right")].astype(np.int64)
    total = np.cumsum(drawn)
    n = int(np.searchsorted(total, expected)) + 1
    size = drawn[:n].copy()
    size[-1] -= total[n - 1] - expected
    counts = streams.generator("population/origins").multinomial(n, scenario.origin_shares)
    members = size - np.minimum(size, pop.volunteers_per_group)
    streams.generator("population/children").binomial(members, pop.p_child)  # who they are
    # --- the message and the walk, in bulk --------------------------------------------------
    reached = streams.generator("message/reach").random(n) < w.p_reach
    declined = streams.generator("message/decline").random(n) < w.p_decline
    going = reached & ~declined
    heard = _draw(streams, "message/hearing_delay", w.hearing_delay, n) - w.lead
    ready = heard + _draw(streams, "message/preparation", w.preparation, n)
    delay = _draw(streams, "message/departure_delay", w.departure_delay, n)
    depart = np.maximum(ready, w.earliest_departure) + delay
    arrive = np.full(n, np.nan)
    start = 0
    for route, count in zip(scenario.origins, counts.tolist(), strict=True):
        block = slice(start, start + count)
        start += count
        prefix = f"origin/{route.name}"
        speed = _draw(streams, f"{prefix}/walk", scenario.journey.speed, count)
        speed /= 1 + scenario.journey.size_slowdown * (size[block] - 1)
        t = np.where(going[block], depart[block], np.nan)
        if route.departure_delay is not None:
            t = t - delay[block] + _draw(streams, f"{prefix}/departure_delay",
                                         route.departure_delay, count)
        walking = going[block].copy()
        together = None
        if route.guides is not None:  # leave with the first guide that has room
            g = route.guides
            slot = np.full(count, -1, dtype=np.int64)
            known = np.flatnonzero(~np.isnan(t))
            order = known[np.argsort(t[known], kind="stable")]
            current = load = 0
            for family, when, people in zip(order.tolist(), t[order].tolist(),
                                            size[block][order].tolist(), strict=True):
                earliest = max(0, math.ceil((when - g.first) / g.every - 1e-9))
                if earliest > current:
                    current, load = earliest, 0
                if load and load + people > g.capacity:
                    current, load = current + 1, 0
                load += people
                slot[family] = current
            t = np.where(slot >= 0, g.first + slot * g.every, np.nan)
            together = slot
            if (slot >= 0).any():
                slowest = np.full(int(slot.max()) + 1, np.inf)
                np.minimum.at(slowest, slot[slot >= 0], speed[slot >= 0])
                speed = np.where(slot >= 0, slowest[np.maximum(slot, 0)], speed)
        pace = (60.0 / route.speed_factor) / speed
        position = 0.0
        for hazard in route.hazards:
            kind = "checkpoint" if isinstance(hazard, Checkpoint) else "road_cut"
            name = f"{prefix}/{kind}/{hazard.at:g}km"
            t += (hazard.at - position) * pace
            position = hazard.at
            walking &= t < end
            if isinstance(hazard, Checkpoint):
                if hazard.closure is not None:
                    c, rng = hazard.closure, streams.generator(f"{name}/closure")
                    happens, when = rng.random(), rng.random()
                    length = float(_sample(c.length, rng, 1)[0])
                    if happens < c.p:
                        opens = c.after + when * c.within
                        t = np.where((t >= opens) & (t < opens + length), opens + length, t)
                stopped = walking & (streams.generator(f"{name}/stop").random(count)
                                     < hazard.p_stop)
                t += _draw(streams, f"{name}/delay", hazard.delay, count)
                if together is not None:  # a guided group goes on when its last family is through
                    guided = walking & ~stopped & (together >= 0)
                    if guided.any():
                        last = np.full(int(together.max()) + 1, -np.inf)
                        np.maximum.at(last, together[guided], t[guided])
                        t = np.where(guided, last[np.maximum(together, 0)], t)
            else:
                cut = hazard.after + float(_draw(streams, f"{name}/time", hazard.delay, 1)[0])
                stopped = walking & (t >= cut)
            walking &= ~stopped
        t += (route.distance - position) * pace
        arrive[block] = np.where(walking, t, np.nan)
    # --- the gate's draws, in bulk ----------------------------------------------------------
    first_person = np.concatenate(([0], np.cumsum(size)[:-1]))
    people = int(size.sum())  # expected: the last family is cut to fit
    per_person = _draw(streams, "gate/screening_per_person", gate.screening_per_person,
                       people)
    screening = (_draw(streams, "gate/screening_per_group", gate.screening_per_group, n)
                 + np.add.reduceat(per_person, first_person)).tolist()
    listed = (streams.generator("gate/list").random(n) >= gate.p_not_on_list).tolist()
    boarding = np.add.reduceat(_draw(streams, "buses/boarding", buses.boarding, people),
                               first_person).tolist()
    pauses: list[tuple[float, float]] = []
    if gate.pauses is not None:
        expected_pauses = 24 * 60.0 * gate.pauses  # threats over a day of the night's clock
        count = int(expected_pauses + 10 * math.sqrt(expected_pauses) + 10)
        starts = np.cumsum(streams.generator("gate/pauses").exponential(1 / gate.pauses, count))
        ends = starts + _draw(streams, "gate/pause_length", gate.pause_length, count)
        inside = (starts < gate.close) & (ends > gate.open)
        for s, e in zip(starts[inside].tolist(), ends[inside].tolist(), strict=True):
            if pauses and s <= pauses[-1][1]:
                pauses[-1] = (pauses[-1][0], max(pauses[-1][1], e))
            else:
                pauses.append((s, e))
    coming = np.flatnonzero(arrive < gate.close)
    order = coming[np.argsort(arrive[coming], kind="stable")]
    early = int(np.searchsorted(arrive[order], gate.open, side="left"))
    sizes = size.tolist()

    # --- the night in SimPy -------------------------------------------------------------
    env = simpy.Environment()
    open_, close = gate.open, gate.close
    queue: deque[int] = deque(order[:early].tolist())
    holding: deque[int] = deque()
    idle_tables: list[simpy.Event] = []
    idle_loader: list[simpy.Event] = []
    crossed = 0
    working = gate.lanes

    def arrivals(groups: list[int], times: list[float]) -> Process:
        for group, t in zip(groups, times, strict=True):
            if t > env.now:
                yield env.timeout(t - env.now)
            queue.append(group)
            if idle_tables:
                idle_tables.pop().succeed()

    def table() -> Process:
        nonlocal crossed, working
        yield env.timeout(open_)
        pause = 0
        while True:
            now = env.now
            if now >= close:
                break
            if not queue:
                wake = env.event()
                idle_tables.append(wake)
                yield wake
                continue
            if pause < len(pauses) and now >= pauses[pause][0]:
                while pause < len(pauses) and pauses[pause][1] <= now:
                    pause += 1
                if pause < len(pauses) and pauses[pause][0] <= now:
                    yield env.timeout(pauses[pause][1] - now)
                    continue
            group = queue.popleft()
            yield env.timeout(screening[group])
            if listed[group]:
                crossed += sizes[group]
                holding.append(group)
                if idle_loader:
                    idle_loader.pop().succeed()
        working -= 1
        if working == 0 and idle_loader:
            idle_loader.pop().succeed()

    def closing() -> Process:
        yield env.timeout(close)
        queue.clear()
        for wake in idle_tables:
            wake.succeed()
        idle_tables.clear()

    def convoy() -> Process:
        yield env.timeout(buses.available)
        for _ in range(buses.count):
            seats = buses.seats
            while True:
                if not holding:
                    if working == 0:
                        return  # the gate is done: the convoy leaves now
                    wake = env.event()
                    idle_loader.append(wake)
                    yield wake
                    continue
                group = holding[0]
                if sizes[group] > seats:
                    break  # families stay together: this one waits for the next bus
                holding.popleft()
                yield env.timeout(boarding[group])
                seats -= sizes[group]

    env.process(arrivals(order[early:].tolist(), arrive[order[early:]].tolist()))
    for _ in range(gate.lanes):
        env.process(table())
    env.process(closing())
    env.process(convoy())
    env.run(until=end)
    return crossed
