"""Sensitivity analysis: ranges files, Morris and Sobol on a night whose answer is known."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from crossing_sim.analysis.parameters import parse_range, read_ranges
from crossing_sim.analysis.sensitivity import DUMMY, FILES, design_points, sensitivity, write
from crossing_sim.cli.analysis import sensitivity as sensitivity_command
from crossing_sim.errors import AnalysisError, ScenarioError
from crossing_sim.experiment.executors import SerialExecutor, max_jobs
from crossing_sim.results.claim import build

#: A night without chance: everyone hears, walks at one speed, in families of two, and the
#: table takes a fixed time a person. What crosses depends on the tables and the screening
#: time, a little on the opening time, and not at all on the buses' turnaround (no buses
#: come back: return_trips = 0).
KNOWN = """\
name = "known"
[population]
expected = 200
group_size = { dist = "fixed", value = 2 }
[origins.camp]
share = 1.0
distance = "2km"
[warning]
earliest_departure = "20:00"
preparation = { dist = "uniform", low = "0min", high = "2h" }
[journey]
speed = "2km/h"
[gate]
open = "21:00"
close = "22:30"
lanes = 1
screening_per_person = "1min"
[buses]
count = 10
seats = 50
return_trips = 0
"""
RANGES = """\
[ranges]
"gate.lanes" = [1, 2]
"gate.screening_per_person" = ["30s", "90s"]
"buses.turnaround" = ["1h", "5h"]
"""


@pytest.fixture
def known(tmp_path: Path) -> Path:
    path = tmp_path / "known.toml"
    path.write_text(KNOWN, encoding="utf-8")
    return path


@pytest.fixture
def ranges_file(tmp_path: Path) -> Path:
    path = tmp_path / "ranges.toml"
    path.write_text(RANGES, encoding="utf-8")
    return path


def test_morris_finds_what_matters_and_what_cannot(known: Path, ranges_file: Path) -> None:
    result = sensitivity(known, read_ranges(ranges_file), "morris", samples=10, reps=2)
    ranking = {row["key"]: row for row in result.ranking()}
    assert ranking["buses.turnaround"]["index"] == 0  # cannot matter: exactly no effect
    assert ranking["gate.lanes"]["index"] > 0.05
    assert ranking["gate.screening_per_person"]["index"] > 0.05
    assert result.ranking()[-1]["key"] == "buses.turnaround"
    assert len(result.output) == design_points("morris", 3, 10) == 50  # 3 keys and the dummy
    assert result.runs == 100  # 50 design points x 2 nights
    assert result.noise_share == 0  # the night has no chance in it


def test_sobol_shares_the_variance(known: Path, ranges_file: Path) -> None:
    result = sensitivity(known, read_ranges(ranges_file), "sobol", samples=64, reps=1)
    ranking = {row["key"]: row for row in result.ranking()}
    assert ranking["buses.turnaround"]["index"] == pytest.approx(0, abs=1e-12)
    assert ranking["buses.turnaround"]["first"] == pytest.approx(0, abs=1e-12)
    top = result.ranking()[0]
    assert top["key"] in ("gate.lanes", "gate.screening_per_person")
    assert top["index"] > 0.3
    assert len(result.output) == design_points("sobol", 3, 64) == 64 * 10  # with the dummy
    assert len(result.indices["S2"]) == 16


def test_noisy_night_ranks_the_table_above_chance(known: Path, tmp_path: Path) -> None:
    """With chance in every night, a key that cannot matter stays near the noise floor."""
    noisy = tmp_path / "noisy.toml"
    noisy.write_text(KNOWN.replace('"1min"', '{ dist = "lognormal", mean = "1min", sd = "30s" }')
                     .replace('{ dist = "fixed", value = 2 }',
                              '{ dist = "choice", values = [1, 2, 3, 4] }'), encoding="utf-8")
    path = tmp_path / "r.toml"
    path.write_text('[ranges]\n"gate.screening_per_person.mean" = ["30s", "90s"]\n'
                    '"buses.turnaround" = ["1h", "5h"]\n', encoding="utf-8")
    result = sensitivity(noisy, read_ranges(path), "morris", samples=12, reps=5)
    ranked = {row["key"]: row for row in result.ranking()}
    first, last = result.ranking()[0], ranked["buses.turnaround"]
    assert first["key"] == "gate.screening_per_person.mean"
    assert last["index"] < first["index"] / 4
    # a factor the model never reads: with shared nights, exactly what noise gives, nothing
    assert ranked[DUMMY]["index"] == 0
    assert 0 < result.noise_share < 1


def test_same_design_and_output_for_a_seed(known: Path, ranges_file: Path) -> None:
    a = sensitivity(known, read_ranges(ranges_file), "morris", samples=4, reps=1, seed=3)
    b = sensitivity(known, read_ranges(ranges_file), "morris", samples=4, reps=1, seed=3)
    c = sensitivity(known, read_ranges(ranges_file), "morris", samples=4, reps=1, seed=4)
    assert np.array_equal(a.design, b.design)
    assert np.array_equal(a.output, b.output)
    assert not np.array_equal(a.design, c.design)


@pytest.mark.parametrize(
    ("raw", "low", "high", "first"),
    [
        ([1, 3], 1, 3, 1),
        (["30s", "90s"], 30, 90, "30s"),
        (["23:00", "01:00"], 23 * 60, 25 * 60, "23:00"),  # past midnight
        ([0.8, 1.0], 0.8, 1.0, 0.8),
        (["1.8km/h", "2.6km/h"], 1.8, 2.6, "1.8km/h"),
    ],
)
def test_ranges(raw: list[object], low: float, high: float, first: object) -> None:
    r = parse_range("some.key", raw, "r.toml")
    assert (r.low, r.high) == (low, high)
    assert r.value(r.bounds[0]) == first


def test_whole_number_ranges_give_every_value_equally() -> None:
    r = parse_range("gate.lanes", [1, 3], "r.toml")
    drawn = [r.value(x) for x in np.linspace(*r.bounds, 300, endpoint=False)]
    assert {v: drawn.count(v) for v in set(drawn)} == {1: 100, 2: 100, 3: 100}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[range]\n"a.b" = [1, 2]\n', "range: a ranges file holds only a [ranges] table"),
        ('[ranges]\n"gate.lanes" = [1]\n', "gate.lanes = [1]: a range is [low, high]"),
        ('[ranges]\n"gate.lanes" = 2\n', "gate.lanes = 2: a range is [low, high]"),
        ('[ranges]\n"gate.lanes" = [3, 1]\n', "gate.lanes = [3, 1]: the range is empty"),
        ('[ranges]\n"gate.open" = ["21:00", "21:00"]\n', "the range is empty"),
        ('[ranges]\n"gate.screening_per_person" = ["30s", "2km"]\n',
         "not a duration: write a number and one of the units"),
        ('[ranges]\n"gate.screening_per_person" = ["30s", 60]\n',
         "write every value with a unit, like 's'"),
        ('[ranges]\n"gate.screening_per_person" = ["30 parsecs", "60s"]\n', "unknown unit"),
    ],
)
def test_bad_ranges_file_names_file_key_value_rule(tmp_path: Path, body: str,
                                                   message: str) -> None:
    path = tmp_path / "ranges.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_ranges(path)
    assert str(info.value).startswith(f"{path}: "), str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[ranges]\n"gate.lane" = [1, 2]\n', "unknown key; did you mean 'lanes'?"),
        ('[ranges]\n"warning.p_reach" = [0.5, 1.5]\n',
         "a probability must be between 0 and 1 (a value in its range)"),
    ],
)
def test_ranges_a_key_cannot_take_fail_before_any_night(known: Path, tmp_path: Path,
                                                        body: str, message: str) -> None:
    path = tmp_path / "ranges.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        sensitivity(known, read_ranges(path), "morris", samples=4, reps=1, source=str(path))
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_sobol_needs_a_power_of_two(known: Path, ranges_file: Path) -> None:
    with pytest.raises(AnalysisError, match="`samples` = 100: a Sobol design needs a power"
                       ) as info:
        sensitivity(known, read_ranges(ranges_file), "sobol", samples=100)
    assert info.value.for_cli({}).startswith("--samples = 100: a Sobol design needs a power")


@pytest.mark.parametrize(("settings", "message"), [
    ({"method": "fast"}, '`method` = "fast": must be morris or sobol'),
    ({"samples": 1}, "`samples` = 1: Morris needs at least 2 trajectories"),
    ({"reps": 0}, "`reps` = 0: must be at least 1"),
])
def test_bad_settings_are_analysis_errors(known: Path, ranges_file: Path,
                                          settings: dict[str, object], message: str) -> None:
    with pytest.raises(AnalysisError) as info:
        sensitivity(known, read_ranges(ranges_file), **settings)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_write_writes_the_tables_and_no_figures(known: Path, ranges_file: Path,
                                               tmp_path: Path) -> None:
    """The analysis writes its tables; its bar chart is drawn by crossing_sim.figures."""
    result = sensitivity(known, read_ranges(ranges_file), "morris", samples=2, reps=1)
    files = write(result, tmp_path / "out", ["crossing-sim", "sensitivity"], "[ranges]\n")
    assert [p.name for p in files] == list(FILES)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert (manifest["tool"], manifest["kind"]) == ("crossing-sim", "sensitivity")
    assert {"version", "created", "python", "numpy", "simpy"} <= set(manifest)
    assert manifest["seeding"].startswith("design: SeedSequence(seed, spawn_key=(2**31-2,))")


def test_command_writes_ranking_and_chart(known: Path, ranges_file: Path,
                                          tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(sensitivity_command, [
        str(known), "--ranges", str(ranges_file), "--method", "morris", "--samples", "6",
        "--reps", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "= 30 nights" in result.stdout  # r(k + 1) = 6 x 5 points (with the dummy), one night
    ranks = [line for line in result.stdout.splitlines()
             if line[:6].strip().isdigit() and "design points" not in line]
    assert len(ranks) == 4  # three keys and the dummy
    assert "buses.turnaround" in ranks[-1]  # ranked last
    assert sorted(p.name for p in out.iterdir()) == [
        "design.csv", "indices.json", "manifest.json", "ranges.toml", "ranking.png"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # built aside, renamed
    assert f"(bar chart: {out / 'ranking.png'})" in result.stdout
    indices = json.loads((out / "indices.json").read_text())
    assert indices["ranking"][-1]["key"] == "buses.turnaround"
    assert (out / "ranking.png").read_bytes()[:4] == b"\x89PNG"


def test_command_mistakes_are_one_line_exit_2(known: Path, ranges_file: Path,
                                              tmp_path: Path) -> None:
    result = CliRunner().invoke(sensitivity_command, [
        str(known), "--ranges", str(ranges_file), "--method", "sobol", "--samples", "3"])
    assert result.exit_code == 2
    assert "a Sobol design needs a power of two" in result.output
    result = CliRunner().invoke(sensitivity_command, [
        str(known), "--ranges", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "nope.toml: no such ranges file" in result.output


def test_command_claims_its_folder_before_any_night(known: Path, ranges_file: Path,
                                                    tmp_path: Path) -> None:
    """Another process building the same folder: one line naming it, exit 2, nothing run."""
    folder = tmp_path / "out"
    with build(folder):
        done = subprocess.run(
            [sys.executable, "-m", "crossing_sim", "sensitivity", str(known), "--ranges",
             str(ranges_file), "--samples", "2", "--reps", "1", "--json", "--out", str(folder)],
            capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"Error: {folder} is in use by another crossing-sim "
                           f"(PID {os.getpid()} on ")
    assert done.stdout == ""
    assert not folder.exists()


def test_command_caps_jobs_with_a_note(known: Path, ranges_file: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import crossing_sim.cli.analysis as cli_analysis

    asked: list[int | None] = []
    monkeypatch.setattr(cli_analysis, "choose_executor",
                        lambda jobs, *_: asked.append(jobs) or SerialExecutor())
    result = CliRunner().invoke(sensitivity_command, [
        str(known), "--ranges", str(ranges_file), "--samples", "2", "--reps", "1", "--jobs",
        "1000", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    cap = max_jobs()
    assert f"note: --jobs 1000 is more than {cap} (4 per core on this machine); using " \
           f"{cap}" in result.stderr
    assert asked == [cap]
