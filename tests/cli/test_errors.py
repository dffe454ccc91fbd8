"""User-facing errors: one family, parameters named by the library and shown as flags by the CLI."""

from __future__ import annotations

import pytest

from crossing_sim.cli.common import FLAGS
from crossing_sim.errors import (
    AnalysisError,
    CrossingSimError,
    ExecutorError,
    ResultsError,
    ScenarioError,
    param,
)


@pytest.mark.parametrize("kind", [ResultsError, ExecutorError, AnalysisError])
def test_every_error_is_a_crossing_sim_error(kind: type[CrossingSimError]) -> None:
    error = kind(f"choose another {param('out')}")
    assert isinstance(error, CrossingSimError)
    assert str(error) == "choose another `out`"
    assert error.for_cli(FLAGS) == "choose another --out"


def test_a_scenario_error_names_the_parameter_that_gave_the_value() -> None:
    error = ScenarioError(rule="must be key=value", key="gate.lanes", file=param("overrides"))
    assert str(error) == "`overrides`: gate.lanes: must be key=value"
    assert error.for_cli(FLAGS) == "--set: gate.lanes: must be key=value"
    assert isinstance(error, CrossingSimError)


def test_flags_default_to_the_parameter_with_dashes() -> None:
    error = AnalysisError(f"raise {param('max_reps')}")
    assert error.for_cli({}) == "raise --max-reps"


def test_error_lines_are_one_line_of_readable_length() -> None:
    from crossing_sim.cli.common import MAX_LINE, one_line

    assert one_line("a\nb") == "a\\nb"
    long = "start " + "x" * 10_000 + " end"
    cut = one_line(long)
    assert len(cut) <= MAX_LINE
    assert cut.startswith("start ")
    assert cut.endswith(" end")
    assert " ... " in cut
    assert one_line("short") == "short"
