"""The one grammar of quantities: clock times, durations, distances, speeds and rates.

Scenario files, sweep ranges, replay files and figure labels all read and write quantities
here. Inside the model every time is minutes after the scenario's start clock, every distance
is kilometres and every speed is km/h. The parsers raise :class:`ValueError` with the rule
broken; the caller adds the file and the key.
"""

from __future__ import annotations

import math
import re
from datetime import time as _time
from typing import Final

__all__ = ["INTERNAL_UNIT", "MINUTES_PER_DAY", "NUMBER", "UNITS", "clock_to_minutes",
           "format_clock", "format_duration", "is_clock", "is_integer", "is_number",
           "kind_of_unit", "parse_clock", "parse_clock_seconds", "parse_quantity", "parse_rate",
           "split_quantity", "unit_of"]

MINUTES_PER_DAY: Final = 24 * 60

#: Units accepted for each kind of quantity, with their factor to the internal unit.
UNITS: Final[dict[str, dict[str, float]]] = {
    "duration": {"s": 1 / 60, "sec": 1 / 60, "min": 1.0, "h": 60.0, "d": MINUTES_PER_DAY},
    "distance": {"m": 0.001, "km": 1.0},
    "speed": {"km/h": 1.0, "m/s": 3.6},
}

#: The internal unit of each kind, for messages and documentation.
INTERNAL_UNIT: Final = {"duration": "min", "distance": "km", "speed": "km/h", "count": ""}

#: A decimal number as written in a quantity: ``3``, ``-2.5``, ``.5``, ``1e3``.
NUMBER: Final = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(rf"^{NUMBER}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_QUANTITY = re.compile(rf"^\s*({NUMBER})\s*([a-zA-Z/]*)\s*$")
_RATE = re.compile(rf"^\s*({NUMBER})\s*/\s*([a-zA-Z]+)\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d*)?))?\s*$")


def split_quantity(text: str) -> tuple[str, str] | None:
    """A quantity's number and unit as written (``"45s"`` -> ``("45", "s")``; a bare number
    has the unit ``""``), or ``None`` if it is not a number with an optional unit."""
    match = _QUANTITY.match(text)
    return (match.group(1), match.group(2)) if match else None


def unit_of(text: str) -> str:
    """The unit a quantity is written in (``""`` for a bare number or not a quantity)."""
    parts = split_quantity(text)
    return parts[1] if parts else ""


def kind_of_unit(unit: str) -> str | None:
    """The kind of quantity (``"duration"``, ``"distance"``, ``"speed"``) a unit measures."""
    return next((kind for kind, units in UNITS.items() if unit in units), None)


def is_number(text: str) -> bool:
    """Whether ``text`` is a plain decimal number."""
    return _NUMBER.match(text) is not None


def is_integer(text: str) -> bool:
    """Whether ``text`` is a whole number (digits with an optional sign)."""
    return _INTEGER.match(text) is not None


def is_clock(text: str) -> bool:
    """Whether ``text`` is written as a clock time ``"HH:MM"``."""
    match = _CLOCK.match(text)
    return match is not None and match.group(3) is None


def parse_quantity(text: object, kind: str) -> float:
    """Read a quantity with a unit (``"45s"``, ``"2.5km/h"``) in the internal unit of ``kind``.

    Only strings with a unit are accepted: a bare number would leave the reader guessing.
    """
    units = UNITS[kind]
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"a {kind} needs a unit, written as a string such as "
                         f"{_examples(kind)}")
    match = _QUANTITY.match(text)
    if match is None or match.group(2) not in units:
        raise ValueError(f"not a {kind}: write a number and one of the units "
                         f"{', '.join(units)}, e.g. {_examples(kind)}")
    value = float(match.group(1)) * units[match.group(2)]
    if not math.isfinite(value):
        raise ValueError(f"a {kind} must be finite")
    return value


def _examples(kind: str) -> str:
    """Examples of a quantity of ``kind`` for an error message (made only for one)."""
    return " or ".join(f'"{n}{u}"' for n, u in _EXAMPLES[kind])


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
    if match is None or match.group(3) is not None:
        raise ValueError('a clock time is written "HH:MM", e.g. "21:15" or "03:30"')
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError("a clock time runs from 00:00 to 23:59")
    return hours * 60 + minutes


def parse_clock_seconds(text: str) -> float:
    """Read ``"HH:MM"`` or ``"HH:MM:SS"`` (seconds may have decimals) as minutes after
    midnight."""
    match = _CLOCK.match(text)
    if match is not None:
        hours, minutes, seconds = int(match[1]), int(match[2]), float(match[3] or 0)
        if hours <= 23 and minutes <= 59 and seconds < 60:
            return hours * 60 + minutes + seconds / 60
    raise ValueError('must be a clock time "HH:MM" or "HH:MM:SS", e.g. "21:05" or "21:05:30"')


def parse_rate(text: object) -> float:
    """Read a rate (``"30/h"``, ``"0.5/min"``, ``"2/s"``) as events per minute."""
    units = UNITS["duration"]
    written = ", ".join(f'"/{u}"' for u in units)
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError('a rate is a number per unit of time, written as a string such as '
                         '"30/h" or "0.5/min"')
    match = _RATE.match(text)
    if match is None or match.group(2) not in units:
        raise ValueError(f"not a rate: write a number, then one of {written}, "
                         'e.g. "30/h" or "0.5/min"')
    return float(match.group(1)) / units[match.group(2)]


def clock_to_minutes(minute_of_day: int, start_minute_of_day: int) -> float:
    """Minutes after the start clock; a clock earlier than the start is on the next day."""
    offset = minute_of_day - start_minute_of_day
    return float(offset if offset >= 0 else offset + MINUTES_PER_DAY)


def format_clock(minutes: float, start_minute_of_day: int = 0) -> str:
    """The clock time ``"HH:MM"`` of a model time (minutes after the start clock), or of a
    minute of the day when ``start_minute_of_day`` is 0."""
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
