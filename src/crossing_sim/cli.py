"""The ``crossing-sim`` command: parse, call the library, print. No model logic here."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from crossing_sim import __version__
from crossing_sim.errors import ScenarioError
from crossing_sim.experiment import DEFAULT_SEED, run_replications
from crossing_sim.loading import build_scenario, resolve
from crossing_sim.report import render, summarize
from crossing_sim.results import ResultsError, check_target, default_run_dir, write_run

DEFAULT_REPS = 500
F = TypeVar("F", bound=Callable[..., Any])


class UserError(click.ClickException):
    """A mistake in what the user gave us: one line, exit code 2, no traceback."""

    exit_code = 2


def friendly(command: F) -> F:
    """Turn the library's input errors into one clear line and exit code 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ScenarioError, ResultsError) as exc:
            raise UserError(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("interrupted; nothing half-written was kept", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


scenario_argument = click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
set_option = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override one scenario key for this run, e.g. --set gate.lanes=2 (repeatable).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crossing-sim")
def main() -> None:
    """crossing-sim: one night at a humanitarian border crossing, as a discrete-event model.

    How many of the 700 expected got through the gate in its window, next to the 422 who did.
    """


@main.command()
@scenario_argument
@click.option("--reps", type=click.IntRange(1, 1_000_000), default=DEFAULT_REPS,
              show_default=True, help="Replications (simulated nights).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=DEFAULT_SEED,
              show_default=True, help="Seed of the experiment's SeedSequence.")
@set_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the results (default: a new folder under results/).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@friendly
def run(scenario: Path, reps: int, seed: int, overrides: tuple[str, ...], out: Path | None,
        as_json: bool) -> None:
    """Run replications of SCENARIO and compare the crossings with the real 422."""
    resolved = resolve(scenario, overrides)
    model = build_scenario(resolved)
    target = out if out is not None else default_run_dir(model.name)
    check_target(target)
    started = time.perf_counter()
    results = run_replications(model, reps, seed)
    summary = summarize(results, time.perf_counter() - started)
    written = write_run(target, results, resolved, summary, ["crossing-sim", *sys.argv[1:]])
    if as_json:
        click.echo(json.dumps({**summary, "results": str(written)}, indent=2))
    else:
        click.echo(render(summary))
        click.echo(f"\nResults: {written}/")


@main.command()
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
