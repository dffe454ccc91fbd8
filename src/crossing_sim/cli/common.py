"""What every command shares: the error wrapper, common arguments and options, flag names."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from crossing_sim.cli.main import CONTEXT
from crossing_sim.errors import CrossingSimError
from crossing_sim.experiment.executors import SMALL_STUDY
from crossing_sim.experiment.seeding import DEFAULT_SEED

__all__ = [
    "CONTEXT",
    "DEFAULT_REPS",
    "DEFAULT_SWEEP_REPS",
    "FLAGS",
    "Interrupted",
    "UserError",
    "experiment_options",
    "friendly",
    "old_name",
    "scenario_argument",
    "set_option",
]

DEFAULT_REPS = 500
DEFAULT_SWEEP_REPS = 100
F = TypeVar("F", bound=Callable[..., Any])


#: Library parameters whose flag is not simply ``--name-with-dashes``.
FLAGS: dict[str, str] = {"as_json": "--json", "overrides": "--set", "varies": "--vary"}


class UserError(click.ClickException):
    """A mistake in what the user gave us: one line, exit code 2, no traceback."""

    exit_code = 2


class Interrupted(Exception):
    """Ctrl-C during a study; says what was kept."""


def friendly(command: F) -> F:
    """Turn the library's input errors into one clear line and exit code 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CrossingSimError as exc:
            raise UserError(exc.for_cli(FLAGS)) from None
        except KeyboardInterrupt:
            click.echo("interrupted; nothing half-written was kept", err=True)
            sys.exit(130)
        except Interrupted as exc:
            click.echo(f"interrupted: {exc}", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def old_name(old: str, new: str, dest: str, **kwargs: Any) -> Callable[[F], F]:
    """The old name of a renamed option: hidden, still working, with a note on stderr.

    Its value arrives as ``dest``; the command takes the new option's value first.
    """
    def note(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None:
            click.echo(f"note: {old} is now {new}; the old name still works", err=True)
        return value

    return click.option(old, dest, hidden=True, default=None, callback=note, **kwargs)


scenario_argument = click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
set_option = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override one scenario key for this run, e.g. --set gate.lanes=2 (repeatable).")


def experiment_options(default_reps: int) -> Callable[[F], F]:
    """The options every study shares: replications, seed, precision, where it runs."""
    options = [
        click.option("--reps", type=click.IntRange(1, 1_000_000), default=None,
                     help=f"Replications (simulated nights) per scenario [default: "
                          f"{default_reps}; with --precision, the first batch]."),
        click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
                     help=f"Seed of the experiment's SeedSequence [default: {DEFAULT_SEED}]."),
        click.option("--precision", type=click.FloatRange(0, 1, min_open=True), default=None,
                     help="Add replications until the 95 % CI half-width of the crossed "
                          "share is below this, e.g. 0.01."),
        click.option("--max-reps", type=click.IntRange(2, 10_000_000), default=None,
                     help="Cap on replications per scenario with --precision [default: "
                          "100000]."),
        click.option("--jobs", "-j", type=click.IntRange(1, 1024), default=None,
                     help="Worker processes [default: all cores, or this process alone for "
                          f"fewer than {SMALL_STUDY} replications; 1: this process]."),
        click.option("--scheduler", metavar="ADDRESS", default=None,
                     help="Run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 "
                          "(pip install 'crossing-sim[dask]')."),
        click.option("--out", type=click.Path(path_type=Path), default=None,
                     help="Results folder; an unfinished one with the same study resumes "
                          "[default: a new one under results/: NAME-YYYYMMDD-HHMMSS for run, "
                          "NAME-sweep-HASH or NAME-compare-HASH, the same for the same "
                          "study, for sweep and compare]."),
        click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
        click.option("--plot", "with_plot", is_flag=True,
                     help="Also write the standard figures (PNG) to RESULTS/figures/."),
        set_option,
    ]

    def decorate(f: F) -> F:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


