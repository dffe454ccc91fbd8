"""Scenarios that are valid field by field but make no sense as a night.

:func:`check_sense` raises ScenarioError for what cannot work (buses ready only after the
night ends); :func:`doubts` lists what may be meant but probably is not (a road cut after
the end, a gate that closes before anyone can set out), for the command line to print as
warnings. A clock time earlier than the start clock is read as the next day's: messages say
so (``"11:00" read as 11:00 the next day``), since that is how "11:00" for 23:00 goes wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossing_sim.errors import ScenarioError
from crossing_sim.scenario.distributions import Choice, Fixed
from crossing_sim.scenario.spec import Scenario, lookup
from crossing_sim.scenario.units import MINUTES_PER_DAY, format_clock

__all__ = ["MAX_FAMILY", "MIN_SERIES_POINTS", "Doubt", "check_sense", "doubts"]

#: The largest family (as many as the largest population).
MAX_FAMILY = 1_000_000
#: Fewer points than this on the time-series grid draws no useful curve (a warning).
MIN_SERIES_POINTS = 20


@dataclass(frozen=True)
class Doubt:
    """Something in a scenario that is probably not what was meant."""

    key: str
    rule: str


def _when(s: Scenario, t: float) -> str:
    """A model time as its clock, saying when it falls on the next day."""
    next_day = s.start_clock + t >= MINUTES_PER_DAY
    return f"{format_clock(t, s.start_clock)}{' the next day' if next_day else ''}"


def check_sense(s: Scenario, raw: object = None) -> None:
    """Raise ScenarioError for a night that cannot work as written."""
    end = _when(s, s.end)
    sizes = s.population.group_size
    values = sizes.values if isinstance(sizes, Choice) else \
        (sizes.value,) if isinstance(sizes, Fixed) else ()
    if any(v > MAX_FAMILY for v in values):  # beyond any population: its sums overflow
        _fail(s, raw, "population.group_size",
              f"family sizes must be whole numbers from 1 to {MAX_FAMILY}")
    if s.buses.available >= s.end:
        _fail(s, raw, "buses.available", f"is read as {_when(s, s.buses.available)}, after "
              f"end ({end}): no bus could ever leave; give a time within the night")
    points = s.end / s.series_step
    if points < 2:
        _fail(s, raw, "series_step", f"is longer than the night up to end ({end}): the "
              "time series would have no curve; give a step of minutes, e.g. \"5min\"")


def doubts(s: Scenario) -> list[Doubt]:
    """What in a valid scenario is probably not meant, each with the reason."""
    found = []
    g, end = s.gate, _when(s, s.end)
    for o in s.origins:
        cut = o.road_cut
        if cut is not None and cut.after >= s.end:
            found.append(Doubt(f"origins.{o.name}.road_cut.after",
                               f"is read as {_when(s, cut.after)}, after end ({end}): the "
                               "road is never cut"))
    if s.arrivals.mode == "journey" and s.warning.earliest_departure >= g.close:
        found.append(Doubt("warning.earliest_departure",
                           f"is read as {_when(s, s.warning.earliest_departure)}, not before "
                           f"the gate closes ({_when(s, g.close)}): nobody can arrive in time"))
    begin = s.arrivals.begin
    if s.arrivals.mode == "poisson" and begin is not None and begin >= g.close:
        found.append(Doubt("arrivals.begin",
                           f"is read as {_when(s, begin)}, not before the gate closes "
                           f"({_when(s, g.close)}): every group arrives too late"))
    if g.give_up is not None and g.give_up <= g.close:
        found.append(Doubt("gate.give_up",
                           f"is read as {_when(s, g.give_up)}, not after the gate closes "
                           f"({_when(s, g.close)}): everyone still queued gives up before "
                           "closing"))
    if s.buses.available >= g.close:
        found.append(Doubt("buses.available",
                           f"is read as {_when(s, s.buses.available)}, not before the gate "
                           f"closes ({_when(s, g.close)}): buses load only after closing"))
    if s.buses.loading_points > s.buses.count:
        found.append(Doubt("buses.loading_points",
                           f"is more than buses.count ({s.buses.count}): at most "
                           f"{s.buses.count} bays are ever used, the others stay empty"))
    points = s.end / s.series_step
    if 2 <= points < MIN_SERIES_POINTS:
        found.append(Doubt("series_step", f"gives only {int(points) + 1} points up to end "
                                          f"({end}): the figures' curves will be coarse"))
    return found


def _fail(s: Scenario, raw: object, key: str, rule: str) -> None:
    found, value = lookup(raw, key) if isinstance(raw, dict) else (False, None)
    raise ScenarioError(rule=rule, key=key, value=value, has_value=found)
