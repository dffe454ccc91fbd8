"""crossing-sim scenarios: list, show and copy the built-in files; run a copy anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SCENARIOS, invoke


def test_the_list_names_every_scenario_with_its_description() -> None:
    code, out, err = invoke("scenarios")
    assert code == 0, err
    assert "baseline" in out
    assert "The baseline with a second screening table at the gate" in out
    assert "an example of calibrate --priors" in out


def test_show_prints_the_file_as_it_is() -> None:
    code, out, _ = invoke("scenarios", "show", "two_tables")
    assert code == 0
    assert out == (SCENARIOS / "two_tables.toml").read_text(encoding="utf-8")


def test_a_copy_runs_anywhere_with_the_same_numbers(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("scenarios", "copy", "two_tables")
    assert code == 0, err
    assert "extends the built-in scenario baseline" in out
    copied = tmp_path / "two_tables.toml"
    assert 'extends = "baseline"' in copied.read_text(encoding="utf-8")
    runs = {}
    for name, path in (("copy", str(copied)), ("repository", str(SCENARIOS / "two_tables.toml")),
                       ("by name", "two_tables")):
        code, out, err = invoke("run", path, "--reps", "20", "--json",
                                "--out", str(tmp_path / name))
        assert code == 0, err
        runs[name] = json.loads(out)["crossed"]
    assert runs["copy"] == runs["repository"] == runs["by name"]


def test_a_copy_never_overwrites(tmp_path: Path) -> None:
    assert invoke("scenarios", "copy", "baseline", str(tmp_path))[0] == 0
    code, _, err = invoke("scenarios", "copy", "baseline", str(tmp_path))
    assert code == 2
    assert "already exists" in err


def test_an_unknown_name_lists_the_known_ones() -> None:
    code, _, err = invoke("scenarios", "show", "nope")
    assert code == 2
    assert "no built-in file of that name" in err
    assert "baseline" in err


@pytest.mark.parametrize("command", [
    ["sweep", "baseline", "--vary", "gate.lanes=1,2", "--reps", "3"],
    ["compare", "baseline", "two_tables", "--reps", "3"],
    ["trace", "baseline"],
    ["check", "baseline"],
])
def test_every_command_takes_a_built_in_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            command: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke(*command)
    assert code == 0, err
