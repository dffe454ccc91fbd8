"""The ``crossing-sim`` group: every command, each kept in the module of its group.

The group imports a command's module only when that command runs (or shows its own help),
so ``crossing-sim --help`` and ``--version`` start without numpy, SimPy or matplotlib.
"""

from __future__ import annotations

import importlib
import sys

import click

__all__ = ["COMMANDS", "main"]

#: Every command: the module that defines it, and the line ``crossing-sim --help`` shows.
COMMANDS: dict[str, tuple[str, str]] = {
    "animate": ("crossing_sim.cli.teaching", "Animate one simulated night as a GIF or MP4."),
    "app": ("crossing_sim.cli.app", "Open the classroom app in the browser (crossing-sim[app])."),
    "calibrate": ("crossing_sim.cli.analysis",
                 "Which values of uncertain keys fit the observed night."),
    "check": ("crossing_sim.cli.check",
             "Validate a scenario; print it resolved, or what it changes."),
    "compare": ("crossing_sim.cli.compare",
               "The paired difference between scenarios, night by night."),
    "plot": ("crossing_sim.cli.plot", "Draw the figures of a stored results folder."),
    "run": ("crossing_sim.cli.run", "Simulate many nights of a scenario: who gets through."),
    "scenarios": ("crossing_sim.cli.scenarios", "List, show and copy the built-in scenarios."),
    "sensitivity": ("crossing_sim.cli.analysis", "Rank which keys drive the share who cross."),
    "sweep": ("crossing_sim.cli.run", "Run a scenario over a grid or hypercube of keys."),
    "trace": ("crossing_sim.cli.teaching", "Tell one simulated night, or one family's story."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, short = COMMANDS[cmd_name]
        try:
            command: click.Command = getattr(importlib.import_module(module), cmd_name)
        except KeyboardInterrupt:  # Ctrl-C while the command starts: one line, no traceback
            click.echo("interrupted; nothing was started", err=True)
            sys.exit(130)
        command.short_help = short
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in sorted(COMMANDS.items())])


#: Every command answers -h as well as --help, however it is invoked.
CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.version_option(package_name="crossing-sim", prog_name="crossing-sim")
def main() -> None:
    """crossing-sim: one night at a humanitarian border crossing, as a discrete-event model.

    How many of those expected get through the gate in its window, next to what was observed.
    """
