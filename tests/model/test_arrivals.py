"""Arrival modes: groups straight to the gate as a Poisson process, or replayed from a CSV file.

Replayed nights are worked out by hand like those in test_gate.py: one table, a fixed
screening time, times in minutes after the 12:00 start clock (21:00 is 540). Then the Poisson
process, conservation of people in both modes, and every mistake a file can hold.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from scipy import stats

from conftest import BASELINE, fates
from crossing_sim import (
    Fate,
    Outcome,
    Scenario,
    ScenarioError,
    load_scenario,
    resolve,
    scenario_from_dict,
    simulate,
)
from crossing_sim.scenario.replay import ArrivalsFile, parse_replay

NAN = math.nan
CROSSED, TOO_LATE, EN_ROUTE, TURNED_AWAY = (
    Fate.CROSSED, Fate.TOO_LATE, Fate.EN_ROUTE, Fate.TURNED_AWAY)
LOST_ON_THE_WAY = [Fate.NO_MESSAGE, Fate.DECLINED, Fate.STOPPED, Fate.BLOCKED]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scenario_file(folder: Path, table: dict[str, Any], name: str = "night.toml") -> Path:
    return write(folder / name, tomli_w.dumps(table))


def replay_table(expected: int, **gate: Any) -> dict[str, Any]:
    """A night replaying ``arrivals.csv``: one table, 1 min a person, open 21:00-22:00."""
    return {
        "population": {"expected": expected},
        "arrivals": {"mode": "replay", "file": "arrivals.csv"},
        "gate": {"open": "21:00", "close": "22:00", "screening_per_group": "0s",
                 "screening_per_person": "1min", **gate},
    }


def replay(folder: Path, csv: str, expected: int, **gate: Any) -> Outcome:
    write(folder / "arrivals.csv", csv)
    scenario = load_scenario(scenario_file(folder, replay_table(expected, **gate)))
    return simulate(scenario, np.random.default_rng(0))



def assert_conserved(scenario: Scenario, out: Outcome) -> None:
    """Every expected person in exactly one fate, and nobody lost before the gate."""
    by_fate = out.people_by_fate()
    assert by_fate.sum() == out.groups.size.sum() == scenario.population.expected
    assert (out.groups.size >= 1).all()
    assert not np.isin(out.groups.fate, LOST_ON_THE_WAY).any()
    assert np.isnan(out.groups.heard).all()
    assert np.isnan(out.groups.depart).all()
    assert (out.groups.origin == -1).all()


# --- replay: worked by hand --------------------------------------------------------------------


def test_replayed_groups_arrive_at_their_clock_times(tmp_path: Path) -> None:
    # Sizes 2, 1, 3 at 21:00, 21:01 and 21:10, 1 min a person: 540-542, 542-543, 550-553.
    out = replay(tmp_path, "clock,size\n21:00,2\n21:01,1\n21:10,3\n", expected=6)
    g = out.groups
    assert g.size.tolist() == [2, 1, 3]
    assert_array_equal(g.arrive, [540.0, 541.0, 550.0])
    assert_array_equal(g.screen_start, [540.0, 542.0, 550.0])
    assert_array_equal(g.screen_end, [542.0, 543.0, 553.0])
    assert fates(out) == [CROSSED] * 3
    assert out.crossed == 6


def test_replayed_minutes_seconds_and_times_after_midnight(tmp_path: Path) -> None:
    # Minutes after the 12:00 start: 539.5 is 20:59:30, before opening, so it waits until 540.
    out = replay(tmp_path, "minutes,size\n539.5,1\n540.25,1\n", expected=2)
    assert_array_equal(out.groups.arrive, [539.5, 540.25])
    assert_array_equal(out.groups.screen_start, [540.0, 541.0])
    # Clock times with seconds; 00:30 comes after 23:50 (the next day), after the end (07:00
    # is 1140 minutes after the start; 11:00 the next morning is 1380): still en route.
    out = replay(tmp_path, "clock,size\n21:00:30,1\n23:50,1\n00:30,1\n11:00,1\n",
                 expected=4, close="03:00")
    assert_array_equal(out.groups.arrive, [540.5, 710.0, 750.0, 1380.0])
    assert fates(out) == [CROSSED, CROSSED, CROSSED, EN_ROUTE]


def test_replay_ignores_blank_lines_comments_and_spaces(tmp_path: Path) -> None:
    text = "# observed at the gate\n\n Clock , Size \n21:00 , 2\n\n# a pause\n21:05,1\n"
    out = replay(tmp_path, text, expected=3)
    assert out.groups.size.tolist() == [2, 1]
    assert_array_equal(out.groups.arrive, [540.0, 545.0])


def test_replay_closing_rules_and_late_groups(tmp_path: Path) -> None:
    # The gate closes at 21:03 (543). Four people at 21:00 take 540-541, 541-542, 542-543 and
    # would take 543-544; a fifth comes at 21:03, exactly at closing: too late.
    csv = "clock,size\n21:00,1\n21:00,1\n21:00,1\n21:00,1\n21:03,1\n"
    out = replay(tmp_path, csv, expected=5, close="21:03", closing="finish_screening")
    assert fates(out) == [CROSSED, CROSSED, CROSSED, TURNED_AWAY, TOO_LATE]
    out = replay(tmp_path, csv, expected=5, close="21:03", closing="finish_queue")
    assert fates(out) == [CROSSED, CROSSED, CROSSED, CROSSED, TOO_LATE]
    assert_array_equal(out.groups.screen_end, [541.0, 542.0, 543.0, 544.0, NAN])


def test_replay_is_the_same_every_replication(tmp_path: Path) -> None:
    write(tmp_path / "arrivals.csv", "clock,size\n21:00,2\n21:30,3\n")
    scenario = load_scenario(scenario_file(tmp_path, replay_table(5)))
    a, b = (simulate(scenario, np.random.default_rng(seed)) for seed in (1, 2))
    assert_array_equal(a.groups.arrive, b.groups.arrive)
    assert_conserved(scenario, a)


def test_replay_needs_no_origins_and_keeps_them_if_given(tmp_path: Path) -> None:
    write(tmp_path / "arrivals.csv", "clock,size\n21:00,2\n")
    table = replay_table(2)
    assert load_scenario(scenario_file(tmp_path, table)).origins == ()
    table["origins"] = {"camp": {"share": 1.0, "distance": "3km"}}
    out = simulate(load_scenario(scenario_file(tmp_path, table)), np.random.default_rng(0))
    assert_array_equal(out.groups.arrive, [540.0])  # the journey is not used


def test_replay_file_is_relative_to_the_scenario_that_names_it(tmp_path: Path) -> None:
    write(tmp_path / "data" / "arrivals.csv", "clock,size\n21:00,2\n21:02,1\n")
    base = replay_table(3)
    base["arrivals"]["file"] = "data/arrivals.csv"
    scenario_file(tmp_path, base, "base.toml")
    child = write(tmp_path / "variants" / "two.toml",
                  'extends = "../base.toml"\n[gate]\nlanes = 2\n')
    scenario = load_scenario(child)
    assert scenario.arrivals.groups == ((540.0, 2), (542.0, 1))
    assert scenario.gate.lanes == 2
    # A file named by --set is relative to the scenario file loaded.
    write(tmp_path / "variants" / "other.csv", "clock,size\n21:00,3\n")
    scenario = load_scenario(child, ["arrivals.file=other.csv"])
    assert scenario.arrivals.groups == ((540.0, 3),)


def test_replay_scenario_from_a_table_with_the_file_text() -> None:
    table = replay_table(3)
    scenario = scenario_from_dict(table, ArrivalsFile("memory.csv", "clock,size\n21:00,3\n"))
    assert scenario.arrivals.groups == ((540.0, 3),)
    assert scenario.max_group_size == 3
    with pytest.raises(ScenarioError, match=r'arrivals\.file = "arrivals\.csv": was not read: '
                                                 "load the scenario"):
        scenario_from_dict(table)


def test_replay_round_trips_through_the_resolved_toml(tmp_path: Path) -> None:
    write(tmp_path / "arrivals.csv", "clock,size\n21:00,2\n")
    path = scenario_file(tmp_path, replay_table(2))
    again = write(tmp_path / "again.toml", resolve(path).to_toml())
    assert load_scenario(again) == load_scenario(path)


# --- poisson -----------------------------------------------------------------------------------


def poisson_table(expected: int = 700, rate: str = "30/h", **arrivals: Any) -> dict[str, Any]:
    return {
        "population": {"expected": expected,
                       "group_size": {"dist": "choice", "values": [1, 2, 3, 4, 5]}},
        "arrivals": {"mode": "poisson", "rate": rate, **arrivals},
        "gate": {"open": "21:00", "close": "03:00"},
    }


def test_poisson_interarrival_mean_is_one_over_the_rate() -> None:
    # 20,000 people in groups of 1-5: about 6,700 gaps. Their mean, with a 99 % Student-t
    # interval, must contain 1 / rate = 2 min, and be within 5 % of it.
    scenario = scenario_from_dict(poisson_table(20_000, "30/h"))
    arrive = simulate(scenario, np.random.default_rng(7)).groups.arrive
    gaps = np.diff(np.concatenate(([scenario.gate.open], arrive)))
    half = stats.t.ppf(0.995, gaps.size - 1) * gaps.std(ddof=1) / math.sqrt(gaps.size)
    assert abs(gaps.mean() - 2.0) <= half < 0.05 * 2.0
    assert (gaps >= 0).all()
    # An exponential gap's standard deviation equals its mean.
    assert gaps.std() == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize(("rate", "per_minute"),
                         [("30/h", 0.5), ("0.5/min", 0.5), (" 2 / s", 120.0), ("24/d", 1 / 60)])
def test_poisson_rate_units(rate: str, per_minute: float) -> None:
    assert scenario_from_dict(poisson_table(rate=rate)).arrivals.rate == pytest.approx(
        per_minute)


def test_poisson_starts_at_opening_or_at_begin() -> None:
    default = scenario_from_dict(poisson_table())
    assert default.arrivals.begin is None
    first = simulate(default, np.random.default_rng(3)).groups.arrive
    assert first[0] > default.gate.open
    assert (np.diff(first) >= 0).all()
    early = scenario_from_dict(poisson_table(begin="20:00"))
    assert early.arrivals.begin == 480.0
    arrive = simulate(early, np.random.default_rng(3)).groups.arrive
    # the same gaps, an hour earlier
    np.testing.assert_allclose(arrive, first - 60.0)


def test_poisson_families_add_up_to_expected_and_the_rest_are_en_route() -> None:
    # 700 people in groups of 1-5 (about 233 groups) at 10 an hour take about 23 h from
    # 21:00: about 60 groups come before closing (03:00), 40 more before the end (07:00, too
    # late), and the rest are still on the way.
    scenario = scenario_from_dict(poisson_table(rate="10/h"))
    out = simulate(scenario, np.random.default_rng(11))
    g = out.groups
    assert g.size.sum() == 700
    assert set(g.size[:-1].tolist()) <= {1, 2, 3, 4, 5}
    after_end = g.arrive >= scenario.end
    assert after_end.any()
    assert (g.fate[after_end] == EN_ROUTE).all()
    late = (g.arrive >= scenario.gate.close) & ~after_end
    assert (g.fate[late] == TOO_LATE).all()
    assert_conserved(scenario, out)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("rate", ["5/h", "30/h", "600/h"])
def test_poisson_conserves_people(seed: int, rate: str) -> None:
    scenario = scenario_from_dict(poisson_table(137, rate))
    out = simulate(scenario, np.random.default_rng(seed))
    assert_conserved(scenario, out)
    assert out.left_by_bus + out.left_waiting == out.crossed


def test_poisson_with_the_baseline_ignores_message_and_journey(tmp_path: Path) -> None:
    base = BASELINE
    child = write(tmp_path / "poisson.toml",
                  f'extends = "{base}"\n[arrivals]\nmode = "poisson"\nrate = "40/h"\n')
    scenario = load_scenario(child)
    assert scenario.origins  # kept, not used
    out = simulate(scenario, np.random.default_rng(0))
    assert_conserved(scenario, out)


def test_journey_mode_is_the_default_and_unchanged(tiny_file: Path) -> None:
    default = load_scenario(tiny_file)
    assert default.arrivals.mode == "journey"
    explicit = load_scenario(tiny_file, ["arrivals.mode=journey"])
    a, b = (simulate(s, np.random.default_rng(5)) for s in (default, explicit))
    assert_array_equal(a.groups.arrive, b.groups.arrive)
    assert_array_equal(a.groups.fate, b.groups.fate)


# --- mistakes in a replay file -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("csv", "expected", "where", "rule"),
    [
        pytest.param("", 2, "", "is empty", id="empty"),
        pytest.param("# only a comment\n", 2, "", "is empty", id="only-comments"),
        pytest.param("clock,size\n", 2, "", "no groups", id="header-only"),
        pytest.param("21:00,2\n", 2, 'line 1 = "21:00,2"', "header", id="no-header"),
        pytest.param("time,people\n21:00,2\n", 2, "line 1", "header", id="wrong-header"),
        pytest.param("clock,size\n21:00\n", 2, 'line 2 = "21:00"', "two fields", id="one-field"),
        pytest.param("clock,size\n21:00,2,x\n", 2, "line 2",
                     "two fields, clock and size (this one has 3)", id="three-fields"),
        pytest.param("clock,size\n21:00,-2\n", 2, 'line 2, size = "-2"', "whole number >= 1",
                     id="negative-size"),
        pytest.param("clock,size\n21:00,0\n", 2, "line 2, size", "whole number >= 1",
                     id="zero-size"),
        pytest.param("clock,size\n21:00,2.5\n", 2, 'line 2, size = "2.5"', "whole number",
                     id="fractional-size"),
        pytest.param("clock,size\n21:00,two\n", 2, "line 2, size", "whole number",
                     id="word-size"),
        pytest.param("clock,size\n21:00,1\n21:05,1\n21:02,1\n", 3, 'line 4, clock = "21:02"',
                     "order of arrival", id="unsorted-clock"),
        pytest.param("minutes,size\n545,1\n540,1\n", 2, 'line 3, minutes = "540"',
                     "order of arrival", id="unsorted-minutes"),
        pytest.param("clock,size\nnine,2\n", 2, 'line 2, clock = "nine"', "HH:MM",
                     id="non-numeric-clock"),
        pytest.param("clock,size\n25:00,2\n", 2, "line 2, clock", "HH:MM", id="bad-clock"),
        pytest.param("clock,size\n540,2\n", 2, "line 2, clock", "HH:MM",
                     id="minutes-under-clock"),
        pytest.param("minutes,size\nsoon,2\n", 2, 'line 2, minutes = "soon"', "number",
                     id="non-numeric-minutes"),
        pytest.param("minutes,size\n-5,2\n", 2, "line 2, minutes", ">= 0",
                     id="negative-minutes"),
        pytest.param("minutes,size\nnan,2\n", 2, "line 2, minutes", "number", id="nan-minutes"),
        pytest.param("minutes,size\n1e999,2\n", 2, "line 2, minutes", "finite",
                     id="infinite-minutes"),
        pytest.param('clock,size\n"21:00,2\n', 2, "line", "", id="unclosed-quote"),
    ],
)
def test_bad_replay_file_names_file_line_and_rule(tmp_path: Path, csv: str, expected: int,
                                                  where: str, rule: str) -> None:
    data = write(tmp_path / "arrivals.csv", csv)
    path = scenario_file(tmp_path, replay_table(expected))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{data}: {where}")
    assert rule in message
    assert "\n" not in message


def test_replay_total_must_equal_expected(tmp_path: Path) -> None:
    write(tmp_path / "arrivals.csv", "clock,size\n21:00,2\n21:05,3\n")
    path = scenario_file(tmp_path, replay_table(700))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (
        f'{path}: population.expected = 700: must equal the people in arrivals.file '
        f'"arrivals.csv" in replay mode: the group sizes in the file add up to 5; set '
        "expected = 5, or change the file")


def test_missing_replay_file(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, replay_table(2))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (f'{path}: arrivals.file = "arrivals.csv": no such file: '
                               f"{tmp_path / 'arrivals.csv'} (a path relative to the "
                               "scenario file's folder)")


def test_replay_file_that_is_a_folder_or_not_text(tmp_path: Path) -> None:
    (tmp_path / "arrivals.csv").mkdir()
    path = scenario_file(tmp_path, replay_table(2))
    with pytest.raises(ScenarioError, match=r"arrivals\.file = .*: is a folder"):
        load_scenario(path)
    (tmp_path / "arrivals.csv").rmdir()
    (tmp_path / "arrivals.csv").write_bytes(b"clock,size\n21:00,\xff\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(path)


def test_replay_family_larger_than_a_bus(tmp_path: Path) -> None:
    write(tmp_path / "arrivals.csv", "clock,size\n21:00,12\n")
    table = replay_table(12)
    table["buses"] = {"seats": 10}
    with pytest.raises(ScenarioError, match=r"buses\.seats = 10: .*largest family \(12\)"):
        load_scenario(scenario_file(tmp_path, table))


# --- mistakes in the [arrivals] section --------------------------------------------------------


@pytest.mark.parametrize(
    ("arrivals", "message"),
    [
        pytest.param({"mode": "walk"}, 'arrivals.mode = "walk": must be one of', id="bad-mode"),
        pytest.param({"mode": "poisson"}, "arrivals.rate: is required when arrivals.mode = "
                     '"poisson"', id="poisson-without-rate"),
        pytest.param({"mode": "replay"}, "arrivals.file: is required when arrivals.mode = "
                     '"replay"', id="replay-without-file"),
        pytest.param({"rate": "30/h"}, 'arrivals.rate = "30/h": is only used when '
                     'arrivals.mode = "poisson"', id="rate-in-journey-mode"),
        pytest.param({"mode": "replay", "file": "a.csv", "begin": "21:00"},
                     'arrivals.begin = "21:00": is only used when arrivals.mode = "poisson"',
                     id="begin-in-replay-mode"),
        pytest.param({"mode": "poisson", "rate": "30/h", "file": "a.csv"},
                     'arrivals.file = "a.csv": is only used when arrivals.mode = "replay"',
                     id="file-in-poisson-mode"),
        pytest.param({"mode": "poisson", "rate": 30}, "arrivals.rate = 30: a rate is a number "
                     "per unit of time", id="rate-without-unit"),
        pytest.param({"mode": "poisson", "rate": "30/hour"}, 'arrivals.rate = "30/hour": not a '
                     "rate", id="rate-unknown-unit"),
        pytest.param({"mode": "poisson", "rate": "30h"}, "not a rate", id="rate-without-slash"),
        pytest.param({"mode": "poisson", "rate": "0/h"}, "between 0.001/h and 1e+07/h",
                     id="zero-rate"),
        pytest.param({"mode": "poisson", "rate": "-3/h"}, "between", id="negative-rate"),
        pytest.param({"mode": "poisson", "rate": "1e999/h"}, "between", id="infinite-rate"),
        pytest.param({"mode": "poisson", "rate": "30/h", "begin": "07:30"},
                     'arrivals.begin = "07:30": must be before end', id="begin-after-end"),
        pytest.param({"mode": "poisson", "rate": "30/h", "begin": "9pm"},
                     'arrivals.begin = "9pm": a clock time', id="bad-begin"),
        pytest.param({"mode": "replay", "file": 5}, "arrivals.file = 5: must be a string",
                     id="file-not-a-string"),
        pytest.param({"mod": "poisson"}, "did you mean 'mode'", id="unknown-key"),
    ],
)
def test_bad_arrivals_section(tmp_path: Path, arrivals: dict[str, Any], message: str) -> None:
    table = poisson_table()
    table["arrivals"] = arrivals
    table["origins"] = {"camp": {"share": 1.0, "distance": "3km"}}
    write(tmp_path / "a.csv", "clock,size\n21:00,700\n")
    path = scenario_file(tmp_path, table)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_journey_mode_needs_origins() -> None:
    table = poisson_table()
    del table["arrivals"]
    with pytest.raises(ScenarioError, match=r'^origins: is required when arrivals\.mode = '
                                            r'"journey": at least one collection point'):
        scenario_from_dict(table)


def test_poisson_round_trips_through_the_resolved_toml(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, poisson_table(begin="20:30"))
    again = write(tmp_path / "again.toml", resolve(path).to_toml())
    assert load_scenario(again) == load_scenario(path)


ODD_VALUES: list[object] = [
    0, -1, 30, 1e300, math.nan, True, "", "none", "abc", "30/h", "0/h", "1e-9/h", "1e300/s",
    "30 / min", "/h", "30/", "21:00", "25:00", "07:00", "a.csv", "journey", "poisson", "replay",
    datetime.time(21, 0), [], {}, ["30/h"], {"dist": "fixed", "value": "1min"},
]


@pytest.mark.parametrize("mode", ["journey", "poisson", "replay"])
def test_every_arrivals_key_with_odd_values_loads_or_raises_scenario_error(mode: str) -> None:
    replay_text = ArrivalsFile("a.csv", "clock,size\n21:00,700\n")
    failures = []
    for key in ("mode", "rate", "begin", "file", "groups"):
        for value in ODD_VALUES:
            table = poisson_table()
            table["arrivals"] = {"mode": mode, "rate": "30/h", "file": "a.csv", key: value}
            if mode != "poisson":
                del table["arrivals"]["rate"]
            if mode != "replay" and key != "file":
                del table["arrivals"]["file"]
            try:
                scenario_from_dict(table, replay_text)
            except ScenarioError:
                pass
            except Exception as exc:  # any other exception is the bug looked for
                failures.append(f"{key} = {value!r}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(
    st.text(max_size=200),
    st.lists(st.tuples(st.sampled_from(["21:00", "21:00:30", "00:05", "540", "-1", "x", "",
                                        "23:59:59.5", "1e3", "nan"]),
                       st.sampled_from(["1", "0", "-2", "3", "2.5", "", "x", "+4"])),
             max_size=8).map(lambda rows: "\n".join(
                 ["clock,size" if len(rows) % 2 else "minutes,size"]
                 + [f"{t},{s}" for t, s in rows]))))
def test_any_replay_text_parses_or_raises_scenario_error(text: str) -> None:
    groups: tuple[tuple[float, int], ...] = ()
    message = ""
    try:
        groups = parse_replay(ArrivalsFile("a.csv", text), start_minute_of_day=720)
    except ScenarioError as exc:
        message = str(exc)
    if message:
        assert message.startswith("a.csv: ")
        assert "\n" not in message
        return
    times = [t for t, _ in groups]
    assert times == sorted(times)
    assert all(0 <= t < math.inf for t in times)
    assert all(isinstance(s, int) and s >= 1 for _, s in groups)


def test_the_scenario_hash_covers_the_replayed_file(tmp_path: Path) -> None:
    """A resumed study must not mix results from an edited replay file with older ones."""
    from crossing_sim.scenario.loading import resolve

    (tmp_path / "night.toml").write_text(
        '[population]\nexpected = 3\n[arrivals]\nmode = "replay"\nfile = "a.csv"\n')
    (tmp_path / "a.csv").write_text("clock,size\n21:00,1\n21:05,2\n")
    before = resolve(tmp_path / "night.toml").digest
    assert resolve(tmp_path / "night.toml").digest == before
    (tmp_path / "a.csv").write_text("clock,size\n21:00,1\n21:06,2\n")
    assert resolve(tmp_path / "night.toml").digest != before
