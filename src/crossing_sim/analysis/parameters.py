"""Parameter spaces for analyses: priors (calibration) and ranges (sensitivity) over scenario keys.

A key is a dotted scenario key as in ``--set`` or ``--vary``: ``warning.p_reach``,
``gate.lanes``, ``origins.tripoint.distance``, or a parameter inside a distribution,
``gate.screening_per_person.mean`` (the distribution keeps its other parameters). Values are
written as in a scenario file, with their units, and drawn in the unit the file used::

    [priors]
    "warning.p_reach" = { dist = "uniform", low = 0.8, high = 1.0 }
    "gate.screening_per_person.mean" = { dist = "uniform", low = "30s", high = "60s" }

    [ranges]
    "gate.lanes" = [1, 3]
    "gate.open" = ["20:30", "22:00"]

A prior is any scenario distribution (``uniform``, ``triangular``, ``lognormal``,
``exponential``, ``choice``, ``empirical``, ``fixed``); a whole-number key with a ``uniform``
prior draws whole numbers, every one from ``low`` to ``high`` equally likely. A range is
a ``[low, high]`` interval, drawn uniformly; whole-number keys are floored onto whole numbers.
Whether a drawn value suits its key (a probability at most 1, a known key) is checked when the
scenario of each draw is built, before any simulation runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crossing_sim.arrays import FloatArray
from crossing_sim.errors import ScenarioError, show_value
from crossing_sim.experiment.design import Scale, scale_of
from crossing_sim.experiment.parsed import Parsed
from crossing_sim.scenario.distributions import Choice, Distribution, Uniform, parse_distribution
from crossing_sim.scenario.loading import read_toml
from crossing_sim.scenario.spec import Scenario
from crossing_sim.scenario.units import MINUTES_PER_DAY, UNITS, parse_quantity

#: The distribution parameters that hold values (the others are weights).
_VALUE_PARAMS = ("value", "low", "mode", "high", "mean", "sd", "values")


@dataclass(frozen=True)
class Prior:
    """A distribution over one scenario key, drawn in the unit the priors file wrote."""

    key: str
    written: object  # the prior as written in the file
    dist: Distribution  # over numbers in ``scale``'s unit (a clock: minutes after midnight)
    scale: Scale
    whole: bool = False  # a whole-number uniform prior: low..high, each equally likely

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` independent draws, as numbers in the written unit."""
        if self.whole and isinstance(self.dist, Uniform):
            return rng.integers(round(self.dist.low), round(self.dist.high) + 1,
                                n).astype(np.float64)
        return self.dist.sample(rng, n)

    def value(self, x: float) -> object:
        """A drawn number as a scenario file writes it: ``0.912``, ``"41.3s"``, ``"21:40"``."""
        return write_value(self.scale, x)

    @property
    def unit(self) -> str:
        return unit_label(self.scale)

    def describe(self) -> str:
        return show_value(self.written, limit=200)


@dataclass(frozen=True)
class Range:
    """An interval of one scenario key, for a sensitivity analysis."""

    key: str
    low: float
    high: float
    scale: Scale
    written: tuple[object, object]

    @property
    def bounds(self) -> tuple[float, float]:
        """The interval the design is drawn on (whole numbers: up to ``high + 1``, floored)."""
        return (self.low, self.high + 1) if self.scale.kind == "int" else (self.low, self.high)

    def value(self, x: float) -> object:
        if self.scale.kind == "int":
            return int(min(math.floor(x), self.high))
        return write_value(self.scale, x)

    @property
    def unit(self) -> str:
        return unit_label(self.scale)


def write_value(scale: Scale, x: float) -> object:
    """A number in a scale's unit as a scenario value (clock times wrap past midnight)."""
    if scale.kind == "clock":
        return scale.write(x)  # rounds to the minute
    if scale.kind == "int":
        return round(x)
    if scale.kind == "float":
        return float(f"{x:.6g}")
    return f"{x:.6g}{scale.unit}"


def unit_label(scale: Scale) -> str:
    """The unit numbers are shown in: ``s``, ``km``, ``min after midnight``, or nothing."""
    if scale.kind == "clock":
        return "clock"
    return scale.unit


def show_number(scale: Scale, x: float) -> str:
    """A number for people: ``0.912``, ``41.3 s``, ``21:40``."""
    if scale.kind == "clock":
        return str(scale.write(x))
    text = f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"
    return f"{text} {scale.unit}" if scale.unit else text


# --- reading the files -------------------------------------------------------------------------


def read_section(path: Path, section: str, example: str) -> dict[str, Any]:
    """The one table a priors or ranges file holds (ScenarioError naming the file if not)."""
    here = str(path)
    try:
        table = read_toml(path)
    except ScenarioError as exc:
        exc.rule = exc.rule.replace("scenario file", f"{section} file")
        raise
    extra = sorted(set(table) - {section})
    if section not in table or extra:
        raise ScenarioError(rule=f"a {section} file holds only a [{section}] table, e.g. "
                                 f"{example}", key=extra[0] if extra else section, file=here)
    body = table[section]
    if not isinstance(body, Mapping) or not body:
        raise ScenarioError(rule=f"must name at least one scenario key, e.g. {example}",
                            key=section, file=here)
    return dict(body)


PRIOR_EXAMPLE = '"warning.p_reach" = {dist = "uniform", low = 0.8, high = 1.0}'
RANGE_EXAMPLE = '"gate.screening_per_person.mean" = ["30s", "60s"]'


def read_priors(path: str | Path) -> tuple[Prior, ...]:
    """Read a priors file: ``[priors]`` with one distribution per scenario key."""
    path = Path(path)
    return tuple(parse_prior(key, raw, str(path))
                 for key, raw in read_section(path, "priors", PRIOR_EXAMPLE).items())


def parse_prior(key: str, raw: object, source: str) -> Prior:
    """One prior; a ScenarioError names ``source``, the key, the value and the rule."""

    def fail(rule: str) -> ScenarioError:
        return ScenarioError(rule=rule, key=key, value=raw, file=source, has_value=True)

    if not key.strip() or any(not part.strip() for part in key.split(".")):
        raise fail("a prior's key is a dotted scenario key, e.g. \"warning.p_reach\"")
    spec: dict[str, object] = ({str(k): v for k, v in raw.items()} if isinstance(raw, Mapping)
                               else {"dist": "fixed", "value": raw})
    written: list[object] = []
    for name in _VALUE_PARAMS:
        if name in spec:
            value = spec[name]
            written.extend(value if isinstance(value, list) else [value])
    if not written:
        raise fail(f"must be a distribution, e.g. {PRIOR_EXAMPLE.split(' = ', 1)[1]}")
    try:
        scale = _scale_of_values(written, key)
        numbers: Numbers = {name: _read_param(scale, value, key)
                            for name, value in spec.items() if name in _VALUE_PARAMS}
    except ScenarioError as exc:
        raise fail(exc.rule) from None
    if scale.kind == "clock":
        numbers = _unwrap_clocks(numbers)
    try:
        dist = parse_distribution({**spec, **numbers}, "count")
    except ValueError as exc:
        raise fail(str(exc)) from None
    whole = scale.kind == "int" and isinstance(dist, Uniform)
    if isinstance(dist, Uniform) and whole and not (
            dist.low.is_integer() and dist.high.is_integer()):
        raise fail("a whole-number uniform prior needs whole-number low and high")
    if isinstance(dist, Choice) and scale.kind == "int" and not all(
            float(v).is_integer() for v in dist.values):
        raise fail("values must be whole numbers")
    return Prior(key, raw, dist, scale, whole)


def _scale_of_values(values: Sequence[object], key: str) -> Scale:
    """How to read a prior's values: all numbers, or all quantities or clocks in one unit."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        whole = all(isinstance(v, int) for v in values)
        return Scale("int" if whole else "float")
    first = next((v for v in values if isinstance(v, str)), None)
    if first is None:
        raise ScenarioError(rule="values must be numbers, quantities with units (\"30s\") or "
                                 "clock times (\"21:15\")", key=key)
    return scale_of(first, key)


def _read_param(scale: Scale, value: object, key: str) -> float | list[float]:
    if isinstance(value, list):
        return [_read_number(scale, v, key) for v in value]
    return _read_number(scale, value, key)


def _read_number(scale: Scale, value: object, key: str) -> float:
    if scale.kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(rule="mixes numbers with other values: write them all as "
                                     "numbers", key=key)
        return float(value)
    if not isinstance(value, str):
        raise ScenarioError(rule=f"mixes values: write every one like {scale.write(0)!r}"
                            if scale.kind == "clock" else
                            f"write every value with a unit, like {scale.unit!r}", key=key)
    if scale.kind in UNITS:  # any unit of the same kind: "30s" and "2min"
        try:
            return parse_quantity(value, scale.kind) / UNITS[scale.kind][scale.unit]
        except ValueError as exc:
            raise ScenarioError(rule=str(exc), key=key) from None
    return scale.read(value, key)


Numbers = dict[str, float | list[float]]


def _unwrap_clocks(numbers: Numbers) -> Numbers:
    """Clock times later than the first one: ``23:00 .. 01:00`` is two hours, past midnight."""
    first: float = 0.0
    for name in ("low", "value", "mean", "values"):
        value = numbers.get(name)
        if isinstance(value, float) or (isinstance(value, list) and value):
            first = value if isinstance(value, float) else value[0]
            break

    def later(v: float) -> float:
        return v + MINUTES_PER_DAY if v < first else v

    def unwrap(v: float | list[float]) -> float | list[float]:
        return [later(x) for x in v] if isinstance(v, list) else later(v)

    return {name: (v if name == "sd" else unwrap(v)) for name, v in numbers.items()}


def read_ranges(path: str | Path) -> tuple[Range, ...]:
    """Read a ranges file: ``[ranges]`` with a ``[low, high]`` pair per scenario key."""
    path = Path(path)
    return tuple(parse_range(key, raw, str(path))
                 for key, raw in read_section(path, "ranges", RANGE_EXAMPLE).items())


def parse_range(key: str, raw: object, source: str) -> Range:
    """One range; a ScenarioError names ``source``, the key, the value and the rule."""

    def fail(rule: str) -> ScenarioError:
        return ScenarioError(rule=rule, key=key, value=raw, file=source, has_value=True)

    if not isinstance(raw, list) or len(raw) != 2 or any(
            isinstance(v, bool) or not isinstance(v, int | float | str) for v in raw):
        raise fail("a range is [low, high], e.g. [\"30s\", \"60s\"], [0.8, 1.0] or [1, 3]")
    try:
        scale = _scale_of_values(list(raw), key)
        low, high = (_read_number(scale, v, key) for v in raw)
    except ScenarioError as exc:
        raise fail(exc.rule) from None
    if scale.kind == "clock" and high < low:
        high += MINUTES_PER_DAY  # ["23:00", "01:00"] runs past midnight
    if not high > low:
        raise fail("the range is empty: high must be above low")
    return Range(key, low, high, scale, (raw[0], raw[1]))


# --- building the scenario of each draw --------------------------------------------------------


def build_points(scenario: str | Path, overrides: Sequence[str],
                 values: Sequence[Mapping[str, object]], source: str,
                 what: str = "a value drawn from its prior") -> list[Scenario]:
    """The scenario of every draw, validated before any work (ScenarioError naming
    ``source`` for a drawn value the scenario rejects). The file is read once; each draw
    parses again only the values it sets."""
    parsed = Parsed.read(scenario, overrides, source, what)
    return [parsed.build(point) for point in values]


__all__ = ["Prior", "Range", "build_points", "parse_prior", "parse_range", "read_priors",
           "read_ranges", "show_number", "write_value"]
