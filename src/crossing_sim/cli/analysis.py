"""The analysis commands, ``calibrate`` and ``sensitivity``: parse, call the library, print.

They are registered on the ``crossing-sim`` group in :mod:`crossing_sim.cli.main`. The
library computes (:mod:`crossing_sim.analysis`) and writes its tables; the figures of the
results folder come from :mod:`crossing_sim.figures.analysis` (imported when a command runs,
so the command line starts without matplotlib) and the text from
:mod:`crossing_sim.report.analysis`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from crossing_sim.analysis import calibration as abc
from crossing_sim.analysis import calibration_files
from crossing_sim.analysis import sensitivity as sa
from crossing_sim.analysis.distance import facts_of
from crossing_sim.analysis.parameters import read_priors, read_ranges
from crossing_sim.cli.common import CONTEXT, UserError, cap_jobs, friendly, scenario_argument
from crossing_sim.experiment.executors import (
    SMALL_FORKED_STUDY,
    SMALL_STUDY,
    choose_executor,
)
from crossing_sim.experiment.posterior import posterior_csv
from crossing_sim.experiment.seeding import DEFAULT_SEED
from crossing_sim.report.analysis import render_calibration, render_sensitivity
from crossing_sim.results.claim import build
from crossing_sim.results.store import default_run_dir, write_atomic
from crossing_sim.scenario.loading import load_scenario

__all__ = ["COMMANDS", "calibrate", "sensitivity"]

F = TypeVar("F", bound=Callable[..., Any])


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""  # reading it as TOML has already said what is wrong with it


common = [
    click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=DEFAULT_SEED,
                 show_default=True, help="Seed of every random stream of the analysis."),
    click.option("--jobs", "-j", type=click.IntRange(1, 1024), default=None, callback=cap_jobs,
                 help=f"Worker processes [default: all cores, or this process alone for "
                      f"fewer than {SMALL_FORKED_STUDY} nights ({SMALL_STUDY} where workers "
                      "cannot be forked); 1: this process]. The results are "
                      "the same for any number."),
    click.option("--scheduler", metavar="ADDRESS", default=None,
                 help="Run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786."),
    click.option("--out", type=click.Path(path_type=Path), default=None,
                 help="Results folder (new or empty) [default: results/NAME-KIND-TIME]."),
    click.option("--json", "as_json", is_flag=True, help="Print the results as JSON."),
    click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                 help="Override one scenario key for every run (repeatable)."),
]


def common_options(f: F) -> F:
    for option in reversed(common):
        f = option(f)
    return f


CALIBRATE_EXAMPLES = """
\b
Examples:
  crossing-sim calibrate baseline --priors priors.toml     # every fact in [observed]
  crossing-sim calibrate baseline --priors priors.toml --facts crossed --facts buses_used
  crossing-sim calibrate baseline --priors priors.toml --write scenarios/calibrated.toml
"""


@click.command(context_settings=CONTEXT, epilog=CALIBRATE_EXAMPLES)
@scenario_argument
@click.option("--priors", "priors_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file with a [priors] table: a distribution per scenario key, e.g. "
                   "\"warning.p_reach\" = {dist = \"uniform\", low = 0.8, high = 1.0}.")
@click.option("--facts", "fact_names", multiple=True, metavar="NAME",
              help="Fit on this fact of the scenario's [observed] section (repeatable) "
                   "[default: every fact it states]; change a fact with --set observed.NAME=.")
@click.option("--population", type=click.IntRange(10, 100_000), default=300,
              show_default=True, help="Particles per ABC-SMC generation.")
@click.option("--generations", type=click.IntRange(1, 100), default=6, show_default=True,
              help="ABC-SMC generations at most.")
@click.option("--min-acceptance", type=click.FloatRange(0, 1, max_open=True), default=0.02,
              show_default=True, help="Stop when fewer proposals than this are kept.")
@click.option("--max-nights", type=click.IntRange(100, 100_000_000), default=100_000,
              show_default=True, help="Stop a fit after this many simulated nights.")
@click.option("--rows", type=click.IntRange(2, 100_000), default=400, show_default=True,
              help="Rows of the posterior sample (posterior.csv).")
@click.option("--predictive", type=click.IntRange(2, 10_000_000), default=1000,
              show_default=True, help="Posterior predictive nights per fit.")
@click.option("--holdout/--no-holdout", default=True, show_default=True,
              help="Also fit the counts alone and the timing facts alone, each predicting "
                   "the facts it did not see.")
@click.option("--write", "write_to", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the calibrated scenario here, e.g. "
                                 "scenarios/calibrated.toml, and its posterior sample beside "
                                 "it (NAME_posterior.csv); both replaced if they exist.")
@common_options
@friendly
def calibrate(scenario: Path, priors_path: Path, fact_names: tuple[str, ...], population: int,
              generations: int, min_acceptance: float, max_nights: int, rows: int,
              predictive: int, holdout: bool, write_to: Path | None, seed: int,
              jobs: int | None, scheduler: str | None, out: Path | None, as_json: bool,
              overrides: tuple[str, ...]) -> None:
    """Calibrate SCENARIO's uncertain keys to the facts of its [observed] section by ABC-SMC
    (pyabc), and check each fit on the facts it was not given.
    """
    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise UserError("calibrate needs pyabc: pip install 'crossing-sim[analysis]'"
                        ) from None
    from crossing_sim.figures.analysis import calibration_figures  # matplotlib: only now
    from crossing_sim.figures.files import pngs

    if scheduler is not None:
        raise UserError("--scheduler: calibrate runs on this machine's cores (--jobs)")
    priors = read_priors(priors_path)
    facts = facts_of(load_scenario(scenario, overrides).observed.facts(), fact_names)
    settings = abc.Settings(population=population, generations=generations,
                            min_acceptance=min_acceptance, max_nights=max_nights, rows=rows,
                            predictive=predictive, holdout=holdout, seed=seed)
    target = out if out is not None else default_run_dir(f"{scenario.stem}-calibrate")
    command = ["crossing-sim", *sys.argv[1:]]
    # claimed before minutes of work (an earlier result is never overwritten, a second writer
    # is told who holds it); the folder appears whole at the end, or not at all
    with build(target) as made:
        started = time.perf_counter()
        executor = choose_executor(jobs, None, predictive * 3)
        try:
            result = abc.calibrate(scenario, priors, facts, settings, overrides, executor,
                                   jobs or os.cpu_count() or 1, progress=not as_json,
                                   source=str(priors_path))
        finally:
            executor.close()
        elapsed = time.perf_counter() - started
        made.write(calibration_files.contents(result, target, command,
                                              _read_text(priors_path), str(priors_path)))
        made.write(pngs(calibration_figures(result)))
        made.place()
    if write_to is not None:
        _write_calibrated(result, write_to, command, str(priors_path))
    if as_json:
        click.echo(json.dumps({"posterior": result.posterior(),
                               "predictive": result.predictive_summary(),
                               "nights": result.nights, "seconds": elapsed,
                               "results": str(target),
                               "calibrated_scenario": str(write_to) if write_to else None},
                              indent=2))
        return
    click.echo(render_calibration(result, elapsed))
    click.echo(f"\nResults: {target}/")
    if write_to is not None:
        click.echo(f"Calibrated scenario: {write_to} (posterior sample "
                   f"{write_to.with_name(calibration_files.sample_name(write_to))})")


def _write_calibrated(result: abc.Calibration, path: Path, command: list[str],
                      priors_file: str) -> None:
    """The calibrated scenario and its posterior sample beside it."""
    name = calibration_files.sample_name(path)
    sample = result.sample()
    try:
        write_atomic(path.with_name(name), posterior_csv(sample.keys, sample.rows).encode())
        write_atomic(path, calibration_files.calibrated_toml(
            result, path, name, command, priors_file).encode())
    except OSError as exc:
        raise UserError(f"--write {path}: cannot be written: {exc.strerror}") from None
    load_scenario(path)  # what was written must be a valid scenario


SENSITIVITY_EXAMPLES = """
\b
Examples:
  crossing-sim sensitivity baseline --ranges ranges.toml --method morris
  crossing-sim sensitivity baseline --ranges ranges.toml --method sobol --samples 256
"""


@click.command(context_settings=CONTEXT, epilog=SENSITIVITY_EXAMPLES)
@scenario_argument
@click.option("--ranges", "ranges_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file with a [ranges] table: [low, high] per scenario key, e.g. "
                   "\"gate.screening_per_person.mean\" = [\"30s\", \"60s\"].")
@click.option("--method", type=click.Choice(["morris", "sobol"]), default="morris",
              show_default=True,
              help="morris: r(k+1) points, a ranking; sobol: N(2k+2) points, variance shares.")
@click.option("--samples", type=click.IntRange(2, 1_000_000), default=None,
              help="The design's sample size: Morris trajectories r [default: 200] or Sobol "
                   "base points N, a power of two [default: 128].")
@click.option("--reps", type=click.IntRange(1, 100_000), default=10, show_default=True,
              help="Nights per design point (the point's output is their mean).")
@common_options
@friendly
def sensitivity(scenario: Path, ranges_path: Path, method: str, samples: int | None,
                reps: int, seed: int, jobs: int | None, scheduler: str | None,
                out: Path | None, as_json: bool, overrides: tuple[str, ...]) -> None:
    """Rank which keys of SCENARIO drive the crossed share (SALib: Morris or Sobol)."""
    from crossing_sim.figures.analysis import sensitivity_figures  # matplotlib: only now
    from crossing_sim.figures.files import pngs

    try:
        import SALib  # noqa: F401
    except ImportError:
        raise UserError("sensitivity needs SALib: pip install 'crossing-sim[analysis]'"
                        ) from None
    ranges = read_ranges(ranges_path)
    samples = samples or sa.DEFAULT_SAMPLES[method]
    target = out if out is not None else default_run_dir(f"{scenario.stem}-{method}")
    nights = sa.design_points(method, len(ranges), samples) * reps
    with build(target) as made:  # claimed now; whole at the end, or not at all
        started = time.perf_counter()
        executor = choose_executor(jobs, scheduler, nights)
        try:
            result = sa.sensitivity(scenario, ranges, method, samples, reps, seed, overrides,
                                    executor, progress=not as_json, source=str(ranges_path))
        finally:
            executor.close()
        elapsed = time.perf_counter() - started
        made.write(sa.contents(result, ["crossing-sim", *sys.argv[1:]],
                               _read_text(ranges_path), str(ranges_path)))
        figures = pngs(sensitivity_figures(result))
        made.write(figures)
        made.place()
    chart = target / next(iter(figures))
    if as_json:
        click.echo(json.dumps({"method": method, "ranking": result.ranking(),
                               "runs": result.runs, "results": str(target)}, indent=2))
        return
    click.echo(render_sensitivity(result, elapsed))
    click.echo(f"\nResults: {target}/ (bar chart: {chart})")


COMMANDS: Sequence[click.Command] = (calibrate, sensitivity)
