"""The ``crossing-sim`` group: every command, each kept in the module of its group."""

from __future__ import annotations

import click

from crossing_sim.cli.analysis import calibrate, sensitivity
from crossing_sim.cli.check import check
from crossing_sim.cli.common import CONTEXT
from crossing_sim.cli.compare import compare
from crossing_sim.cli.plot import plot
from crossing_sim.cli.run import run, sweep
from crossing_sim.cli.scenarios import scenarios
from crossing_sim.cli.teaching import animate, trace
from crossing_sim.version import package_version

__all__ = ["main"]


@click.group(context_settings=CONTEXT)
@click.version_option(package_version(), prog_name="crossing-sim")
def main() -> None:
    """crossing-sim: one night at a humanitarian border crossing, as a discrete-event model.

    How many of the 700 expected got through the gate in its window, next to the 422 who did.
    """


for command in (run, sweep, compare, plot, check, trace, animate, calibrate, sensitivity,
                scenarios):
    main.add_command(command)
