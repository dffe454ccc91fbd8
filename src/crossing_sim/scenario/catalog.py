"""The built-in scenarios and example files that ship inside the package.

They live in ``crossing_sim/scenario/builtin/`` (the repository's ``scenarios/`` folder points
there), so an installed package has them too: every command takes a built-in name where it
takes a scenario file (``crossing-sim run baseline``), and a scenario of one's own may
``extends = "baseline"``. Files whose only table is ``[priors]``, ``[ranges]`` or ``[sweep]``
are example inputs of ``calibrate``, ``sensitivity`` and ``sweep``, kept apart from the
scenarios.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

__all__ = ["EXAMPLE_KINDS", "Entry", "builtin_file", "builtin_folder", "catalog", "example_kind",
           "suggest"]

#: The example files' tables, and the command that takes each.
EXAMPLE_KINDS = {"priors": "calibrate --priors", "ranges": "sensitivity --ranges",
                 "sweep": "sweep"}


@dataclass(frozen=True)
class Entry:
    """One built-in file: its name, path, kind (scenario or an example's kind) and summary."""

    name: str
    path: Path
    kind: str
    description: str


def builtin_folder() -> Path:
    """Where the built-in scenarios and example files are (inside the installed package)."""
    return Path(str(files("crossing_sim.scenario") / "builtin"))


def example_kind(table: dict[str, object]) -> str | None:
    """``"priors"``, ``"ranges"`` or ``"sweep"`` for an example file's table, else None."""
    tables = set(table)
    for kind in EXAMPLE_KINDS:
        if kind in tables and tables <= {kind}:
            return kind
    return None


def catalog() -> list[Entry]:
    """Every built-in file, scenarios first, each kind by name."""
    entries = []
    for path in sorted(builtin_folder().glob("*.toml")):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        kind = example_kind(table) or "scenario"
        text = table.get("description", "")
        if kind != "scenario":
            text = f"an example of {EXAMPLE_KINDS[kind]}"
        entries.append(Entry(path.stem, path, kind, str(text)))
    return sorted(entries, key=lambda e: (e.kind != "scenario", e.name))


def builtin_file(name: str | Path) -> Path | None:
    """The built-in file called ``name`` (``"baseline"`` or ``"baseline.toml"``), if any.

    Only a bare name is looked up: a path with a folder in it is always the user's file.
    """
    text = str(name)
    if not text or "/" in text or "\\" in text:
        return None
    stem = text.removesuffix(".toml")
    path = builtin_folder() / f"{stem}.toml"
    try:
        return path if path.is_file() else None
    except (OSError, ValueError):  # a name too long for a file, a NUL byte: not a built-in
        return None


def suggest(name: str | Path) -> str:
    """A hint for a scenario file that is not there: a close file name or built-in name."""
    path = Path(name)
    nearby: list[str] = []
    try:
        if path.parent.is_dir():
            nearby = [p.name for p in path.parent.glob("*.toml")]
    except OSError:
        nearby = []
    close = difflib.get_close_matches(path.name, nearby, n=1, cutoff=0.75)
    if close:
        return f"; did you mean {path.parent / close[0]}?"
    names = [e.name for e in catalog() if e.kind == "scenario"]
    stem = path.name.removesuffix(".toml")
    close = difflib.get_close_matches(stem, names, n=1, cutoff=0.75)
    if close:
        return f"; did you mean the built-in scenario {close[0]}?"
    return ("; give a file, or the name of a built-in scenario (crossing-sim scenarios lists "
            "them)")
