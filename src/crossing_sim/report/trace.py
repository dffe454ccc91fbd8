"""A narrated night: one replication's events in clock time, for reading and teaching.

:func:`events` turns an :class:`~crossing_sim.model.outcome.Outcome` into a time-ordered event log
(pure: no printing); :func:`narrate` writes it as lines such as
``21:04  family 17 (5 people) reaches the gate; 3 families ahead``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from crossing_sim.model.fates import Fate
from crossing_sim.model.outcome import Outcome
from crossing_sim.scenario.spec import Scenario
from crossing_sim.scenario.units import MINUTES_PER_DAY, format_clock

__all__ = ["EVENT_COLUMNS", "Event", "clock", "events", "narrate"]

#: Columns of the raw event log (``crossing-sim trace --csv``).
EVENT_COLUMNS = ("minutes", "clock", "group", "people", "event", "detail")


@dataclass(frozen=True)
class Event:
    """Something that happened at ``minutes`` after the start clock (group -1: the night's)."""

    minutes: float
    group: int
    people: int
    event: str
    detail: str = ""


def events(scenario: Scenario, outcome: Outcome) -> list[Event]:
    """Every event of the night, in time order (ties: in the order they happen)."""
    g = outcome.groups
    names = [o.name for o in scenario.origins]
    log: list[Event] = [
        Event(scenario.gate.open, -1, 0, "gate opens", f"{scenario.gate.lanes} table(s)"),
        Event(scenario.gate.close, -1, 0, "gate closes", scenario.gate.closing),
    ]
    if scenario.gate.give_up is not None:
        log.append(Event(scenario.gate.give_up, -1, 0, "dawn", "families still queued leave"))
    ahead = _families_ahead(outcome)
    for i in range(g.size.size):
        log += [e for e in _group_events(i, outcome, names, int(ahead[i]), scenario.gate.close)
                if e.minutes <= outcome.end]
    for trip in range(outcome.trips.bus.size):
        depart = float(outcome.trips.depart[trip])
        if not math.isnan(depart):
            log.append(Event(depart, -1, int(outcome.trips.people[trip]), "bus leaves",
                             f"bus {int(outcome.trips.bus[trip]) + 1}"))
    return sorted(log, key=lambda e: (e.minutes, _ORDER.get(e.event, 5), e.group))


# Within one minute, events read in the order they cause each other.
_ORDER = {"gate opens": 0, "crosses": 1, "is refused": 1, "boards": 2, "reaches the gate": 3,
          "reaches a table": 4, "is turned away at closing": 6, "gives up at dawn": 6,
          "dawn": 7, "gate closes": 7, "bus leaves": 8, "leaves": 9}


def _families_ahead(outcome: Outcome) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """For each group, how many families were waiting in the queue when it arrived."""
    g = outcome.groups
    queued = g.arrive
    left = np.where(np.isnan(g.left_queue), np.inf, g.left_queue)
    ahead = np.zeros(g.size.size, dtype=np.int64)
    waiting = ~np.isnan(queued) & ~np.isin(g.fate, [int(Fate.TOO_LATE), int(Fate.EN_ROUTE)])
    index = np.arange(g.size.size)
    for i in np.flatnonzero(waiting):
        # in the queue before it: arrived earlier (or at the same time, earlier in line),
        # and not yet at a table or gone
        before = (queued < queued[i]) | ((queued == queued[i]) & (index < i))
        ahead[i] = int((waiting & before & (left >= queued[i])).sum())
    return ahead


def _group_events(i: int, outcome: Outcome, origins: list[str], ahead: int,
                  close: float) -> list[Event]:
    g = outcome.groups
    size, fate = int(g.size[i]), Fate(int(g.fate[i]))
    out: list[Event] = []

    def add(minutes: float, event: str, detail: str = "") -> None:
        if not math.isnan(minutes):
            out.append(Event(float(minutes), i, size, event, detail))

    origin = origins[int(g.origin[i])] if 0 <= g.origin[i] < len(origins) else "nearby"
    add(float(g.heard[i]), "hears the message")
    if fate is Fate.NO_MESSAGE:
        add(0.0, "never gets the message")
        return out
    if fate is Fate.DECLINED:
        add(float(g.heard[i]) if not math.isnan(g.heard[i]) else 0.0, "decides to stay")
        return out
    if fate is Fate.EN_ROUTE and not float(g.depart[i]) <= outcome.end:
        add(outcome.end, "has not set out yet", "still on the way at the end: the night is over")
        return out
    add(float(g.depart[i]), "sets out", f"from {origin}")
    if fate in (Fate.STOPPED, Fate.BLOCKED):
        add(float(g.lost[i]), "is stopped at a checkpoint" if fate is Fate.STOPPED
            else "finds the road cut by fighting", f"on the way from {origin}")
        return out
    if fate is Fate.EN_ROUTE:
        add(outcome.end, "is still on the road", "still on the way at the end: the night is over")
        return out
    if fate is Fate.TOO_LATE:
        add(float(g.arrive[i]), "reaches the gate after it closed")
        return out
    if fate is Fate.GAVE_UP and math.isnan(g.left_queue[i]):
        add(float(g.arrive[i]), "reaches the gate at dawn and gives up")
        return out
    add(float(g.arrive[i]), "reaches the gate",
        "nobody ahead" if ahead == 0 else f"{ahead} famil{'y' if ahead == 1 else 'ies'} ahead")
    if fate is Fate.GAVE_UP:
        add(float(g.left_queue[i]), "gives up at dawn")
    elif fate is Fate.TURNED_AWAY and math.isnan(g.screen_start[i]):
        add(float(g.left_queue[i]), "is turned away at closing")
    elif fate is Fate.TURNED_AWAY:  # at a table when the gate closed under cut_off
        add(float(g.screen_start[i]), "reaches a table")
        add(close, "is turned away at closing", "screening cut off")
    elif fate is Fate.AT_GATE:
        add(outcome.end, "is still at the gate", "the night is over")
    else:
        add(float(g.screen_start[i]), "reaches a table")
        if fate is Fate.REFUSED:
            add(float(g.screen_end[i]), "is refused", "not on the list")
        else:
            add(float(g.screen_end[i]), "crosses")
            trip = int(g.trip[i])
            if trip >= 0:
                bus = int(outcome.trips.bus[trip]) + 1
                add(float(g.boarded[i]), "boards", f"bus {bus}")
                add(float(outcome.trips.depart[trip]), "leaves", f"on bus {bus}")
    return out


def clock(minutes: float, start_clock: int) -> str:
    """``HH:MM``, with the day when it is not the night's (``20:00 -2d``)."""
    day = math.floor((start_clock + minutes) / MINUTES_PER_DAY)
    text = format_clock(minutes, start_clock)
    return text if day in (0, 1) else f"{text} {day - 1:+d}d" if day > 1 else f"{text} {day}d"


_JOINED = ("sets out", "boards", "leaves")  # events whose detail reads on: "sets out from X"


def narrate(log: Iterable[Event], start_clock: int, since: float | None = None) -> list[str]:
    """The event log as lines a person reads.

    With ``since``, what happened to families before it (hearing the message, or not, and
    deciding) is summed up in a few lines instead of one line per family.
    """
    lines = []
    log = list(log)
    if since is not None:
        early = [e for e in log if e.minutes < since and e.group >= 0]
        log = [e for e in log if e.minutes >= since or e.group < 0]
        lines += _prologue(early, start_clock, since)
    for e in log:
        when = clock(e.minutes, start_clock)
        if e.group < 0:
            people = f" ({e.people} people)" if e.people else ""
            text = f"{e.event}{people}" + (f": {e.detail}" if e.detail else "")
            lines.append(f"{when:>9}  -- {text} --")
        else:
            who = f"family {e.group} ({e.people} {'person' if e.people == 1 else 'people'})"
            joint = " " if e.event in _JOINED else "; "
            lines.append(f"{when:>9}  {who} {e.event}" + (f"{joint}{e.detail}" if e.detail
                                                          else ""))
    return lines


def _prologue(early: list[Event], start_clock: int, since: float) -> list[str]:
    """A few lines for the days before: who heard, who never did, who decided to stay."""
    def count(event: str) -> tuple[int, int]:
        chosen = [e for e in early if e.event == event]
        return len(chosen), sum(e.people for e in chosen)

    heard, never, stay = (count(e) for e in ("hears the message", "never gets the message",
                                             "decides to stay"))
    first = min((e.minutes for e in early), default=since)
    return [
        f"Before {clock(since, start_clock)} (from {clock(first, start_clock)}):",
        f"  {heard[0]} families ({heard[1]} people) hear the message,",
        f"  {never[0]} families ({never[1]} people) never get it,",
        f"  {stay[0]} families ({stay[1]} people) decide to stay.",
        "",
    ]
