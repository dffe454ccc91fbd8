"""``crossing-sim check``: validate a scenario and print it resolved."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from crossing_sim.cli.common import CONTEXT, friendly, scenario_argument, set_option, warn_doubts
from crossing_sim.errors import show_value
from crossing_sim.scenario.loading import build_scenario, resolve
from crossing_sim.scenario.schema import with_defaults
from crossing_sim.scenario.spec import Scenario

__all__ = ["check", "compact", "flatten"]


EXAMPLES = """
\b
Examples:
  crossing-sim check scenarios/two_tables.toml          # every key, defaults filled in
  crossing-sim check two_tables --diff                   # only what differs from baseline
  crossing-sim check baseline --set gate.close=04:00 --diff
"""

#: A TOML array of plain values written one per line (as tomli_w writes them).
_ARRAY = re.compile(r"= \[\n((?:    [^\n\[\]{}]*,\n)+)\]")


@click.command(context_settings=CONTEXT, epilog=EXAMPLES)
@scenario_argument
@set_option
@click.option("--diff", "only_changes", is_flag=True,
              help="Print only the keys whose values differ from the scenario it extends "
                   "(or, for one that extends nothing, from the defaults), with the old value.")
@friendly
def check(scenario: Path, overrides: tuple[str, ...], only_changes: bool) -> None:
    """Validate SCENARIO and print it resolved (after extends and --set)."""
    resolved = resolve(scenario, overrides)
    model = build_scenario(resolved)
    warn_doubts([(resolved, model)])
    files = " <- ".join(reversed(resolved.files))
    click.echo(f"# {model.name}: valid ({files})\n# sha256 {resolved.digest}\n")
    if not only_changes:
        click.echo(compact(resolved.to_toml()), nl=False)
        return
    # what the last layer changed: --set against the file, or the file against its parent
    if overrides:
        parent, against = resolve(scenario), f"{resolved.files[-1]} without --set"
    elif len(resolved.files) > 1:
        parent = resolve(resolved.files[-2])
        against = f"the scenario it extends, {resolved.files[-2]}"
    else:
        parent, against = None, "the defaults"
    old = flatten(with_defaults(Scenario, parent.table if parent else {"name": "-"}))
    new = flatten(with_defaults(Scenario, resolved.table))
    changed = [k for k in new if k not in ("name", "description") and new[k] != old.get(k)]
    click.echo(f"# {len(changed)} key(s) differ from {against}:")
    for key in changed:
        before = show_value(old[key], 80) if key in old else "(not set)"
        click.echo(f"{key} = {show_value(new[key], 80)}   # was {before}")


def compact(text: str) -> str:
    """TOML with every array of plain values on one line."""
    return _ARRAY.sub(lambda m: "= [" + ", ".join(
        item.strip().rstrip(",") for item in m.group(1).splitlines()) + "]", text)


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys and their values (arrays and distributions as whole values)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and "dist" not in value:
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out
