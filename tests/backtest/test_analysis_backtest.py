"""Back test of the analyses: a small calibration and small Morris and Sobol analyses give
exactly the numbers stored in tests/backtest/analysis/reference.json (made with
``python tests/backtest/analysis/regenerate.py``); a change that alters them on purpose
regenerates it in a commit that says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyabc")
pytest.importorskip("SALib")

SCRIPT = Path(__file__).resolve().parent / "analysis" / "regenerate.py"


@pytest.mark.slow
def test_analyses_match_the_reference() -> None:
    """In a process of its own, with the reference's linear-algebra kernels (see the
    script's docstring)."""
    fresh = subprocess.run([sys.executable, str(SCRIPT), "--stdout"], capture_output=True,
                           text=True, check=True, env={**os.environ}).stdout
    stored = (SCRIPT.parent / "reference.json").read_text(encoding="utf-8")
    assert fresh == stored, "the analyses' numbers differ from analysis/reference.json"
