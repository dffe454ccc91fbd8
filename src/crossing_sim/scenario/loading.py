"""Reading scenario files: TOML, ``extends`` chains and ``--set key=value`` overrides.

Every value remembers the file it came from, so an error names the file that must change.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from crossing_sim.errors import ScenarioError, param
from crossing_sim.scenario.catalog import builtin_file, example_kind, suggest
from crossing_sim.scenario.replay import ArrivalsFile
from crossing_sim.scenario.schema import NONE_WORDS, with_defaults
from crossing_sim.scenario.sense import check_sense, doubts
from crossing_sim.scenario.spec import (
    NotAlone,
    Scenario,
    lookup,
    scenario_from_dict,
    with_values,
)

__all__ = [
    "MAX_EXTENDS",
    "MAX_FILE_BYTES",
    "MAX_KEY_PARTS",
    "MAX_NESTING",
    "MAX_REPLAY_BYTES",
    "SET_SOURCE",
    "Resolved",
    "build_changed",
    "build_scenario",
    "load_scenario",
    "locate",
    "parse_override",
    "read_bounded",
    "read_replay",
    "read_toml",
    "resolve",
    "scenario_doubts",
    "toml_shape_problem",
]

SET_SOURCE = param("overrides")
MAX_FILE_BYTES = 1_000_000
MAX_REPLAY_BYTES = 50_000_000  # a replay CSV: up to a million groups
MAX_EXTENDS = 20  # files in an extends chain


@dataclass(frozen=True)
class Resolved:
    """A scenario table after ``extends`` and overrides, with where each value came from."""

    table: dict[str, Any]
    sources: dict[tuple[str, ...], str]
    files: tuple[str, ...]
    layers: tuple[str, ...] = ()  # every source of values, oldest first (files, --set, ...)
    #: the posterior sample file a scenario names (``posterior = "FILE.csv"``, relative to
    #: the file that names it; the last file of the chain that names one wins), or None
    posterior: str | None = None

    def source_of(self, key: str) -> str:
        """The file (or ``--set``) that last set ``key`` or anything in it.

        For a key that no file set (a required key left out), the nearest enclosing table's.
        """
        parts = tuple(p for p in key.replace("[", ".[").split(".") if p and not p.startswith("["))
        rank = {src: i for i, src in enumerate(self.layers or (*self.files, SET_SOURCE))}
        while parts:
            inside = [src for path, src in self.sources.items() if path[: len(parts)] == parts]
            if inside:
                return max(inside, key=lambda src: rank.get(src, -1))
            parts = parts[:-1]
        return self.files[-1] if self.files else ""

    def to_toml(self) -> str:
        """The resolved scenario with every default filled in, as TOML (``crossing-sim check``).

        Call it on a table that has been validated (see :func:`build_scenario`).
        """
        return self._toml

    @functools.cached_property
    def _toml(self) -> str:  # made once: a sweep's manifest and its digest both need it
        return tomli_w.dumps(with_defaults(Scenario, self.table))

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the resolved TOML (and of a replayed arrivals file, if any): the same
        scenario gives the same hash, and an edited replay file a different one."""
        digest = hashlib.sha256(self.to_toml().encode())
        try:
            replay = read_replay(self)
        except ScenarioError:
            replay = None
        if replay is not None:
            digest.update(replay.text.encode())
        return digest.hexdigest()


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, resolve and validate a scenario file; raises ScenarioError for any mistake."""
    return build_scenario(resolve(path, overrides))


def build_scenario(resolved: Resolved) -> Scenario:
    """Validate a resolved table; errors name the file that set the faulty value."""
    try:
        scenario = scenario_from_dict(resolved.table, read_replay(resolved))
        check_sense(scenario, resolved.table)
    except ScenarioError as exc:
        if not exc.file:
            exc.file = resolved.source_of(exc.key)
        raise
    return scenario


def build_changed(base: Scenario, table: Mapping[str, Any], keys: Iterable[str]
                  ) -> Scenario | None:
    """The scenario of ``table`` when it differs from the table ``base`` was built from
    only at the dotted ``keys``, parsing again only what they name
    (:func:`~crossing_sim.scenario.spec.with_values`); None when a key cannot be built
    alone or the table has a mistake: :func:`build_scenario` then builds it whole (and
    names the file and the value of the mistake)."""
    try:
        scenario = with_values(base, table, keys)
        check_sense(scenario, table)
    except (NotAlone, ScenarioError):
        return None
    return scenario


def scenario_doubts(resolved: Resolved, scenario: Scenario) -> list[ScenarioError]:
    """What in a valid scenario is probably not meant (see :mod:`crossing_sim.scenario.sense`),
    each as a message naming the file, key and value: for warnings, not to raise."""
    found = []
    for doubt in doubts(scenario):
        has, value = lookup(resolved.table, doubt.key)
        found.append(ScenarioError(rule=doubt.rule, key=doubt.key, value=value,
                                   file=resolved.source_of(doubt.key), has_value=has))
    return found


def read_replay(resolved: Resolved) -> ArrivalsFile | None:
    """The CSV file a scenario in replay mode names (``arrivals.file``), or None.

    The path is relative to the folder of the scenario file that set it; for a value from
    ``--set`` (or a sweep), to the folder of the scenario file loaded. A value that is not a
    usable name is left for the scenario's validation to report.
    """
    arrivals = resolved.table.get("arrivals")
    if not isinstance(arrivals, Mapping) or arrivals.get("mode") != "replay":
        return None
    name = arrivals.get("file")
    if not isinstance(name, str) or name.strip().lower() in ("", *NONE_WORDS):
        return None
    source = resolved.source_of("arrivals.file")
    here = source if source in resolved.files else (resolved.files[-1] if resolved.files else "")
    path = Path(here).parent / name

    def fail(rule: str) -> ScenarioError:
        return ScenarioError(rule=rule, key="arrivals.file", value=name, file=source,
                             has_value=True)

    try:
        if path.is_dir():
            raise fail(f"is a folder, not a CSV file: {path}")
        data = read_bounded(path, MAX_REPLAY_BYTES)
    except FileNotFoundError:
        raise fail(f"no such file: {path} (a path relative to the scenario file's folder)"
                   ) from None
    except OSError as exc:
        raise fail(f"cannot be read: {path}: {exc.strerror}") from None
    except ValueError as exc:  # e.g. a NUL byte in the path
        raise fail(f"is not a usable file name: {exc}") from None
    if len(data) > MAX_REPLAY_BYTES:
        raise fail(f"{path} is larger than {MAX_REPLAY_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"{path} is not UTF-8 text (byte {exc.start})") from None
    return ArrivalsFile(str(path), text)


def resolve(path: str | Path, overrides: Iterable[str] = (),
            values: Mapping[str, object] | None = None, source: str = param("vary")) -> Resolved:
    """Read a scenario file, follow its ``extends`` chain and apply ``key=value`` overrides.

    ``values`` sets dotted keys to Python values after the overrides (a sweep point's
    values); errors about them name ``source``.
    """
    sources: dict[tuple[str, ...], str] = {}
    files: list[str] = []
    path = locate(Path(path))
    named: dict[str, str] = {}
    table = _read_chain(path, sources, files, (), named)
    table.setdefault("name", path.stem)
    for text in overrides:
        key, value = parse_override(text)
        _set(table, key, value, sources)
    for dotted, value in (values or {}).items():
        _set(table, tuple(dotted.split(".")), value, sources, source)
    return Resolved(table, sources, tuple(files), (*files, SET_SOURCE, source),
                    named.get("posterior"))


def _read_chain(path: Path, sources: dict[tuple[str, ...], str], files: list[str],
                seen: tuple[Path, ...], named: dict[str, str]) -> dict[str, Any]:
    here = str(path)
    table = read_toml(path)
    kind = example_kind(table)
    if kind is not None:
        raise ScenarioError(rule=f"is a {kind} file, not a scenario: {_EXAMPLES[kind]}",
                            file=here)
    real = path.resolve()
    if len(seen) >= MAX_EXTENDS:
        raise ScenarioError(rule=f"the extends chain is more than {MAX_EXTENDS} files long "
                                 f"(from {seen[0]})", key="extends", file=here)
    if real in seen:
        loop = (*seen, real)
        chain = " -> ".join(p.name for p in loop) if len(loop) <= 6 else \
            f"{loop[0].name} -> ... ({len(loop) - 2} files) -> {loop[-1].name}"
        raise ScenarioError(rule=f"circular extends: {chain}", key="extends", file=here)
    base: dict[str, Any] = {}
    parent = table.pop("extends", None)
    posterior = table.pop("posterior", None)
    if parent is not None:
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(rule="must be the path of a scenario file, e.g. \"baseline.toml\"",
                                key="extends", value=parent, file=here, has_value=True)
        base_path = path.parent / parent
        if not _is_file(base_path):
            builtin = builtin_file(parent)
            if builtin is None:
                raise ScenarioError(rule=f"no such file: {base_path}{suggest(base_path)}",
                                    key="extends", value=parent, file=here, has_value=True)
            base_path = builtin
        base = _read_chain(base_path, sources, files, (*seen, real), named)
        base.pop("name", None)
    if posterior is not None:
        if not isinstance(posterior, str) or not posterior.strip():
            raise ScenarioError(rule="must be the path of a posterior sample (CSV) written by "
                                     "calibrate, e.g. \"calibrated_posterior.csv\"",
                                key="posterior", value=posterior, file=here, has_value=True)
        named["posterior"] = str(path.parent / posterior)
    files.append(here)
    _merge(base, table, (), sources, here)
    return base


#: What an example file is for, when it is given where a scenario is expected.
_EXAMPLES = {
    "priors": f"give it to calibrate as {param('priors')}",
    "ranges": f"give it to sensitivity as {param('ranges')}",
    "sweep": "run it with crossing-sim sweep",
}


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def locate(path: Path) -> Path:
    """The user's file if it is there; otherwise the built-in scenario of that name, if any."""
    if _is_file(path) or path.exists():
        return path
    return builtin_file(path) or path


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; every failure is a ScenarioError naming the file."""
    here = str(path)
    try:
        if path.is_dir():
            raise ScenarioError(rule="is a folder, not a scenario file", file=here)
        data = read_bounded(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise ScenarioError(rule=f"no such scenario file{suggest(path)}", file=here) from None
    except OSError as exc:
        raise ScenarioError(rule=f"cannot be read: {exc.strerror}", file=here) from None
    except ValueError as exc:  # e.g. a NUL byte in the path
        raise ScenarioError(rule=f"is not a usable file name: {exc}", file=here) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(rule=f"is larger than {MAX_FILE_BYTES} bytes; "
                                 "a scenario file is a short text", file=here)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(rule=f"is not UTF-8 text (byte {exc.start})", file=here) from None
    try:
        problem, table = _parsed(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ScenarioError(rule=f"is not valid TOML: {exc}", file=here) from None
    if problem:
        raise ScenarioError(rule=problem, file=here)
    return copy.deepcopy(table)  # a copy: the caller may change it


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> tuple[str, dict[str, Any]]:
    """A TOML text checked and parsed once (a sweep reads its base file once per point):
    what is wrong with its shape (see :func:`toml_shape_problem`), else its table."""
    problem = toml_shape_problem(text)
    return (problem, {}) if problem else ("", tomllib.loads(text))


def read_bounded(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a file: enough to tell it is too large, whatever it is
    (``/dev/zero`` never ends)."""
    with path.open("rb") as handle:
        return handle.read(limit + 1)


#: The deepest nesting of arrays and inline tables, and the most parts of a dotted key or
#: table header, a scenario (or an override's value) may have: far beyond any real one,
#: and far below what exhausts the TOML reader's recursion or memory.
MAX_NESTING = 32
MAX_KEY_PARTS = 32
_DOTTED = re.compile(r"(?:(?:[A-Za-z0-9_-]+|\x00)\s*\.\s*){" + str(MAX_KEY_PARTS) + ",}")


def toml_shape_problem(text: str) -> str:
    """Why TOML text is too deeply nested to be read safely ("" if it is not), found before
    the TOML reader runs: arrays or inline tables nested over :data:`MAX_NESTING` deep, or
    a key or header of over :data:`MAX_KEY_PARTS` dotted parts."""
    depth = deepest = 0
    bare: list[str] = []  # the text outside strings and comments, strings as NUL
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if ch == '"' and text[j] == "\\" else 1
            i = j + len(quote)
            bare.append("\x00")
            continue
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
        bare.append(ch)
        i += 1
    if deepest > MAX_NESTING:
        return f"nests arrays or tables {deepest} deep; at most {MAX_NESTING}"
    if _DOTTED.search("".join(bare)):
        return f"has a dotted key or table header of more than {MAX_KEY_PARTS} parts"
    return ""


def _merge(base: dict[str, Any], top: Mapping[str, Any], prefix: tuple[str, ...],
           sources: dict[tuple[str, ...], str], file: str) -> None:
    """Merge ``top`` into ``base`` in place: tables merge key by key, other values replace."""
    for key, value in top.items():
        path = (*prefix, key)
        # a distribution ({dist = ...}) is one value: a new one replaces the old whole
        if isinstance(value, Mapping) and "dist" not in value and isinstance(base.get(key), dict):
            _merge(base[key], value, path, sources, file)
        else:
            base[key] = _copy(value)
            for old in [p for p in sources if p[: len(path)] == path]:
                del sources[old]
        sources.setdefault(path, file)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """Split ``gate.lanes=2`` into a key path and a value (TOML syntax, or a bare string)."""
    key, sep, raw = text.partition("=")
    parts = tuple(p.strip() for p in key.split("."))
    if not sep or not all(parts):
        raise ScenarioError(rule="an override is written key=value, e.g. gate.lanes=2",
                            key=text, file=SET_SOURCE)
    if len(parts) > MAX_KEY_PARTS:
        raise ScenarioError(rule=f"a key has at most {MAX_KEY_PARTS} dotted parts",
                            key=f"{key[:60]}...", file=SET_SOURCE)
    raw = raw.strip()
    problem = toml_shape_problem(raw)
    if problem:
        raise ScenarioError(rule=f"the value {problem}", key=key.strip(), file=SET_SOURCE)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return parts, value


def _set(table: dict[str, Any], key: tuple[str, ...], value: Any,
         sources: dict[tuple[str, ...], str], source: str = SET_SOURCE) -> None:
    node = table
    for i, part in enumerate(key[:-1]):
        if part not in node:
            node[part] = {}
            sources[key[: i + 1]] = source
        child = node[part]
        if not isinstance(child, dict):
            raise ScenarioError(rule="is not a table, so it has no keys to set",
                                key=".".join(key[: i + 1]), file=source)
        node = child
    _merge(node, {key[-1]: value}, key[:-1], sources, source)
    sources[key] = source
