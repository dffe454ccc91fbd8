"""Quantities as people write them in scenario files: clock times, durations, distances, speeds.

Inside the model every time is minutes after the scenario's start clock, every distance is
kilometres and every speed is km/h. The parsers raise :class:`ValueError` with the rule
broken; the scenario loader adds the file and the key.
"""

from __future__ import annotations

import math
import re
from datetime import time as _time
from typing import Final

MINUTES_PER_DAY: Final = 24 * 60

#: Units accepted for each kind of quantity, with their factor to the internal unit.
UNITS: Final[dict[str, dict[str, float]]] = {
    "duration": {"s": 1 / 60, "sec": 1 / 60, "min": 1.0, "h": 60.0, "d": MINUTES_PER_DAY},
    "distance": {"m": 0.001, "km": 1.0},
    "speed": {"km/h": 1.0, "m/s": 3.6},
}

#: The internal unit of each kind, for messages and documentation.
INTERNAL_UNIT: Final = {"duration": "min", "distance": "km", "speed": "km/h", "count": ""}

_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z/]+)\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_quantity(text: object, kind: str) -> float:
    """Read a quantity with a unit (``"45s"``, ``"2.5km/h"``) in the internal unit of ``kind``.

    Only strings with a unit are accepted: a bare number would leave the reader guessing.
    """
    units = UNITS[kind]
    examples = " or ".join(f'"{n}{u}"' for n, u in _EXAMPLES[kind])
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"a {kind} needs a unit, written as a string such as {examples}")
    match = _QUANTITY.match(text)
    if match is None or match.group(2) not in units:
        raise ValueError(
            f"not a {kind}: write a number and one of the units {', '.join(units)}, e.g. {examples}"
        )
    value = float(match.group(1)) * units[match.group(2)]
    if not math.isfinite(value):
        raise ValueError(f"a {kind} must be finite")
    return value


_EXAMPLES: Final = {
    "duration": [("45", "s"), ("3", "min"), ("2", "h")],
    "distance": [("800", "m"), ("6", "km")],
    "speed": [("2.5", "km/h"), ("1.3", "m/s")],
}


def parse_clock(value: object) -> int:
    """Read a clock time ``"HH:MM"`` (or a TOML time) as minutes after midnight."""
    if isinstance(value, _time):
        if value.second or value.microsecond:
            raise ValueError("a clock time has whole minutes, e.g. \"21:15\"")
        return value.hour * 60 + value.minute
    if not isinstance(value, str):
        raise ValueError('a clock time is a string "HH:MM", e.g. "21:15"')
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError('a clock time is written "HH:MM", e.g. "21:15" or "03:30"')
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError("a clock time runs from 00:00 to 23:59")
    return hours * 60 + minutes


def clock_to_minutes(minute_of_day: int, start_minute_of_day: int) -> float:
    """Minutes after the start clock; a clock earlier than the start is on the next day."""
    offset = minute_of_day - start_minute_of_day
    return float(offset if offset >= 0 else offset + MINUTES_PER_DAY)


def format_clock(minutes: float, start_minute_of_day: int) -> str:
    """The clock time ``"HH:MM"`` of a model time (minutes after the start clock)."""
    total = math.floor(start_minute_of_day + minutes + 0.5) % MINUTES_PER_DAY
    return f"{total // 60:02d}:{total % 60:02d}"


def format_duration(minutes: float) -> str:
    """A duration as people say it: ``"45s"``, ``"12min"``, ``"2h30min"``."""
    if minutes < 1:
        return f"{minutes * 60:.0f}s"
    if minutes < 60:
        return f"{minutes:.0f}min" if minutes == round(minutes) else f"{minutes:.1f}min"
    hours, rest = divmod(round(minutes), 60)
    return f"{hours}h{rest:02d}min" if rest else f"{hours}h"
