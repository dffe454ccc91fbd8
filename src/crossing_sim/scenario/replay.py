"""Replayed arrivals: a CSV table of when each family group reached the gate, and its size.

For validation and teaching a scenario can skip the message and the journey and bring groups
straight to the gate (``[arrivals] mode = "replay"``). The loader reads the file named by
``arrivals.file``; :func:`parse_replay` turns its text into ``(time, size)`` pairs that the
frozen scenario carries, so the model itself never reads a file. The format::

    clock,size          # or: minutes,size
    21:00,3             # a clock time "HH:MM" or "HH:MM:SS" (earlier than start: next day)
    21:00:30,1          # or, under a "minutes" header, minutes after the scenario's start
    21:04,5

One header line, then one line per group, in order of arrival; blank lines and lines that
start with ``#`` are skipped. Every mistake is a ScenarioError naming the file, the line, the
value and the rule.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from typing import Final

from crossing_sim.errors import ScenarioError
from crossing_sim.scenario.units import MINUTES_PER_DAY, is_number, parse_clock_seconds

__all__ = ["HEADERS", "Arrival", "ArrivalsFile", "parse_replay"]

#: The two headers a replay file may start with: the first column's name says how times are
#: written.
HEADERS: Final = ("clock,size", "minutes,size")

_WHOLE = re.compile(r"^\+?\d{1,9}$")

Arrival = tuple[float, int]


@dataclass(frozen=True)
class ArrivalsFile:
    """The text of a replay file, and the path to name in errors."""

    path: str
    text: str


def parse_replay(source: ArrivalsFile, start_minute_of_day: int) -> tuple[Arrival, ...]:
    """The groups of a replay file as ``(minutes after the start clock, size)``, in order.

    Raises ScenarioError naming the file and line for a missing or wrong header, a line that
    is not ``time,size``, a time that cannot be read or comes before the previous one, or a
    size that is not a whole number >= 1.
    """
    lines = csv.reader(io.StringIO(source.text, newline=""))
    header: list[str] | None = None
    groups: list[Arrival] = []
    try:
        for row in lines:
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            where = f"line {lines.line_num}"
            if header is None:
                header = [cell.strip().lower() for cell in row]
                if ",".join(header) not in HEADERS:
                    raise _error(source, where, ",".join(row),
                                 "the first line must be the header "
                                 + " or ".join(f'"{h}"' for h in HEADERS))
                continue
            if len(row) != 2:
                raise _error(source, where, ",".join(row),
                             f"each line has two fields, {header[0]} and size "
                             f"(this one has {len(row)})")
            time = _time(source, where, row[0], header[0], start_minute_of_day)
            if groups and time < groups[-1][0]:
                rule = ("the groups must be in order of arrival: this one comes before the "
                        "group above it")
                if header[0] == "clock":
                    rule += " (a clock time earlier than the start clock is the next day)"
                raise _error(source, f"{where}, {header[0]}", row[0].strip(), rule)
            groups.append((time, _size(source, where, row[1])))
    except csv.Error as exc:
        raise _error(source, f"line {lines.line_num}", None, f"is not valid CSV: {exc}") from None
    if header is None:
        raise ScenarioError(rule="is empty: a replay file starts with the header "
                                 + " or ".join(f'"{h}"' for h in HEADERS), file=source.path)
    if not groups:
        raise ScenarioError(rule="has a header but no groups: add one line per group, "
                                 'e.g. "21:00,3"', file=source.path)
    return tuple(groups)


def _time(source: ArrivalsFile, where: str, cell: str, column: str, start: int) -> float:
    text = cell.strip()
    if column == "minutes":
        if not is_number(text):
            raise _error(source, f"{where}, minutes", text,
                         "must be a number of minutes after the scenario's start clock, "
                         "e.g. 545 or 545.5")
        minutes = float(text)
        if not math.isfinite(minutes) or minutes < 0:
            raise _error(source, f"{where}, minutes", text,
                         "must be a finite number >= 0 (minutes after the start clock)")
        return minutes
    try:
        offset = parse_clock_seconds(text) - start
    except ValueError as exc:
        raise _error(source, f"{where}, clock", text, str(exc)) from None
    return offset if offset >= 0 else offset + MINUTES_PER_DAY


def _size(source: ArrivalsFile, where: str, cell: str) -> int:
    text = cell.strip()
    if not _WHOLE.match(text) or int(text) < 1:
        raise _error(source, f"{where}, size", text,
                     "a group's size must be a whole number >= 1 (people in the family)")
    return int(text)


def _error(source: ArrivalsFile, key: str, value: object, rule: str) -> ScenarioError:
    return ScenarioError(rule=rule, key=key, value=value, file=source.path,
                         has_value=value is not None)
