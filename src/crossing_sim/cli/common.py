"""What every command shares: the error wrapper, common arguments and options, flag names."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from crossing_sim.cli.main import CONTEXT
from crossing_sim.errors import CrossingSimError
from crossing_sim.experiment.executors import (
    JOBS_PER_CORE,
    SMALL_FORKED_STUDY,
    SMALL_STUDY,
    max_jobs,
)
from crossing_sim.experiment.seeding import DEFAULT_SEED
from crossing_sim.interrupt import command_runs

if TYPE_CHECKING:
    from crossing_sim.scenario.loading import Resolved
    from crossing_sim.scenario.spec import Scenario

__all__ = [
    "CONTEXT",
    "DEFAULT_REPS",
    "DEFAULT_SWEEP_REPS",
    "FLAGS",
    "MAX_LINE",
    "OPTION_TYPES",
    "Interrupted",
    "UserError",
    "cap_jobs",
    "experiment_options",
    "friendly",
    "old_name",
    "one_line",
    "scenario_argument",
    "set_option",
    "warn_doubts",
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


#: The longest error line shown; longer ones keep their start and end.
MAX_LINE = 400


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """A message as one readable line: newlines escaped, the middle of a long one cut."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(text) <= limit:
        return text
    keep = (limit - 5) // 2
    return f"{text[:keep]} ... {text[-keep:]}"


def friendly(command: F) -> F:
    """Turn the library's input errors into one clear line and exit code 2; Ctrl-C into one
    line and exit code 130."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with command_runs():  # Ctrl-C raises KeyboardInterrupt here (crossing_sim.interrupt)
                return command(*args, **kwargs)
        except CrossingSimError as exc:
            raise UserError(one_line(exc.for_cli(FLAGS))) from None
        except KeyboardInterrupt:
            _interrupted("interrupted; nothing half-written was kept")
        except Interrupted as exc:
            _interrupted(f"interrupted: {exc}")
        except Exception as exc:
            if _from_ctrl_c(exc):  # e.g. an import interrupted inside __set_name__
                _interrupted("interrupted; nothing half-written was kept")
            raise

    return wrapper  # type: ignore[return-value]


def _from_ctrl_c(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by a KeyboardInterrupt that Python turned into another
    error on its way out."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _interrupted(line: str) -> None:
    """Say ``line`` once and exit 130; a second Ctrl-C meanwhile changes nothing."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    click.echo(line, err=True)
    sys.exit(130)


def warn_doubts(points: Iterable[tuple[Resolved, Scenario]], limit: int = 5) -> None:
    """Say on stderr what in the scenarios is probably not meant (each distinct line once)."""
    from crossing_sim.scenario.loading import scenario_doubts

    lines: list[str] = []
    for resolved, scenario in points:
        for doubt in scenario_doubts(resolved, scenario):
            line = one_line(doubt.for_cli(FLAGS))
            if line not in lines:
                lines.append(line)
    for line in lines[:limit]:
        click.echo(f"warning: {line}", err=True)
    if len(lines) > limit:
        click.echo(f"warning: ... and {len(lines) - limit} more like these", err=True)


def cap_jobs(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    """``--jobs`` above :func:`~crossing_sim.experiment.executors.max_jobs` is capped, with
    a note: more processes than that only share the cores and multiply the memory."""
    cap = max_jobs()
    if value is not None and value > cap:
        click.echo(f"note: --jobs {value} is more than {cap} ({JOBS_PER_CORE} per core on this "
                   f"machine); "
                   f"using {cap}", err=True)
        return cap
    return value


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


#: The types of the options a sweep file may also give: the file's values are checked by
#: the same code as the command line's (see crossing_sim.cli.run).
OPTION_TYPES: dict[str, click.ParamType[Any]] = {
    "reps": click.IntRange(1, 1_000_000),
    "seed": click.IntRange(0, 2**63 - 1),
    "precision": click.FloatRange(0, 1, min_open=True),
    "max_reps": click.IntRange(2, 10_000_000),
    "samples": click.IntRange(1, 100_000),
    "reference": click.IntRange(0),
}


def experiment_options(default_reps: int) -> Callable[[F], F]:
    """The options every study shares: replications, seed, precision, where it runs."""
    options = [
        click.option("--reps", type=OPTION_TYPES["reps"], default=None,
                     help=f"Replications (simulated nights) per scenario [default: "
                          f"{default_reps}; with --precision, the first batch]."),
        click.option("--seed", type=OPTION_TYPES["seed"], default=None,
                     help=f"Seed of the experiment's SeedSequence [default: {DEFAULT_SEED}]."),
        click.option("--precision", type=OPTION_TYPES["precision"], default=None,
                     help="Add replications until the 95 % CI half-width of the crossed "
                          "share is below this, e.g. 0.01."),
        click.option("--max-reps", type=OPTION_TYPES["max_reps"], default=None,
                     help="Cap on replications per scenario with --precision [default: "
                          "100000]."),
        click.option("--jobs", "-j", type=click.IntRange(1, 1024), default=None,
                     callback=cap_jobs,
                     help="Worker processes [default: all cores, or this process alone for "
                          f"fewer than {SMALL_FORKED_STUDY} replications ({SMALL_STUDY} where "
                          "workers cannot be forked); 1: this process]."),
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


