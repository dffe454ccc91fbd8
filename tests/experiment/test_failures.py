"""Failures that explain themselves: a worker killed mid-sweep loses nothing, one that keeps
dying stops the study with one line, and Ctrl-C at any moment exits 130 with one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import BASELINE, TINY, invoke
from crossing_sim.errors import ExecutorError
from crossing_sim.experiment.design import parse_vary
from crossing_sim.experiment.executors import POOL_RETRIES, PoolExecutor, SerialExecutor
from crossing_sim.experiment.replications import Task
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.statistics import imported
from crossing_sim.experiment.sweep import prepare
from crossing_sim.results.batches import Packed
from crossing_sim.scenario.spec import Scenario


def _plan(reps: int = 60) -> Plan:
    prepared = prepare(BASELINE, factors=[parse_vary("gate.lanes=1,2")], seed=4)
    return Plan([p.scenario for p in prepared], 4, reps)


def _crossed(reps: list) -> list[list[int]]:
    return [r.crossed.tolist() for r in reps]


def test_a_worker_killed_mid_sweep_loses_nothing() -> None:
    plan = _plan()
    executor = PoolExecutor(2)
    killed: list[int] = []

    def kill_a_worker(batch: object) -> None:
        if not killed:
            pid = next(iter(executor._pool._processes))  # a real worker process
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            deadline = time.monotonic() + 30  # until the pool knows: the next submit fails
            while not executor._pool._broken and time.monotonic() < deadline:
                time.sleep(0.01)

    try:
        pooled = run_experiment(plan, executor, on_batch=kill_a_worker)
    finally:
        executor.close()
    assert killed
    assert _crossed(pooled) == _crossed(run_experiment(plan, SerialExecutor()))


def always_die(scenario: Scenario, seed: int, task: Task) -> Packed:
    """A task whose worker always dies (as one killed by the system for memory would)."""
    os._exit(9)


def test_a_worker_that_keeps_dying_stops_with_one_clear_message() -> None:
    executor = PoolExecutor(2, work=always_die)
    try:
        with pytest.raises(ExecutorError, match=rf"a worker process died {POOL_RETRIES + 1} "
                                                r"times .* of point \d; stopped"):
            run_experiment(_plan(8), executor)
    finally:
        executor.close()


def test_jobs_beyond_four_per_core_are_capped_with_a_note(tmp_path: Path) -> None:
    cap = 4 * (os.cpu_count() or 1)
    code, _, err = invoke("run", str(BASELINE), "--reps", "2", "--jobs", "1000", "--out",
                          str(tmp_path / "r"))
    assert code == 0, err
    assert f"note: --jobs 1000 is more than {cap} (4 per core on this machine); using " \
           f"{cap}" in err
    pool = PoolExecutor(1000)  # from Python too
    try:
        assert pool.workers == cap
    finally:
        pool.close()


#: From the first milliseconds of the process (Python still starting; the command line being
#: imported: see also tests/test_interrupt.py) to mid-sweep.
MOMENTS = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.25, 0.4, 1.0, 2.0, 3.5]


def _python_itself(err: str) -> bool:
    """Whether a traceback is in Python's own start-up: site (with the environment's .pth
    files) or runpy, before any code of crossing-sim or of the libraries it imports ran."""
    if "Traceback" not in err:
        return False
    if 'File "<frozen site>"' in err or "init_import_site" in err:
        return True
    frames = [line for line in err.splitlines() if line.strip().startswith('File "')]
    return not any("crossing_sim" in f or "site-packages" in f for f in frames)


@pytest.mark.parametrize("after", MOMENTS)
def test_ctrl_c_at_any_moment_says_one_line_and_exits_130(tmp_path: Path,
                                                           after: float) -> None:
    """From start-up (imports, workers still importing) to mid-sweep: a terminal's Ctrl-C
    reaches every process of the group; only the main one speaks."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crossing_sim", "sweep", str(BASELINE), "--vary",
         "gate.lanes=1,2", "--reps", "10000", "--jobs", "2", "--out", str(tmp_path / "s")],
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # as from a terminal: a suite started in the background (`cmd &` in a script) passes
        # SIGINT ignored to its children, and Python then never raises KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(after)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    lines = [line for line in err.splitlines() if line.strip()]
    if _python_itself(err):  # pragma: no cover - depends on where the signal lands
        pytest.skip("the signal came while Python itself was starting, before any code of "
                    "crossing-sim's had run")
    if process.returncode == -signal.SIGINT:
        # before Python had put its own handler in place: ended by the signal, silently (a
        # shell reports that as 130 too)
        assert err == "", err
        return
    assert process.returncode == 130, err
    assert len(lines) == 1, err
    assert lines[0].startswith("interrupted")


def test_lost_work_on_the_command_line_says_what_is_kept_and_how_to_resume(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crossing_sim.cli.run as cli_run

    monkeypatch.setattr(cli_run, "choose_executor",
                        lambda *args: PoolExecutor(2, work=always_die))
    folder = tmp_path / "s"
    code, out, err = invoke("sweep", str(BASELINE), "--vary", "gate.lanes=1,2", "--reps", "8",
                            "--out", str(folder))
    assert code == 2
    assert "Traceback" not in out + err
    (line,) = [line for line in err.splitlines() if line.strip()]
    assert line.startswith(f"Error: a worker process died {POOL_RETRIES + 1} times")
    assert line.endswith(f"stopped; the finished batches are kept in {folder}/: run the same "
                         "command again to resume")


def test_a_ctrl_c_while_workers_start_is_held_back_not_lost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers start with Ctrl-C held back; this process still gets it afterwards."""
    from concurrent.futures import ProcessPoolExecutor

    from crossing_sim.experiment.executors import _start_worker, start_pool

    real = ProcessPoolExecutor.submit

    def submit(self: ProcessPoolExecutor, *args: object, **kwargs: object) -> object:
        monkeypatch.setattr(ProcessPoolExecutor, "submit", real)
        os.kill(os.getpid(), signal.SIGINT)  # a Ctrl-C as the first worker starts
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    with pytest.raises(KeyboardInterrupt):
        start_pool(2, _start_worker).shutdown()


WORKER_HOOK = """\
import os, sys

class CtrlC:  # in a worker process only: Ctrl-C while it imports numpy
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" and "--multiprocessing-fork" in sys.argv:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), 2)
        return None

sys.meta_path.insert(0, CtrlC())
"""


@pytest.mark.parametrize("command", ["sweep", "calibrate"])
def test_workers_are_silent_to_ctrl_c_from_their_first_instruction(
        tmp_path: Path, command: str) -> None:
    """Each worker gets a Ctrl-C while it is still importing: it ignores it (the main
    process, which got none here, goes on and finishes)."""
    pytest.importorskip("pyabc")
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(WORKER_HOOK, encoding="utf-8")
    (tmp_path / "priors.toml").write_text(
        '[priors]\n"warning.p_reach" = {dist = "uniform", low = 0.6, high = 1.0}\n')
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    args = {"sweep": ["sweep", str(BASELINE), "--vary", "gate.lanes=1,2", "--reps", "200"],
            "calibrate": ["calibrate", str(tmp_path / "tiny.toml"), "--priors",
                          str(tmp_path / "priors.toml"), "--set", "observed.crossed=30",
                          "--population", "40", "--generations", "1", "--rows", "5",
                          "--predictive", "5", "--no-holdout", "--json"]}[command]
    done = subprocess.run(
        [sys.executable, "-m", "crossing_sim", *args, "--jobs", "2", "--out",
         str(tmp_path / "out")],
        env={**os.environ, "PYTHONPATH": str(tmp_path / "hook")}, capture_output=True,
        text=True, timeout=300, check=False,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_a_rested_pool_lets_its_workers_and_threads_go_and_comes_back() -> None:
    """Between a study's nights and its finishing the pool rests (the tables may then be
    forked, which needs this process alone on its thread); the next run starts it again."""
    plan = _plan(12)
    before = set(threading.enumerate())  # (other tests may leave threads of their own)
    executor = PoolExecutor(2, start="fork")
    try:
        first = run_experiment(plan, executor)
        executor.rest()
        imported()  # (the summaries' import, started while the workers ran)
        assert set(threading.enumerate()) <= before
        again = run_experiment(plan, executor)
    finally:
        executor.close()
    assert _crossed(again) == _crossed(first)
    spawned = PoolExecutor(1, start="spawn")  # slow to start again: it stays
    try:
        spawned.rest()
        assert spawned._pool is not None
    finally:
        spawned.close()


def test_the_progress_bar_starts_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """tqdm's monitor thread would keep the tables from being forked at the end of a run
    at a terminal. (Planted once: tqdm's own monitor interval, 10 s: its thread was found.)"""
    from crossing_sim.experiment.run import _progress_bar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    before = set(threading.enumerate())
    bar = _progress_bar(10, 0, enabled=True)
    try:
        assert type(bar).__name__ == "Bar"  # a real bar, not the silent one
        assert set(threading.enumerate()) <= before
    finally:
        bar.close()
