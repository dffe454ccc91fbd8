"""Before the gate, in bulk: the families, the message, departures and the walk under hazards.

Nothing here waits on anything else, so it is computed for all groups at once with numpy;
the SimPy part of the model starts when groups reach the gate. For validation and teaching,
:func:`direct` brings the groups straight to the gate instead (``arrivals.mode`` poisson or
replay): nobody is lost on the way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crossing_sim.arrays import BoolArray, FloatArray, IntArray
from crossing_sim.model.fates import Fate
from crossing_sim.model.streams import Streams
from crossing_sim.scenario.journey import Checkpoint, Closure, Guides, Origin
from crossing_sim.scenario.spec import Scenario

__all__ = ["Travellers", "compose", "direct", "form_groups", "hazard_names", "people_tonight",
           "travel"]


@dataclass(frozen=True)
class Travellers:
    """Every family group and how its journey went; NaN where a stage was never reached."""

    size: IntArray
    volunteers: IntArray  # of its members, volunteers; the others are family members
    children: IntArray  # of its family members, children
    origin: IntArray  # index into scenario.origins; -1 for groups that came straight to the gate
    fate: IntArray  # Fate so far; -1 for groups that reach the gate (the gate decides)
    heard: FloatArray
    depart: FloatArray
    arrive: FloatArray  # at the gate; NaN if never
    lost: FloatArray  # when a checkpoint stopped it or the road cut blocked it; NaN if never


def people_tonight(scenario: Scenario, streams: Streams) -> int:
    """How many make for the gate tonight: ``population.turnout`` drawn, or ``expected``."""
    turnout = scenario.population.turnout
    if turnout is None:
        return scenario.population.expected
    return int(streams.draw("population/turnout", turnout.sample, 1)[0])


def form_groups(expected: int, scenario: Scenario, streams: Streams) -> IntArray:
    """Family sizes adding up exactly to ``expected`` (the last family is cut to fit)."""
    drawn: FloatArray = streams.draw("population/families",
                                     scenario.population.group_size.sample, expected)
    sizes = drawn.astype(np.int64)
    total = np.cumsum(sizes)
    n = int(np.searchsorted(total, expected)) + 1
    sizes = sizes[:n].copy()
    sizes[-1] -= total[n - 1] - expected
    return sizes


def compose(size: IntArray, scenario: Scenario, streams: Streams) -> tuple[IntArray, IntArray]:
    """Each family's volunteers (as many as the scenario says, at most its size) and children
    (each other member a child with probability ``p_child``, drawn per family)."""
    p = scenario.population
    volunteers = np.minimum(size, p.volunteers_per_group)
    if p.p_child == 0:
        return volunteers, np.zeros_like(size)
    members = size - volunteers
    return volunteers, streams.generator("population/children").binomial(members, p.p_child)


def travel(scenario: Scenario, streams: Streams) -> Travellers:
    """Draw the groups, who hears and goes, and when each reaches the gate (if it does).

    Every family's draws are indexed by the family, each kind from its own stream (see
    :mod:`crossing_sim.model.streams`), so a change to one part of the journey leaves the
    other parts' draws alone.
    """
    size = form_groups(people_tonight(scenario, streams), scenario, streams)
    n = size.size
    # Family sizes do not depend on the origin, so the groups can be numbered origin by
    # origin: a multinomial split of the n groups by the shares, in blocks (fast slices).
    counts = streams.multinomial("population/origins", n, scenario.origin_shares)
    bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
    origin = np.repeat(np.arange(counts.size), counts)
    w = scenario.warning
    reached = streams.uniform("message/reach", n) < w.p_reach
    declined = streams.uniform("message/decline", n) < w.p_decline
    fate = np.where(reached, np.where(declined, int(Fate.DECLINED), -1), int(Fate.NO_MESSAGE))
    heard = streams.draw("message/hearing_delay", w.hearing_delay.sample, n) - w.lead
    ready = heard + streams.draw("message/preparation", w.preparation.sample, n)
    heard = np.where(reached, heard, np.nan)
    delay = streams.draw("message/departure_delay", w.departure_delay.sample, n)
    setting_out = np.maximum(ready, w.earliest_departure) + delay
    depart = np.where(fate < 0, setting_out, np.nan)
    arrive, lost, speed = np.empty(n), np.full(n, np.nan), np.empty(n)
    for index, route in enumerate(scenario.origins):
        block = slice(bounds[index], bounds[index + 1])
        speed[block] = streams.draw(f"origin/{route.name}/walk", scenario.journey.speed.sample,
                                    int(counts[index]))
        if scenario.journey.size_slowdown:
            speed[block] /= 1 + scenario.journey.size_slowdown * (size[block] - 1)
        if route.departure_delay is not None:
            own = streams.draw(f"origin/{route.name}/departure_delay",
                               route.departure_delay.sample, int(counts[index]))
            depart[block] = depart[block] - delay[block] + own
        together = None
        if route.guides is not None:
            depart[block], together = _guided(route.guides, depart[block], size[block])
            speed[block] = _slowest(speed[block], together)
        arrive[block] = _walk(route, depart[block], speed[block], fate[block], lost[block],
                              streams, scenario.end, together)
    return Travellers(size, *compose(size, scenario, streams), origin, fate, heard, depart,
                      arrive, lost)


def direct(scenario: Scenario, streams: Streams) -> Travellers:
    """Groups that come straight to the gate: a Poisson process, or a replayed list.

    Poisson: family sizes are drawn until all ``expected`` people are in groups (the last
    family cut to fit); the groups arrive one after another with exponential gaps of mean
    ``1 / rate`` from ``arrivals.begin`` (or the gate's opening), so those due after the end
    are still en route. Replay: the listed groups, at their times. No message, no journey.
    """
    a = scenario.arrivals
    if a.mode == "replay":
        size = np.array([g for _, g in a.groups], dtype=np.int64)
        arrive = np.array([t for t, _ in a.groups], dtype=np.float64)
    else:
        assert a.rate is not None  # the scenario's validation requires it in poisson mode
        size = form_groups(people_tonight(scenario, streams), scenario, streams)
        begin = scenario.gate.open if a.begin is None else a.begin
        arrive = begin + np.cumsum(streams.exponential("arrivals/gaps", 1 / a.rate, size.size))
    n = size.size
    never = np.full(n, np.nan)
    nowhere = np.full(n, -1, dtype=np.int64)
    return Travellers(size, *compose(size, scenario, streams), nowhere, nowhere.copy(),
                      never, never.copy(), arrive, never.copy())


def _guided(guides: Guides, gathered: FloatArray, size: IntArray) -> tuple[FloatArray, IntArray]:
    """When each family leaves with a guide, and which guided group it is in (-1: none).

    Families leave in order of gathering with the first guide after they gathered that has
    room for them; a family that does not fit waits for the next.
    """
    slot = np.full(size.size, -1, dtype=np.int64)
    coming = np.flatnonzero(~np.isnan(gathered))
    order = coming[np.argsort(gathered[coming], kind="stable")]
    first, every, capacity = guides.first, guides.every, guides.capacity
    current, load = 0, 0
    for family, t, people in zip(order.tolist(), gathered[order].tolist(),
                                 size[order].tolist(), strict=True):
        earliest = max(0, math.ceil((t - first) / every - 1e-9))
        if earliest > current:
            current, load = earliest, 0
        if load and load + people > capacity:
            current, load = current + 1, 0
        load += people
        slot[family] = current
    return np.where(slot >= 0, first + slot * every, np.nan), slot


def _slowest(speed: FloatArray, together: IntArray) -> FloatArray:
    """Each family's speed, or its guided group's slowest family's."""
    guided = together >= 0
    if not guided.any():
        return speed
    slowest = np.full(int(together.max()) + 1, np.inf)
    np.minimum.at(slowest, together[guided], speed[guided])
    return np.where(guided, slowest[np.maximum(together, 0)], speed)


def _walk(route: Origin, depart: FloatArray, speed: FloatArray, fate: IntArray,
          lost: FloatArray, streams: Streams, end: float,
          together: IntArray | None = None) -> FloatArray:
    """Walk one route's groups past its hazards in order; mark those stopped or blocked.

    ``fate`` and ``lost`` are the route's blocks of the fates and loss times, updated in
    place. A hazard reached only after the model's ``end`` has not happened: that group is
    still on the road. Families of one guided group (``together``) wait at a checkpoint for
    each other. A closed checkpoint holds everyone who reaches it until it reopens; a road
    cut comes at its time of the night.
    """
    minutes_per_km = (60.0 / route.speed_factor) / speed
    t = depart.copy()
    walking = fate < 0
    n = walking.size
    position = 0.0
    names = hazard_names(route)
    for hazard, name in zip(route.hazards, names, strict=True):
        t += (hazard.at - position) * minutes_per_km
        position = hazard.at
        walking &= t < end  # past the end nothing happens; arrival >= end: still on the road
        if isinstance(hazard, Checkpoint):
            if hazard.closure is not None:
                t = _held_by_closure(hazard.closure, t, streams, name)
            stopped = walking & (streams.uniform(f"{name}/stop", n) < hazard.p_stop)
            fate[stopped] = int(Fate.STOPPED)
            lost[stopped] = t[stopped]
            t += streams.draw(f"{name}/delay", hazard.delay.sample, n)
            if together is not None:
                t = _wait_for_each_other(t, together, walking & ~stopped)
        else:
            cut = hazard.after + float(streams.draw(f"{name}/time", hazard.delay.sample, 1)[0])
            stopped = walking & (t >= cut)
            fate[stopped] = int(Fate.BLOCKED)
            lost[stopped] = t[stopped]
        walking &= ~stopped
    t += (route.distance - position) * minutes_per_km
    return np.where(fate < 0, t, np.nan)


def _held_by_closure(closure: Closure, t: FloatArray, streams: Streams,
                     name: str) -> FloatArray:
    """Arrival times past a checkpoint that may be closed tonight: held until it reopens."""
    rng = streams.generator(f"{name}/closure")
    happens, start, length = rng.random(), rng.random(), closure.length.sample(rng, 1)[0]
    if happens >= closure.p:
        return t
    opens = closure.after + start * closure.within
    reopens = opens + float(length)
    return np.where((t >= opens) & (t < reopens), reopens, t)


def _wait_for_each_other(t: FloatArray, together: IntArray, walking: BoolArray) -> FloatArray:
    """Families of one guided group go on together: when the last of them is through."""
    guided = walking & (together >= 0)
    if not guided.any():
        return t
    last = np.full(int(together.max()) + 1, -np.inf)
    np.maximum.at(last, together[guided], t[guided])
    return np.where(guided, last[np.maximum(together, 0)], t)


def hazard_names(route: Origin) -> list[str]:
    """Each hazard's stream name: its route and where it stands (``origin/north/checkpoint/4km``);
    a second hazard at the same place gets ``#2``."""
    names: list[str] = []
    for hazard in route.hazards:
        kind = "checkpoint" if isinstance(hazard, Checkpoint) else "road_cut"
        name = f"origin/{route.name}/{kind}/{hazard.at:g}km"
        repeats = sum(1 for n in names if n == name or n.startswith(name + "#"))
        names.append(name if not repeats else f"{name}#{repeats + 1}")
    return names
