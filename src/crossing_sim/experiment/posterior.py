"""Nights over a posterior sample: each night draws its scenario's uncertain values from a
calibration's sample, so input uncertainty and the night's chance both reach the answer.

A posterior sample is a CSV file written by ``crossing-sim calibrate``: a header of dotted
scenario keys, one row per equally likely draw, values written as in a scenario file
(``0.912``, ``41.3s``, ``21:40``). A scenario names it with ``posterior = "FILE.csv"`` (or
``run``, ``sweep`` and ``compare`` take ``--posterior FILE``). Night ``i`` takes row
``SeedSequence(seed, spawn_key=(POSTERIOR_STREAM, i))``'s draw from ``0 .. rows - 1``: it
depends on the replication index alone, so night ``i`` of every compared scenario has the
same inputs and their difference stays paired.

A compared scenario's own changes win over the sample: where a what-if sets a key of the
sample otherwise than the base scenario (``gate.close = "04:00"``), or a sweep varies it, its
value is used on every night, and the sample sets the rest. In a comparison or a sweep, the
base scenario's sample (``--posterior``, or the base's ``posterior`` key) is every point's.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import numpy as np

from crossing_sim.errors import ScenarioError
from crossing_sim.scenario.loading import Resolved, _set, build_changed, build_scenario, resolve
from crossing_sim.scenario.schema import Context, parse_value
from crossing_sim.scenario.sense import check_sense
from crossing_sim.scenario.spec import SECTIONS, Scenario, check_consistency

__all__ = ["POSTERIOR_STREAM", "OverPosterior", "Parsed", "PosteriorSample", "over_posterior",
           "own_keys", "posterior_csv", "read_posterior", "row_of", "value_at"]

#: The spawn key of the stream that picks each night's row (far above any point index).
POSTERIOR_STREAM: Final = 2**31 - 4
MAX_ROWS: Final = 100_000


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


@dataclass(frozen=True)
class PosteriorSample:
    """The rows of a posterior sample file."""

    path: str
    keys: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    @property
    def digest(self) -> str:
        return hashlib.sha256(posterior_csv(self.keys, self.rows).encode()).hexdigest()

    def values(self, row: int) -> dict[str, object]:
        return dict(zip(self.keys, self.rows[row], strict=True))


def _cell(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_posterior(path: str | Path) -> PosteriorSample:
    """Read a posterior sample file; ScenarioError naming the file and the rule if it is not
    one."""
    here = str(path)

    def fail(rule: str, key: str = "") -> ScenarioError:
        return ScenarioError(rule=rule, key=key or "posterior", file=here)

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("no such file (a posterior sample written by crossing-sim calibrate)"
                   ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot be read as UTF-8 text: {exc}") from None
    lines = [row for row in csv.reader(io.StringIO(text)) if row]
    if len(lines) < 2 or not all(k.strip() for k in lines[0]):
        raise fail("a posterior sample is a CSV file: a header of scenario keys, then at "
                   "least one row")
    keys = tuple(k.strip() for k in lines[0])
    if len(set(keys)) != len(keys):
        raise fail("a key is named twice in the header", keys[0])
    if len(lines) - 1 > MAX_ROWS:
        raise fail(f"has more than {MAX_ROWS} rows")
    for number, row in enumerate(lines[1:], start=2):
        if len(row) != len(keys):
            raise fail(f"line {number} has {len(row)} values for {len(keys)} keys")
    rows = tuple(tuple(_cell(v.strip()) for v in row) for row in lines[1:])
    return PosteriorSample(here, keys, rows)


def posterior_csv(keys: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A posterior sample as the CSV text :func:`read_posterior` reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(keys)
    writer.writerows(rows)
    return buffer.getvalue()


def value_at(resolved: Resolved, key: str) -> object:
    """The value a resolved scenario gives a dotted key (None if it gives none)."""
    node: object = resolved.table
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def own_keys(resolved: Resolved, reference: Resolved, keys: Iterable[str]) -> set[str]:
    """The ``keys`` a scenario sets otherwise than the reference (a compared scenario's
    lever): over a posterior, its own value wins there."""
    return {k for k in keys if value_at(resolved, k) != value_at(reference, k)}


def row_of(seed: int, replication: int, rows: int) -> int:
    """The sample row night ``replication`` takes (the same in every scenario)."""
    ss = np.random.SeedSequence(seed, spawn_key=(POSTERIOR_STREAM, replication))
    return int(np.random.default_rng(ss).integers(rows))


@dataclass(frozen=True, kw_only=True)
class OverPosterior(Scenario):
    """A scenario whose nights each take their uncertain values from a posterior sample.

    As a Scenario it is the file's own values (its name, expected, observed facts); each
    night is :meth:`night`'s scenario, built when first needed in each process.
    """

    parsed: Parsed | None = None
    sample: PosteriorSample | None = None
    own: frozenset[str] = frozenset()  # the sample's keys this scenario keeps its own value of
    token: str = ""  # the scenario's and the sample's digests: what the cache knows it by

    def night(self, seed: int, replication: int) -> Scenario:
        assert self.parsed is not None
        assert self.sample is not None
        row = row_of(seed, replication, len(self.sample.rows))
        return _built(self.token, row, self)


_BUILT: dict[tuple[str, int], Scenario] = {}


def _built(token: str, row: int, over: OverPosterior) -> Scenario:
    """Row ``row``'s scenario, built once per process (a few thousand are kept)."""
    found = _BUILT.get((token, row))
    if found is None:
        assert over.parsed is not None
        assert over.sample is not None
        if len(_BUILT) >= 8192:
            _BUILT.clear()
        values = {k: v for k, v in over.sample.values(row).items() if k not in over.own}
        found = _BUILT[token, row] = over.parsed.build(values)
    return found


def over_posterior(scenario: Scenario, resolved: Resolved, sample: PosteriorSample,
                   own: Iterable[str] = ()) -> OverPosterior:
    """``scenario`` (built from ``resolved``) with each night's values from ``sample``, but
    for the keys in ``own`` (a what-if's lever, a swept key: the scenario's value wins).
    Every row is built once here, so a value the scenario rejects fails before any work."""
    parsed = Parsed(resolved, sample.path)
    kept = frozenset(own) & set(sample.keys)
    token = f"{resolved.digest}:{sample.digest}:{','.join(sorted(kept))}"
    over = OverPosterior(**{f.name: getattr(scenario, f.name) for f in fields(Scenario)},
                         parsed=parsed, sample=sample, own=kept, token=token)
    for row in range(len(sample.rows)):
        _built(token, row, over)
    return over
