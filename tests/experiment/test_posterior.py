"""Nights over a posterior sample: each night's row, pairing across scenarios, the file, the
scenario key and ``--posterior``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY, invoke
from crossing_sim.errors import ScenarioError
from crossing_sim.experiment.design import SCENARIO_KEY, Design, Factor
from crossing_sim.experiment.posterior import OverPosterior, read_posterior, row_of
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.sweep import prepare, run_sweep

#: Three equally likely rows: the population differs, so each night shows which row it took.
SAMPLE = "population.expected,gate.screening_per_person\n30,1min\n45,40s\n60,30s\n"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny scenario, and a posterior sample beside it."""
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY, encoding="utf-8")
    sample = tmp_path / "sample.csv"
    sample.write_text(SAMPLE, encoding="utf-8")
    return scenario, sample


def expected_per_night(result: object, point: int = 0) -> list[int]:
    reps = result.replications[point]  # type: ignore[attr-defined]
    return [int(v) for v in reps.fates.sum(axis=1)]


def test_each_night_takes_the_row_its_own_stream_picks(files: tuple[Path, Path]) -> None:
    scenario, sample = files
    (point,) = prepare(scenario, posterior=sample)
    assert isinstance(point.scenario, OverPosterior)
    result = run_sweep(scenario, reps=60, overrides=(), jobs=1)  # no posterior: always 40
    assert set(expected_per_night(result)) == {40}
    (reps,) = run_experiment(Plan([point.scenario], 2018, 60))
    rows = [row_of(2018, i, 3) for i in range(60)]
    assert reps.fates.sum(axis=1).tolist() == [(30, 45, 60)[r] for r in rows]
    assert set(rows) == {0, 1, 2}  # every row is used
    assert np.allclose(np.bincount(rows) / 60, 1 / 3, atol=0.15)


def test_compared_scenarios_take_the_same_row_on_the_same_night(
        files: tuple[Path, Path], tmp_path: Path) -> None:
    scenario, sample = files
    other = tmp_path / "two_tables.toml"
    other.write_text('extends = "tiny.toml"\n[gate]\nlanes = 2\n', encoding="utf-8")
    factor = Factor(SCENARIO_KEY, (str(scenario), str(other)))
    points = prepare(scenario, (), [factor], Design(), posterior=sample)
    base, two = run_experiment(Plan([p.scenario for p in points], 2018, 40))
    assert np.array_equal(base.fates.sum(axis=1), two.fates.sum(axis=1))
    assert len(set(base.fates.sum(axis=1).tolist())) == 3
    # the second table changes the night, not its inputs: more crossed, night by night
    assert (two.crossed >= base.crossed).mean() > 0.9
    code, _out, err = invoke("compare", str(scenario), str(other), "--posterior", str(sample),
                             "--reps", "40", "--out", str(tmp_path / "cmp"))
    assert code == 0, err
    manifest = json.loads((tmp_path / "cmp" / "manifest.json").read_text())
    assert all(p["posterior"] == str(sample) for p in manifest["points"])
    assert "posterior_sha256" in json.dumps(manifest)


def test_a_what_ifs_own_change_wins_over_the_sample(files: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    """A lever the what-if sets otherwise than the base stays on every night; the rest of
    the sample's keys still vary night by night (and a swept key stays the sweep's)."""
    scenario, sample = files
    other = tmp_path / "more_people.toml"
    other.write_text('extends = "tiny.toml"\n[population]\nexpected = 50\n',
                     encoding="utf-8")
    factor = Factor(SCENARIO_KEY, (str(scenario), str(other)))
    base, more = prepare(scenario, (), [factor], Design(), posterior=sample)
    assert isinstance(more.scenario, OverPosterior)
    assert more.scenario.own == {"population.expected"}
    nights = {more.scenario.night(2018, i) for i in range(30)}
    assert {n.population.expected for n in nights} == {50}
    assert len({n.gate.screening_per_person for n in nights}) == 3
    swept = prepare(scenario, (), [Factor("population.expected", (20, 25))], Design(),
                    posterior=sample)
    assert [p.scenario.night(2018, 0).population.expected for p in swept] == [20, 25]
    assert base.scenario.own == frozenset()  # type: ignore[attr-defined]


def test_a_scenario_names_its_sample_and_the_flag_overrides_it(
        files: tuple[Path, Path], tmp_path: Path) -> None:
    scenario, sample = files
    named = tmp_path / "calibrated.toml"
    named.write_text('extends = "tiny.toml"\nposterior = "sample.csv"\n', encoding="utf-8")
    (point,) = prepare(named)
    assert isinstance(point.scenario, OverPosterior)
    assert point.scenario.sample is not None
    assert point.scenario.sample.path == str(sample)
    assert point.scenario.name == "calibrated"
    other = tmp_path / "other.csv"
    other.write_text("population.expected\n50\n", encoding="utf-8")
    (flagged,) = prepare(named, posterior=other)
    assert isinstance(flagged.scenario, OverPosterior)
    assert flagged.scenario.night(1, 0).population.expected == 50
    code, out, err = invoke("run", str(named), "--reps", "20", "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert f"posterior sample {sample} (3 rows" in out
    assert not isinstance(prepare(scenario)[0].scenario, OverPosterior)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("population.expected\n", "a header of scenario keys, then at least one row"),
        ("population.expected,population.expected\n3,4\n", "a key is named twice"),
        ("population.expected,gate.lanes\n30\n", "line 2 has 1 values for 2 keys"),
        ("population.expected\nmany\n", "population.expected = \"many\": must be a whole "
                                         "number (a value of the posterior sample)"),
        ("gate.lane\n2\n", "unknown key; did you mean 'lanes'?"),
    ],
)
def test_a_bad_sample_fails_before_any_night_naming_the_file(
        files: tuple[Path, Path], text: str, message: str) -> None:
    scenario, sample = files
    sample.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        prepare(scenario, posterior=sample)
    assert str(info.value).startswith(f"{sample}: "), str(info.value)
    assert message in str(info.value)


def test_a_missing_sample_is_one_line_exit_2(files: tuple[Path, Path], tmp_path: Path) -> None:
    scenario, _ = files
    code, _out, err = invoke("run", str(scenario), "--posterior", str(tmp_path / "none.csv"))
    assert code == 2
    assert "none.csv: posterior: no such file" in err
    assert "Traceback" not in err


def test_the_scenario_key_must_name_a_file(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "tiny.toml"\nposterior = 3\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="posterior = 3: must be the path of a posterior"):
        prepare(bad)


def test_read_posterior_reads_numbers_and_quantities(files: tuple[Path, Path]) -> None:
    _, sample = files
    read = read_posterior(sample)
    assert read.keys == ("population.expected", "gate.screening_per_person")
    assert read.rows[1] == (45, "40s")
    assert read.values(2) == {"population.expected": 60, "gate.screening_per_person": "30s"}
