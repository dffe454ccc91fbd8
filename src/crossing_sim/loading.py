"""Reading scenario files: TOML, ``extends`` chains and ``--set key=value`` overrides.

Every value remembers the file it came from, so an error names the file that must change.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from crossing_sim.errors import ScenarioError
from crossing_sim.scenario import Scenario, scenario_from_dict
from crossing_sim.schema import with_defaults

SET_SOURCE = "--set"
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class Resolved:
    """A scenario table after ``extends`` and overrides, with where each value came from."""

    table: dict[str, Any]
    sources: dict[tuple[str, ...], str]
    files: tuple[str, ...]

    def source_of(self, key: str) -> str:
        """The file (or ``--set``) that last set ``key`` or anything in it.

        For a key that no file set (a required key left out), the nearest enclosing table's.
        """
        parts = tuple(p for p in key.replace("[", ".[").split(".") if p and not p.startswith("["))
        rank = {file: i for i, file in enumerate((*self.files, SET_SOURCE))}
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
        return tomli_w.dumps(with_defaults(Scenario, self.table))

    @property
    def digest(self) -> str:
        """SHA-256 of the resolved TOML: the same scenario gives the same hash."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, resolve and validate a scenario file; raises ScenarioError for any mistake."""
    return build_scenario(resolve(path, overrides))


def build_scenario(resolved: Resolved) -> Scenario:
    """Validate a resolved table; errors name the file that set the faulty value."""
    try:
        return scenario_from_dict(resolved.table)
    except ScenarioError as exc:
        if not exc.file:
            exc.file = resolved.source_of(exc.key)
        raise


def resolve(path: str | Path, overrides: Iterable[str] = ()) -> Resolved:
    """Read a scenario file, follow its ``extends`` chain and apply ``key=value`` overrides."""
    sources: dict[tuple[str, ...], str] = {}
    files: list[str] = []
    table = _read_chain(Path(path), sources, files, ())
    table.setdefault("name", Path(path).stem)
    for text in overrides:
        key, value = parse_override(text)
        _set(table, key, value, sources)
    return Resolved(table, sources, tuple(files))


def _read_chain(path: Path, sources: dict[tuple[str, ...], str], files: list[str],
                seen: tuple[Path, ...]) -> dict[str, Any]:
    here = str(path)
    table = read_toml(path)
    real = path.resolve()
    if real in seen:
        chain = " -> ".join(str(p) for p in (*seen, real))
        raise ScenarioError(rule=f"circular extends: {chain}", key="extends", file=here)
    base: dict[str, Any] = {}
    parent = table.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(rule="must be the path of a scenario file, e.g. \"baseline.toml\"",
                                key="extends", value=parent, file=here, has_value=True)
        base_path = path.parent / parent
        try:
            exists = base_path.is_file()
        except (OSError, ValueError):
            exists = False
        if not exists:
            raise ScenarioError(rule=f"no such file: {base_path}", key="extends", value=parent,
                                file=here, has_value=True)
        base = _read_chain(base_path, sources, files, (*seen, real))
        base.pop("name", None)
    files.append(here)
    _merge(base, table, (), sources, here)
    return base


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; every failure is a ScenarioError naming the file."""
    here = str(path)
    try:
        if path.is_dir():
            raise ScenarioError(rule="is a folder, not a scenario file", file=here)
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(rule="no such scenario file", file=here) from None
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
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(rule=f"is not valid TOML: {exc}", file=here) from None


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
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return parts, value


def _set(table: dict[str, Any], key: tuple[str, ...], value: Any,
         sources: dict[tuple[str, ...], str]) -> None:
    node = table
    for i, part in enumerate(key[:-1]):
        if part not in node:
            node[part] = {}
            sources[key[: i + 1]] = SET_SOURCE
        child = node[part]
        if not isinstance(child, dict):
            raise ScenarioError(rule="is not a table, so it has no keys to set",
                                key=".".join(key[: i + 1]), file=SET_SOURCE)
        node = child
    _merge(node, {key[-1]: value}, key[:-1], sources, SET_SOURCE)
    sources[key] = SET_SOURCE
