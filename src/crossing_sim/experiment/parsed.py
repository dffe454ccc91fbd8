"""A scenario file parsed once, and each draw's scenario built from it cheaply.

Calibration and sensitivity analyses, and nights over a posterior sample, build a scenario
for every draw of a few values. :class:`Parsed` reads the file once (``extends`` and ``--set``
applied); for a draw it follows a plan made once for the drawn keys (which sections hold
them, and how each value is parsed), parses only the drawn values and rebuilds only the
sections that hold them, then checks the rules as a scenario from a file is checked. A draw
the plan cannot take, and any mistake, goes the general way (:meth:`Parsed.slow_build`),
which names the file, key, value and rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from crossing_sim.errors import ScenarioError
from crossing_sim.scenario.loading import Resolved, _set, build_changed, build_scenario, resolve
from crossing_sim.scenario.schema import Context, parse_value
from crossing_sim.scenario.sense import check_sense
from crossing_sim.scenario.spec import SECTIONS, Scenario, check_consistency

__all__ = ["Parsed"]


@dataclass(frozen=True)
class Parsed:
    """A scenario file read once (``extends`` and ``--set`` applied): each draw's scenario
    is this table with the drawn values set, validated, without reading any file again."""

    resolved: Resolved
    source: str  # what errors about set values name (the priors or the posterior file)
    what: str = "a value of the posterior sample"  # what such a value is, in the error

    @classmethod
    def read(cls, scenario: str | Path, overrides: Sequence[str], source: str,
             what: str = "a value drawn from its prior") -> Parsed:
        return cls(resolve(scenario, overrides), source, what)

    @cached_property
    def base(self) -> Scenario | None:
        """The scenario without any value set (None if it is not valid alone): each draw's
        scenario parses again only the values it sets."""
        try:
            return build_scenario(self.resolved)
        except ScenarioError:
            return None

    @cached_property
    def _plans(self) -> dict[tuple[str, ...], _Table | None]:
        return {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without its plans (each process makes its own)."""
        return {k: v for k, v in self.__dict__.items() if k != "_plans"}

    def build(self, values: Mapping[str, object]) -> Scenario:
        """The scenario with ``values`` (dotted keys) set; ScenarioError naming ``source``.
        Draws of the same keys follow a plan made for the first (:class:`_Table`), which
        gives the scenario :meth:`slow_build` gives, or leaves the draw to it."""
        keys = tuple(values)
        plans = self._plans
        if keys not in plans:
            if len(plans) >= 64:
                plans.clear()
            plans[keys] = _plan(self, keys)
        plan = plans[keys]
        if plan is not None and all(type(v) in _PLAIN for v in values.values()):
            try:
                scenario: Scenario = plan.apply(values)
                check_consistency(scenario)
                check_sense(scenario)
                return scenario
            except ScenarioError:
                pass  # the slow way names the mistake (or builds the whole table)
        return self.slow_build(values)

    def slow_build(self, values: Mapping[str, object]) -> Scenario:
        """:meth:`build` without a plan: the table with ``values`` set, its changed fields
        parsed again (:func:`build_changed`), or else the whole table."""
        base = self.base
        if base is not None:
            try:  # where each value came from matters only to name a mistake: not kept here
                found = build_changed(base, self._with(values, {}), values)
            except ScenarioError:
                found = None
            if found is not None:
                return found
        r = self.resolved
        sources = dict(r.sources)
        try:
            table = self._with(values, sources)
            return build_scenario(Resolved(table, sources, r.files, (*r.layers, self.source)))
        except ScenarioError as exc:
            if exc.file == self.source:
                exc.rule = f"{exc.rule} ({self.what})"
            raise

    def _with(self, values: Mapping[str, object], sources: dict[tuple[str, ...], str]
              ) -> dict[str, Any]:
        """The parsed table with ``values`` set (the tables on their paths copied), noting
        in ``sources`` where each came from."""
        table = dict(self.resolved.table)
        for dotted, value in values.items():
            key = tuple(dotted.split("."))
            _own_path(table, key)
            _set(table, key, value, sources, self.source)
        return table


def _own_path(table: dict[str, Any], key: Sequence[str]) -> None:
    """Copy the tables along ``key`` in ``table`` (a copy of a parsed table), so that setting
    the key there changes nothing the parsed table holds (the values are replaced, never
    changed in place)."""
    node = table
    for part in key[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            return
        node[part] = node = dict(child)


# --- a plan for the draws of the same keys -----------------------------------------------------

#: The kinds of value a plan sets as they are (anything else goes the slow way).
_PLAIN: Final = (str, int, float, bool)


class _Slot:
    """Where a plan puts a drawn value: the table with these in place of the values tells
    which fields a draw parses again, and from what."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key


def _fill(raw: object, values: Mapping[str, object]) -> object:
    """``raw`` with each :class:`_Slot` replaced by its drawn value (the tables holding one
    copied, as setting the value in a copy of the table gives them)."""
    if isinstance(raw, _Slot):
        return values[raw.key]
    if isinstance(raw, dict):
        return {k: _fill(v, values) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_fill(v, values) for v in raw]
    return raw


def _holds_slot(raw: object) -> bool:
    if isinstance(raw, dict):
        return any(_holds_slot(v) for v in raw.values())
    if isinstance(raw, list):
        return any(_holds_slot(v) for v in raw)
    return isinstance(raw, _Slot)


class _Leaf:
    """A field parsed again from its value in the table (a drawn value, or a distribution
    holding drawn parameters)."""

    def __init__(self, f: Any, raw: object, key: str, ctx: Context) -> None:
        self.f, self.raw, self.key, self.ctx = f, raw, key, ctx
        self.slot = raw.key if isinstance(raw, _Slot) else None

    def apply(self, values: Mapping[str, object]) -> object:
        raw = values[self.slot] if self.slot is not None else _fill(self.raw, values)
        return parse_value(self.f, raw, self.key, self.ctx)


class _Named:
    """A named table (the origins) with some of its entries rebuilt."""

    def __init__(self, items: tuple[Any, ...], entries: list[tuple[int, _Table]]) -> None:
        self.items, self.entries = items, entries

    def apply(self, values: Mapping[str, object]) -> tuple[Any, ...]:
        items = list(self.items)
        for i, table in self.entries:
            items[i] = table.apply(values)
        return tuple(items)


class _Table:
    """A section of the base scenario with the fields a draw changes built again, as
    :func:`~crossing_sim.scenario.spec.with_values` builds them."""

    def __init__(self, node: Any, steps: list[tuple[str, _Leaf | _Named | _Table]]) -> None:
        self.node, self.steps = node, steps
        cls = type(node)
        # what ``replace`` would give, made without calling __init__ where that only sets
        # the fields (frozen dataclasses without __post_init__): the fields in their order
        plain = not hasattr(cls, "__post_init__") and all(f.init for f in fields(node))
        self.state = {f.name: getattr(node, f.name) for f in fields(node)} if plain else None

    def apply(self, values: Mapping[str, object]) -> Any:
        changes = {name: step.apply(values) for name, step in self.steps}
        if self.state is None:
            return replace(self.node, **changes)
        new = object.__new__(type(self.node))
        state = new.__dict__
        state.update(self.state)
        state.update(changes)
        return new


def _plan(parsed: Parsed, keys: Sequence[str]) -> _Table | None:
    """The plan for draws of ``keys``: the walk :func:`with_values` takes through the table
    with the keys set, made once (None where it would not build such a draw alone)."""
    base = parsed.base
    parts = [tuple(k.split(".")) for k in keys]
    if base is None or any(p[0] not in SECTIONS for p in parts) or any(
            a != b and b[: len(a)] == a for a in parts for b in parts):
        return None
    try:
        table = parsed._with({k: _Slot(k) for k in keys}, {})
    except ScenarioError:
        return None
    tree: _Tree = {}
    for key in parts:
        node = tree
        for part in key:
            node = node.setdefault(part, {})
    try:
        return _walk(base, table, tree, "", Context(base.start_clock))
    except _NotAlone:
        return None


_Tree = dict[str, "_Tree"]


class _NotAlone(Exception):
    pass


def _walk(node: Any, raw: object, tree: _Tree, path: str, ctx: Context) -> _Table:
    """:func:`~crossing_sim.scenario.spec._rebuilt`'s walk, noting what it would parse."""
    if not isinstance(raw, Mapping):
        raise _NotAlone
    known = {f.name: f for f in fields(node) if "kind" in f.metadata}
    steps: list[tuple[str, _Leaf | _Named | _Table]] = []
    for name, below in tree.items():
        f = known.get(name)
        key = f"{path}.{name}" if path else name
        if f is None or name not in raw:
            raise _NotAlone
        value, current, kind = raw[name], getattr(node, name), f.metadata["kind"]
        if below and kind == "table" and is_dataclass(current):
            steps.append((name, _walk(current, value, below, key, ctx)))
        elif below and kind == "named" and all(below.values()):
            names = [getattr(item, "name", None) for item in current]
            entries = []
            for entry, inside in below.items():
                if entry not in names or not isinstance(value, Mapping) or not isinstance(
                        value.get(entry), Mapping):
                    raise _NotAlone
                i = names.index(entry)
                entries.append((i, _walk(current[i], {**value[entry], "name": entry}, inside,
                                         f"{key}.{entry}", ctx)))
            steps.append((name, _Named(tuple(current), entries)))
        elif _holds_slot(value):
            steps.append((name, _Leaf(f, value, key, ctx)))
        else:
            raise _NotAlone  # (a walk that reaches no drawn value: not this plan's)
    return _Table(node, steps)
