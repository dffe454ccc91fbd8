"""Calibration: priors files, ABC rejection recovering a known truth, the command and its files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from crossing_sim import load_scenario, run_replications
from crossing_sim.analysis.calibration import Settings, calibrate
from crossing_sim.analysis.calibration_files import FILES, calibrated_toml, write
from crossing_sim.analysis.observed import Observed, parse_observed
from crossing_sim.analysis.parameters import parse_prior, read_priors
from crossing_sim.cli.analysis import calibrate as calibrate_command
from crossing_sim.errors import AnalysisError, ScenarioError
from crossing_sim.experiment.executors import PoolExecutor

#: A small night with a known truth: 85 % hear the message, 45 s a person at the table. The
#: table is the bottleneck, so the crossed count tells the screening time; the people who
#: never got the message tell p_reach.
SYNTHETIC = """\
name = "synthetic"
[population]
expected = 300
group_size = { dist = "choice", values = [1, 2, 3, 4, 5], weights = [1, 1, 1, 1, 1] }
[origins.camp]
share = 1.0
distance = "2km"
[warning]
p_reach = 0.85
earliest_departure = "20:00"
preparation = { dist = "uniform", low = "0h", high = "3h" }
[gate]
open = "20:30"
close = "23:30"
screening_per_person = { dist = "lognormal", mean = "45s", sd = "15s" }
[buses]
count = 10
seats = 50
"""
TRUTH = {"warning.p_reach": 0.85, "gate.screening_per_person.mean": 45.0}
P_REACH = parse_prior("warning.p_reach", {"dist": "uniform", "low": 0.6, "high": 1.0}, "t")
SCREENING = parse_prior("gate.screening_per_person.mean",
                        {"dist": "uniform", "low": "25s", "high": "75s"}, "t")


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    path = tmp_path / "synthetic.toml"
    path.write_text(SYNTHETIC, encoding="utf-8")
    return path


def one_night(path: Path, seed: int) -> tuple[float, float]:
    """The synthetic truth's output: one simulated night, as the real data is one night."""
    night = run_replications(load_scenario(path), 1, seed=seed)
    return float(night.crossed[0]), float(night.fates[0, 0])  # crossed, never got the message


def covers(result_row: dict[str, object], truth: float) -> bool:
    post = result_row["posterior"]
    assert isinstance(post, dict)
    return bool(post["q05"] <= truth <= post["q95"])


# --- recovering a known truth ------------------------------------------------------------------


def test_recovers_screening_time_from_the_crossed_count(synthetic: Path) -> None:
    crossed, _ = one_night(synthetic, seed=7)
    result = calibrate(synthetic, [SCREENING], [Observed("crossed", crossed)],
                       Settings(samples=1500, predictive=300, check_reps=0))
    (row,) = result.posterior()
    assert covers(row, TRUTH["gate.screening_per_person.mean"])
    assert row["shrinkage_90"] > 0.6  # the 90 % interval is far narrower than the prior's
    predictive = result.predictive_summary()[0]
    assert predictive["inside_90"]


def test_recovers_two_parameters_from_two_statistics(synthetic: Path) -> None:
    crossed, no_message = one_night(synthetic, seed=7)
    observed = [Observed("crossed", crossed), Observed("no_message", no_message)]
    result = calibrate(synthetic, [P_REACH, SCREENING], observed,
                       Settings(samples=1500, predictive=300, check_reps=50))
    for row in result.posterior():
        assert covers(row, TRUTH[row["key"]]), row
        assert row["shrinkage_90"] > 0.3, row
    assert all(p["inside_90"] for p in result.predictive_summary())
    assert result.check.shape == (50, 2)


def test_posterior_intervals_cover_the_truth_most_of_the_time(synthetic: Path) -> None:
    """Over independent synthetic nights, the 90 % intervals cover the truth about 90 % of
    the time (a calibrated posterior), not always (an over-wide one) nor rarely."""
    hits = []
    for k in range(6):
        crossed, _ = one_night(synthetic, seed=100 + k)
        result = calibrate(synthetic, [SCREENING], [Observed("crossed", crossed)],
                           Settings(samples=600, predictive=10, check_reps=0, seed=k))
        hits.append(covers(result.posterior()[0], TRUTH["gate.screening_per_person.mean"]))
    assert sum(hits) >= 4, hits


def test_rejection_keeps_the_closest_draws(synthetic: Path) -> None:
    result = calibrate(synthetic, [SCREENING], [Observed("crossed", 200)],
                       Settings(samples=200, accept=0.1, predictive=20, check_reps=0))
    assert result.accepted.sum() >= 20
    assert result.distance[result.accepted].max() <= result.tolerance
    assert result.distance[~result.accepted].min() > result.tolerance
    assert np.array_equal(result.distance, np.abs(result.stats[:, 0] - 200))
    assert set(result.predictive_draw.tolist()) == set(np.flatnonzero(result.accepted))


def test_a_tolerance_too_tight_says_so(synthetic: Path) -> None:
    with pytest.raises(AnalysisError, match=r"`tolerance` = 0\.0: only \d+ of 50 draws") as info:
        calibrate(synthetic, [SCREENING], [Observed("crossed", 1000)],
                  Settings(samples=50, tolerance=0.0, check_reps=0))
    assert str(info.value).endswith("raise it, or `samples`")
    assert info.value.for_cli({}).startswith("--tolerance = 0.0: only ")
    assert info.value.for_cli({}).endswith("raise it, or --samples")


@pytest.mark.parametrize(("settings", "message"), [
    ({"samples": 1}, "`samples` = 1: a calibration needs at least 2 samples"),
    ({"accept": 1.5}, "`accept` = 1.5: must be a fraction in (0, 1]"),
])
def test_bad_settings_are_analysis_errors(settings: dict[str, float], message: str) -> None:
    with pytest.raises(AnalysisError) as info:
        Settings(**settings)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_same_result_for_any_number_of_workers(synthetic: Path) -> None:
    settings = Settings(samples=120, predictive=60, check_reps=20)
    observed = [Observed("crossed", 210)]
    serial = calibrate(synthetic, [P_REACH, SCREENING], observed, settings)
    pool = PoolExecutor(2)
    try:
        parallel = calibrate(synthetic, [P_REACH, SCREENING], observed, settings, executor=pool)
    finally:
        pool.close()
    for name in ("draws", "stats", "accepted", "predictive", "predictive_draw", "check"):
        assert np.array_equal(getattr(serial, name), getattr(parallel, name)), name
    assert serial.calibrated == parallel.calibrated


def test_calibrated_scenario_extends_the_base_and_loads(synthetic: Path,
                                                        tmp_path: Path) -> None:
    result = calibrate(synthetic, [P_REACH, SCREENING], [Observed("crossed", 210)],
                       Settings(samples=100, predictive=10, check_reps=0),
                       overrides=["buses.count=12"])
    target = tmp_path / "sub" / "calibrated.toml"
    target.parent.mkdir()
    text = calibrated_toml(result, target, ["crossing-sim", "calibrate"], "p.toml")
    target.write_text(text, encoding="utf-8")
    assert 'extends = "../synthetic.toml"' in text
    assert "# Samples: 100 draws" in text
    model = load_scenario(target)
    assert model.name == "calibrated"
    assert model.buses.count == 12
    assert model.warning.p_reach == result.calibrated["warning.p_reach"]
    median = float(np.median(result.draws[result.accepted, 1]))
    assert model.gate.screening_per_person.mean == pytest.approx(median / 60, rel=1e-3)


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
        calibrate(synthetic, read_priors(path), [Observed("crossed", 200)],
                  Settings(samples=20, predictive=2, check_reps=0), source=str(path))

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
         "gate.lane = 2: unknown key; did you mean 'lanes'? (a value drawn from its prior)"),
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
        calibrate(synthetic, read_priors(path), [Observed("crossed", 200)],
                  Settings(samples=50, predictive=2, check_reps=0), source=str(path))
    assert str(info.value).startswith(f"{path}: "), str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("crossed", "--observed: crossed: write name=value"),
        ("escaped=3", "--observed: escaped: unknown statistic; one of no_message"),
        ("crossed=many", '--observed: crossed = "many": must be a number >= 0'),
        ("crossed=-1", "must be a number >= 0"),
    ],
)
def test_bad_observed(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_observed(text)
    assert message in info.value.for_cli({})  # the command line's flag
    assert message.replace("--observed", "`observed`") in str(info.value)  # the parameter


def test_write_writes_the_tables_and_no_figures(synthetic: Path, tmp_path: Path) -> None:
    """The analysis writes its tables; its figures are drawn by crossing_sim.figures."""
    result = calibrate(synthetic, [SCREENING], [Observed("crossed", 200)],
                       Settings(samples=30, predictive=10, check_reps=0))
    files = write(result, tmp_path / "out", ["crossing-sim", "calibrate"], "[priors]\n", "p")
    assert [p.name for p in files] == list(FILES)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["tool"] == "crossing-sim"
    assert manifest["kind"] == "calibrate"
    assert {"version", "created", "python", "numpy", "simpy"} <= set(manifest)
    assert manifest["seeding"].startswith("priors: SeedSequence(seed, spawn_key=(2**31-1,))")


# --- the command -------------------------------------------------------------------------------


def test_command_writes_results_and_calibrated_scenario(synthetic: Path, tmp_path: Path) -> None:
    priors = write_priors(tmp_path, '[priors]\n"gate.screening_per_person.mean" = '
                                    '{dist = "uniform", low = "25s", high = "75s"}\n')
    out, scenario = tmp_path / "out", tmp_path / "calibrated.toml"
    result = CliRunner().invoke(calibrate_command, [
        str(synthetic), "--priors", str(priors), "--observed", "crossed=215", "--samples",
        "300", "--predictive", "100", "--check-reps", "30", "--out", str(out),
        "--write", str(scenario)])
    assert result.exit_code == 0, result.output
    assert "gate.screening_per_person.mean" in result.stdout
    assert "the observed 215 is inside it" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "accepted.csv", "calibrated.toml", "draws.csv", "manifest.json", "pairs.png",
        "posterior.json", "predictive.csv", "predictive.png", "priors.toml"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["samples"] == 300
    assert manifest["observed"] == {"crossed": 215.0}
    assert (out / "draws.csv").read_text().count("\n") == 301
    assert load_scenario(scenario).name == "calibrated"
    assert (out / "pairs.png").read_bytes()[:4] == b"\x89PNG"
    again = CliRunner().invoke(calibrate_command, [
        str(synthetic), "--priors", str(priors), "--observed", "crossed=215", "--samples", "20",
        "--out", str(out)])
    assert again.exit_code == 2
    assert "never overwritten" in again.output


def test_calibration_compares_with_the_scenarios_own_observed_counts(
        synthetic: Path, tmp_path: Path) -> None:
    priors = write_priors(tmp_path, '[priors]\n"gate.screening_per_person.mean" = '
                                    '{dist = "uniform", low = "25s", high = "75s"}\n')
    args = [str(synthetic), "--priors", str(priors), "--samples", "20", "--predictive", "5",
            "--check-reps", "0", "--json"]
    none = CliRunner().invoke(calibrate_command, [*args, "--out", str(tmp_path / "a")])
    assert none.exit_code == 2
    assert "states no observed count" in none.output
    stated = CliRunner().invoke(calibrate_command, [
        *args, "--out", str(tmp_path / "b"), "--set", "observed.crossed=215"])
    assert stated.exit_code == 0, stated.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["observed"] == {"crossed": 215.0}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--accept", "0.1", "--tolerance", "5"], "give --accept or --tolerance, not both"),
        (["--observed", "crossed=lots"], '--observed: crossed = "lots": must be a number'),
    ],
)
def test_command_mistakes_are_one_line_exit_2(synthetic: Path, tmp_path: Path,
                                              extra: list[str], message: str) -> None:
    priors = write_priors(tmp_path, '[priors]\n"warning.p_reach" = 0.9\n')
    result = CliRunner().invoke(calibrate_command, [
        str(synthetic), "--priors", str(priors), "--samples", "20", "--out",
        str(tmp_path / "o"), *extra])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_command_bad_priors_file_exit_2(synthetic: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(calibrate_command, [
        str(synthetic), "--priors", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2
    assert "missing.toml: no such priors file" in result.output
