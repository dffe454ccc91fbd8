"""Sweeps: which scenarios to run, from ``--vary`` factors or a sweep file.

A factor names a scenario key and its values: a list (``gate.lanes=1,2,3``) or a range with
a step (``gate.open=19:00..23:00/30min``, ``buses.seats=45..57/4``,
``gate.screening_per_person=30s..60s/10s``). The special key ``scenario`` takes whole
scenario files (``scenario=a.toml,b.toml``). A ``grid`` design runs every combination;
``lhs`` draws ``samples`` points from a Latin hypercube over the ranges
(:class:`scipy.stats.qmc.LatinHypercube`).
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossing_sim.errors import ScenarioError, param, show_value
from crossing_sim.experiment.seeding import latin_hypercube_seed
from crossing_sim.scenario.loading import toml_shape_problem
from crossing_sim.scenario.units import (
    UNITS,
    format_clock,
    is_clock,
    is_integer,
    kind_of_unit,
    parse_clock,
    split_quantity,
    unit_of,
)

__all__ = ["DESIGNS", "MAX_POINTS", "SCENARIO_KEY", "SWEEP_KEYS", "Design", "Factor", "Scale",
           "SweepFile", "describe", "factor", "parse_vary", "points", "read_sweep_file", "scale_of",
           "sweep_error"]

SCENARIO_KEY = "scenario"
DESIGNS = ("grid", "lhs")
MAX_POINTS = 100_000
MAX_SAMPLES = 100_000
#: The largest magnitude of a range's ends or step (a float holds more, no scenario needs it).
MAX_NUMBER = 1e15
_TOO_LARGE = "a range's ends and step are at most"


def sweep_error(rule: str, key: str = "", value: object = None, source: str = param("vary"),
                ) -> ScenarioError:
    return ScenarioError(rule=rule, key=key, value=value, file=source,
                         has_value=value is not None)


@dataclass(frozen=True)
class Scale:
    """How a range's values are read and written: numbers, clock times or quantities."""

    kind: str  # "int", "float", "clock" or a unit kind from UNITS
    unit: str = ""  # the unit the low end was written in

    def read(self, text: str, key: str) -> float:
        text = text.strip()
        if self.kind == "clock":
            try:
                return float(parse_clock(text))
            except ValueError as exc:
                raise sweep_error(f"{exc}", key, text) from None
        parts = split_quantity(text)
        if parts is None or parts[1] != self.unit:
            raise sweep_error(f"expected a number in {self.unit or 'no unit'} like the range's "
                              "low end", key, text)
        value = float(parts[0])
        if not abs(value) <= MAX_NUMBER:
            raise sweep_error(f"{_TOO_LARGE} {MAX_NUMBER:g} in size", key, text)
        return value

    def write(self, value: float) -> object:
        if self.kind == "clock":
            return format_clock(round(value))
        if self.kind == "int":
            return round(value)
        if self.kind == "float":
            return round(value, 10)
        return f"{round(value, 6):g}{self.unit}"


def scale_of(low: str, key: str) -> Scale:
    """How a range whose low end is written ``low`` reads and writes its values."""
    low = low.strip()
    if is_clock(low):
        return Scale("clock")
    parts = split_quantity(low)
    if parts is None:
        raise sweep_error("a range runs between two numbers, clock times or quantities, "
                          "e.g. 1..3, 19:00..23:00/30min, 30s..90s/15s", key, low)
    number, unit = parts
    if not unit:
        return Scale("int" if is_integer(number) else "float")
    kind = kind_of_unit(unit)
    if kind is None:
        raise sweep_error(f"unknown unit {unit!r}", key, low)
    return Scale(kind, unit)


@dataclass(frozen=True)
class Factor:
    """One scenario key and the values a sweep gives it."""

    key: str
    values: tuple[object, ...] = ()  # listed values (or a grid range, expanded)
    low: float | None = None  # a range, for a Latin hypercube
    high: float | None = None
    scale: Scale | None = None

    @property
    def is_range(self) -> bool:
        return self.scale is not None


def parse_vary(text: str, source: str = param("vary")) -> Factor:
    """Read ``key=v1,v2`` or ``key=low..high/step`` (``/step`` optional for ``lhs``)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise sweep_error("write key=v1,v2,... or key=low..high/step, e.g. gate.lanes=1,2,3 "
                          "or gate.open=19:00..23:00/30min", text, source=source)
    return factor(key, raw.strip(), source)


def factor(key: str, raw: object, source: str = param("vary")) -> Factor:
    """A factor from a value list or a range text (as in a sweep file or ``--vary``)."""
    if isinstance(raw, list):
        if not raw:
            raise sweep_error("needs at least one value", key, raw, source)
        return Factor(key, tuple(raw))
    if not isinstance(raw, str):
        raise sweep_error("must be a list of values or a range text like \"1..3\"", key, raw,
                          source)
    if ".." not in raw:
        return Factor(key, tuple(_value(v) for v in _split(raw)))
    low_text, rest = raw.split("..", 1)
    scale = scale_of(low_text, key)
    high_text, slash, step_text = _split_step(rest, scale, key)
    low, high = scale.read(low_text, key), scale.read(high_text, key)
    if scale.kind == "clock" and high < low:
        high += 24 * 60  # 22:00..02:00 runs past midnight
    if high < low:
        raise sweep_error("the range is empty: its high end is below its low end", key, raw,
                          source)
    if not slash:
        return Factor(key, (), low, high, scale)
    step_scale = Scale("duration", unit_of(step_text)) if scale.kind == "clock" else scale
    step = step_scale.read(step_text, key)
    if scale.kind == "clock":
        step *= UNITS["duration"][step_scale.unit]
        if step != round(step):
            raise sweep_error("a step between clock times must be whole minutes", key, raw,
                              source)
    if not step > 0:
        raise sweep_error("the step must be positive", key, raw, source)
    span = (high - low) / step  # infinite for a step of 1e-300
    count = math.floor(span + 1e-9) + 1 if span < MAX_POINTS else None  # inf: no int
    if count is None or count > MAX_POINTS:
        many = f"{span + 1:.3g}" if math.isfinite(span) else "countless"
        raise sweep_error(f"the range has {many} values; at most {MAX_POINTS}", key, raw,
                          source)
    values = tuple(scale.write(low + i * step) for i in range(count))
    return Factor(key, values, low, high, scale)


def _split_step(rest: str, scale: Scale, key: str) -> tuple[str, str, str]:
    """``high/step`` -> (high, "/", step); the units km/h and m/s contain a slash too."""
    for at in [i for i, ch in enumerate(rest) if ch == "/"]:
        high, step = rest[:at], rest[at + 1:]
        try:
            scale.read(high, key)
        except ScenarioError as exc:
            if exc.rule.startswith(_TOO_LARGE):
                raise  # a number, but beyond any range: say that, not "not a number"
            continue
        return high, "/", step
    return rest, "", ""


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _value(text: str) -> object:
    """A listed value: TOML syntax (numbers, booleans, quoted strings), else a bare string."""
    if toml_shape_problem(text):
        return text  # too deeply nested to read: a string, which the scenario rejects
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


@dataclass(frozen=True)
class Design:
    """Which points of the factors' space to run."""

    kind: str = "grid"
    samples: int | None = None  # for lhs


def points(factors: Sequence[Factor], design: Design, seed: int) -> list[dict[str, object]]:
    """The sweep's points, each a mapping of key to value, in a fixed order."""
    keys = [f.key for f in factors]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise sweep_error("is varied twice", dup)
    if design.kind == "grid":
        for f in factors:
            if not f.values:
                raise sweep_error("a grid needs values or a range with a step "
                                  "(low..high/step)", f.key)
        size = math.prod(len(f.values) for f in factors)  # before any point is made
        if size > MAX_POINTS:
            raise sweep_error(f"the grid has {size} points; at most {MAX_POINTS}")
        combos = list(itertools.product(*(f.values for f in factors)))
        return [dict(zip(keys, combo, strict=True)) for combo in combos]
    return _latin_hypercube(factors, design, seed)


def _latin_hypercube(factors: Sequence[Factor], design: Design,
                     seed: int) -> list[dict[str, object]]:
    from scipy.stats import qmc

    if not design.samples or design.samples < 1:
        raise sweep_error(f"an lhs design needs {param('samples')} K (K >= 1)", param("samples"),
                          design.samples)
    ranged = [f for f in factors if f.is_range]
    listed = [f for f in factors if not f.is_range]
    size = design.samples * math.prod(len(f.values) for f in listed)
    if design.samples > MAX_SAMPLES or size > MAX_POINTS:
        raise sweep_error(f"an lhs design has at most {MAX_SAMPLES} samples and "
                          f"{MAX_POINTS} points (samples times the listed values: {size})",
                          param("samples"), design.samples)
    if not ranged:
        raise sweep_error("an lhs design needs at least one range, e.g. gate.open=19:00..23:00")
    hypercube = qmc.LatinHypercube(d=len(ranged), seed=latin_hypercube_seed(seed))
    unit = hypercube.random(design.samples)
    out = []
    for row in unit:
        point: dict[str, object] = {}
        for f, u in zip(ranged, row, strict=True):
            assert f.low is not None
            assert f.high is not None
            assert f.scale is not None
            point[f.key] = f.scale.write(_stretch(f, float(u)))
        out.append(point)
    # listed factors (e.g. whole scenario files) are crossed with the hypercube's samples
    for f in listed:
        out = [{**p, f.key: v} for p in out for v in f.values]
    return out


def _stretch(f: Factor, u: float) -> float:
    """A unit-interval sample on a factor's range; whole numbers each get an equal share
    (``low..high`` split into ``high - low + 1`` equal cells), not half a share at the ends."""
    assert f.low is not None
    assert f.high is not None
    assert f.scale is not None
    if f.scale.kind == "int":
        return float(min(f.high, math.floor(f.low + u * (f.high - f.low + 1))))
    return f.low + u * (f.high - f.low)


def describe(point: Mapping[str, object]) -> str:
    """``gate.lanes=2, gate.open="19:30"``: a point as people read it."""
    return ", ".join(f"{k}={show_value(v)}" for k, v in point.items()) or "(the scenario)"


@dataclass(frozen=True)
class SweepFile:
    """A sweep kept in a file, so that it can be run again from one file."""

    scenario: Path
    factors: tuple[Factor, ...]
    design: Design
    options: dict[str, Any]  # reps, seed, precision, max_reps, set


SWEEP_KEYS = ("scenario", "vary", "design", "samples", "reps", "seed", "precision",
              "max_reps", "set", "reference", "independent")


def read_sweep_file(path: Path, table: Mapping[str, Any]) -> SweepFile:
    """Read the ``[sweep]`` table of a sweep file (already parsed from TOML)."""
    here = str(path)
    spec = table["sweep"]
    extra = sorted(set(table) - {"sweep"})
    if not isinstance(spec, Mapping) or extra:
        raise ScenarioError(rule="a sweep file holds only a [sweep] table", key=extra[0]
                            if extra else "sweep", file=here)
    unknown = sorted(set(spec) - set(SWEEP_KEYS))
    if unknown:
        raise ScenarioError(rule=f"unknown key; a sweep takes {', '.join(SWEEP_KEYS)}",
                            key=f"sweep.{unknown[0]}", file=here)
    scenario = spec.get("scenario")
    if not isinstance(scenario, str):
        raise ScenarioError(rule="is required: the scenario file to sweep, relative to this "
                                 "file", key="sweep.scenario", file=here)
    vary = spec.get("vary", {})
    if not isinstance(vary, Mapping):
        raise ScenarioError(rule="must be a table of key = values", key="sweep.vary",
                            file=here)
    factors = []
    for key, raw in vary.items():
        if key == SCENARIO_KEY and isinstance(raw, list):
            raw = [str(path.parent / str(v)) for v in raw]
        factors.append(factor(key, raw, source=here))
    design = Design(str(spec.get("design", "grid")), spec.get("samples"))
    options = {k: spec[k] for k in ("reps", "seed", "precision", "max_reps", "set", "reference",
                                    "independent") if k in spec}
    return SweepFile(path.parent / scenario, tuple(factors), design, options)
