"""``crossing-sim compare``: the paired difference between scenarios, night by night."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from crossing_sim.cli.common import CONTEXT, DEFAULT_REPS, UserError, experiment_options, friendly
from crossing_sim.cli.run import (
    execute_study,
    make_plan,
    posterior_option,
    say_drawn,
    say_where,
)
from crossing_sim.experiment.compare import compare_points, compare_replications, compare_stored
from crossing_sim.experiment.design import SCENARIO_KEY, Design, Factor
from crossing_sim.experiment.seeding import DEFAULT_SEED
from crossing_sim.experiment.sweep import default_sweep_dir, prepare, spec_of
from crossing_sim.report.compare import render_comparison
from crossing_sim.results.reader import load_results
from crossing_sim.results.store import write_atomic, write_json

__all__ = ["compare"]

EXAMPLES = """
\b
Examples:
  crossing-sim compare scenarios/baseline.toml scenarios/two_tables.toml
  crossing-sim compare scenarios/baseline.toml scenarios/gate_later.toml \\
      scenarios/warning_day_earlier.toml --precision 0.002
  crossing-sim compare results/baseline-20261201-2100 results/two_tables-20261201-2101
"""


@click.command(context_settings=CONTEXT, epilog=EXAMPLES)
@click.argument("sources", nargs=-1, required=True,
                type=click.Path(exists=False, path_type=Path), metavar="BASE OTHER...")
@click.option("--independent", is_flag=True,
              help="Give every scenario its own random numbers (to see what pairing gains).")
@experiment_options(DEFAULT_REPS)
@posterior_option
@friendly
def compare(sources: tuple[Path, ...], independent: bool, reps: int | None, seed: int | None,
            precision: float | None, max_reps: int | None, jobs: int | None,
            scheduler: str | None, out: Path | None, as_json: bool, with_plot: bool,
            overrides: tuple[str, ...], posterior: Path | None) -> None:
    """Compare scenario files OTHER... with BASE on the same nights: the paired difference.

    For every measure (crossed, each fate, buses used, the last crossing): the mean difference
    per night with its 95 % confidence interval, the 5-95 % range of the nights' differences,
    and how often OTHER is higher or lower. --precision adds nights until every difference in
    the crossed share has a 95 % CI half-width below it. Given results folders instead of
    scenario files, compares what they stored (the same seed, nothing is run).
    """
    if len(sources) < 2:
        raise UserError("compare needs a BASE and at least one OTHER (scenario files or "
                        "results folders)")
    if all(s.is_dir() for s in sources):
        if out is not None or with_plot or posterior is not None:
            raise UserError("comparing stored results folders runs and writes nothing: "
                            "leave out --out, --plot and --posterior")
        comparison = compare_stored([load_results(s) for s in sources])
        _print(comparison, as_json, None)
        return
    folders = [s for s in sources if s.is_dir()]
    if folders:
        raise UserError(f"{folders[0]}: a folder among scenario files; compare either scenario "
                        "files or results folders")
    _run(sources, independent, reps, seed, precision, max_reps, jobs, scheduler, out, as_json,
         with_plot, overrides, posterior)


def _run(sources: tuple[Path, ...], independent: bool, reps: int | None, seed: int | None,
         precision: float | None, max_reps: int | None, jobs: int | None,
         scheduler: str | None, out: Path | None, as_json: bool, with_plot: bool,
         overrides: tuple[str, ...], posterior: Path | None = None) -> None:
    seed = DEFAULT_SEED if seed is None else seed
    factor = Factor(SCENARIO_KEY, tuple(str(s) for s in sources))
    prepared = prepare(sources[0], overrides, [factor], Design(), seed, posterior)
    plan = make_plan(prepared, seed, reps or DEFAULT_REPS, precision, max_reps,
                     paired=not independent, precision_of="difference")
    spec = spec_of("compare", prepared, plan, [factor], Design())
    target = out if out is not None else default_sweep_dir(prepared, spec)
    result, elapsed = execute_study(prepared, plan, spec, target, jobs, scheduler, as_json)
    stored = target / "comparison.json"
    if result.state == "complete" and stored.is_file():  # nothing was run: as it was stored
        comparison = json.loads(stored.read_text(encoding="utf-8"))
    else:
        if result.replications:
            comparison = compare_replications(result.replications,
                                              [str(s) for s in sources], plan.paired)
        else:  # finished before its comparison was written: from its tables
            comparison = compare_points(load_results(target))
        comparison.update(precision=precision,
                          precision_reached=_reached(comparison, precision, prepared))
        write_json(stored, comparison)
        write_atomic(target / "differences.csv", _csv(comparison).encode())
    figures = None
    if with_plot:
        from crossing_sim.cli.plot import plot_all

        figures = plot_all(target)
    _print(comparison, as_json, elapsed, target)
    if not as_json:
        say_drawn(prepared)
        say_where(result, target, figures)
    if precision is not None and not comparison["precision_reached"]:
        click.echo(f"note: the cap of {comparison['nights']} nights (--max-reps) was reached "
                   f"before every difference's half-width was below {precision:g}", err=True)


def _reached(comparison: dict[str, Any], precision: float | None,
             prepared: list[Any]) -> bool:
    """Whether every crossed-share difference is as precise as asked."""
    if precision is None:
        return True
    expected = prepared[0].scenario.population.expected
    widths = [(o["differences"]["crossed"]["ci95_high"]
               - o["differences"]["crossed"]["ci95_low"]) / 2 / expected
              for o in comparison["others"]]
    return all(not w > precision for w in widths)


def _print(comparison: dict[str, Any], as_json: bool, elapsed: float | None,
           target: Path | None = None) -> None:
    if as_json:
        extra = {"results": str(target)} if target is not None else {}
        click.echo(json.dumps({**comparison, **extra}, indent=2))
    else:
        click.echo(render_comparison(comparison, elapsed))


def _csv(comparison: dict[str, Any]) -> str:
    """differences.csv: one row per scenario and measure."""
    stats = ("nights", "base_mean", "other_mean", "mean", "ci95_low", "ci95_high", "q05",
             "q95", "p_more", "p_less")
    lines = [",".join(("base", "other", "measure", *stats))]
    for other in comparison["others"]:
        for name, d in other["differences"].items():
            lines.append(",".join((comparison["base"]["scenario"], other["scenario"], name,
                                   *(f"{d[s]}" for s in stats))))
    return "\n".join(lines) + "\n"
