"""``crossing-sim scenarios``: list, show and copy the scenarios that ship with the package."""

from __future__ import annotations

import re
from pathlib import Path

import click

from crossing_sim.cli.common import CONTEXT, UserError, friendly
from crossing_sim.scenario.catalog import EXAMPLE_KINDS, Entry, catalog

__all__ = ["scenarios"]

EXAMPLES = """
\b
Examples:
  crossing-sim scenarios                       # the list
  crossing-sim scenarios show two_tables       # one file, as it is
  crossing-sim scenarios copy baseline         # an editable copy in this folder
  crossing-sim run baseline                    # any command takes a built-in name
"""

_EXTENDS = re.compile(r'^(\s*extends\s*=\s*)"([^"/\\]+?)(?:\.toml)?"', re.MULTILINE)


@click.group(context_settings=CONTEXT, invoke_without_command=True, epilog=EXAMPLES)
@click.pass_context
def scenarios(context: click.Context) -> None:
    """The built-in scenarios (and example priors, ranges and sweep files).

    Every command takes a built-in name where it takes a scenario file, and a scenario of your
    own may say extends = "baseline".
    """
    if context.invoked_subcommand is None:
        entries = catalog()
        width = max(len(e.name) for e in entries)
        click.echo("Built-in scenarios (crossing-sim run NAME; scenarios copy NAME to edit one):")
        for e in entries:
            if e.kind == "scenario":
                click.echo(f"  {e.name:<{width}}  {e.description}")
        click.echo("\nExample files (crossing-sim scenarios copy NAME, then give the copy to the "
                   "command named):")
        for e in entries:
            if e.kind != "scenario":
                click.echo(f"  {e.name:<{width}}  {e.description}")


@scenarios.command(context_settings=CONTEXT)
@click.argument("name")
@friendly
def show(name: str) -> None:
    """Print the built-in file NAME as it is, comments and all."""
    click.echo(_entry(name).path.read_text(encoding="utf-8"), nl=False)


@scenarios.command(context_settings=CONTEXT)
@click.argument("name")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path),
                default=Path("."))
@friendly
def copy(name: str, folder: Path) -> None:
    """Write an editable copy of the built-in file NAME into FOLDER (default: here).

    An earlier file is never overwritten. A what-if's extends is pointed at the built-in
    scenario it extends, so the copy runs from any folder.
    """
    entry = _entry(name)
    target = folder / entry.path.name
    text = entry.path.read_text(encoding="utf-8")
    parents = _EXTENDS.findall(text)
    text = _EXTENDS.sub(r'\1"\2"', text)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise UserError(f"{target}: already exists; an earlier file is never overwritten "
                        "(give another FOLDER)") from None
    except OSError as exc:
        raise UserError(f"{target}: cannot be written: {exc.strerror}") from None
    how = (f"; it extends the built-in scenario {parents[0][1]}" if parents else
           "; it extends nothing: every key is in it")
    if entry.kind != "scenario":
        how = f"; give it to crossing-sim {EXAMPLE_KINDS[entry.kind]}"
    click.echo(f"Wrote {target}{how}.")


def _entry(name: str) -> Entry:
    entries = {e.name: e for e in catalog()}
    entry = entries.get(name.removesuffix(".toml"))
    if entry is None:
        raise UserError(f"{name}: no built-in file of that name; crossing-sim scenarios lists "
                        f"them ({', '.join(sorted(entries))})")
    return entry
