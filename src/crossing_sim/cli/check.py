"""``crossing-sim check``: validate a scenario and print it resolved."""

from __future__ import annotations

from pathlib import Path

import click

from crossing_sim.cli.common import CONTEXT, friendly, scenario_argument, set_option
from crossing_sim.scenario.loading import build_scenario, resolve

__all__ = ["check"]


@click.command(context_settings=CONTEXT)
@scenario_argument
@set_option
@friendly
def check(scenario: Path, overrides: tuple[str, ...]) -> None:
    """Validate SCENARIO and print it resolved (after extends and --set)."""
    resolved = resolve(scenario, overrides)
    model = build_scenario(resolved)
    files = " <- ".join(reversed(resolved.files))
    click.echo(f"# {model.name}: valid ({files})\n# sha256 {resolved.digest}\n")
    click.echo(resolved.to_toml(), nl=False)
