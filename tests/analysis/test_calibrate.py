"""Calibration: ABC-SMC on several facts recovering a known truth, priors files, the command
and its files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from crossing_sim import load_scenario, run_replications
from crossing_sim.analysis.calibration import Settings, calibrate
from crossing_sim.analysis.calibration_files import FILES, calibrated_toml, write
from crossing_sim.analysis.distance import excess, facts_of
from crossing_sim.analysis.parameters import parse_prior, read_priors
from crossing_sim.analysis.sampler import BatchSampler
from crossing_sim.cli.analysis import calibrate as calibrate_command
from crossing_sim.errors import AnalysisError, ScenarioError
from crossing_sim.experiment.executors import SerialExecutor, max_jobs
from crossing_sim.experiment.posterior import read_posterior
from crossing_sim.results.claim import build
from crossing_sim.scenario.facts import Fact
from crossing_sim.scenario.units import format_clock

pytest.importorskip("pyabc")

#: A small night with a known truth: the gate opens at 20:30 and closes at 23:30, 45 s a
#: person at the table. The table is the bottleneck, so the crossed count tells the screening
#: time, the first crossing the opening and the last crossing the closing.
SYNTHETIC = """\
name = "synthetic"
[population]
expected = 400
group_size = { dist = "choice", values = [1, 2, 3, 4, 5], weights = [1, 1, 1, 1, 1] }
[origins.camp]
share = 1.0
distance = "2km"
[warning]
p_reach = 0.85
earliest_departure = "19:30"
preparation = { dist = "uniform", low = "0h", high = "2h" }
[gate]
open = "20:30"
close = "23:30"
screening_per_person = { dist = "lognormal", mean = "45s", sd = "15s" }
closing = "cut_off"
[buses]
count = 10
seats = 50
"""
TRUTH = {"gate.open": 20 * 60 + 30, "gate.close": 23 * 60 + 30 + 24 * 60 * 0,
         "gate.screening_per_person.mean": 45.0}
OPEN = parse_prior("gate.open", {"dist": "uniform", "low": "20:00", "high": "21:00"}, "t")
CLOSE = parse_prior("gate.close", {"dist": "uniform", "low": "22:30", "high": "00:30"}, "t")
SCREENING = parse_prior("gate.screening_per_person.mean",
                        {"dist": "uniform", "low": "25s", "high": "75s"}, "t")
P_REACH = parse_prior("warning.p_reach", {"dist": "uniform", "low": 0.6, "high": 1.0}, "t")
FACTS = {"crossed": Fact("count", 200, 200)}
FAST = Settings(population=40, generations=2, rows=20, predictive=20, holdout=False)


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    path = tmp_path / "synthetic.toml"
    path.write_text(SYNTHETIC, encoding="utf-8")
    return path


def observed_night(path: Path, seed: int) -> str:
    """The synthetic truth's facts: one simulated night, as the real data is one night:
    its crossed count exactly, its first and last crossing to within 5 minutes."""
    night = run_replications(load_scenario(path), 1, seed=seed)
    start = 12 * 60

    def around(minutes: float) -> str:
        return (f'{{ from = "{format_clock(minutes - 5, start)}", '
                f'to = "{format_clock(minutes + 5, start)}" }}')

    return (f"[observed]\ncrossed = {int(night.crossed[0])}\n"
            f"first_crossing = {around(float(night.first_crossing[0]))}\n"
            f"last_crossing = {around(float(night.last_crossing[0]))}\n")


def covers(row: dict[str, object], truth: float) -> bool:
    post = row["posterior"]
    assert isinstance(post, dict)
    return bool(post["q05"] <= truth <= post["q95"])


# --- the distance ------------------------------------------------------------------------------


def test_excess_is_zero_inside_a_fact_and_the_gap_outside() -> None:
    facts = [Fact("count", 422, 422), Fact("clock", 600, 660), Fact("clock", -np.inf, 900)]
    values = np.array([[422, 630, 899], [430, 590, 901], [400, np.nan, 900]], dtype=float)
    assert excess(values, facts).tolist() == [[0, 0, 0], [8, 10, 1], [22, 1440, 0]]


def test_facts_of_names_a_fact_the_scenario_does_not_state() -> None:
    with pytest.raises(ScenarioError, match="does not state it"):
        facts_of({"crossed": Fact("count", 1, 1)}, ["last_crossing"])
    with pytest.raises(ScenarioError, match="unknown fact"):
        facts_of({"crossed": Fact("count", 1, 1)}, ["escaped"])
    with pytest.raises(ScenarioError, match="states no observed facts"):
        facts_of({})


# --- recovering a known truth ------------------------------------------------------------------


@pytest.mark.slow
def test_recovers_three_parameters_from_three_facts(synthetic: Path) -> None:
    """Facts simulated from known values: ABC-SMC's 90 % intervals hold all three, and each
    is far narrower than its prior's (each fact pins its own parameter)."""
    synthetic.write_text(SYNTHETIC + observed_night(synthetic, seed=7), encoding="utf-8")
    facts = facts_of(load_scenario(synthetic).observed.facts())
    result = calibrate(synthetic, [OPEN, CLOSE, SCREENING], facts,
                       Settings(population=100, generations=8, rows=100, predictive=100,
                                holdout=False))
    for row in result.posterior():
        assert covers(row, TRUTH[row["key"]]), row
        assert row["shrinkage_90"] > 0.5, row
    assert all(p["inside_90"] for p in result.predictive_summary())


@pytest.mark.slow
def test_same_result_for_any_number_of_workers(synthetic: Path) -> None:
    serial = calibrate(synthetic, [P_REACH, SCREENING], FACTS, FAST)
    parallel = calibrate(synthetic, [P_REACH, SCREENING], FACTS, FAST, workers=2)
    assert np.array_equal(serial.main.fit.particles, parallel.main.fit.particles)
    assert np.array_equal(serial.main.predictive, parallel.main.predictive)
    assert serial.main.fit.nights == parallel.main.fit.nights


def test_held_out_fits_use_only_their_own_facts(synthetic: Path) -> None:
    facts = {**FACTS, "last_crossing": Fact("clock", -np.inf, 12 * 60)}
    result = calibrate(synthetic, [SCREENING], facts,
                       Settings(population=30, generations=1, rows=10, predictive=10))
    assert [(c.name, c.used) for c in result.checks] == [
        ("all", ["crossed", "last_crossing"]), ("counts", ["crossed"]),
        ("timing", ["last_crossing"])]
    rows = result.predictive_summary()
    assert [(r["fit"], r["fact"], r["used"]) for r in rows] == [
        ("all", "crossed", True), ("all", "last_crossing", True),
        ("counts", "crossed", True), ("counts", "last_crossing", False),
        ("timing", "crossed", False), ("timing", "last_crossing", True)]


@pytest.mark.parametrize(("settings", "message"), [
    ({"population": 5}, "`population` = 5: must be at least 10"),
    ({"min_acceptance": 1.5}, "`min_acceptance` = 1.5: a fraction in [0, 1)"),
])
def test_bad_settings_are_analysis_errors(settings: dict[str, float], message: str) -> None:
    with pytest.raises(AnalysisError) as info:
        Settings(**settings)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_a_prior_abc_smc_cannot_weigh_is_an_analysis_error(synthetic: Path) -> None:
    choice = parse_prior("gate.lanes", {"dist": "choice", "values": [1, 2]}, "t")
    with pytest.raises(AnalysisError, match=r"gate\.lanes is choice: ABC-SMC needs a uniform"):
        calibrate(synthetic, [choice], FACTS, FAST)


def test_calibrated_scenario_names_its_posterior_sample_and_loads(synthetic: Path,
                                                                  tmp_path: Path) -> None:
    result = calibrate(synthetic, [P_REACH, SCREENING], FACTS, FAST,
                       overrides=["buses.count=12"])
    target = tmp_path / "sub" / "calibrated.toml"
    target.parent.mkdir()
    sample = result.sample()
    (target.parent / "calibrated_posterior.csv").write_text(
        "warning.p_reach,gate.screening_per_person.mean\n"
        + "".join(f"{a},{b}\n" for a, b in sample.rows), encoding="utf-8")
    text = calibrated_toml(result, target, "calibrated_posterior.csv",
                           ["crossing-sim", "calibrate"], "p.toml")
    target.write_text(text, encoding="utf-8")
    assert 'extends = "../synthetic.toml"' in text
    assert 'posterior = "calibrated_posterior.csv"' in text
    model = load_scenario(target)
    assert model.name == "calibrated"
    assert model.buses.count == 12
    read = read_posterior(target.parent / "calibrated_posterior.csv")
    assert read.rows == sample.rows
    assert len(read.rows) == FAST.rows


# --- priors files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "draws"),
    [
        ({"dist": "uniform", "low": 0.8, "high": 1.0}, lambda x: 0.8 <= x <= 1.0),
        ({"dist": "uniform", "low": "30s", "high": "60s"},
         lambda x: isinstance(x, str) and x.endswith("s") and 30 <= float(x[:-1]) <= 60),
        ({"dist": "uniform", "low": 1, "high": 3}, lambda x: x in (1, 2, 3)),
        ({"dist": "choice", "values": [8, 10, 12]}, lambda x: x in (8, 10, 12)),
        ({"dist": "triangular", "low": "23:30", "mode": "00:00", "high": "00:30"},
         lambda x: 30 <= (int(x[:2]) * 60 + int(x[3:]) - 23 * 60) % 1440 <= 90),
        ({"dist": "lognormal", "mean": "12km", "sd": "2km"}, lambda x: x.endswith("km")),
        ("45s", lambda x: x == "45s"),
    ],
)
def test_priors_draw_values_in_the_written_units(raw: object, draws: object) -> None:
    prior = parse_prior("some.key", raw, "p.toml")
    values = [prior.value(float(x)) for x in prior.sample(np.random.default_rng(1), 50)]
    assert callable(draws)
    assert all(draws(v) for v in values), values


def test_whole_number_uniform_prior_draws_every_value() -> None:
    prior = parse_prior("gate.lanes", {"dist": "uniform", "low": 1, "high": 3}, "p.toml")
    values = prior.sample(np.random.default_rng(2), 3000)
    assert set(values.tolist()) == {1.0, 2.0, 3.0}
    assert np.allclose(np.bincount(values.astype(int))[1:] / 3000, 1 / 3, atol=0.03)


def write_priors(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "priors.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[prior]\n"a.b" = 1\n', 'priors.toml: prior: a priors file holds only a [priors] table'),
        ("[priors]\n", "priors: must name at least one scenario key"),
        ('[priors]\n"warning.p_reach" = {dist = "normal", low = 0.8}\n',
         """warning.p_reach = {dist = "normal", low = 0.8}: 'dist' must be one of"""),
        ('[priors]\n"warning.p_reach" = {dist = "uniform", low = 0.8}\n',
         "warning.p_reach = {dist = \"uniform\", low = 0.8}: a uniform distribution needs "
         "low, high; 'high' is missing"),
        ('[priors]\n"warning.p_reach" = {dist = "uniform", low = 1.0, high = 0.8}\n',
         "uniform needs low <= high"),
        ('[priors]\n"gate.screening_per_person.mean" = {dist = "uniform", low = "30s", '
         'high = "1km"}\n', "not a duration"),
        ('[priors]\n"gate.screening_per_person.mean" = {dist = "uniform", low = "30s", '
         "high = 60}\n", "write every value with a unit, like 's'"),
        ('[priors]\n"gate.open" = {dist = "uniform", low = "9pm", high = "10pm"}\n',
         "unknown unit 'pm'"),
        ('[priors]\n"gate.lanes" = {dist = "uniform", low = 1.5, high = 2}\n',
         "must be a whole number (a value drawn from its prior)"),
    ],
)
def test_bad_priors_file_names_file_key_value_rule(tmp_path: Path, synthetic: Path,
                                                   body: str, message: str) -> None:
    path = write_priors(tmp_path, body)

    def attempt() -> None:
        calibrate(synthetic, read_priors(path), FACTS, FAST, source=str(path))

    with pytest.raises(ScenarioError) as info:
        attempt()
    text = str(info.value)
    assert text.startswith(str(path)), text
    assert message in text, text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[priors]\n"gate.lane" = {dist = "choice", values = [1, 2]}\n',
         "gate.lane = 1: unknown key; did you mean 'lanes'? (a value drawn from its prior)"),
        ('[priors]\n"warning.p_reach" = {dist = "uniform", low = 0.9, high = 1.3}\n',
         "a probability must be between 0 and 1 (a value drawn from its prior)"),
        ('[priors]\n"origins.camp.distance" = {dist = "uniform", low = "20s", high = "30s"}\n',
         "not a distance"),
    ],
)
def test_priors_a_key_cannot_take_fail_before_any_night(tmp_path: Path, synthetic: Path,
                                                        body: str, message: str) -> None:
    path = write_priors(tmp_path, body)
    with pytest.raises(ScenarioError) as info:
        calibrate(synthetic, read_priors(path), FACTS, FAST, source=str(path))
    assert str(info.value).startswith(f"{path}: "), str(info.value)
    assert message in str(info.value)


def test_write_writes_the_tables_and_no_figures(synthetic: Path, tmp_path: Path) -> None:
    """The analysis writes its tables; its figures are drawn by crossing_sim.figures."""
    result = calibrate(synthetic, [SCREENING], FACTS, FAST)
    files = write(result, tmp_path / "out", ["crossing-sim", "calibrate"], "[priors]\n", "p")
    assert [p.name for p in files] == list(FILES)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["tool"] == "crossing-sim"
    assert manifest["kind"] == "calibrate"
    assert {"version", "created", "python", "numpy", "simpy"} <= set(manifest)
    assert set(manifest["libraries"]) == {"pyabc", "numpy", "scipy", "crossing-sim"}
    assert manifest["facts"] == {"crossed": {"observed": "200", "unit": "count", "low": 200,
                                             "high": 200}}
    assert manifest["priors"] == {SCREENING.key: SCREENING.written}
    assert "AdaptivePNormDistance" in manifest["distance"]
    assert read_posterior(tmp_path / "out" / "posterior.csv").keys == (SCREENING.key,)


# --- the command -------------------------------------------------------------------------------


def test_command_writes_results_and_calibrated_scenario(synthetic: Path, tmp_path: Path) -> None:
    priors = write_priors(tmp_path, '[priors]\n"gate.screening_per_person.mean" = '
                                    '{dist = "uniform", low = "25s", high = "75s"}\n')
    out, scenario = tmp_path / "out", tmp_path / "calibrated.toml"
    args = [str(synthetic), "--priors", str(priors), "--population", "30", "--generations",
            "2", "--rows", "20", "--predictive", "20", "--set", "observed.crossed=215",
            "-j", "1"]
    result = CliRunner().invoke(calibrate_command, [*args, "--out", str(out),
                                                    "--write", str(scenario)])
    assert result.exit_code == 0, result.output
    assert "gate.screening_per_person.mean" in result.stdout
    assert "crossed*" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "pairs.png",
                                                            "predictive.png"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["population"] == 30
    assert manifest["facts"]["crossed"]["low"] == 215
    assert (out / "posterior.csv").read_text().count("\n") == 21
    assert load_scenario(scenario).name == "calibrated"
    assert (tmp_path / "calibrated_posterior.csv").is_file()
    assert (out / "pairs.png").read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # built aside, renamed
    again = CliRunner().invoke(calibrate_command, [*args, "--out", str(out)])
    assert again.exit_code == 2
    assert "never overwritten" in again.output


def test_command_claims_its_folder_and_caps_jobs(synthetic: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import crossing_sim.cli.analysis as cli_analysis

    priors = write_priors(tmp_path, '[priors]\n"gate.screening_per_person.mean" = '
                                    '{dist = "uniform", low = "25s", high = "75s"}\n')
    args = [str(synthetic), "--priors", str(priors), "--population", "20", "--generations",
            "1", "--rows", "5", "--predictive", "5", "--no-holdout", "--json",
            "--set", "observed.crossed=215", "--jobs", "1000"]
    folder = tmp_path / "out"
    with build(folder):  # another writer is building it: one line, before any night
        held = CliRunner().invoke(calibrate_command, [*args, "--out", str(folder)])
    assert held.exit_code == 2
    assert f"Error: {folder} is in use by another crossing-sim (PID {os.getpid()} on " \
           in held.stderr
    assert not folder.exists()

    asked: list[object] = []
    real = cli_analysis.abc.calibrate
    monkeypatch.setattr(cli_analysis, "choose_executor",
                        lambda jobs, *_: asked.append(jobs) or SerialExecutor())
    monkeypatch.setattr(cli_analysis.abc, "calibrate", lambda *a, **k: asked.append(a[6])
                        or real(*a[:6], 1, **k))
    result = CliRunner().invoke(calibrate_command, [*args, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    cap = max_jobs()
    assert f"note: --jobs 1000 is more than {cap} (4 per core on this machine); using " \
           f"{cap}" in result.stderr
    assert asked == [cap, cap]  # the pool of predictive nights and the sampler's workers
    assert BatchSampler(1, 1000).workers == cap  # and from Python too


def test_calibration_uses_the_scenarios_own_facts(synthetic: Path, tmp_path: Path) -> None:
    priors = write_priors(tmp_path, '[priors]\n"gate.screening_per_person.mean" = '
                                    '{dist = "uniform", low = "25s", high = "75s"}\n')
    args = [str(synthetic), "--priors", str(priors), "--population", "20", "--generations",
            "1", "--rows", "5", "--predictive", "5", "--no-holdout", "--json", "-j", "1"]
    none = CliRunner().invoke(calibrate_command, [*args, "--out", str(tmp_path / "a")])
    assert none.exit_code == 2
    assert "states no observed facts" in none.output
    stated = CliRunner().invoke(calibrate_command, [
        *args, "--out", str(tmp_path / "b"), "--set", "observed.crossed=215"])
    assert stated.exit_code == 0, stated.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert list(manifest["facts"]) == ["crossed"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--facts", "escaped"], "escaped: unknown fact; one of crossed"),
        (["--scheduler", "tcp://x:1"], "calibrate runs on this machine's cores"),
    ],
)
def test_command_mistakes_are_one_line_exit_2(synthetic: Path, tmp_path: Path,
                                              extra: list[str], message: str) -> None:
    priors = write_priors(tmp_path, '[priors]\n"warning.p_reach" = 0.9\n')
    result = CliRunner().invoke(calibrate_command, [
        str(synthetic), "--priors", str(priors), "--set", "observed.crossed=215", "--out",
        str(tmp_path / "o"), *extra])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_command_bad_priors_file_exit_2(synthetic: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(calibrate_command, [
        str(synthetic), "--priors", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2
    assert "missing.toml: no such priors file" in result.output


def test_fact_values_derive_family_members_and_the_share_of_children() -> None:
    from types import SimpleNamespace

    from crossing_sim.analysis.distance import fact_values
    from crossing_sim.model.fates import FATES, Fate

    fates = np.zeros((2, len(FATES)), dtype=np.int64)
    fates[:, int(Fate.CROSSED)] = [10, 0]
    nights = SimpleNamespace(fates=fates, crossed_volunteers=np.array([3, 0]),
                             crossed_children=np.array([4, 0]))
    values = fact_values(nights, ["crossed", "family_members", "children_share"])
    np.testing.assert_array_equal(values[0], [10, 7, 0.4])
    assert values[1, 1] == 0
    assert np.isnan(values[1, 2])  # nobody crossed: no share


FORKS = """\
import json, sys
import crossing_sim.analysis.sampler as sampler
import crossing_sim.experiment.executors as executors
from crossing_sim.analysis.calibration import Settings, calibrate
from crossing_sim.analysis.parameters import parse_prior
from crossing_sim.scenario.facts import Fact

started = []
start_pool = executors.start_pool

def recorded(workers, initializer, start=None):
    started.append(start or executors.start_method())
    return start_pool(workers, initializer, start)

executors.start_pool = sampler.start_pool = recorded
prior = parse_prior("warning.p_reach", {"dist": "uniform", "low": 0.6, "high": 1.0}, "t")
executor = executors.PoolExecutor(2)
try:
    calibrate(sys.argv[1], [prior], {"crossed": Fact("count", 200, 200)},
              Settings(population=20, generations=1, rows=10, predictive=10, holdout=False),
              executor=executor, workers=2, progress=True)
finally:
    executor.close()
print(json.dumps(started))
"""


@pytest.mark.skipif(not hasattr(os, "fork") or max_jobs() < 2 or sys.platform != "linux",
                    reason="forked pools of 2 workers need Linux and 2 cores")
def test_the_calibrations_two_pools_fork_their_workers_in_turn(synthetic: Path) -> None:
    """The predictive nights' pool and the sampler's pool each fork their workers, the
    other's resting meanwhile: with the other's threads about (or tqdm's monitor thread),
    the sampler's workers were spawned, each importing pyabc again (about 3 s of a fit with
    2 workers at a population of 300). (Planted once: the predictive nights' pool not
    resting before a fit: its second pool was spawned.)"""
    done = subprocess.run([sys.executable, "-c", FORKS, str(synthetic)], capture_output=True,
                          text=True, check=True, timeout=300)
    assert json.loads(done.stdout.splitlines()[-1]) == ["fork", "fork", "fork"]
