"""Before the gate, in bulk: the families, the message, departures and the walk under hazards.

Nothing here waits on anything else, so it is computed for all groups at once with numpy;
the SimPy part of the model starts when groups reach the gate. For validation and teaching,
:func:`direct` brings the groups straight to the gate instead (``arrivals.mode`` poisson or
replay): nobody is lost on the way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.model.fates import Fate
from crossing_sim.model.streams import Streams
from crossing_sim.scenario.spec import Checkpoint, Origin, Scenario

__all__ = ["Travellers", "direct", "form_groups", "hazard_names", "travel"]


@dataclass(frozen=True)
class Travellers:
    """Every family group and how its journey went; NaN where a stage was never reached."""

    size: IntArray
    origin: IntArray  # index into scenario.origins; -1 for groups that came straight to the gate
    fate: IntArray  # Fate so far; -1 for groups that reach the gate (the gate decides)
    heard: FloatArray
    depart: FloatArray
    arrive: FloatArray  # at the gate; NaN if never
    lost: FloatArray  # when a checkpoint stopped it or the road cut blocked it; NaN if never


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


def travel(scenario: Scenario, streams: Streams) -> Travellers:
    """Draw the groups, who hears and goes, and when each reaches the gate (if it does).

    Every family's draws are indexed by the family, each kind from its own stream (see
    :mod:`crossing_sim.model.streams`), so a change to one part of the journey leaves the
    other parts' draws alone.
    """
    size = form_groups(scenario.population.expected, scenario, streams)
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
    depart = np.where(fate < 0, np.maximum(ready, w.earliest_departure), np.nan)
    arrive, lost, speed = np.empty(n), np.full(n, np.nan), np.empty(n)
    for index, route in enumerate(scenario.origins):
        block = slice(bounds[index], bounds[index + 1])
        speed[block] = streams.draw(f"origin/{route.name}/walk", scenario.journey.speed.sample,
                                    int(counts[index]))
        if scenario.journey.size_slowdown:
            speed[block] /= 1 + scenario.journey.size_slowdown * (size[block] - 1)
        arrive[block] = _walk(route, depart[block], speed[block], fate[block], lost[block],
                              streams, scenario.end)
    return Travellers(size, origin, fate, heard, depart, arrive, lost)


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
        size = form_groups(scenario.population.expected, scenario, streams)
        begin = scenario.gate.open if a.begin is None else a.begin
        arrive = begin + np.cumsum(streams.exponential("arrivals/gaps", 1 / a.rate, size.size))
    n = size.size
    never = np.full(n, np.nan)
    return Travellers(size, np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64),
                      never, never.copy(), arrive, never.copy())


def _walk(route: Origin, depart: FloatArray, speed: FloatArray, fate: IntArray,
          lost: FloatArray, streams: Streams, end: float) -> FloatArray:
    """Walk one route's groups past its hazards in order; mark those stopped or blocked.

    ``fate`` and ``lost`` are the route's blocks of the fates and loss times, updated in
    place. A hazard reached only after the model's ``end`` has not happened: that group is
    still on the road.
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
            stopped = walking & (streams.uniform(f"{name}/stop", n) < hazard.p_stop)
            fate[stopped] = int(Fate.STOPPED)
            lost[stopped] = t[stopped]
            t += streams.draw(f"{name}/delay", hazard.delay.sample, n)
        else:
            stopped = walking & (t >= hazard.after)
            fate[stopped] = int(Fate.BLOCKED)
            lost[stopped] = t[stopped]
        walking &= ~stopped
    t += (route.distance - position) * minutes_per_km
    return np.where(fate < 0, t, np.nan)


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
