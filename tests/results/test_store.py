"""Results folders: one writer at a time, folders that appear whole, batches held once each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY
from crossing_sim.errors import ResultsError
from crossing_sim.experiment.design import Design
from crossing_sim.experiment.executors import SerialExecutor
from crossing_sim.experiment.replications import Task, run_batch
from crossing_sim.experiment.run import Plan
from crossing_sim.experiment.sweep import execute, prepare, spec_of
from crossing_sim.results.batches import pack
from crossing_sim.results.reader import load_results
from crossing_sim.results.store import Store, batch_name


@pytest.fixture
def study(tmp_path: Path) -> tuple[list, Plan, dict]:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    prepared = prepare(tmp_path / "tiny.toml", seed=5)
    plan = Plan([p.scenario for p in prepared], 5, 20)
    return prepared, plan, spec_of("run", prepared, plan, [], Design())


def test_a_second_writer_is_told_who_holds_the_folder(tmp_path: Path, study: tuple) -> None:
    prepared, plan, spec = study
    folder = tmp_path / "out"
    with Store(folder) as first:
        assert first.open(spec, {}) == "new"
        with pytest.raises(ResultsError, match=rf"in use by another crossing-sim \(PID "
                                               rf"{os.getpid()} on .*, started 20\d\d-"):
            Store(folder).open(spec, {})
        # another process, through the command line: one line, exit code 2
        done = subprocess.run([sys.executable, "-m", "crossing_sim", "run",
                               str(tmp_path / "tiny.toml"), "--seed", "5", "--reps", "20",
                               "--out", str(folder)], capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1
        assert f"is in use by another crossing-sim (PID {os.getpid()} " in done.stderr
    # once let go, the same study resumes and completes there
    resumed = execute(prepared, plan, spec, SerialExecutor(), folder)
    assert resumed.state == "resume"
    assert len(resumed.replications[0]) == 20


def test_a_new_folder_appears_with_its_manifest_and_scenario(tmp_path: Path,
                                                             study: tuple) -> None:
    _, _, spec = study
    with Store(tmp_path / "out") as store:
        store.open(spec, {"points": []}, {"scenario.toml": b"name = 'x'\n"})
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "batches", "manifest.json", "scenario.toml"]
        assert json.loads((tmp_path / "out" / "manifest.json").read_text())["status"] == \
            "running"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny.toml"]  # nothing aside


def test_leftovers_of_a_killed_start_are_cleaned_and_the_folder_is_used(
        tmp_path: Path, study: tuple) -> None:
    """What older versions left when killed before the manifest: an empty batches/ and
    temporary files; and a half-built sibling whose writer is gone."""
    prepared, plan, spec = study
    folder = tmp_path / "out"
    (folder / "batches").mkdir(parents=True)
    (folder / ".manifest.json.tmp-99999").write_bytes(b"{")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    sibling = tmp_path / f".out.new-{dead}-abcd"
    (sibling / "batches").mkdir(parents=True)
    assert execute(prepared, plan, spec, SerialExecutor(), folder).state == "new"
    assert not sibling.exists()
    assert not list(folder.rglob("*.tmp-*"))


def test_a_folder_holding_anything_else_is_never_touched(tmp_path: Path, study: tuple) -> None:
    _, _, spec = study
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(ResultsError, match="already exists and is not empty"):
        Store(tmp_path / "out").open(spec, {})
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_overlapping_batches_are_refused(tmp_path: Path, study: tuple) -> None:
    _, plan, spec = study
    with Store(tmp_path / "out") as store:
        store.open(spec, {})
        store.save(run_batch(plan.scenarios[0], 5, Task(0, 0, 10)))
        store.save(run_batch(plan.scenarios[0], 5, Task(0, 10, 5)))  # adjacent: fine
        with pytest.raises(ResultsError, match="both hold replication 12 of point 0"):
            store.save(run_batch(plan.scenarios[0], 5, Task(0, 12, 8)))
        assert len(list((tmp_path / "out" / "batches").glob("*.npz"))) == 2


def test_a_folder_whose_batches_overlap_is_damaged(tmp_path: Path, study: tuple) -> None:
    """Batches as two writers without a lock left them (sizes 10 and 8): refused on resume,
    and the reader proves each replication is held once."""
    _, plan, spec = study
    folder = tmp_path / "out"
    with Store(folder) as store:
        store.open(spec, {})
    for first, count in ((0, 10), (4, 8)):
        packed = pack(run_batch(plan.scenarios[0], 5, Task(0, first, count)))
        (folder / "batches" / batch_name(0, first, count)).write_bytes(packed.data)
    with pytest.raises(ResultsError, match="both hold replication 4 of point 0"):
        Store(folder).open(spec, {})
    with pytest.raises(ResultsError, match="replication 4 of point 0 is in both"):
        list(Store(folder).saved())


def test_the_reader_proves_each_replication_appears_once(tmp_path: Path, study: tuple) -> None:
    prepared, plan, spec = study
    folder = tmp_path / "out"
    execute(prepared, plan, spec, SerialExecutor(), folder)
    assert np.array_equal(np.sort(load_results(folder).replications["replication"]),
                          np.arange(20))
    lines = (folder / "replications.csv").read_text().splitlines(keepends=True)
    (folder / "replications.csv").write_text("".join([*lines, lines[3]]))
    with pytest.raises(ResultsError, match="holds replication 2 twice"):
        _ = load_results(folder).replications
    (folder / "replications.csv").write_text("".join(lines[:-1]))
    with pytest.raises(ResultsError, match="but holds 19 replications"):
        _ = load_results(folder).replications
