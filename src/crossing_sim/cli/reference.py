"""The reference documentation, generated from the code so that it cannot drift.

``python -m crossing_sim.cli.reference > docs/reference.md`` writes every scenario key (from the
schema declared in :mod:`crossing_sim.scenario.spec`) and every command with its options (from
the click command group). ``tests/cli/test_reference.py`` fails when the file is stale.
"""

from __future__ import annotations

import json
import types
from dataclasses import MISSING, fields
from typing import Any

import click

from crossing_sim.scenario.spec import Scenario

__all__ = ["api_reference", "command_reference", "reference", "scenario_reference"]

_KINDS = {
    "int": "whole number", "float": "number", "prob": "probability (0 to 1)",
    "bool": "true / false", "text": "text", "option": "one of", "duration": "duration",
    "distance": "distance", "clock": "clock time \"HH:MM\"", "dist": "distribution",
    "rate": "rate (per unit of time)", "table": "table", "named": "tables by name",
    "list": "list of tables",
}
_UNITS = {"duration": "s, min, h, d", "distance": "m, km", "speed": "km/h, m/s", "count": "-",
          "km": "m, km"}


def scenario_reference() -> list[str]:
    """Markdown tables of every scenario key, section by section."""
    lines = ["## Scenario keys", "",
             "Every key a scenario file may set, with its kind, units, default and meaning. "
             "A key left out takes its default; `crossing-sim check FILE` prints them all.", ""]
    sections: list[tuple[str, type[Any]]] = [("(top level)", Scenario)]
    seen: set[type[Any]] = set()
    while sections:
        title, cls = sections.pop(0)
        if cls in seen:
            continue
        seen.add(cls)
        summary = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
        lines += [f"### `{title}`", "", summary, "",
                  "| key | kind | units | default | meaning |", "| --- | --- | --- | --- | --- |"]
        for f in fields(cls):
            meta = f.metadata
            if "kind" not in meta or (title.endswith(".NAME") and f.name == "name"):
                continue  # an origin's name is its table's key
            kind = meta["kind"]
            if kind in ("table", "named", "list"):
                child = meta["cls"]
                path = f"{title}.{f.name}" if title != "(top level)" else f.name
                sections.append((path + (".NAME" if kind == "named" else "")
                                 + ("[i]" if kind == "list" else ""), child))
            lines.append(f"| `{f.name}` | {_kind(meta)} | {_unit(meta)} | "
                         f"{_default(meta)} | {_escape(meta['doc'])} |")
        lines.append("")
    return lines


def _kind(meta: Any) -> str:
    kind = meta["kind"]
    text = str(_KINDS.get(kind, kind))
    if kind == "option":
        text += " " + ", ".join(f"`{o}`" for o in meta["options"])
    if kind == "dist":
        allowed = meta.get("dists")
        text += f" ({', '.join(allowed)})" if allowed else " or a fixed value"
    if meta.get("optional"):
        text += ", or `\"none\"`"
    bounds = [f">= {meta['min']}" if "min" in meta else "",
              f"<= {meta['max']}" if "max" in meta else ""]
    if any(bounds):
        text += " " + " and ".join(b for b in bounds if b)
    return text


def _unit(meta: Any) -> str:
    kind = meta["kind"]
    if kind in ("duration", "distance"):
        return _UNITS[kind]
    if kind == "dist":
        return str(_UNITS.get(meta.get("unit", ""), ""))
    if kind == "rate":
        return "/s, /min, /h"
    return ""


def _default(meta: Any) -> str:
    default = meta["default"]
    if default is MISSING:
        return "required"
    if meta["kind"] in ("table",) and default == {}:
        return "(defaults below)"
    return f"`{json.dumps(default, ensure_ascii=False)}`"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def command_reference(group: click.Group) -> list[str]:
    """Every command's usage and options, as click prints them for ``--help``."""
    lines = ["## Commands", ""]
    # the same help options as the real command line (click caches them per command)
    context = click.Context(group, info_name="crossing-sim", terminal_width=100,
                            help_option_names=["-h", "--help"])
    for name in sorted(group.list_commands(context)):
        command = group.get_command(context, name)
        assert command is not None
        sub = click.Context(command, parent=context, info_name=name, terminal_width=100)
        lines += [f"### `crossing-sim {name}`", "", "```", command.get_help(sub), "```", ""]
    return lines


def api_reference() -> list[str]:
    """The public Python API: every name ``crossing_sim`` exports, where it lives, what it is."""
    import crossing_sim

    lines = ["## Python API", "",
             "Everything below imports from the package itself (`from crossing_sim import "
             "run_sweep`); each name is loaded on first use.", "",
             "| name | from | what it is |", "| --- | --- | --- |"]
    for name in crossing_sim.__all__:
        value = getattr(crossing_sim, name)
        if isinstance(value, types.ModuleType):
            where, doc = value.__name__, value.__doc__
        elif name in _CONSTANTS:
            where = crossing_sim._PUBLIC.get(name, ("crossing_sim.version", ""))[0]
            doc = _CONSTANTS[name]
        else:
            where, doc = value.__module__, value.__doc__
        summary = (doc or "").strip().split("\n\n")[0].replace("\n", " ")
        lines.append(f"| `{name}` | `{where}` | {_escape(summary)} |")
    return [*lines, ""]


_CONSTANTS = {
    "__version__": "The installed version of crossing-sim.",
    "DEFAULT_SEED": "The seed of every command and function that is not given one.",
    "OBSERVED_CROSSED": "People who crossed on the real night.",
    "OBSERVED_EXPECTED": "People expected on the real night.",
}


def reference() -> str:
    """The whole of ``docs/reference.md``."""
    from crossing_sim.cli.main import main

    head = ["# Reference", "",
            "Generated by `python -m crossing_sim.cli.reference > docs/reference.md` from the "
            "code's own schema and commands; `tests/cli/test_reference.py` fails when it is "
            "stale.", ""]
    parts = [*head, *scenario_reference(), *command_reference(main), *api_reference()]
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
