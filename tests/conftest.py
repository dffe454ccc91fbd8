"""What many tests share: the project's paths, a tiny scenario, clock times, fates, the CLI.

The helpers are plain functions, imported by tests as ``from conftest import clock``
(``tests/`` is on the import path: see ``pythonpath`` in pyproject.toml); fixtures are found
by pytest as usual.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossing_sim import Fate, Outcome
from crossing_sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"

TINY = """\
name = "tiny"
description = "a small night for fast tests"
[population]
expected = 40
group_size = { dist = "choice", values = [1, 2, 3], weights = [1, 1, 1] }
[origins.camp]
share = 1.0
distance = "2km"
[gate]
open = "21:00"
close = "23:00"
screening_per_person = "1min"
[buses]
count = 2
seats = 10
"""


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    """A tiny valid scenario file that runs in well under a millisecond."""
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


def clock(minutes: float) -> str:
    """The clock time ``"HH:MM"`` of a model time (whole minutes after the 12:00 start)."""
    total = (12 * 60 + int(minutes)) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def fates(out: Outcome) -> list[Fate]:
    """Each group's fate, in group order."""
    return [Fate(f) for f in out.groups.fate]


def invoke(*args: str) -> tuple[int, str, str]:
    """Run ``crossing-sim ARGS`` in this process: exit code, stdout, stderr."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def exit_code(pid: int) -> int:
    """Wait for a forked child and return its exit code (negative: the signal that ended it)."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
