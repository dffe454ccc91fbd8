"""Sweep factors and designs: what --vary and sweep files mean, checked before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BASELINE, SCENARIOS
from crossing_sim.cli.common import FLAGS
from crossing_sim.errors import ScenarioError
from crossing_sim.experiment.design import Design, factor, parse_vary, points, read_sweep_file
from crossing_sim.experiment.sweep import prepare


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("gate.lanes=1,2,3", (1, 2, 3)),
        ("buses.split_families=true,false", (True, False)),
        ("gate.closing=finish_queue,cut_off", ("finish_queue", "cut_off")),
        ("gate.lanes=1..4/1", (1, 2, 3, 4)),
        ("buses.seats=45..57/4", (45, 49, 53, 57)),
        ("warning.p_reach=0.8..1.0/0.1", (0.8, 0.9, 1.0)),
        ("gate.open=19:00..21:00/30min", ("19:00", "19:30", "20:00", "20:30", "21:00")),
        ("gate.close=23:00..01:00/1h", ("23:00", "00:00", "01:00")),  # past midnight
        ("gate.screening_per_person=30s..60s/15s", ("30s", "45s", "60s")),
        ("warning.lead=40h..64h/12h", ("40h", "52h", "64h")),
        ("origins.tripoint.distance=10km..12km/1km", ("10km", "11km", "12km")),
        ("gate.open=19:00..19:50/30min", ("19:00", "19:30")),  # the high end need not be hit
    ],
)
def test_vary_values(text: str, values: tuple[object, ...]) -> None:
    assert parse_vary(text).values == values


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("gate.lanes", "write key=v1,v2"),
        ("=1,2", "write key=v1,v2"),
        ("gate.lanes=", "write key=v1,v2"),
        ("gate.lanes=3..1/1", "the range is empty"),
        ("gate.lanes=1..3/0", "the step must be positive"),
        ("gate.lanes=1..3/-1", "the step must be positive"),
        ("gate.open=19:00..21:00/30s", "whole minutes"),
        ("gate.open=19:00..25:00/1h", "clock time"),
        ("gate.screening_per_person=30s..2min/15s", "like the range's low end"),
        ("gate.lanes=1..1000000/1", "at most"),
        ("gate.lanes=x..y/1", "a range runs between"),
    ],
)
def test_bad_vary_is_one_clear_error(text: str, rule: str) -> None:
    with pytest.raises(ScenarioError, match=rule) as caught:
        parse_vary(text)
    assert str(caught.value).startswith("`vary`: ")  # the library's parameter
    assert caught.value.for_cli(FLAGS).startswith("--vary: ")  # the command line's flag


def test_grid_is_every_combination_in_order() -> None:
    factors = [parse_vary("gate.lanes=1,2"), parse_vary("gate.open=19:00,20:00,21:00")]
    grid = points(factors, Design("grid"), seed=1)
    assert grid == [{"gate.lanes": a, "gate.open": b} for a in (1, 2)
                    for b in ("19:00", "20:00", "21:00")]


def test_a_key_varied_twice_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="is varied twice"):
        points([parse_vary("gate.lanes=1"), parse_vary("gate.lanes=2")], Design(), seed=1)


def test_grid_needs_a_step_for_ranges() -> None:
    with pytest.raises(ScenarioError, match="a grid needs values"):
        points([parse_vary("gate.lanes=1..3")], Design("grid"), seed=1)


@settings(deadline=None)  # the first call imports scipy.stats.qmc
@given(samples=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_latin_hypercube_stratifies_each_range(samples: int, seed: int) -> None:
    factors = [parse_vary("warning.p_reach=0.5..1.0"), parse_vary("gate.open=19:00..23:00")]
    design = Design("lhs", samples)
    first = points(factors, design, seed)
    assert first == points(factors, design, seed)  # the seed fixes the design
    assert len(first) == samples
    reach = sorted(float(p["warning.p_reach"]) for p in first)  # type: ignore[arg-type]
    # a Latin hypercube puts exactly one sample in each of the `samples` equal strata
    strata = [min(int((r - 0.5) / 0.5 * samples), samples - 1) for r in reach]
    assert strata == list(range(samples))
    assert all("19:00" <= str(p["gate.open"]) <= "23:00" for p in first)


def test_latin_hypercube_needs_samples_and_ranges() -> None:
    with pytest.raises(ScenarioError, match="needs `samples`"):
        points([parse_vary("gate.lanes=1..3")], Design("lhs"), seed=1)
    with pytest.raises(ScenarioError, match="at least one range"):
        points([parse_vary("gate.lanes=1,2")], Design("lhs", 4), seed=1)


def test_every_point_is_checked_before_any_work() -> None:
    factors = [parse_vary("gate.open=21:00,04:00")]  # 04:00 is after the 03:00 closing
    with pytest.raises(ScenarioError) as caught:
        prepare(BASELINE, factors=factors)
    message = caught.value.for_cli(FLAGS)
    assert message.startswith('--vary (point 1: gate.open="04:00"): gate.close')
    assert "must be after gate.open" in message


def test_unknown_key_in_vary() -> None:
    with pytest.raises(ScenarioError, match=r"gate.lanez = 2: unknown key; did you mean 'lanes'"):
        prepare(BASELINE, factors=[parse_vary("gate.lanez=2")])


def test_whole_scenario_files_as_a_factor() -> None:
    files = f"{SCENARIOS / 'baseline.toml'},{SCENARIOS / 'two_tables.toml'}"
    prepared = prepare(BASELINE, factors=[parse_vary(f"scenario={files}"),
                                          parse_vary("buses.count=10,12")])
    assert [(p.scenario.name, p.scenario.gate.lanes, p.scenario.buses.count)
            for p in prepared] == [("baseline", 1, 10), ("baseline", 1, 12),
                                   ("two_tables", 2, 10), ("two_tables", 2, 12)]


def test_sweep_file(tmp_path: Path) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(f'''
[sweep]
scenario = "{BASELINE}"
reps = 20
seed = 7
design = "grid"
set = ["buses.count=12"]
[sweep.vary]
"gate.lanes" = [1, 2]
"gate.open" = "20:00..21:00/1h"
''')
    import tomllib

    spec = read_sweep_file(path, tomllib.loads(path.read_text()))
    assert spec.scenario == BASELINE
    assert [f.key for f in spec.factors] == ["gate.lanes", "gate.open"]
    assert spec.factors[1].values == ("20:00", "21:00")
    assert spec.options == {"reps": 20, "seed": 7, "set": ["buses.count=12"]}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("[sweep]\nreps = 2\n", "sweep.scenario: is required"),
        ('[sweep]\nscenario = "b.toml"\nbogus = 1\n', "sweep.bogus: unknown key"),
        ('[sweep]\nscenario = "b.toml"\nvary = 3\n', "sweep.vary: must be a table"),
        ('[sweep]\nscenario = "b.toml"\n[other]\n', "a sweep file holds only a [sweep] table"),
        ('[sweep]\nscenario = "b.toml"\n[sweep.vary]\n"gate.lanes" = []\n',
         "needs at least one value"),
    ],
)
def test_bad_sweep_file(tmp_path: Path, text: str, rule: str) -> None:
    import tomllib

    path = tmp_path / "sweep.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        read_sweep_file(path, tomllib.loads(text))
    assert rule in str(caught.value)
    assert str(path) in str(caught.value)


def test_factor_from_a_list_keeps_values() -> None:
    assert factor("gate.lanes", [1, 2]).values == (1, 2)


def test_ranges_of_speeds_whose_unit_has_a_slash() -> None:
    assert parse_vary("journey.speed=1.8km/h..2.6km/h/0.4km/h").values == (
        "1.8km/h", "2.2km/h", "2.6km/h")
    assert parse_vary("journey.speed=1m/s..2m/s").low == 1.0  # no step: an lhs range


def test_latin_hypercube_gives_whole_numbers_equal_weight() -> None:
    """Each of 1, 2, 3 tables is drawn equally often (the ends used to get half a share)."""
    drawn = [p["gate.lanes"] for p in points([parse_vary("gate.lanes=1..3")],
                                              Design("lhs", 300), seed=4)]
    assert sorted(set(drawn)) == [1, 2, 3]
    assert [drawn.count(v) for v in (1, 2, 3)] == [100, 100, 100]
