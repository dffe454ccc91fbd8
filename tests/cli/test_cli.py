"""The command line: what a person sees, exit codes, and the files a run leaves behind."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import SCENARIOS, invoke
from crossing_sim import __version__
from crossing_sim.model.fates import FATES
from crossing_sim.model.outcome import Series
from crossing_sim.results.record import REPLICATION_COLUMNS

ORIGIN = '[origins.camp]\nshare = 1.0\ndistance = "2km"\n'



def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert __version__ in out


def test_run_prints_comparison_with_the_observed_count(tiny_file: Path,
                                                       tmp_path: Path) -> None:
    observed = '[observed]\nlabel = "Reported by the camp"\ncrossed = 23\n'
    tiny_file.write_text(tiny_file.read_text() + observed)
    code, out, err = invoke("run", str(tiny_file), "--reps", "20", "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert "Crossed (mean)" in out
    assert "95 % confidence" in out
    row = next(line for line in out.splitlines() if line.startswith("Reported by the camp"))
    assert row.split() == ["Reported", "by", "the", "camp", "23", "57.5", "%"]
    assert "Where the 40 went" in out
    assert "left waiting for a bus" in out
    assert f"Results: {tmp_path / 'r'}/" in out


def test_run_writes_results_folder(tiny_file: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "r"
    code, _, err = invoke("run", str(tiny_file), "--reps", "7", "--seed", "5",
                          "--out", str(out_dir))
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "batches", "manifest.json", "replications.csv", "scenario.toml", "series.npz",
        "summary.csv", "summary.json", "trips.csv"]
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["spec"]["seed"] == 5
    assert manifest["spec"]["reps"] == 7
    assert manifest["status"] == "complete"
    assert manifest["version"] == __version__
    assert len(manifest["points"][0]["scenario_sha256"]) == 64
    assert 'name = "tiny"' in manifest["points"][0]["scenario_toml"]
    rows = (out_dir / "replications.csv").read_text().splitlines()
    assert rows[0].split(",") == list(REPLICATION_COLUMNS)
    assert len(rows) == 8
    assert [int(r.split(",")[1]) for r in rows[1:]] == list(range(7))
    for row in rows[1:]:
        cells = row.split(",")
        fates = [int(cells[4 + i]) for i in range(len(FATES))]
        assert sum(fates) == 40
        assert int(cells[2]) == fates[-1]  # crossed
    with np.load(out_dir / "series.npz") as data:
        assert data["bands"].shape == (1, len(Series.NAMES), len(data["levels"]), data["t"].size)
        assert data["t"][-1] == 19 * 60  # 12:00 to 07:00
    # the resolved scenario that was written runs again and gives the same numbers
    code, _, err = invoke("run", str(out_dir / "scenario.toml"), "--reps", "7", "--seed", "5",
                          "--out", str(tmp_path / "again"))
    assert code == 0, err
    again = (tmp_path / "again" / "replications.csv").read_text()
    assert again == (out_dir / "replications.csv").read_text()


def test_same_seed_same_results(tiny_file: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        invoke("run", str(tiny_file), "--reps", "10", "--seed", "9", "--out", str(tmp_path / name))
    a = (tmp_path / "a" / "replications.csv").read_text()
    assert a == (tmp_path / "b" / "replications.csv").read_text()
    invoke("run", str(tiny_file), "--reps", "10", "--seed", "10", "--out", str(tmp_path / "c"))
    assert a != (tmp_path / "c" / "replications.csv").read_text()


def test_json_output(tiny_file: Path, tmp_path: Path) -> None:
    code, out, _ = invoke("run", str(tiny_file), "--reps", "10", "--json",
                          "--out", str(tmp_path / "r"))
    assert code == 0
    data = json.loads(out)
    assert data["expected"] == 40
    assert data["observed"] is None  # the tiny scenario states no observed facts
    assert data["facts"] == []
    assert sum(f["mean"] for f in data["fates"].values()) == pytest.approx(40)
    assert data["crossed"]["ci95_low"] <= data["crossed"]["mean"] <= data["crossed"]["ci95_high"]
    assert data["results"] == str(tmp_path / "r")


def test_never_overwrites_an_earlier_run(tiny_file: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "r"
    assert invoke("run", str(tiny_file), "--reps", "3", "--out", str(out_dir))[0] == 0
    before = (out_dir / "replications.csv").read_bytes()
    code, out, err = invoke("run", str(tiny_file), "--reps", "5", "--seed", "1",
                            "--out", str(out_dir))
    assert code == 2
    assert "already holds a different experiment" in err
    assert "Traceback" not in out + err
    assert (out_dir / "replications.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_results_folder_that_cannot_be_made(tiny_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = invoke("run", str(tiny_file), "--reps", "2", "--out", str(blocker / "r"))
    assert code == 2
    assert f"{blocker / 'r'}: cannot be used for results" in err
    assert "Traceback" not in out + err
    assert blocker.read_text() == "not a folder"


def test_default_folder_under_results(tiny_file: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert invoke("run", str(tiny_file), "--reps", "2")[0] == 0
    made = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert len(made) == 2
    assert all(name.startswith("tiny-") for name in made)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "gate.lanes=0"], "--set: gate.lanes = 0"),
        (["--set", "gate.lanez=2"], "gate.lanez = 2: unknown key; did you mean 'lanes'?"),
        (["--set", "gate.lanes"], "an override is written key=value"),
        (["--set", "gate.open=25:00"], 'gate.open = "25:00"'),
        (["--set", "buses.seats=0"], "buses.seats = 0"),
        (["--set", 'population.group_size={dist="normal"}'],
         'population.group_size = {dist = "normal"}: must be a fixed size or a choice'),
        (["--reps", "0"], "Invalid value for '--reps'"),
        (["--reps", "many"], "Invalid value for '--reps'"),
        (["--seed", "-1"], "Invalid value for '--seed'"),
        (["--bogus"], "No such option"),
    ],
)
def test_bad_arguments_one_clear_message(tiny_file: Path, tmp_path: Path, args: list[str],
                                         expected: str) -> None:
    code, out, err = invoke("run", str(tiny_file), "--out", str(tmp_path / "r"), *args)
    assert code == 2
    assert expected in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ORIGIN + "[gate]\nlanes = -1\n", "gate.lanes = -1: the value must be between 1 and"),
        ("[gate\n", "is not valid TOML"),
        ("[origins.a]\nshare = 0.5\ndistance = \"1km\"\n", "the shares must sum to 1"),
        ("[origins.a]\nshare = 1.0\ndistance = 3\n",
         "origins.a.distance = 3: a distance needs a unit"),
        ("extends = \"missing.toml\"\n", "no such file"),
    ],
)
def test_bad_scenario_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = invoke("run", str(path), "--out", str(tmp_path / "r"))
    assert code == 2
    assert str(path) in err
    assert expected in err
    assert "Traceback" not in out + err


def test_missing_scenario_file(tmp_path: Path) -> None:
    code, _, err = invoke("run", str(tmp_path / "nope.toml"))
    assert code == 2
    assert "nope.toml: no such scenario file" in err


def test_check_prints_resolved_scenario(tmp_path: Path) -> None:
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n[gate]\nlanes = 3\n')
    code, out, _ = invoke("check", str(child), "--set", "buses.count=12")
    assert code == 0
    assert out.startswith("# child: valid")
    assert "lanes = 3" in out
    assert "count = 12" in out
    assert "expected = 700" in out  # from the base file
    assert "size_slowdown = 0.03" in out


def test_check_rejects_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(ORIGIN + "[buses]\nseats = 0\n")
    code, _, err = invoke("check", str(path))
    assert code == 2
    assert f"{path}: buses.seats = 0" in err


def shipped_scenarios() -> list[str]:
    """The scenario files in scenarios/ (not the sweep, priors or ranges files beside them)."""
    import tomllib

    other = {"sweep", "priors", "ranges"}
    return sorted(p.name for p in SCENARIOS.glob("*.toml")
                  if not other & set(tomllib.loads(p.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("name", shipped_scenarios())
def test_every_shipped_scenario_is_valid(name: str) -> None:
    code, _, err = invoke("check", str(SCENARIOS / name))
    assert code == 0, err


def test_real_process_baseline(tmp_path: Path) -> None:
    """The README's command as a real process: a few seconds, the 422 comparison, exit 0."""
    result = subprocess.run(
        [sys.executable, "-m", "crossing_sim", "run", str(SCENARIOS / "baseline.toml"),
         "--reps", "50", "--out", str(tmp_path / "r")],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Reported in 2018" in result.stdout


def test_real_process_bad_input_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b"name = \"\xff\xfe\"\n")
    result = subprocess.run(
        [sys.executable, "-m", "crossing_sim", "run", str(path)],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "is not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_real_process_unknown_scheduler_scheme_one_line(tiny_file: Path) -> None:
    """An address Dask cannot use is refused before a client is made (which would linger for
    20 s and print a traceback when collected)."""
    result = subprocess.run(
        [sys.executable, "-m", "crossing_sim", "run", str(tiny_file),
         "--scheduler", "nonsense://x"],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "unknown address scheme 'nonsense'" in result.stderr


def test_precision_that_ends_at_the_cap_says_so(tmp_path: Path) -> None:
    code, out, err = invoke("run", str(SCENARIOS / "baseline.toml"), "--reps", "10",
                            "--precision", "0.0001",
                            "--max-reps", "40", "--json", "--out", str(tmp_path / "r"))
    assert code == 0, err
    summary = json.loads(out)
    assert summary["precision_reached"] is False
    assert summary["replications"] == 40
    assert "--max-reps 40 was reached" in err


def test_precision_reached_is_reported(tiny_file: Path, tmp_path: Path) -> None:
    code, out, err = invoke("run", str(tiny_file), "--reps", "10", "--precision", "0.05",
                            "--json", "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert json.loads(out)["precision_reached"] is True
    assert not err


def test_a_cap_below_the_first_round_is_an_error(tiny_file: Path, tmp_path: Path) -> None:
    code, _, err = invoke("run", str(tiny_file), "--precision", "0.001", "--max-reps", "50",
                          "--out", str(tmp_path / "r"))
    assert code == 2
    assert "--max-reps 50 is below --reps 500" in err


def test_what_set_changed_shows_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           ) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("run", "baseline", "--set", "gate.close=04:00", "--reps", "10")
    assert code == 0, err
    assert "changed with --set: gate.close=04:00" in out.splitlines()[1]
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("baseline-close_04.00-")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["set"] == ["gate.close=04:00"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["set"] == ["gate.close=04:00"]
    from crossing_sim import load_results

    assert load_results(folder).points[0].label == "baseline (gate.close=04:00)"


def test_a_run_without_set_says_nothing_of_it(tiny_file: Path, tmp_path: Path) -> None:
    code, out, _ = invoke("run", str(tiny_file), "--reps", "5", "--json",
                          "--out", str(tmp_path / "r"))
    assert code == 0
    assert "set" not in json.loads(out)


def test_check_diff_shows_what_a_what_if_changes() -> None:
    code, out, err = invoke("check", "two_tables", "--diff")
    assert code == 0, err
    changes = [line for line in out.splitlines() if line and not line.startswith("#")]
    assert changes == ["gate.lanes = 2   # was 1"]


def test_check_diff_shows_what_set_changes() -> None:
    code, out, _ = invoke("check", "baseline", "--set", "gate.close=04:00", "--diff")
    assert code == 0
    assert [line for line in out.splitlines() if line and not line.startswith("#")] == [
        'gate.close = "04:00"   # was "03:00"']


def test_check_prints_arrays_on_one_line() -> None:
    code, out, _ = invoke("check", "baseline")
    assert code == 0
    assert "values = [1, 2, 3, 4, 5, 6, 7, 8]" in out
    assert not any(line.strip() in ("1,", "2,") for line in out.splitlines())


MADE_UP = """\
name = "riverside"
description = "A made-up operation: another gate, 300 expected"
[population]
expected = 300
group_size = { dist = "choice", values = [1, 2, 3, 4], weights = [1, 2, 2, 1] }
[origins.camp]
share = 1.0
distance = "4km"
[gate]
open = "20:00"
close = "01:00"
screening_per_person = "50s"
"""


@pytest.mark.parametrize("observed", ["", '[observed]\nlabel = "Counted by the operator"\n'
                                          'crossed = 201\nlast_crossing = { to = "01:30" }\n'])
def test_another_operation_shows_no_trace_of_2018(tmp_path: Path, observed: str) -> None:
    scenario = tmp_path / "riverside.toml"
    scenario.write_text(MADE_UP + observed, encoding="utf-8")
    out_dir = tmp_path / "r"
    code, out, err = invoke("run", str(scenario), "--reps", "30", "--out", str(out_dir))
    assert code == 0, err
    written = [out, *(p.read_text() for p in out_dir.iterdir() if p.suffix in (".json", ".csv"))]
    for text in written:
        assert not re.search(r"\b(422|700|2018)\b", text.replace("seed 2018", "")
                             .replace('"seed": 2018', "")), text[:200]
    assert "Where the 300 went" in out
    if observed:
        assert "Counted by the operator" in out
        assert "last crossing" in out.split("Counted by the operator, next to")[1]
    else:
        assert "Reported" not in out
        assert "Counted" not in out
        assert "next to the" not in out
