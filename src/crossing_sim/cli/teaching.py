"""Commands for reading one night closely: ``crossing-sim trace`` (registered in cli.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from crossing_sim.cli.common import (
    CONTEXT,
    UserError,
    friendly,
    old_name,
    scenario_argument,
    set_option,
)
from crossing_sim.experiment.seeding import DEFAULT_SEED, replication_streams
from crossing_sim.model.night import simulate
from crossing_sim.report.trace import EVENT_COLUMNS, clock, events, narrate
from crossing_sim.scenario.loading import load_scenario

__all__ = ["animate", "trace"]


TRACE_EXAMPLES = """
\b
Examples:
  crossing-sim trace baseline                    # night 0 of seed 2018, in clock time
  crossing-sim trace baseline --replication 7 --group 12
  crossing-sim trace baseline --csv > night.csv
"""


@click.command(context_settings=CONTEXT, epilog=TRACE_EXAMPLES)
@scenario_argument
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=DEFAULT_SEED,
              show_default=True, help="Seed of the experiment (as for run).")
@click.option("--replication", type=click.IntRange(0), default=0, show_default=True,
              help="Which replication of that seed to tell (as in run's results).")
@click.option("--group", "group", type=click.IntRange(0), default=None,
              help="Tell one family's whole story.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the raw event log as CSV.")
@set_option
@friendly
def trace(scenario: Path, seed: int, replication: int, group: int | None, as_csv: bool,
          overrides: tuple[str, ...]) -> None:
    """Tell one simulated night of SCENARIO in clock time, or one family's story."""
    model = load_scenario(scenario, overrides)
    outcome = simulate(model, replication_streams(seed, replication))
    log = events(model, outcome)
    if group is not None:
        if group >= outcome.groups.size.size:
            raise UserError(f"--group {group}: this night has families 0 to "
                            f"{outcome.groups.size.size - 1}")
        log = [e for e in log if e.group == group]
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EVENT_COLUMNS)
        for e in log:
            writer.writerow([f"{e.minutes:.3f}", clock(e.minutes, model.start_clock), e.group,
                             e.people, e.event, e.detail])
        click.echo(buffer.getvalue(), nl=False)
        return
    title = (f"{model.name}, seed {seed}, replication {replication}: "
             f"{outcome.crossed} of {outcome.expected} crossed")
    click.echo(title + "\n")
    since = None if group is not None else model.warning.earliest_departure
    click.echo("\n".join(narrate(log, model.start_clock, since)))


ANIMATE_EXAMPLES = """
\b
Examples:
  crossing-sim animate baseline --file night.gif
  crossing-sim animate two_tables --file two.gif --step 2 --fps 12
"""


@click.command(context_settings=CONTEXT, epilog=ANIMATE_EXAMPLES)
@scenario_argument
@click.option("--file", "movie", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The file to write: .gif (Pillow) or .mp4 (needs ffmpeg).  [required]")
@old_name("--out", "--file", "old_out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=DEFAULT_SEED,
              show_default=True, help="Seed of the experiment (as for run).")
@click.option("--replication", type=click.IntRange(0), default=0, show_default=True,
              help="Which replication of that seed to show.")
@click.option("--step", type=click.FloatRange(0.5, 60), default=5.0, show_default=True,
              help="Minutes of clock time per frame.")
@click.option("--fps", type=click.IntRange(1, 60), default=8, show_default=True,
              help="Frames per second.")
@set_option
@friendly
def animate(scenario: Path, movie: Path | None, old_out: Path | None, seed: int,
            replication: int, step: float, fps: int, overrides: tuple[str, ...]) -> None:
    """Animate one simulated night of SCENARIO: the road, the gate, the buses, the clock."""
    out = movie if movie is not None else old_out
    if out is None:
        raise UserError("animate needs --file FILE, the .gif or .mp4 to write")
    import matplotlib

    matplotlib.use("Agg")
    from crossing_sim.figures import animation as animation_module

    if out.suffix.lower() not in (".gif", ".mp4"):
        raise UserError(f"--file {out}: write a .gif or an .mp4 file")
    if out.exists():
        raise UserError(f"--file {out}: already exists; an earlier file is never overwritten")
    model = load_scenario(scenario, overrides)
    outcome = simulate(model, replication_streams(seed, replication))
    try:
        anim = animation_module.animation(model, outcome, step=step, fps=fps)
        written = animation_module.save(anim, out, fps=fps)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    frames = animation_module.frame_count(model, outcome, step)
    click.echo(f"{written}: {frames} frames ({step:g} min each at {fps} a second), "
               f"{outcome.crossed} of {outcome.expected} crossed")
