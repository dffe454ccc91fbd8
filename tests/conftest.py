"""Shared fixtures: paths to the project's scenarios and a tiny fast scenario file."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

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
