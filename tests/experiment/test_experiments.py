"""Experiments at scale: batches, executors, resuming, precision, and the sweep command.

The rule under test everywhere: the same seed gives byte-identical results, whatever the
number of workers, the executor, or how often the work was interrupted and resumed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from conftest import BASELINE
from crossing_sim.cli.main import main
from crossing_sim.errors import ResultsError
from crossing_sim.experiment.design import Design, parse_vary
from crossing_sim.experiment.executors import (
    SMALL_FORKED_STUDY,
    SMALL_STUDY,
    PoolExecutor,
    SerialExecutor,
    choose_executor,
    small_study,
    start_method,
)
from crossing_sim.experiment.replications import Task, run_replications
from crossing_sim.experiment.run import (
    MAX_BATCH,
    MAX_BATCH_SERIES,
    Plan,
    batch_limit,
    missing_tasks,
    run_experiment,
)
from crossing_sim.experiment.sweep import prepare, spec_of
from crossing_sim.model.night import series_grid
from crossing_sim.model.outcome import Series
from crossing_sim.results.batches import Batch
from crossing_sim.results.store import Store
from crossing_sim.scenario.loading import load_scenario

TABLES = ("replications.csv", "trips.csv", "summary.csv", "summary.json")


def tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


def small_plan(reps: int = 12, precision: float | None = None) -> tuple[list, Plan, dict]:
    prepared = prepare(BASELINE, factors=[parse_vary("gate.lanes=1,2")], seed=3)
    plan = Plan([p.scenario for p in prepared], 3, reps, precision, max_reps=400)
    return prepared, plan, spec_of("sweep", prepared, plan, [parse_vary("gate.lanes=1,2")],
                                   Design())


@given(done=st.sets(st.integers(0, 59)), target=st.integers(1, 60), workers=st.integers(1, 8),
       largest=st.integers(1, 300))
def test_tasks_cover_each_missing_replication_once(done: set[int], target: int,
                                                   workers: int, largest: int) -> None:
    tasks = list(missing_tasks([set(done)], [target], workers, largest=largest))
    covered = [i for t in tasks for i in range(t.first, t.first + t.count)]
    assert sorted(covered) == [i for i in range(target) if i not in done]
    assert all(t.count <= largest for t in tasks)


def test_a_fine_grid_makes_smaller_batches() -> None:
    """A batch's time series stay under MAX_BATCH_SERIES however fine the grid."""
    base = load_scenario(BASELINE)
    fine = load_scenario(BASELINE, ["series_step=1s"])
    assert batch_limit([base]) == MAX_BATCH
    limit = batch_limit([base, fine])
    assert 1 <= limit < MAX_BATCH
    assert limit * series_grid(fine).size * len(Series.NAMES) * 4 <= MAX_BATCH_SERIES


def test_batches_match_replications_run_alone() -> None:
    _, plan, _ = small_plan(reps=6)
    (one, two) = run_experiment(plan)
    alone = run_replications(plan.scenarios[1], 1, seed=3, point=1, first=4)
    assert two.crossed[4] == alone.crossed[0]
    assert (two.fates[4] == alone.fates[0]).all()
    assert one.crossed.tolist() != two.crossed.tolist()


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_same_numbers_serial_and_pool(tmp_path: Path, start: str) -> None:
    """Forked workers (the command line's) and spawned ones (a notebook's) give what this
    process alone gives."""
    if start == "fork" and not sys.platform.startswith("linux"):
        pytest.skip("workers are forked on Linux only")
    prepared, plan, spec = small_plan(reps=40)
    from crossing_sim.experiment.sweep import execute

    serial = execute(prepared, plan, spec, SerialExecutor(), tmp_path / "serial")
    pool = PoolExecutor(2, start=start)
    try:
        pooled = execute(prepared, plan, spec, pool, tmp_path / "pool")
    finally:
        pool.close()
    assert serial.summaries == pooled.summaries
    assert tables(tmp_path / "serial") == tables(tmp_path / "pool")


def test_workers_are_forked_only_from_a_process_without_threads() -> None:
    code = textwrap.dedent("""
        import threading
        from crossing_sim.experiment.executors import start_method
        alone = start_method()
        threading.Thread(target=threading.Event().wait, daemon=True).start()
        print(alone, start_method())
    """)
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
    assert printed == (["fork", "spawn"] if sys.platform.startswith("linux")
                       else ["spawn", "spawn"])


def test_forked_workers_lower_the_default_threshold() -> None:
    assert small_study() == (SMALL_FORKED_STUDY if start_method() == "fork" else SMALL_STUDY)
    assert isinstance(choose_executor(None, None, small_study() - 1), SerialExecutor)


def test_same_numbers_on_a_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from crossing_sim.experiment.executors import DaskExecutor
    from crossing_sim.experiment.sweep import execute

    prepared, plan, spec = small_plan(reps=30)
    execute(prepared, plan, spec, SerialExecutor(), tmp_path / "serial")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        dask = DaskExecutor(cluster.scheduler_address)
        try:
            execute(prepared, plan, spec, dask, tmp_path / "dask")
        finally:
            dask.close()
    assert tables(tmp_path / "serial") == tables(tmp_path / "dask")


class Stop(Exception):
    """Stands for a kill in the middle of an experiment."""


def test_interrupted_then_resumed_gives_identical_results(tmp_path: Path) -> None:
    from crossing_sim.experiment.sweep import execute

    prepared, plan, spec = small_plan(reps=60)
    execute(prepared, plan, spec, SerialExecutor(), tmp_path / "whole")
    seen = []

    def stop_after_three(batch: Batch) -> None:
        seen.append(batch)
        if len(seen) == 3:
            raise Stop

    store = Store(tmp_path / "cut")
    assert store.open(spec, {}) == "new"
    with pytest.raises(Stop):
        run_experiment(plan, SerialExecutor(), store, on_batch=stop_after_three)
    store.close()
    saved = sorted(p.name for p in (tmp_path / "cut" / "batches").glob("*.npz"))
    assert len(saved) == 3
    assert not (tmp_path / "cut" / "replications.csv").exists()
    # a partial temporary file (as a kill -9 mid-write would leave) is ignored
    (tmp_path / "cut" / "batches" / ".p00000-r000000099-n0000001.npz.tmp-1").write_bytes(b"x")
    resumed = execute(prepared, plan, spec, SerialExecutor(), tmp_path / "cut")
    assert resumed.state == "resume"
    assert not list((tmp_path / "cut").rglob("*.tmp-*"))  # stale temporary files cleaned
    assert tables(tmp_path / "whole") == tables(tmp_path / "cut")
    again = execute(prepared, plan, spec, SerialExecutor(), tmp_path / "cut")
    assert again.state == "complete"
    assert again.summaries == resumed.summaries


def test_a_folder_with_another_experiment_is_never_touched(tmp_path: Path) -> None:
    from crossing_sim.experiment.sweep import execute

    prepared, plan, spec = small_plan(reps=4)
    execute(prepared, plan, spec, SerialExecutor(), tmp_path / "r")
    before = tables(tmp_path / "r")
    other = {**spec, "seed": 4}
    with pytest.raises(ResultsError, match="already holds a different experiment"):
        execute(prepared, plan, other, SerialExecutor(), tmp_path / "r")
    assert tables(tmp_path / "r") == before


def test_precision_adds_replications_until_narrow_enough(tmp_path: Path) -> None:
    from crossing_sim.experiment.sweep import execute

    prepared, plan, spec = small_plan(reps=10, precision=0.01)
    result = execute(prepared, plan, spec, SerialExecutor(), tmp_path / "p")
    for summary in result.summaries:
        share = summary["crossed_share"]
        assert (share["ci95_high"] - share["ci95_low"]) / 2 < 0.01
        assert summary["replications"] > 10
    pool = PoolExecutor(2)
    try:
        execute(prepared, plan, spec, pool, tmp_path / "q")
    finally:
        pool.close()
    assert tables(tmp_path / "p") == tables(tmp_path / "q")


def test_precision_respects_the_cap() -> None:
    prepared = prepare(BASELINE, seed=1)
    plan = Plan([prepared[0].scenario], 1, 5, precision=0.0001, max_reps=30)
    (reps,) = run_experiment(plan)
    assert len(reps) == 30


def test_memory_stays_small_series_go_to_disk(tmp_path: Path) -> None:
    _, plan, spec = small_plan(reps=8)
    store = Store(tmp_path / "r")
    store.open(spec, {})
    results = run_experiment(plan, SerialExecutor(), store)
    assert all(r.series is None for r in results)
    saved = [b for b in store.saved(with_series=True) if int(b["point"]) == 1]
    series = np.concatenate([b["series"] for b in saved])
    assert series.shape == (8, len(Series.NAMES), saved[0]["series_t"].size)


# --- the sweep command ------------------------------------------------------------------


def sweep(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["sweep", *args])
    return result.exit_code, result.stdout, result.stderr


def test_two_factor_sweep_from_the_command_line(tmp_path: Path) -> None:
    args = [str(BASELINE), "--vary", "gate.lanes=1,2", "--vary", "gate.open=20:00..21:00/1h",
            "--reps", "10", "--jobs", "1", "--out", str(tmp_path / "s")]
    code, out, err = sweep(*args)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("baseline: 4 points x 10 replications, seed 2018")
    assert "gate.lanes  gate.open" in lines[2]
    assert lines[-2:] == ["", f"Results: {tmp_path / 's'}/"]
    rows = lines[3:-2]
    assert len(rows) == 4
    assert [row.split()[:2] for row in rows] == [["1", "20:00"], ["1", "21:00"], ["2", "20:00"],
                                                 ["2", "21:00"]]
    summary = (tmp_path / "s" / "summary.csv").read_text().splitlines()
    assert summary[0].startswith("point,gate.lanes,gate.open,replications,crossed_mean")
    assert len(summary) == 5
    code, out, _ = sweep(*args)
    assert code == 0
    assert "Already complete; nothing was run" in out


def test_sweep_file_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(f'[sweep]\nscenario = "{BASELINE}"\nreps = 5\n[sweep.vary]\n'
                    '"buses.count" = [8, 10]\n')
    code, out, err = sweep(str(path), "--jobs", "1", "--out", str(tmp_path / "s"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [p["values"] for p in data["points"]] == [{"buses.count": 8}, {"buses.count": 10}]
    assert all(p["replications"] == 5 for p in data["points"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "a sweep needs at least one --vary"),
        (["--vary", "gate.lanes=3..1/1"], "the range is empty"),
        (["--vary", "gate.lanez=1,2"], "unknown key; did you mean 'lanes'"),
        (["--vary", "gate.open=21:00,05:00"], "--vary (point 1: gate.open=\"05:00\")"),
        (["--vary", "gate.lanes=1,2", "--design", "lhs", "--samples", "3"],
         "at least one range"),
        (["--vary", "gate.lanes=1,2", "--design", "cube"], "Invalid value for '--design'"),
        (["--vary", "gate.lanes=1,2", "--precision", "0"], "Invalid value for '--precision'"),
    ],
)
def test_bad_sweep_arguments(tmp_path: Path, args: list[str], message: str) -> None:
    code, out, err = sweep(str(BASELINE), "--out", str(tmp_path / "s"), *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "s").exists()  # nothing started


def test_ctrl_c_keeps_finished_batches_and_the_same_command_resumes(tmp_path: Path) -> None:
    """A real process, interrupted like a terminal's Ctrl-C, then resumed: same numbers."""
    command = [sys.executable, "-m", "crossing_sim", "sweep", str(BASELINE),
               "--vary", "gate.lanes=1,2", "--reps", "1500", "--jobs", "2"]
    folder = tmp_path / "cut"
    process = subprocess.Popen(
        [*command, "--out", str(folder)], start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((folder / "batches").glob("*.npz")) if (
            folder / "batches").is_dir() else []) < 2:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted: the finished batches are kept" in err
    assert "Traceback" not in err
    kept = len(list((folder / "batches").glob("*.npz")))
    assert kept >= 2
    assert not (folder / "summary.csv").exists()
    resumed = subprocess.run([*command, "--out", str(folder)], capture_output=True, text=True,
                             timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed and completed" in resumed.stdout
    whole = subprocess.run([*command, "--out", str(tmp_path / "whole"), "--jobs", "1"],
                           capture_output=True, text=True, timeout=300, check=False)
    assert whole.returncode == 0, whole.stderr
    assert tables(folder) == tables(tmp_path / "whole")


def test_works_from_a_script_with_a_process_pool(tmp_path: Path) -> None:
    script = tmp_path / "study.py"
    script.write_text(textwrap.dedent(f"""
        from crossing_sim.experiment.sweep import run_sweep

        if __name__ == "__main__":
            result = run_sweep({str(BASELINE)!r}, {{"gate.lanes": [1, 2]}}, reps=20, jobs=2)
            print(result.column("crossed_mean").tolist())
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    serial = [float(r.crossed.mean()) for r in run_experiment(
        Plan([p.scenario for p in prepare(BASELINE, factors=[parse_vary("gate.lanes=1,2")])],
             2018, 20))]
    assert done.stdout.strip() == str(serial)


def test_task_is_a_plain_record() -> None:
    assert Task(1, 2, 3) == Task(point=1, first=2, count=3)
