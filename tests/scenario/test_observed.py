"""The [observed] section: facts as data, read, checked, inherited and compared."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from conftest import BASELINE, TINY
from crossing_sim.errors import ScenarioError
from crossing_sim.experiment.summary import FACT_MEASURES
from crossing_sim.scenario.facts import parse_fact
from crossing_sim.scenario.loading import load_scenario
from crossing_sim.scenario.observed import FACT_KEYS, FACT_LABELS
from crossing_sim.scenario.spec import scenario_from_dict

NOON = 12 * 60


def test_a_count_is_exact_and_an_interval_has_open_ends() -> None:
    count = parse_fact(422, "count", NOON)
    assert (count.low, count.high, count.exact, count.value) == (422, 422, True, 422)
    assert count.describe() == "422"
    late = parse_fact({"from": "00:00"}, "clock", NOON)
    assert late.low == 12 * 60
    assert math.isinf(late.high)
    assert late.describe() == "after 00:00"
    early = parse_fact({"to": "04:30"}, "clock", NOON)
    assert early.describe() == "before 04:30"
    both = parse_fact({"from": "21:00", "to": "21:45"}, "clock", NOON)
    assert (both.low, both.high) == (9 * 60, 9 * 60 + 45)
    assert both.describe() == "21:00-21:45"
    assert parse_fact({"from": 0.5}, "share", 0).describe() == "at least 50 %"


def test_nights_agree_with_a_fact_inside_its_closed_interval() -> None:
    fact = parse_fact({"from": "21:00", "to": "21:45"}, "clock", NOON)
    values = np.array([539.0, 540.0, 560.0, 585.0, 586.0, np.nan])
    assert fact.holds(values).tolist() == [False, True, True, True, False, False]


@pytest.mark.parametrize(("value", "unit", "rule"), [
    (422.5, "count", "whole number"),
    (-1, "count", "cannot be negative"),
    (1e12, "count", "at most 1e9"),
    (True, "count", "finite number"),
    ("21:00", "clock", "must be a table"),
    ({}, "clock", "needs 'from', 'to' or both"),
    ({"from": "03:00", "to": "01:00"}, "clock", "must not come after"),
    ({"start": "21:00"}, "clock", "unknown key 'start'"),
    ({"from": 1.5}, "share", "between 0 and 1"),
    ({"from": "25:00"}, "clock", "runs from 00:00 to 23:59"),
])
def test_impossible_facts_name_the_rule(value: object, unit: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        parse_fact(value, unit, NOON)


def test_the_baseline_states_its_facts_and_a_file_without_them_states_none() -> None:
    baseline = load_scenario(BASELINE)
    assert baseline.observed.label == "Reported in 2018"
    assert baseline.observed.crossed is not None
    assert baseline.observed.crossed.value == 422
    assert list(baseline.observed.facts()) == [k for k in FACT_KEYS if k != "children"]
    tiny = scenario_from_dict(tomllib.loads(TINY))
    assert tiny.observed.facts() == {}


def test_facts_are_inherited_and_overridden(tmp_path: Path) -> None:
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{BASELINE}"\nname = "child"\n[observed]\ncrossed = 400\n')
    s = load_scenario(child)
    assert s.observed.crossed is not None
    assert s.observed.crossed.value == 400
    assert s.observed.last_crossing == load_scenario(BASELINE).observed.last_crossing
    dropped = load_scenario(child, ["observed.crossed=none"])
    assert dropped.observed.crossed is None


def test_an_observed_count_above_those_expected_is_an_error() -> None:
    with pytest.raises(ScenarioError, match=r"observed\.crossed.*more than population\.expected"):
        load_scenario(BASELINE, ["population.expected=300"])


def test_every_fact_has_a_label_and_a_simulated_measure() -> None:
    assert set(FACT_LABELS) == set(FACT_KEYS) == set(FACT_MEASURES)
