"""docs/reference.md is generated from the code: it must be up to date."""

from __future__ import annotations

from conftest import ROOT
from crossing_sim.cli.reference import reference

DOCS = ROOT / "docs" / "reference.md"


def test_reference_is_up_to_date() -> None:
    """Fails when a scenario key or a command changed without regenerating the reference:
    run ``python -m crossing_sim.cli.reference > docs/reference.md``."""
    assert DOCS.read_text(encoding="utf-8") == reference()


def test_every_scenario_key_has_a_meaning() -> None:
    rows = [line for line in reference().splitlines() if line.startswith("| `")]
    assert rows
    assert all(not line.rstrip().endswith("|  |") for line in rows), "a key without a doc"
