"""``crossing-sim plot``: figures from a stored results folder (nothing is re-run)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from crossing_sim.cli.common import CONTEXT, friendly, old_name
from crossing_sim.results.reader import FORMATS

__all__ = ["KINDS", "figures_line", "plot", "plot_all"]

#: The figure kinds (as crossing_sim.figures.files.KINDS, which imports matplotlib).
KINDS = ("flow", "throughput", "queue", "fates", "distribution", "waits", "buses",
         "difference", "sweep")


PLOT_EXAMPLES = """
\b
Examples:
  crossing-sim plot results/baseline-20261201-210512
  crossing-sim plot results/baseline-20261201-210512 --kind flow --format pdf
  crossing-sim plot results/baseline-20261201-210512 --compare results/two_tables-20261201-2106
"""


@click.command(context_settings=CONTEXT, epilog=PLOT_EXAMPLES)
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice([*KINDS, "all"]), default="all", show_default=True,
              help="Which figure: flow (arrivals and crossings, cumulative), throughput "
                   "(crossings), queue (at the gate and behind it), fates, distribution (of "
                   "the crossed count), waits, buses, difference (paired, of a compare folder "
                   "or sweep), sweep (a sweep's share by its factors).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="png", show_default=True,
              help="File format of the figures.")
@click.option("--figures", "figures_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder for the figures [default: RESULTS/figures].")
@old_name("--out", "--figures", "old_out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--compare", multiple=True, type=click.Path(path_type=Path), metavar="RESULTS2",
              help="Another results folder to overlay, e.g. a what-if (repeatable).")
@click.option("--point", "points", multiple=True, type=click.IntRange(0), metavar="N",
              help="A sweep point to draw, as numbered in summary.csv (repeatable) "
                   "[default: all, or a few that span a sweep of more than 6].")
@friendly
def plot(results: Path, kind: str, fmt: str, figures_dir: Path | None, old_out: Path | None,
         compare: tuple[Path, ...], points: tuple[int, ...]) -> None:
    """Draw figures from the stored results in the folder RESULTS (nothing is re-run)."""
    from crossing_sim.figures.files import write_figures  # matplotlib only when plotting

    out = figures_dir if figures_dir is not None else old_out
    written, notes = write_figures(results, kind, fmt, out, compare, points)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(figures_line([str(p) for p in written]))




def plot_all(target: Path) -> list[str]:
    """The standard figures of a finished study (``--plot``), with notes on stderr."""
    from crossing_sim.figures.files import write_figures  # matplotlib only when plotting

    written, notes = write_figures(target)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    return [str(path) for path in written]


def figures_line(paths: Sequence[str]) -> str:
    folder = Path(paths[0]).parent
    return f"Figures: {folder}/ ({', '.join(Path(p).name for p in paths)})"
