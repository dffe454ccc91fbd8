"""Every rule a scenario must obey, broken one at a time in a copy of the baseline.

The project's rule: a broken scenario gives one ScenarioError whose message names the file,
the key, the value and the rule broken (``night.toml: gate.lanes = 0: must be >= 1``), never
another exception. Each case below writes a mutated baseline to a file and loads it.
"""

from __future__ import annotations

import copy
import datetime
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from conftest import BASELINE
from crossing_sim import Scenario, ScenarioError, load_scenario, scenario_from_dict
from crossing_sim.scenario.distributions import Choice

DELETE = "<delete this key>"


with BASELINE.open("rb") as _f:
    _BASELINE_TABLE = tomllib.load(_f)


def baseline_table() -> dict[str, Any]:
    """A fresh copy of the baseline file's table."""
    return copy.deepcopy(_BASELINE_TABLE)


def mutated(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    """The baseline table with the value at ``path`` replaced (or deleted with DELETE)."""
    table = baseline_table()
    node: Any = table
    for part in path[:-1]:
        node = node[part]
    if value == DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return table


def load_error(tmp_path: Path, table: dict[str, Any]) -> tuple[str, Path]:
    """Write ``table`` as a scenario file, load it and return the ScenarioError's message."""
    path = tmp_path / "night.toml"
    path.write_text(tomli_w.dumps(table), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value), path


# path in the baseline table, new value, key named, value shown (None: no value), rule (regex)
BROKEN = [
    # the night's own events and people
    pytest.param(("population", "turnout"), {"dist": "choice", "values": [700, 750.5]},
                 "population.turnout", None, "whole numbers from 1 to 1000000",
                 id="turnout-not-whole"),
    pytest.param(("population", "p_child"), 1.5, "population.p_child", "1.5", "between 0 and 1",
                 id="p-child-above-one"),
    pytest.param(("origins", "quneitra", "guides", "capacity"), 0,
                 "origins.quneitra.guides.capacity", "0", "between 1 and 100000",
                 id="guide-takes-nobody"),
    pytest.param(("gate", "pauses"), "0/h", "gate.pauses", "0/h", "rate must be between",
                 id="pauses-never"),
    pytest.param(("origins", "tripoint", "checkpoints", 1, "closure", "p"), 2,
                 "origins.tripoint.checkpoints[1].closure.p", "2", "between 0 and 1",
                 id="closure-probability"),
    # wrong types
    pytest.param(("gate", "lanes"), "2", "gate.lanes", "2", "whole number", id="int-as-string"),
    pytest.param(("gate", "lanes"), 1.5, "gate.lanes", "1.5", "whole number", id="int-as-float"),
    pytest.param(("population", "expected"), True, "population.expected", "true",
                 "whole number", id="int-as-bool"),
    pytest.param(("buses", "split_families"), "no", "buses.split_families", "no",
                 "true or false", id="bool-as-string"),
    pytest.param(("buses", "split_families"), 1, "buses.split_families", "1", "true or false",
                 id="bool-as-int"),
    pytest.param(("journey", "size_slowdown"), "0.03", "journey.size_slowdown", "0.03",
                 "must be a number", id="float-as-string"),
    pytest.param(("warning", "p_reach"), "93%", "warning.p_reach", "93%", "number",
                 id="prob-as-percent"),
    pytest.param(("name",), 5, "name", "5", "string", id="text-as-int"),
    pytest.param(("description",), ["one night"], "description", "one night", "string",
                 id="text-as-list"),
    pytest.param(("gate", "closing"), "finish", "gate.closing", "finish", "must be one of",
                 id="option-unknown"),
    pytest.param(("buses", "departure"), "at_dawn", "buses.departure", "at_dawn",
                 "must be one of", id="option-unknown-2"),
    pytest.param(("gate",), 3, "gate", "3", "table", id="section-as-int"),
    pytest.param(("origins", "quneitra", "checkpoints"), {"at": "2km"},
                 "origins.quneitra.checkpoints", "2km", "list", id="list-as-table"),
    pytest.param(("origins", "quneitra", "checkpoints", 0), "2km",
                 "origins.quneitra.checkpoints[0]", "2km", "table", id="list-item-as-string"),
    pytest.param(("origins",), ["quneitra"], "origins", "quneitra", "table",
                 id="origins-as-list"),
    pytest.param(("origins", "quneitra"), 0.55, "origins.quneitra", "0.55", "table",
                 id="origin-as-number"),
    pytest.param(("origins", "tripoint", "road_cut"), "6km", "origins.tripoint.road_cut", "6km",
                 "table", id="road-cut-as-string"),
    pytest.param(("holding", "capacity"), "lots", "holding.capacity", "lots", "whole number",
                 id="optional-int-as-word"),
    # negative durations and distances
    pytest.param(("warning", "lead"), "-40h", "warning.lead", "-40h", "cannot be negative",
                 id="negative-lead"),
    pytest.param(("buses", "turnaround"), "-1h", "buses.turnaround", "-1h",
                 "cannot be negative", id="negative-turnaround"),
    pytest.param(("series_step",), "-5min", "series_step", "-5min", "cannot be negative",
                 id="negative-series-step"),
    pytest.param(("gate", "screening_per_group"), "-30s", "gate.screening_per_group", "-30s",
                 ">= 0", id="negative-fixed-screening"),
    pytest.param(("origins", "quneitra", "distance"), "-3km", "origins.quneitra.distance",
                 "-3km", "cannot be negative", id="negative-distance"),
    pytest.param(("origins", "tripoint", "checkpoints", 0, "delay"),
                 {"dist": "triangular", "low": "-5min", "mode": "10min", "high": "40min"},
                 "origins.tripoint.checkpoints[0].delay", "-5min", ">= 0",
                 id="negative-delay-distribution"),
    pytest.param(("warning", "preparation"), {"dist": "uniform", "low": "-1h", "high": "2h"},
                 "warning.preparation", "-1h", ">= 0", id="negative-uniform-preparation"),
    # units
    pytest.param(("warning", "lead"), 40, "warning.lead", "40", "needs a unit",
                 id="duration-without-unit"),
    pytest.param(("gate", "screening_per_group"), 30, "gate.screening_per_group", "30",
                 "needs a unit", id="duration-dist-without-unit"),
    pytest.param(("gate", "screening_per_group"), "30", "gate.screening_per_group", "30",
                 "not a duration", id="duration-string-without-unit"),
    pytest.param(("origins", "quneitra", "distance"), 3, "origins.quneitra.distance", "3",
                 "needs a unit", id="distance-without-unit"),
    pytest.param(("origins", "quneitra", "distance"), "3h", "origins.quneitra.distance", "3h",
                 "not a distance", id="distance-in-hours"),
    pytest.param(("journey", "speed"), "2.5", "journey.speed", "2.5", "not a speed",
                 id="speed-without-unit"),
    pytest.param(("series_step",), "1e999s", "series_step", "1e999s", "finite",
                 id="infinite-duration"),
    # probabilities
    pytest.param(("warning", "p_reach"), 1.5, "warning.p_reach", "1.5", r"0 and 1|\[0, 1\]",
                 id="prob-above-1"),
    pytest.param(("warning", "p_decline"), -0.1, "warning.p_decline", "-0.1",
                 r"0 and 1|\[0, 1\]", id="prob-below-0"),
    pytest.param(("gate", "p_not_on_list"), 2, "gate.p_not_on_list", "2", r"0 and 1|\[0, 1\]",
                 id="prob-2"),
    pytest.param(("origins", "quneitra", "checkpoints", 0, "p_stop"), 1.01,
                 "origins.quneitra.checkpoints[0].p_stop", "1.01", r"0 and 1|\[0, 1\]",
                 id="checkpoint-prob"),
    pytest.param(("origins", "quneitra", "share"), 1.2, "origins.quneitra.share", "1.2",
                 r"0 and 1|\[0, 1\]", id="share-above-1"),
    pytest.param(("warning", "p_reach"), math.nan, "warning.p_reach", "nan", "finite",
                 id="prob-nan"),
    # shares
    pytest.param(("origins", "quneitra", "share"), 0.5, "origins", "0.5", "sum to 1",
                 id="shares-below-1"),
    pytest.param(("origins", "tripoint", "share"), 0.55, "origins", "0.55", "sum to 1",
                 id="shares-above-1"),
    # counts
    pytest.param(("buses", "seats"), 0, "buses.seats", "0", r">= 1|between 1 and",
                 id="zero-seats"),
    pytest.param(("buses", "seats"), -50, "buses.seats", "-50", r">= 1|between 1 and",
                 id="negative-seats"),
    pytest.param(("gate", "lanes"), 0, "gate.lanes", "0", r">= 1|between 1 and",
                 id="zero-lanes"),
    pytest.param(("buses", "count"), 0, "buses.count", "0", r">= 1|between 1 and",
                 id="zero-buses"),
    pytest.param(("population", "expected"), 0, "population.expected", "0",
                 r">= 1|between 1 and", id="nobody-expected"),
    pytest.param(("buses", "return_trips"), -1, "buses.return_trips", "-1",
                 r">= 0|between 0 and", id="negative-return-trips"),
    pytest.param(("holding", "capacity"), 0, "holding.capacity", "0", r">= 1|between 1 and",
                 id="zero-capacity"),
    pytest.param(("buses", "loading_points"), 0, "buses.loading_points", "0",
                 r">= 1|between 1 and", id="zero-loading-points"),
    pytest.param(("buses", "loading_points"), 10_001, "buses.loading_points", "10001",
                 r"<= 10000|between 1 and 10000", id="too-many-loading-points"),
    pytest.param(("origins", "quneitra", "speed_factor"), 0, "origins.quneitra.speed_factor",
                 "0", r">= 0.05|between 0.05 and", id="zero-speed-factor"),
    pytest.param(("journey", "speed"), "0.05km/h", "journey.speed", "0.05km/h", ">= 0.1",
                 id="speed-too-slow"),
    pytest.param(("population", "group_size"), 0, "population.group_size", "0", ">= 1",
                 id="group-of-zero"),
    pytest.param(("population", "group_size"), {"dist": "choice", "values": [1.5, 2]},
                 "population.group_size", "1.5", "whole numbers", id="group-size-fraction"),
    pytest.param(("population", "group_size"), {"dist": "uniform", "low": 1, "high": 6},
                 "population.group_size", "uniform", "fixed size or a choice",
                 id="group-size-continuous"),
    pytest.param(("population", "group_size"), {"dist": "uniform", "low": 1, "high": 1e200},
                 "population.group_size", "1e+200", "fixed size or a choice",
                 id="group-size-continuous-huge"),
    # families that could never board or pass
    pytest.param(("buses", "seats"), 5, "buses.seats", "5", r"largest family \(8\)",
                 id="seats-below-largest-family"),
    pytest.param(("holding", "capacity"), 4, "holding.capacity", "4", r"largest family \(8\)",
                 id="holding-below-largest-family"),
    # positions on a route
    pytest.param(("origins", "quneitra", "checkpoints", 0, "at"), "5km",
                 "origins.quneitra.checkpoints[0].at", "5km", "within the route's distance",
                 id="checkpoint-beyond-route"),
    pytest.param(("origins", "tripoint", "road_cut", "at"), "20km",
                 "origins.tripoint.road_cut.at", "20km", "within the route's distance",
                 id="road-cut-beyond-route"),
    pytest.param(("origins", "tripoint", "distance"), "2km",
                 "origins.tripoint.checkpoints[0].at", "3km", "within the route's distance",
                 id="route-shorter-than-its-checkpoints"),
    # clock order
    pytest.param(("gate", "close"), "20:00", "gate.close", "20:00", "after gate.open",
                 id="close-before-open"),
    pytest.param(("gate", "close"), "21:15", "gate.close", "21:15", "after gate.open",
                 id="close-at-open"),
    pytest.param(("gate", "close"), "08:00", "gate.close", "08:00", "before end",
                 id="close-after-end"),
    # the model stops at end, so a gate closing at the end would never close
    pytest.param(("gate", "close"), "07:00", "gate.close", "07:00", "before end",
                 id="close-at-end"),
    pytest.param(("gate", "give_up"), "21:00", "gate.give_up", "21:00", "after gate.open",
                 id="give-up-before-open"),
    pytest.param(("gate", "give_up"), "08:00", "gate.give_up", "08:00", "before end",
                 id="give-up-after-end"),
    pytest.param(("gate", "give_up"), "07:00", "gate.give_up", "07:00", "before end",
                 id="give-up-at-end"),
    pytest.param(("end",), "12:00", "end", "12:00", "later than start", id="end-at-start"),
    pytest.param(("warning", "earliest_departure"), "08:00", "warning.earliest_departure",
                 "08:00", "before end", id="departure-after-end"),
    pytest.param(("series_step",), "0min", "series_step", "0min", "positive",
                 id="zero-series-step"),
    pytest.param(("series_step",), "0.1s", "series_step", "0.1s", "at most 100000 points",
                 id="series-step-too-fine"),
    # clock format
    pytest.param(("gate", "open"), "25:00", "gate.open", "25:00", "00:00 to 23:59",
                 id="clock-25h"),
    pytest.param(("start",), "25:00", "start", "25:00", "00:00 to 23:59", id="start-25h"),
    pytest.param(("gate", "close"), "12:60", "gate.close", "12:60", "00:00 to 23:59",
                 id="clock-60min"),
    pytest.param(("buses", "available"), "9pm", "buses.available", "9pm", "HH:MM",
                 id="clock-9pm"),
    pytest.param(("origins", "tripoint", "road_cut", "after"), "0:30am",
                 "origins.tripoint.road_cut.after", "0:30am", "HH:MM", id="clock-in-road-cut"),
    pytest.param(("gate", "open"), 2115, "gate.open", "2115", "HH:MM", id="clock-as-int"),
    pytest.param(("gate", "open"), datetime.time(21, 15, 30), "gate.open", None,
                 "whole minutes", id="clock-with-seconds"),
    # distributions with a bad parameter
    pytest.param(("gate", "screening_per_person"), {"dist": "lognormal", "mean": "40s",
                                                    "sd": "-15s"},
                 "gate.screening_per_person", "-15s", "sd >= 0", id="dist-negative-sd"),
    pytest.param(("journey", "speed"), {"dist": "triangular", "low": "1.5km/h", "mode": "4km/h",
                                        "high": "3km/h"},
                 "journey.speed", "4km/h", "low <= mode <= high", id="dist-mode-outside"),
    pytest.param(("gate", "screening_per_person"), {"dist": "gamma", "mean": "40s"},
                 "gate.screening_per_person", "gamma", "'dist' must be one of",
                 id="dist-unknown"),
    pytest.param(("gate", "screening_per_person"), {"dist": ["lognormal"], "mean": "40s",
                                                    "sd": "15s"},
                 "gate.screening_per_person", "lognormal", "'dist' must be one of",
                 id="dist-name-as-list"),
    pytest.param(("gate", "screening_per_person"), {"dist": "lognormal", "mean": "40s",
                                                    "sd": "15s", "sdd": "1s"},
                 "gate.screening_per_person", "sdd", "unknown parameter 'sdd'",
                 id="dist-unknown-parameter"),
    pytest.param(("gate", "screening_per_person"), {"dist": "lognormal", "mean": "40s"},
                 "gate.screening_per_person", "lognormal", "'sd' is missing",
                 id="dist-missing-parameter"),
    pytest.param(("population", "group_size"), {"dist": "choice", "values": [1, 2, 3],
                                                "weights": [1, 1]},
                 "population.group_size", "choice", "as long as 'values'",
                 id="dist-weights-wrong-length"),
    pytest.param(("population", "group_size"), {"dist": "choice", "values": [1, 2],
                                                "weights": [0, 0]},
                 "population.group_size", "choice", "not all zero", id="dist-weights-zero"),
    pytest.param(("population", "group_size"), {"dist": "choice", "values": [1, 2],
                                                "weights": [1, -1]},
                 "population.group_size", "-1", ">= 0", id="dist-weights-negative"),
    pytest.param(("buses", "boarding"), {"dist": "exponential", "mean": "0s"}, "buses.boarding",
                 "0s", "mean > 0", id="dist-zero-mean"),
    # missing keys
    pytest.param(("origins",), DELETE, "origins", None, "required", id="missing-origins"),
    pytest.param(("origins",), {}, "origins", None, "at least one", id="no-origins"),
    pytest.param(("origins", "quneitra", "share"), DELETE, "origins.quneitra.share", None,
                 "required", id="missing-share"),
    pytest.param(("origins", "quneitra", "distance"), DELETE, "origins.quneitra.distance",
                 None, "required", id="missing-distance"),
    pytest.param(("origins", "quneitra", "checkpoints", 0, "at"), DELETE,
                 "origins.quneitra.checkpoints[0].at", None, "required",
                 id="missing-checkpoint-position"),
    pytest.param(("origins", "tripoint", "road_cut", "after"), DELETE,
                 "origins.tripoint.road_cut.after", None, "required",
                 id="missing-road-cut-clock"),
]

CASE_NAMES = ("path", "value", "key", "shown", "rule")


@pytest.mark.parametrize(CASE_NAMES, BROKEN)
def test_broken_rule_names_file_key_and_rule(
    tmp_path: Path, path: tuple[str | int, ...], value: object, key: str, shown: str | None,
    rule: str,
) -> None:
    message, file = load_error(tmp_path, mutated(path, value))
    assert str(file) in message
    assert key in message
    assert re.search(rule, message), f"rule {rule!r} not in: {message}"
    assert "\n" not in message
    assert "Traceback" not in message


@pytest.mark.parametrize(CASE_NAMES, [c for c in BROKEN if c.values[3] is not None])
def test_broken_rule_message_shows_the_value(
    tmp_path: Path, path: tuple[str | int, ...], value: object, key: str, shown: str,
    rule: str,
) -> None:
    message, _ = load_error(tmp_path, mutated(path, value))
    assert key in message
    after_key = message.split(key, 1)[1]
    assert shown in after_key, f"value {shown!r} not shown after {key!r} in: {message}"


@pytest.mark.parametrize(CASE_NAMES, BROKEN)
def test_broken_rule_from_a_table_is_a_scenario_error(
    path: tuple[str | int, ...], value: object, key: str, shown: str | None, rule: str,
) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(mutated(path, value))
    assert key in str(info.value)
    assert re.search(rule, str(info.value))


# --- unknown keys ----------------------------------------------------------------------------

# table holding the key, misspelt key, its value, the value as shown, suggestion
UNKNOWN = [
    pytest.param((), "nmae", "night", "night", "name", id="top-level"),
    pytest.param((), "gaet", {"lanes": 2}, "lanes", "gate", id="top-level-section"),
    pytest.param(("population",), "expceted", 700, "700", "expected", id="population"),
    pytest.param(("origins", "quneitra"), "shrae", 0.55, "0.55", "share", id="origin"),
    pytest.param(("origins", "quneitra", "checkpoints", 0), "p_stp", 0.04, "0.04", "p_stop",
                 id="checkpoint"),
    pytest.param(("origins", "tripoint", "road_cut"), "aftr", "00:30", "00:30", "after",
                 id="road-cut"),
    pytest.param(("warning",), "p_rech", 0.9, "0.9", "p_reach", id="warning"),
    pytest.param(("journey",), "sped", "2km/h", "2km/h", "speed", id="journey"),
    pytest.param(("gate",), "lnaes", 2, "2", "lanes", id="gate"),
    pytest.param(("holding",), "capacty", 500, "500", "capacity", id="holding"),
    pytest.param(("buses",), "seat", 50, "50", "seats", id="buses"),
    pytest.param(("buses",), "splitfamilies", True, "true", "split_families", id="buses-bool"),
]


def _key_name(table: tuple[str | int, ...], key: str) -> str:
    name = ""
    for part in (*table, key):
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


UNKNOWN_NAMES = ("table", "key", "value", "shown", "suggestion")


@pytest.mark.parametrize(UNKNOWN_NAMES, UNKNOWN)
def test_unknown_key_is_named_with_a_suggestion(
    tmp_path: Path, table: tuple[str | int, ...], key: str, value: object, shown: str,
    suggestion: str,
) -> None:
    message, file = load_error(tmp_path, mutated((*table, key), value))
    assert str(file) in message
    assert _key_name(table, key) in message
    assert "unknown key" in message
    assert "did you mean" in message
    assert f"'{suggestion}'" in message


@pytest.mark.parametrize(UNKNOWN_NAMES, UNKNOWN)
def test_unknown_key_message_shows_the_value(
    tmp_path: Path, table: tuple[str | int, ...], key: str, value: object, shown: str,
    suggestion: str,
) -> None:
    message, _ = load_error(tmp_path, mutated((*table, key), value))
    assert shown in message.split(_key_name(table, key), 1)[1], message


def test_unknown_key_without_a_close_match_lists_the_known_keys(tmp_path: Path) -> None:
    message, _ = load_error(tmp_path, mutated(("gate", "zzzz"), 1))
    assert "gate.zzzz" in message
    assert "unknown key" in message
    for known in ("open", "close", "lanes", "give_up"):
        assert known in message


# --- the baseline and valid variants ---------------------------------------------------------


def test_baseline_loads_with_the_documented_values() -> None:
    s = load_scenario(BASELINE)
    assert isinstance(s, Scenario)
    assert s.name == "baseline"
    assert s.population.expected == 700
    assert s.buses.count == 10
    assert s.gate.lanes == 1
    assert s.buses.seats == 50
    assert s.buses.split_families is False
    assert s.buses.departure == "convoy"
    assert s.start_clock == 12 * 60
    assert s.gate.open == 9 * 60 + 15  # 21:15 is 9 h 15 min after noon
    assert s.gate.close == 15 * 60  # 03:00 the next morning
    assert s.gate.give_up == 16 * 60 + 30  # 04:30
    assert s.end == 19 * 60  # 07:00
    assert s.holding.capacity is None  # "unlimited"
    assert {o.name: o.share for o in s.origins} == {"quneitra": 0.55, "tripoint": 0.45}
    tripoint = next(o for o in s.origins if o.name == "tripoint")
    assert tripoint.distance == pytest.approx(9.0)
    assert [cp.at for cp in tripoint.checkpoints] == pytest.approx([3.0, 8.0])
    closure = tripoint.checkpoints[1].closure
    assert closure is not None
    assert (closure.p, closure.after, closure.within) == (0.25, 8 * 60, 4 * 60)  # from 20:00
    assert tripoint.road_cut is not None
    assert tripoint.road_cut.at == pytest.approx(6.0)
    assert tripoint.road_cut.after == 11 * 60 + 30  # 23:30, then up to 3 h later
    quneitra = next(o for o in s.origins if o.name == "quneitra")
    assert quneitra.guides is not None
    assert (quneitra.guides.first, quneitra.guides.every, quneitra.guides.capacity) == (
        7 * 60 + 45, 20, 27)
    assert (s.population.volunteers_per_group, s.population.p_child) == (1, 0.75)
    assert isinstance(s.population.group_size, Choice)
    assert s.population.group_size.mean == pytest.approx(4.28)  # as the file's comment says
    assert s.max_group_size == 8
    assert s.gate.screening_per_person.mean == pytest.approx(28 / 60)
    assert s.gate.pauses == pytest.approx(0.3 / 60)
    assert s.warning.lead == pytest.approx(40 * 60)


def test_baseline_table_and_file_give_the_same_scenario() -> None:
    assert scenario_from_dict(baseline_table()) == load_scenario(BASELINE)


def test_a_minimal_table_gets_the_defaults() -> None:
    s = scenario_from_dict({"origins": {"camp": {"share": 1.0, "distance": "2km"}}})
    assert s.population.expected == 100  # a round number: the 2018 figures live in files
    assert s.gate.lanes == 1
    assert s.buses.count == 10
    assert s.buses.seats == 50
    assert s.gate.give_up is None
    assert s.holding.capacity is None
    assert [o.name for o in s.origins] == ["camp"]
    assert s.origins[0].checkpoints == ()
    assert s.origins[0].road_cut is None


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({("buses", "seats"): 5, ("buses", "split_families"): True},
                     id="small-buses-split-families"),
        pytest.param({("gate", "give_up"): "none"}, id="no-give-up"),
        pytest.param({("gate", "give_up"): "06:59"}, id="give-up-just-before-end"),
        pytest.param({("gate", "close"): "06:59", ("gate", "give_up"): "none"},
                     id="close-just-before-end"),
        pytest.param({("holding", "capacity"): 8}, id="holding-fits-largest-family"),
        pytest.param({("buses", "seats"): 8}, id="bus-fits-largest-family"),
        pytest.param({("gate", "open"): datetime.time(21, 15)}, id="toml-local-time"),
        pytest.param({("population", "group_size"): 4}, id="fixed-group-size"),
        pytest.param({("journey", "speed"): "0.7m/s"}, id="speed-in-m-per-s"),
        pytest.param({("origins", "quneitra", "checkpoints", 0, "at"): "2km"},
                     id="checkpoint-at-the-gate"),
        pytest.param({("origins", "quneitra", "checkpoints"): []}, id="no-checkpoints"),
        pytest.param({("origins", "tripoint", "road_cut"): "none"}, id="no-road-cut"),
        pytest.param({("warning", "p_reach"): 0, ("warning", "p_decline"): 1},
                     id="probabilities-at-the-bounds"),
        pytest.param({("origins", "quneitra", "share"): 0.1, ("origins", "tripoint", "share"):
                      0.9}, id="other-shares"),
    ],
)
def test_valid_variants_load(tmp_path: Path, changes: dict[tuple[str | int, ...], object]) -> None:
    table = baseline_table()
    for path, value in changes.items():
        node: Any = table
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    file = tmp_path / "variant.toml"
    file.write_text(tomli_w.dumps(table), encoding="utf-8")
    assert isinstance(load_scenario(file), Scenario)


# --- every key with every kind of value ------------------------------------------------------

SWEEP_VALUES: list[object] = [
    0, -1, 1, 7, 2**63 - 1, 0.5, -0.5, 1e300, math.nan, math.inf, -math.inf, True, False,
    "", "abc", "45s", "-45s", "0s", "3km", "2.5km/h", "25:00", "21:00", "03:00", "none",
    "unlimited", "1e999s", "1e300h",
    datetime.time(21, 0), datetime.time(21, 0, 30), datetime.date(2018, 7, 21),
    datetime.datetime(2018, 7, 21, 21, 0),
    [], [1], ["45s"], [{}], [{"at": "1km"}], {}, {"x": 1}, {"at": "1km"},
    {"dist": "uniform", "low": 1, "high": 1e200},
    {"dist": "uniform", "low": "1s", "high": "1e300h"},
    {"dist": ["uniform"], "low": 1, "high": 2},
    {"dist": "choice", "values": [1, 2], "weights": [1e308, 1e308]},
    {"dist": "lognormal", "mean": "1e-300s", "sd": "1e300s"},
    {"dist": "triangular", "low": 1, "mode": 1, "high": 1},
    {"dist": "empirical", "values": [2, 2.5]},
]


def _all_paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out: list[tuple[str | int, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in items:
        out.append((*prefix, key))
        if isinstance(child, dict | list):
            out.extend(_all_paths(child, (*prefix, key)))
    return out


def test_every_key_with_every_kind_of_value_loads_or_raises_scenario_error() -> None:
    """A deterministic sweep: each key of the baseline set to each value above, or deleted.

    Each table also gets an unknown key. Any exception other than ScenarioError is collected
    and reported with the key and value that raised it.
    """
    paths = _all_paths(baseline_table())
    changes: list[tuple[tuple[str | int, ...], object]] = [
        (path, value) for path in paths for value in SWEEP_VALUES
    ]
    changes += [(path, DELETE) for path in paths if isinstance(path[-1], str)]
    changes += [((*path, "zzz"), 1) for path in [(), *paths]
                if isinstance(_value_at(path), dict)]
    failures: list[str] = []
    for path, value in changes:
        try:
            scenario_from_dict(mutated(path, value))
        except ScenarioError:
            pass
        except Exception as exc:  # any other exception is the bug looked for
            failures.append(f"{path} = {value!r}: {type(exc).__name__}: {exc}")
    assert not failures, f"{len(failures)} changes raised another exception:\n" + "\n".join(
        failures[:25])


def _value_at(path: tuple[str | int, ...]) -> object:
    node: Any = baseline_table()
    for part in path:
        node = node[part]
    return node
