"""``crossing-sim run`` and ``crossing-sim sweep``: many nights of one scenario or of many."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from crossing_sim.cli.common import (
    CONTEXT,
    DEFAULT_REPS,
    DEFAULT_SWEEP_REPS,
    FLAGS,
    OPTION_TYPES,
    Interrupted,
    UserError,
    experiment_options,
    friendly,
    one_line,
    scenario_argument,
    warn_doubts,
)
from crossing_sim.cli.plot import figures_line, plot_all
from crossing_sim.errors import ExecutorError, ResultsError, show_value
from crossing_sim.experiment.design import DESIGNS, Design, Factor, parse_vary, read_sweep_file
from crossing_sim.experiment.executors import choose_executor
from crossing_sim.experiment.posterior import OverPosterior
from crossing_sim.experiment.run import Plan
from crossing_sim.experiment.seeding import DEFAULT_SEED
from crossing_sim.experiment.sweep import (
    StudyResult,
    changes,
    default_sweep_dir,
    execute,
    prepare,
    spec_of,
)
from crossing_sim.report.summary import render_summary, render_sweep
from crossing_sim.results.store import default_run_dir, named_with
from crossing_sim.scenario.loading import locate, read_toml

__all__ = ["execute_study", "make_plan", "posterior_option", "precision_reached", "run",
           "say_drawn", "say_where", "sweep", "warn_if_imprecise"]

#: ``--posterior FILE``: every night draws its values from a calibration's posterior sample.
posterior_option = click.option(
    "--posterior", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Draw each night's uncertain values from this posterior sample (a CSV written by "
         "calibrate) [default: the scenario's own `posterior` key, if any]. Night i takes "
         "the same row in every scenario, so comparisons stay paired.")


RUN_EXAMPLES = """
\b
Examples:
  crossing-sim run baseline                          # 500 nights of a built-in scenario
  crossing-sim run my_night.toml --reps 2000 --plot  # a file of your own, with figures
  crossing-sim run baseline --set gate.lanes=2 --precision 0.005 --json
"""


@click.command(context_settings=CONTEXT, epilog=RUN_EXAMPLES)
@scenario_argument
@experiment_options(DEFAULT_REPS)
@posterior_option
@friendly
def run(scenario: Path, reps: int | None, seed: int | None, precision: float | None,
        max_reps: int | None, jobs: int | None, scheduler: str | None, out: Path | None,
        as_json: bool, with_plot: bool, overrides: tuple[str, ...],
        posterior: Path | None) -> None:
    """Run replications of SCENARIO and compare the crossings with what was observed."""
    seed = DEFAULT_SEED if seed is None else seed
    prepared = prepare(scenario, overrides, seed=seed, posterior=posterior)
    warn_doubts((p.resolved, p.scenario) for p in prepared)
    plan = make_plan(prepared, seed, reps or DEFAULT_REPS, precision, max_reps)
    spec = spec_of("run", prepared, plan, [], Design())
    name = named_with(prepared[0].scenario.name, changes(overrides))
    target = out if out is not None else default_run_dir(name)
    again = SAME if out is not None else f"run the same command with --out {target}"
    result, elapsed = execute_study(prepared, plan, spec, target, jobs, scheduler, as_json,
                                    again=again)
    summary = result.summaries[0]
    reached = precision_reached(result.summaries, precision)
    figures = plot_all(target) if with_plot else None
    if as_json:
        click.echo(json.dumps({**summary, "results": str(target),
                               **({"precision_reached": reached} if precision else {}),
                               **({"figures": figures} if figures else {})}, indent=2))
    else:
        click.echo(render_summary(summary, elapsed))
        say_drawn(prepared)
        say_where(result, target, figures)
    warn_if_imprecise(reached, precision, plan)


def say_drawn(prepared: Sequence[Any]) -> None:
    """Say which posterior sample the nights drew their values from, if any."""
    drawn = {p.scenario.sample.path: len(p.scenario.sample.rows) for p in prepared
             if isinstance(p.scenario, OverPosterior) and p.scenario.sample is not None}
    for path, rows in drawn.items():
        shown = Path(os.path.relpath(path)) if not Path(path).is_absolute() or Path(
            path).resolve().is_relative_to(Path.cwd().resolve()) else Path(path)
        click.echo(f"\nEach night drew its uncertain values from the posterior sample "
                   f"{shown.as_posix()} ({rows} rows; night i takes the same row in every "
                   "scenario)")


def precision_reached(summaries: Sequence[dict[str, Any]], precision: float | None) -> bool:
    """Whether every point's crossed share has a 95 % CI half-width within ``precision``."""
    if precision is None:
        return True
    return all(not (s["crossed_share"]["ci95_high"] - s["crossed_share"]["ci95_low"]) / 2
               > precision for s in summaries)


def warn_if_imprecise(reached: bool, precision: float | None, plan: Plan) -> None:
    """Say on stderr when the precision rule stopped at its cap rather than at its target."""
    if not reached and precision is not None:
        click.echo(f"note: --max-reps {plan.max_reps} was reached before the 95 % CI "
                   f"half-width of the crossed share was below {precision:g}; the summary "
                   "is less precise than asked", err=True)


SWEEP_EXAMPLES = """
\b
Examples:
  crossing-sim sweep baseline --vary gate.lanes=1,2,3
  crossing-sim sweep baseline --vary gate.open=19:00..23:00/30min --vary gate.lanes=1,2
  crossing-sim sweep baseline --vary warning.p_reach=0.8..1.0 --design lhs --samples 20
  crossing-sim sweep my_sweep.toml                     # a sweep file; the same command resumes
"""


@click.command(context_settings=CONTEXT, epilog=SWEEP_EXAMPLES)
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--vary", "varies", multiple=True, metavar="KEY=VALUES",
              help="A factor: key=v1,v2,... or key=low..high/step, e.g. gate.lanes=1,2 or "
                   "gate.open=19:00..23:00/30min; scenario=a.toml,b.toml compares files "
                   "(repeatable).")
@click.option("--design", type=click.Choice(DESIGNS), default=None,
              help="grid: every combination [default]; lhs: a Latin hypercube over ranges.")
@click.option("--samples", type=click.IntRange(1, 100_000), default=None,
              help="The design's sample size: points of an lhs design.")
@click.option("--reference", type=click.IntRange(0), default=None,
              help="The point every other point's paired difference is taken from, as "
                   "numbered in summary.csv [default: 0, the first].")
@click.option("--independent", is_flag=True, default=None,
              help="Give every point its own random numbers (default: night i is the same "
                   "at every point, so differences between points are paired).")
@experiment_options(DEFAULT_SWEEP_REPS)
@posterior_option
@friendly
def sweep(scenario: Path, varies: tuple[str, ...], design: str | None, samples: int | None,
          reference: int | None, independent: bool | None, reps: int | None,
          seed: int | None, precision: float | None, max_reps: int | None, jobs: int | None,
          scheduler: str | None, out: Path | None, as_json: bool, with_plot: bool,
          overrides: tuple[str, ...], posterior: Path | None) -> None:
    """Sweep SCENARIO over factors, or run a sweep file (a TOML file with a [sweep] table).

    The same command resumes an interrupted sweep: results go to a folder named after the
    sweep (or --out), where finished batches are kept.
    """
    base, factors, the_design, options = _sweep_inputs(scenario, varies, design, samples)
    seed = seed if seed is not None else options.get("seed", DEFAULT_SEED)
    reps = reps or options.get("reps", DEFAULT_SWEEP_REPS)
    precision = precision if precision is not None else options.get("precision")
    max_reps = max_reps or options.get("max_reps")
    file_sets = options.get("set", [])
    if not isinstance(file_sets, list) or not all(isinstance(s, str) for s in file_sets):
        raise UserError(f"{scenario}: sweep.set must be a list of \"key=value\" strings")
    if reference is None:
        reference = options.get("reference", 0)
    file_independent = options.get("independent", False)
    if not isinstance(file_independent, bool):
        raise UserError(f"{scenario}: sweep.independent = {file_independent!r}: must be true "
                        "or false")
    independent = bool(independent) or file_independent
    prepared = prepare(base, [*file_sets, *overrides], factors, the_design, seed, posterior)
    warn_doubts((p.resolved, p.scenario) for p in prepared)
    if reference >= len(prepared):
        raise UserError(f"--reference {reference}: this sweep has points 0 to "
                        f"{len(prepared) - 1}")
    plan = make_plan(prepared, seed, reps, precision, max_reps, paired=not independent)
    spec = {**spec_of("sweep", prepared, plan, factors, the_design), "reference": reference}
    target = out if out is not None else default_sweep_dir(prepared, spec)
    result, elapsed = execute_study(prepared, plan, spec, target, jobs, scheduler, as_json,
                                    reference)
    figures = plot_all(target) if with_plot else None
    if as_json:
        reached = precision_reached(result.summaries, precision)
        click.echo(json.dumps({"points": result.summaries, "results": str(target),
                               **({"precision_reached": reached} if precision else {}),
                               **({"figures": figures} if figures else {})}, indent=2))
        warn_if_imprecise(reached, precision, plan)
        return
    click.echo(render_sweep(result.summaries, [f.key for f in factors], elapsed))
    say_drawn(prepared)
    say_where(result, target, figures)
    warn_if_imprecise(precision_reached(result.summaries, precision), precision, plan)


def _sweep_inputs(path: Path, varies: Sequence[str], design: str | None,
                  samples: int | None) -> tuple[Path, list[Factor], Design, dict[str, Any]]:
    """The base scenario, factors, design and file options of a sweep command."""
    path = locate(path)  # a file, or a built-in scenario's name
    table = read_toml(path)
    factors = [parse_vary(text) for text in varies]
    if "sweep" not in table:
        if not factors:
            raise UserError("a sweep needs at least one --vary KEY=VALUES "
                            "(or a sweep file with a [sweep] table)")
        return path, factors, Design(design or "grid", samples), {}
    spec = read_sweep_file(path, table)
    checked = {key: _file_option(path, key, value) for key, value in spec.options.items()}
    if spec.design.samples is not None:
        checked["samples"] = _file_option(path, "samples", spec.design.samples)
    file_keys = {f.key for f in spec.factors}
    factors = [*spec.factors, *(f for f in factors if f.key not in file_keys)] + [
        f for f in factors if f.key in file_keys]
    merged: dict[str, Factor] = {}
    for f in factors:  # a --vary on the command line replaces the file's factor
        merged[f.key] = f
    chosen = Design(design or spec.design.kind, samples or checked.get("samples"))
    if chosen.kind not in DESIGNS:
        raise UserError(f"{path}: sweep.design = \"{chosen.kind}\": must be grid or lhs")
    return spec.scenario, list(merged.values()), chosen, checked


def _file_option(path: Path, key: str, value: Any) -> Any:
    """A sweep file's option, checked by the same types as the command line's flag: a whole
    number must be a TOML integer (``seed = 1.5`` is not 1), a fraction a number."""
    kind = OPTION_TYPES.get(key)
    if kind is None:
        return value  # set, independent: checked where they are used
    whole = isinstance(kind, click.IntRange)
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
        rule = "must be a whole number" if whole else "must be a number"
        raise UserError(one_line(f"{path}: sweep.{key} = {show_value(value)}: {rule}"))
    try:
        return kind.convert(value, None, None)
    except click.BadParameter as exc:
        raise UserError(one_line(f"{path}: sweep.{key} = {show_value(value)}: "
                                 f"{exc.message}")) from None


def make_plan(prepared: Sequence[Any], seed: int, reps: int, precision: float | None,
          max_reps: int | None, paired: bool = True, precision_of: str = "share") -> Plan:
    if precision is not None and reps < 2:
        raise UserError("--precision needs --reps of at least 2 to start from")
    if max_reps is not None and max_reps < reps:
        raise UserError(f"--max-reps {max_reps} is below --reps {reps}: the cap must be at "
                        "least the first round of replications")
    return Plan([p.scenario for p in prepared], seed, reps, precision, max_reps or 100_000,
                paired, precision_of)


SAME = "run the same command again"


def execute_study(prepared: Sequence[Any], plan: Plan, spec: dict[str, Any], target: Path,
                  jobs: int | None, scheduler: str | None, quiet: bool,
                  reference: int = 0, again: str = SAME) -> tuple[StudyResult, float]:
    """Run a prepared study into ``target``; failures become one line saying what is kept
    and how to resume (``again``: how to run the same study into the same folder)."""
    started = time.perf_counter()
    total = plan.reps * len(plan.scenarios)
    executor = choose_executor(jobs, scheduler, total, plan.precision is not None)
    try:
        result = execute(prepared, plan, spec, executor, target,
                         ["crossing-sim", *sys.argv[1:]], progress=not quiet,
                         reference=reference)
    except KeyboardInterrupt:
        raise Interrupted(f"the finished batches are kept in {target}/; {again} to "
                          "resume") from None
    except ExecutorError as exc:  # the work was lost, not the results: say how to go on
        raise UserError(one_line(f"{exc.for_cli(FLAGS)}; the finished batches are kept in "
                                 f"{target}/: {again} to resume")) from None
    except ResultsError as exc:
        raise UserError(one_line(exc.for_cli(FLAGS).replace(SAME, again))) from None
    finally:
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while workers stop
            executor.close()
    return result, time.perf_counter() - started


def say_where(result: StudyResult, target: Path, figures: list[str] | None = None) -> None:
    if result.state == "complete":
        click.echo(f"\nAlready complete; nothing was run. Results: {target}/")
    elif result.state == "resume":
        click.echo(f"\nResumed and completed. Results: {target}/")
    else:
        click.echo(f"\nResults: {target}/")
    if figures:
        click.echo(figures_line(figures))
