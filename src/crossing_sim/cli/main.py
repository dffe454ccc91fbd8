"""The ``crossing-sim`` command: parse, call the library, print. No model logic here."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from crossing_sim.errors import ScenarioError
from crossing_sim.experiment.design import DESIGNS, Design, Factor, parse_vary, read_sweep_file
from crossing_sim.experiment.executors import ExecutorError, make_executor
from crossing_sim.experiment.run import Plan
from crossing_sim.experiment.seeding import DEFAULT_SEED
from crossing_sim.experiment.sweep import (
    SMALL_STUDY,
    StudyResult,
    default_sweep_dir,
    execute,
    prepare,
    spec_of,
)
from crossing_sim.report.summary import render_summary, render_sweep
from crossing_sim.results.reader import FORMATS, KINDS
from crossing_sim.results.store import ResultsError, default_run_dir
from crossing_sim.scenario.loading import build_scenario, read_toml, resolve
from crossing_sim.version import package_version

DEFAULT_REPS = 500
DEFAULT_SWEEP_REPS = 100
F = TypeVar("F", bound=Callable[..., Any])


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
        except (ScenarioError, ResultsError, ExecutorError) as exc:
            raise UserError(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("interrupted; nothing half-written was kept", err=True)
            sys.exit(130)
        except Interrupted as exc:
            click.echo(f"interrupted: {exc}", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


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
                     help="Results folder (an unfinished one with the same study resumes)."),
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


#: Every command answers -h as well as --help, however it is invoked.
CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT)
@click.version_option(package_version(), prog_name="crossing-sim")
def main() -> None:
    """crossing-sim: one night at a humanitarian border crossing, as a discrete-event model.

    How many of the 700 expected got through the gate in its window, next to the 422 who did.
    """


@main.command(context_settings=CONTEXT)
@scenario_argument
@experiment_options(DEFAULT_REPS)
@friendly
def run(scenario: Path, reps: int | None, seed: int | None, precision: float | None,
        max_reps: int | None, jobs: int | None, scheduler: str | None, out: Path | None,
        as_json: bool, with_plot: bool, overrides: tuple[str, ...]) -> None:
    """Run replications of SCENARIO and compare the crossings with the real 422."""
    seed = DEFAULT_SEED if seed is None else seed
    prepared = prepare(scenario, overrides, seed=seed)
    plan = _plan(prepared, seed, reps or DEFAULT_REPS, precision, max_reps)
    spec = spec_of("run", prepared, plan, [], Design())
    target = out if out is not None else default_run_dir(prepared[0].scenario.name)
    result, elapsed = _execute(prepared, plan, spec, target, jobs, scheduler, as_json)
    summary = result.summaries[0]
    figures = _plot_all(target) if with_plot else None
    if as_json:
        click.echo(json.dumps({**summary, "results": str(target),
                               **({"figures": figures} if figures else {})}, indent=2))
        return
    click.echo(render_summary(summary, elapsed))
    _say_where(result, target, figures)


@main.command(context_settings=CONTEXT)
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--vary", "varies", multiple=True, metavar="KEY=VALUES",
              help="A factor: key=v1,v2,... or key=low..high/step, e.g. gate.lanes=1,2 or "
                   "gate.open=19:00..23:00/30min; scenario=a.toml,b.toml compares files "
                   "(repeatable).")
@click.option("--design", type=click.Choice(DESIGNS), default=None,
              help="grid: every combination [default]; lhs: a Latin hypercube over ranges.")
@click.option("--samples", type=click.IntRange(1, 100_000), default=None,
              help="Points of an lhs design.")
@experiment_options(DEFAULT_SWEEP_REPS)
@friendly
def sweep(scenario: Path, varies: tuple[str, ...], design: str | None, samples: int | None,
          reps: int | None, seed: int | None, precision: float | None, max_reps: int | None,
          jobs: int | None, scheduler: str | None, out: Path | None, as_json: bool,
          with_plot: bool, overrides: tuple[str, ...]) -> None:
    """Sweep SCENARIO over factors, or run a sweep file (a TOML file with a [sweep] table).

    The same command resumes an interrupted sweep: results go to a folder named after the
    sweep (or --out), where finished batches are kept.
    """
    base, factors, the_design, options = _sweep_inputs(scenario, varies, design, samples)
    seed = seed if seed is not None else int(options.get("seed", DEFAULT_SEED))
    reps = reps or int(options.get("reps", DEFAULT_SWEEP_REPS))
    precision = precision if precision is not None else options.get("precision")
    max_reps = max_reps or options.get("max_reps")
    file_sets = options.get("set", [])
    if not isinstance(file_sets, list) or not all(isinstance(s, str) for s in file_sets):
        raise UserError(f"{scenario}: sweep.set must be a list of \"key=value\" strings")
    prepared = prepare(base, [*file_sets, *overrides], factors, the_design, seed)
    plan = _plan(prepared, seed, reps, precision, max_reps)
    spec = spec_of("sweep", prepared, plan, factors, the_design)
    target = out if out is not None else default_sweep_dir(prepared, spec)
    result, elapsed = _execute(prepared, plan, spec, target, jobs, scheduler, as_json)
    figures = _plot_all(target) if with_plot else None
    if as_json:
        click.echo(json.dumps({"points": result.summaries, "results": str(target),
                               **({"figures": figures} if figures else {})}, indent=2))
        return
    click.echo(render_sweep(result.summaries, [f.key for f in factors], elapsed))
    _say_where(result, target, figures)


def _sweep_inputs(path: Path, varies: Sequence[str], design: str | None,
                  samples: int | None) -> tuple[Path, list[Factor], Design, dict[str, Any]]:
    """The base scenario, factors, design and file options of a sweep command."""
    table = read_toml(path)
    factors = [parse_vary(text) for text in varies]
    if "sweep" not in table:
        if not factors:
            raise UserError("a sweep needs at least one --vary KEY=VALUES "
                            "(or a sweep file with a [sweep] table)")
        return path, factors, Design(design or "grid", samples), {}
    spec = read_sweep_file(path, table)
    file_keys = {f.key for f in spec.factors}
    factors = [*spec.factors, *(f for f in factors if f.key not in file_keys)] + [
        f for f in factors if f.key in file_keys]
    merged: dict[str, Factor] = {}
    for f in factors:  # a --vary on the command line replaces the file's factor
        merged[f.key] = f
    chosen = Design(design or spec.design.kind, samples or spec.design.samples)
    if chosen.kind not in DESIGNS:
        raise UserError(f"{path}: sweep.design = \"{chosen.kind}\": must be grid or lhs")
    return spec.scenario, list(merged.values()), chosen, spec.options


def _plan(prepared: Sequence[Any], seed: int, reps: int, precision: float | None,
          max_reps: int | None) -> Plan:
    if precision is not None and reps < 2:
        raise UserError("--precision needs --reps of at least 2 to start from")
    return Plan([p.scenario for p in prepared], seed, reps, precision, max_reps or 100_000)


def _execute(prepared: Sequence[Any], plan: Plan, spec: dict[str, Any], target: Path,
             jobs: int | None, scheduler: str | None,
             quiet: bool) -> tuple[StudyResult, float]:
    started = time.perf_counter()
    total = plan.reps * len(plan.scenarios)
    if jobs is None and scheduler is None and plan.precision is None and total < SMALL_STUDY:
        jobs = 1  # starting worker processes would take longer than the work itself
    executor = make_executor(jobs, scheduler)
    try:
        result = execute(prepared, plan, spec, executor, target,
                         ["crossing-sim", *sys.argv[1:]], progress=not quiet)
    except KeyboardInterrupt:
        raise Interrupted(f"the finished batches are kept in {target}/; run the same "
                          "command again to resume") from None
    finally:
        executor.close()
    return result, time.perf_counter() - started


def _say_where(result: StudyResult, target: Path, figures: list[str] | None = None) -> None:
    if result.state == "complete":
        click.echo(f"\nAlready complete; nothing was run. Results: {target}/")
    elif result.state == "resume":
        click.echo(f"\nResumed and completed. Results: {target}/")
    else:
        click.echo(f"\nResults: {target}/")
    if figures:
        click.echo(_figures_line(figures))


def _plot_all(target: Path) -> list[str]:
    """The standard figures of a finished study (``--plot``), with notes on stderr."""
    from crossing_sim.figures.plots import write_figures  # matplotlib only when plotting

    written, notes = write_figures(target)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    return [str(path) for path in written]


def _figures_line(paths: Sequence[str]) -> str:
    folder = Path(paths[0]).parent
    return f"Figures: {folder}/ ({', '.join(Path(p).name for p in paths)})"


@main.command(context_settings=CONTEXT)
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice([*KINDS, "all"]), default="all", show_default=True,
              help="Which figure: throughput, queue (and holding area), fates, distribution "
                   "(of the crossed count), sweep (a sweep's share by its factors), buses.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="png", show_default=True,
              help="File format of the figures.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the figures [default: RESULTS/figures].")
@click.option("--compare", multiple=True, type=click.Path(path_type=Path), metavar="RESULTS2",
              help="Another results folder to overlay, e.g. a what-if (repeatable).")
@click.option("--point", "points", multiple=True, type=click.IntRange(0), metavar="N",
              help="A sweep point to draw, as numbered in summary.csv (repeatable) "
                   "[default: all, or a few that span a sweep of more than 6].")
@friendly
def plot(results: Path, kind: str, fmt: str, out: Path | None, compare: tuple[Path, ...],
         points: tuple[int, ...]) -> None:
    """Draw figures from the stored results in the folder RESULTS (nothing is re-run)."""
    from crossing_sim.figures.plots import write_figures  # matplotlib only when plotting

    written, notes = write_figures(results, kind, fmt, out, compare, points)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(_figures_line([str(p) for p in written]))


@main.command(context_settings=CONTEXT)
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


def _register() -> None:
    """Commands kept in their own modules, added to the group here."""
    from crossing_sim.cli.analysis import calibrate, sensitivity
    from crossing_sim.cli.teaching import animate, trace

    main.add_command(trace)
    main.add_command(animate)
    main.add_command(calibrate)
    main.add_command(sensitivity)


_register()
