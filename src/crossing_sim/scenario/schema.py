"""The machinery behind the scenario format: declared fields, parsed and checked one by one.

A scenario section is a frozen dataclass whose fields are declared with :func:`param`: the
kind of value, its default as written in a file, the rule it must obey and a one-line meaning.
:func:`build` turns a table read from TOML into that dataclass, and the same declarations
generate the reference documentation, so the docs cannot drift from the code.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, Final, TypeVar

from crossing_sim.errors import ScenarioError, field_error
from crossing_sim.scenario.distributions import parse_distribution
from crossing_sim.scenario.facts import parse_fact
from crossing_sim.scenario.units import (
    INTERNAL_UNIT,
    clock_to_minutes,
    parse_clock,
    parse_quantity,
    parse_rate,
)

__all__ = ["NONE_WORDS", "RATE_BOUNDS", "Context", "build", "param", "parse_value", "with_defaults"]

T = TypeVar("T")

#: Written in a file to say that an optional value is absent.
NONE_WORDS: Final = ("none", "unlimited", "never")


@dataclass(frozen=True)
class Context:
    """What parsing needs beyond the value itself: the scenario's start clock."""

    start_minute_of_day: int = 0


def param(kind: str, default: object = MISSING, doc: str = "", **rules: Any) -> Any:
    """Declare a scenario field.

    kind: ``int``, ``float``, ``prob``, ``bool``, ``text``, ``option``, ``duration``, ``clock``,
    ``distance``, ``rate`` (events per unit of time, ``"30/h"``), ``dist`` (a distribution, with
    ``unit``), ``fact`` (an observed count or interval, with ``unit``),
    ``table``, ``named`` or ``list`` (with ``cls``). ``optional=True`` lets the file
    say ``"none"`` (or leave it out when the default is ``"none"``); ``allow_empty=True`` lets a
    ``named`` table have no entries. ``default`` is written as in a file: ``"21:00"``, ``"45s"``.
    """
    meta = {"kind": kind, "doc": doc, "default": default, **rules}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=None, metadata=meta)


def build(cls: type[T], raw: object, path: str, ctx: Context) -> T:
    """Build a section dataclass from its table, naming ``path.key`` in any error."""
    if not isinstance(raw, Mapping):
        raise field_error(path, raw, "must be a table of keys")
    known = {f.name: f for f in fields(cls) if "kind" in f.metadata}  # type: ignore[arg-type]
    for key in raw:
        if key not in known:
            raise _unknown_key(path, key, raw[key], list(known))
    values: dict[str, object] = {}
    for f in known.values():
        key = f"{path}.{f.name}" if path else f.name
        if f.name in raw:
            values[f.name] = parse_value(f, raw[f.name], key, ctx)
        elif f.metadata["default"] is MISSING:
            raise ScenarioError(rule=f"is required: {f.metadata['doc']}", key=key)
        else:
            values[f.name] = parse_value(f, f.metadata["default"], key, ctx)
    return cls(**values)


def _unknown_key(path: str, key: str, value: object, known: list[str]) -> ScenarioError:
    where = f"{path}.{key}" if path else key
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
    return field_error(where, value, f"unknown key{hint}")


def parse_value(f: Field[Any], value: object, key: str, ctx: Context) -> object:
    """Parse and check one field's value."""
    meta = f.metadata
    if meta.get("optional") and isinstance(value, str) and value.strip().lower() in NONE_WORDS:
        return None
    kind = meta["kind"]
    try:
        if kind in ("table", "named", "list"):
            return _parse_nested(kind, meta, value, key, ctx)
        parsed = _SCALARS[kind](value, meta, ctx)
    except ValueError as exc:
        raise field_error(key, value, str(exc)) from None
    return parsed


def _parse_nested(kind: str, meta: Mapping[str, Any], value: object, key: str,
                  ctx: Context) -> object:
    cls = meta["cls"]
    if kind == "table":
        return build(cls, value, key, ctx)
    if kind == "list":
        if not isinstance(value, list):
            raise field_error(key, value, "must be a list of tables, e.g. [{at = \"2km\"}]")
        return tuple(build(cls, item, f"{key}[{i}]", ctx) for i, item in enumerate(value))
    if not isinstance(value, Mapping) or not (value or meta.get("allow_empty")):
        raise field_error(key, value, "must be a table with at least one named entry")
    return tuple(
        build(cls, {**item, "name": name} if isinstance(item, Mapping) else item,
              f"{key}.{name}", ctx)
        for name, item in value.items()
    )


def _int(value: object, meta: Mapping[str, Any], ctx: Context) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return int(_bounded(value, meta))


def _float(value: object, meta: Mapping[str, Any], ctx: Context) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return float(_bounded(value, meta))


def _prob(value: object, meta: Mapping[str, Any], ctx: Context) -> float:
    return _float(value, {"min": 0, "max": 1, "what": "a probability"}, ctx)


def _bounded(value: float, meta: Mapping[str, Any]) -> float:
    low, high = meta.get("min"), meta.get("max")
    what = meta.get("what", "the value")
    if low is not None and high is not None and not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}")
    if low is not None and value < low:
        raise ValueError(f"must be >= {low}")
    if high is not None and value > high:
        raise ValueError(f"must be <= {high}")
    return value


def _bool(value: object, meta: Mapping[str, Any], ctx: Context) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _text(value: object, meta: Mapping[str, Any], ctx: Context) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _option(value: object, meta: Mapping[str, Any], ctx: Context) -> str:
    options = meta["options"]
    if value not in options:
        raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}")
    return str(value)


def _duration(value: object, meta: Mapping[str, Any], ctx: Context) -> float:
    minutes = parse_quantity(value, "duration")
    if minutes < 0:
        raise ValueError("a duration cannot be negative")
    return minutes


def _distance(value: object, meta: Mapping[str, Any], ctx: Context) -> float:
    km = parse_quantity(value, "distance")
    if km < 0:
        raise ValueError("a distance cannot be negative")
    return km


def _clock(value: object, meta: Mapping[str, Any], ctx: Context) -> float:
    return clock_to_minutes(parse_clock(value), ctx.start_minute_of_day)


#: The slowest and fastest rates accepted, in events per hour.
RATE_BOUNDS: Final = (1e-3, 1e7)


def _rate(value: object, meta: Mapping[str, Any], ctx: Context) -> float:
    """Events per minute, from ``"30/h"``, ``"0.5/min"`` or ``"2/s"``."""
    per_hour = parse_rate(value) * 60
    low, high = RATE_BOUNDS
    if not low <= per_hour <= high:  # also catches NaN, infinity, zero and negative rates
        raise ValueError(f"a rate must be between {low:g}/h and {high:g}/h")
    return per_hour / 60


def _dist(value: object, meta: Mapping[str, Any], ctx: Context) -> object:
    unit, allowed = meta["unit"], meta.get("dists")
    if allowed and isinstance(value, Mapping) and value.get("dist") not in allowed:
        raise ValueError(meta.get("dists_rule", f"dist must be one of {', '.join(allowed)}"))
    dist = parse_distribution(value, unit)
    if dist.low < meta.get("min", 0.0 if unit != "count" else -math.inf):
        raise ValueError(f"every value drawn must be >= {meta.get('min', 0)} "
                         f"(this distribution can draw {dist.low:g} {INTERNAL_UNIT[unit]})")
    return dist


def _fact(value: object, meta: Mapping[str, Any], ctx: Context) -> object:
    return parse_fact(value, meta["unit"], ctx.start_minute_of_day)


_SCALARS: Mapping[str, Any] = {
    "int": _int,
    "float": _float,
    "prob": _prob,
    "bool": _bool,
    "text": _text,
    "option": _option,
    "duration": _duration,
    "distance": _distance,
    "clock": _clock,
    "rate": _rate,
    "dist": _dist,
    "fact": _fact,
}


def with_defaults(cls: type[Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a (valid) table with every key the file left out filled in with its default."""
    out: dict[str, Any] = {}
    for f in fields(cls):
        meta = f.metadata
        if "kind" not in meta or (f.name not in raw and meta["default"] is MISSING):
            continue
        value = raw[f.name] if f.name in raw else meta["default"]
        kind = meta["kind"]
        if kind == "table" and isinstance(value, Mapping):
            value = with_defaults(meta["cls"], value)
        elif kind == "list" and isinstance(value, list):
            value = [with_defaults(meta["cls"], item) for item in value]
        elif kind == "named" and isinstance(value, Mapping):
            value = {name: {k: v for k, v in with_defaults(meta["cls"], {**item, "name": name})
                            .items() if k != "name"} for name, item in value.items()}
        out[f.name] = value
    return out
