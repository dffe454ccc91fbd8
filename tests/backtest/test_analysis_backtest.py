"""Back test of the analyses: a small calibration and small Morris and Sobol analyses give
exactly the numbers stored in tests/backtest/analysis/reference.json (made with
``python tests/backtest/analysis/regenerate.py``); a change that alters them on purpose
regenerates it in a commit that says why."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("pyabc")
pytest.importorskip("SALib")

HERE = Path(__file__).resolve().parent / "analysis"
_spec = importlib.util.spec_from_file_location("regenerate_analysis", HERE / "regenerate.py")
assert _spec is not None
assert _spec.loader is not None
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)


@pytest.mark.slow
def test_analyses_match_the_reference() -> None:
    fresh = regenerate.numbers()
    stored = regenerate.REFERENCE.read_text(encoding="utf-8")
    assert fresh == stored, "the analyses' numbers differ from analysis/reference.json"
