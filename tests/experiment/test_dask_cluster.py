"""A real Dask cluster on this machine: a ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1 (not an in-process LocalCluster). The same numbers as in this
process; a worker killed mid-sweep loses nothing; a lost scheduler is one clear message."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import BASELINE
from crossing_sim.errors import ExecutorError
from crossing_sim.experiment.design import parse_vary
from crossing_sim.experiment.executors import DaskExecutor, SerialExecutor
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.sweep import prepare

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

DASK = Path(sys.executable).with_name("dask")


class Cluster:
    """A scheduler and two workers, each its own process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        info = folder / "scheduler.json"
        self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
                    "--no-dashboard", "--scheduler-file", str(info))
        self.address = str(_wait_for(lambda: json.loads(info.read_text())["address"]))
        for name in ("w1", "w2"):
            self._start(name, "worker", self.address, "--nthreads", "1", "--no-nanny",
                        "--no-dashboard", "--name", name, "--host", "127.0.0.1")

    def _start(self, name: str, *args: str) -> None:
        with (self.folder / f"{name}.log").open("wb") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen([str(DASK), *args], stdout=log,
                                                    stderr=log, start_new_session=True)

    def workers(self) -> int:
        from distributed import Client

        with Client(self.address, timeout=10) as client:
            return len(client.scheduler_info()["workers"])

    def kill(self, name: str) -> None:
        os.kill(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def _wait_for(what: object, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = what()  # type: ignore[operator]
            if value:
                return value
        except (OSError, ValueError, KeyError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("the Dask cluster did not start")
        time.sleep(0.1)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    if not DASK.exists() and shutil.which("dask") is None:
        pytest.skip("no dask command")
    running = Cluster(tmp_path)
    try:
        _wait_for(lambda: running.workers() == 2)
        yield running
    finally:
        running.stop()


def _plan() -> Plan:
    prepared = prepare(BASELINE, factors=[parse_vary("gate.lanes=1,2")], seed=11)
    return Plan([p.scenario for p in prepared], 11, 40)


def _numbers(reps: list) -> list[list[int]]:
    return [[*r.crossed.tolist(), *r.fates.ravel().tolist()] for r in reps]


def test_a_real_cluster_gives_the_same_numbers_even_when_a_worker_is_killed(
        cluster: Cluster) -> None:
    plan = _plan()
    serial = _numbers(run_experiment(plan, SerialExecutor()))
    executor = DaskExecutor(cluster.address)
    try:
        assert executor.workers == 2
        assert _numbers(run_experiment(plan, executor)) == serial
        seen: list[object] = []

        def kill_a_worker(batch: object) -> None:
            seen.append(batch)
            if len(seen) == 2:
                cluster.kill("w1")

        again = _numbers(run_experiment(plan, executor, on_batch=kill_a_worker))
    finally:
        executor.close()
    assert cluster.processes["w1"].poll() is not None  # killed mid-sweep
    assert again == serial
    assert cluster.workers() == 1


def test_a_lost_scheduler_is_one_clear_message(cluster: Cluster) -> None:
    executor = DaskExecutor(cluster.address)
    seen: list[object] = []

    def kill_the_scheduler(batch: object) -> None:
        seen.append(batch)
        if len(seen) == 1:
            cluster.kill("scheduler")

    try:
        with pytest.raises(ExecutorError, match=rf"`scheduler` {cluster.address}: the Dask "
                                                r"cluster stopped the work \(.+\); stopped"):
            run_experiment(Plan(_plan().scenarios, 11, 400), executor,
                           on_batch=kill_the_scheduler)
    finally:
        executor.close()
