"""Built-in scenarios: shipped in the package, found by name, extended by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SCENARIOS
from crossing_sim import ScenarioError, builtin_folder, load_scenario, resolve
from crossing_sim.scenario.catalog import builtin_file, catalog


def test_the_repository_s_scenarios_are_the_package_s() -> None:
    assert SCENARIOS.resolve() == builtin_folder().resolve()
    names = {e.name for e in catalog()}
    assert {"baseline", "two_tables", "priors", "ranges"} <= names
    kinds = {e.name: e.kind for e in catalog()}
    assert kinds["baseline"] == "scenario"
    assert (kinds["priors"], kinds["ranges"]) == ("priors", "ranges")


def test_a_built_in_name_is_a_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: no baseline.toml here
    by_name = load_scenario("baseline")
    assert by_name == load_scenario(SCENARIOS / "baseline.toml")
    assert load_scenario("two_tables.toml").gate.lanes == 2


def test_a_file_of_one_s_own_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline.toml").write_text((SCENARIOS / "two_tables.toml").read_text()
                                            .replace('"baseline.toml"', '"baseline"'))
    assert load_scenario("baseline.toml").gate.lanes == 2  # the user's file, not the built-in


def test_extends_a_built_in_by_name(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "baseline"\nname = "mine"\n[gate]\nlanes = 3\n')
    scenario = load_scenario(mine)
    assert scenario.gate.lanes == 3
    assert scenario.buses.count == load_scenario("baseline").buses.count
    assert resolve(mine).files[0] == str(builtin_file("baseline"))


def test_a_path_with_a_folder_is_never_a_built_in(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "baseline.toml")


@pytest.mark.parametrize(("name", "hint"), [
    ("basline.toml", "did you mean the built-in scenario baseline?"),
    ("two_table", "did you mean the built-in scenario two_tables?"),
    ("zzz.toml", "crossing-sim scenarios lists them"),
])
def test_a_missing_file_gets_a_suggestion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          name: str, hint: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="no such scenario file") as caught:
        load_scenario(name)
    assert hint in str(caught.value)


def test_a_near_miss_beside_the_file_is_suggested(tmp_path: Path) -> None:
    (tmp_path / "my_night.toml").write_text('extends = "baseline"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "my_nigth.toml")
    assert f"did you mean {tmp_path / 'my_night.toml'}?" in str(caught.value)


@pytest.mark.parametrize(("name", "message"), [
    ("priors", "is a priors file, not a scenario: give it to calibrate as `priors`"),
    ("ranges", "is a ranges file, not a scenario: give it to sensitivity as `ranges`"),
])
def test_an_example_file_is_not_a_scenario(name: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(SCENARIOS / f"{name}.toml")


def test_a_sweep_file_given_as_a_scenario(tmp_path: Path) -> None:
    sweep = tmp_path / "s.toml"
    sweep.write_text('[sweep]\nscenario = "baseline"\n[sweep.vary]\n"gate.lanes" = [1, 2]\n')
    with pytest.raises(ScenarioError, match="is a sweep file, not a scenario"):
        load_scenario(sweep)
