"""The levers a class can pull, each tied to the scenario key it sets.

A lever reads its starting value from a scenario and turns a chosen value back into a
``key=value`` override (as ``--set`` takes it), so a setting is always "the starting scenario
plus these overrides": the same text the scenario log shows and the downloaded file holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from crossing_sim.scenario.spec import CLOSING_RULES, DEPARTURE_RULES, Scenario
from crossing_sim.scenario.units import format_clock

__all__ = ["CLOCK_STEP", "LEVERS", "Lever", "clock_options", "describe", "overrides", "values_of"]

#: Minutes between the clock times a clock lever offers.
CLOCK_STEP: Final = 15

Value = int | float | str


@dataclass(frozen=True)
class Lever:
    """One control: the scenario key it sets, what the page calls it, and its range."""

    name: str  # the widget's key on the page
    key: str  # the scenario key it sets
    label: str
    kind: str  # "int", "clock", "option", "hours", "percent"
    group: str  # the heading it is shown under
    low: int = 0
    high: int = 0
    step: int = 1
    options: tuple[str, ...] = ()
    help: str = ""


LEVERS: Final = (
    Lever("tables", "gate.lanes", "Screening tables", "int", "The gate", 1, 6,
          help="tables checking names against the list, side by side"),
    Lever("gate_open", "gate.open", "Gate opens", "clock", "The gate"),
    Lever("gate_close", "gate.close", "Gate closes to new families", "clock", "The gate"),
    Lever("closing", "gate.closing", "At closing", "option", "The gate", options=CLOSING_RULES,
          help="finish_queue: screen everyone queued; finish_screening: finish those at a "
               "table, send the queue back; cut_off: stop at once"),
    Lever("lead", "warning.lead", "Warning sent, hours ahead", "hours", "The message", 0, 120,
          2, help="how long before the day's start the message went out"),
    Lever("reach", "warning.p_reach", "Families the message reaches", "percent",
          "The message", 50, 100, help="the share of families who get the message (%)"),
    Lever("departure", "warning.earliest_departure", "Families set out from", "clock",
          "The message", help="no family sets out before this clock time (after dark)"),
    Lever("buses", "buses.count", "Buses", "int", "The buses", 1, 40),
    Lever("seats", "buses.seats", "Seats per bus", "int", "The buses", 10, 80),
    Lever("bus_rule", "buses.departure", "Buses leave", "option", "The buses",
          options=DEPARTURE_RULES,
          help="when_full: each bus leaves when full; convoy: all together at the end"),
)


def _raw(scenario: Scenario, key: str) -> object:
    section, field = key.split(".")
    return getattr(getattr(scenario, section), field)


def values_of(scenario: Scenario) -> dict[str, Value]:
    """Every lever's value in ``scenario``, as its control shows it."""
    values: dict[str, Value] = {}
    for x in LEVERS:
        raw = _raw(scenario, x.key)
        if x.kind == "clock":
            assert isinstance(raw, float)
            values[x.name] = format_clock(raw, scenario.start_clock)
        elif x.kind == "hours":
            assert isinstance(raw, float)
            values[x.name] = round(raw / 60, 2)
        elif x.kind == "percent":
            assert isinstance(raw, float)
            values[x.name] = round(raw * 100)
        else:
            assert isinstance(raw, int | str)
            values[x.name] = raw
    return values


def clock_options(scenario: Scenario, current: str) -> list[str]:
    """The clock times a clock lever offers: every quarter hour the scenario's day holds (in
    its order, from the start clock), and the scenario's own value."""
    times = [format_clock(m, scenario.start_clock)
             for m in range(0, int(scenario.end), CLOCK_STEP)]
    if current not in times:
        times.append(current)
        times.sort(key=lambda t: _minutes(t, scenario.start_clock))
    return times


def _minutes(clock: str, start_clock: int) -> int:
    hours, minutes = clock.split(":")
    return (int(hours) * 60 + int(minutes) - start_clock) % (24 * 60)


def _written(x: Lever, value: Value) -> str:
    if x.kind == "clock" or x.kind == "option":
        return f'"{value}"'
    if x.kind == "hours":
        return f'"{float(value):g}h"'
    if x.kind == "percent":
        return f"{float(value) / 100:g}"
    return str(int(value))


def overrides(start: Scenario, chosen: Mapping[str, Value]) -> list[str]:
    """The ``key=value`` overrides that turn ``start`` into the chosen setting (only the
    levers whose value differs from the start's)."""
    before = values_of(start)
    return [f"{x.key}={_written(x, chosen[x.name])}" for x in LEVERS
            if x.name in chosen and chosen[x.name] != before[x.name]]


def describe(changes: Sequence[str]) -> str:
    """A short label for a setting: its overrides, or "as the start"."""
    return ", ".join(changes) if changes else "as the start"
