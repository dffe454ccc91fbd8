"""crossing-sim compare: paired differences between scenarios, run or read back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import SCENARIOS, invoke
from crossing_sim import load_scenario, run_replications

BASE, TWO = str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "two_tables.toml")


def compare_json(*args: str) -> dict:
    code, out, err = invoke("compare", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_a_scenario_against_itself_differs_by_exactly_nothing(tmp_path: Path) -> None:
    result = compare_json(BASE, BASE, "--reps", "40", "--out", str(tmp_path / "c"))
    for d in result["others"][0]["differences"].values():
        assert d["mean"] == d["ci95_low"] == d["ci95_high"] == 0 or np.isnan(d["mean"])
        assert d["p_more"] == d["p_less"] == 0 or np.isnan(d["p_more"])


def test_the_difference_is_the_paired_one(tmp_path: Path) -> None:
    result = compare_json(BASE, TWO, "--reps", "60", "--seed", "9", "--out", str(tmp_path / "c"))
    base = run_replications(load_scenario(BASE), 60, seed=9).crossed
    two = run_replications(load_scenario(TWO), 60, seed=9, point=1).crossed
    d = result["others"][0]["differences"]["crossed"]
    assert d["nights"] == 60
    assert d["mean"] == pytest.approx((two - base).mean())
    assert d["p_more"] == pytest.approx(np.mean(two > base))
    assert d["ci95_low"] < d["mean"] < d["ci95_high"]
    assert result["paired"] is True


def test_the_folder_holds_the_study_and_the_differences(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    result = compare_json(BASE, TWO, "--reps", "20", "--out", str(folder))
    assert result["results"] == str(folder)
    stored = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    assert stored["others"] == result["others"]
    header = (folder / "differences.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("base,other,measure,nights")
    assert (folder / "replications.csv").exists()


def test_stored_folders_give_the_same_differences(tmp_path: Path) -> None:
    ran = compare_json(BASE, TWO, "--reps", "30", "--out", str(tmp_path / "c"))
    for name, path in (("a", BASE), ("b", TWO)):
        code, _, err = invoke("run", path, "--reps", "30", "--out", str(tmp_path / name))
        assert code == 0, err
    stored = compare_json(str(tmp_path / "a"), str(tmp_path / "b"))
    for measure in ("crossed", "turned_away", "left_by_bus"):
        assert stored["others"][0]["differences"][measure]["mean"] == pytest.approx(
            ran["others"][0]["differences"][measure]["mean"])


def test_the_same_command_again_reads_back_the_same(tmp_path: Path) -> None:
    args = (BASE, TWO, "--reps", "20", "--out", str(tmp_path / "c"))
    first, again = compare_json(*args), compare_json(*args)
    assert again["others"] == first["others"]


def test_a_pool_of_workers_gives_the_same_differences(tmp_path: Path) -> None:
    serial = compare_json(BASE, TWO, "--reps", "40", "--jobs", "1", "--out", str(tmp_path / "s"))
    pool = compare_json(BASE, TWO, "--reps", "40", "--jobs", "2", "--out", str(tmp_path / "p"))
    assert pool["others"] == serial["others"]
    assert (tmp_path / "s" / "replications.csv").read_bytes() == (
        tmp_path / "p" / "replications.csv").read_bytes()


def test_precision_works_on_the_difference(tmp_path: Path) -> None:
    result = compare_json(BASE, TWO, "--reps", "20", "--precision", "0.01",
                          "--out", str(tmp_path / "c"))
    d = result["others"][0]["differences"]["crossed"]
    assert result["precision_reached"] is True
    assert (d["ci95_high"] - d["ci95_low"]) / 2 / 700 <= 0.01
    assert d["nights"] > 20


def test_precision_that_ends_at_the_cap_says_so(tmp_path: Path) -> None:
    code, out, err = invoke("compare", BASE, TWO, "--reps", "10", "--precision", "0.0001",
                            "--max-reps", "30", "--json", "--out", str(tmp_path / "c"))
    assert code == 0, err
    assert json.loads(out)["precision_reached"] is False
    assert "cap" in err


def test_independent_nights_are_noisier(tmp_path: Path) -> None:
    paired = compare_json(BASE, TWO, "--reps", "80", "--out", str(tmp_path / "p"))
    independent = compare_json(BASE, TWO, "--reps", "80", "--independent",
                               "--out", str(tmp_path / "i"))
    width = {name: r["others"][0]["differences"]["crossed"]["ci95_high"]
             - r["others"][0]["differences"]["crossed"]["ci95_low"]
             for name, r in (("paired", paired), ("independent", independent))}
    assert width["paired"] < width["independent"]


@pytest.mark.parametrize(("args", "message"), [
    ([BASE], "needs a BASE and at least one OTHER"),
    ([BASE, "missing.toml"], "no such scenario file"),
])
def test_bad_comparisons_are_one_clear_line(args: list[str], message: str) -> None:
    code, _, err = invoke("compare", *args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_folders_of_different_seeds_are_not_paired(tmp_path: Path) -> None:
    for name, seed in (("a", "1"), ("b", "2")):
        invoke("run", BASE, "--reps", "5", "--seed", seed, "--out", str(tmp_path / name))
    code, _, err = invoke("compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 2
    assert "different seeds" in err


def test_the_text_says_it_in_words(tmp_path: Path) -> None:
    code, out, err = invoke("compare", BASE, TWO, "--reps", "30", "--out", str(tmp_path / "c"))
    assert code == 0, err
    assert "more people crossed on a night (95 % CI" in out
    assert "the same on every night: never got the message" in out


def test_the_same_differences_on_a_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    serial = compare_json(BASE, TWO, "--reps", "30", "--jobs", "1", "--out", str(tmp_path / "s"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        dask = compare_json(BASE, TWO, "--reps", "30", "--scheduler", cluster.scheduler_address,
                            "--out", str(tmp_path / "d"))
    assert dask["others"] == serial["others"]


def test_a_killed_comparison_resumes_to_the_same_differences(tmp_path: Path) -> None:
    """What a kill leaves (a running manifest, some batches, no tables) resumes to the same."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    done = compare_json(BASE, TWO, "--reps", "40", "--jobs", "1", "--out", str(whole))
    cut.mkdir()
    manifest = json.loads((whole / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(status="running")
    manifest.pop("finished", None)
    (cut / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (cut / "scenario.toml").write_bytes((whole / "scenario.toml").read_bytes())
    (cut / "batches").mkdir()
    batches = sorted((whole / "batches").iterdir())
    for batch in batches[: len(batches) // 2]:
        (cut / "batches" / batch.name).write_bytes(batch.read_bytes())
    code, out, err = invoke("compare", BASE, TWO, "--reps", "40", "--jobs", "1", "--json",
                            "--out", str(cut))
    assert code == 0, err
    assert json.loads(out)["others"] == done["others"]
    for table in ("replications.csv", "differences.csv"):
        assert (cut / table).read_bytes() == (whole / table).read_bytes()


def test_one_night_gives_a_difference_but_no_interval(tmp_path: Path) -> None:
    code, out, err = invoke("compare", BASE, TWO, "--reps", "1", "--out", str(tmp_path / "c"))
    assert code == 0, err
    assert "(one night: no CI)" in out
    assert "one night: no confidence interval" in out
    assert "nan" not in out
