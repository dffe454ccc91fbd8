"""The batch sampler's traffic with its workers: what comes back is what was drawn, and the
tasks of a generation are shared evenly among the workers."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossing_sim.analysis.sampler import _packed

floats = st.floats(allow_nan=True, allow_infinity=True)
leaves = (floats | floats.map(np.float64) | st.integers() | st.booleans() | st.none()
          | st.text(max_size=5) | st.integers(-5, 5).map(np.int64))
trees = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=3), inner, max_size=4), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(batches=st.lists(st.lists(trees, max_size=5), max_size=4))
def test_packed_batches_come_back_as_they_were(batches: list[list[Any]]) -> None:
    """Every value of the same type and bits (numpy's own pickling of the result, which
    writes a float64's bytes, is the original's byte for byte)."""
    back = pickle.loads(_packed(batches))
    assert pickle.dumps(back) == pickle.dumps(batches)


def test_pyabc_particles_come_back_as_they_were() -> None:
    pyabc = pytest.importorskip("pyabc")
    pars = pyabc.Parameter({"p0": np.float64(0.1) + np.float64(0.2), "p1": np.float64(-0.0)})
    particle = pyabc.Particle(0, pars, 1.0, {"crossed": 3.0, "last": float("nan")}, 0.5,
                              accepted=True)
    back = pickle.loads(_packed([[particle]]))[0][0]
    assert type(back.parameter["p0"]) is np.float64
    assert pickle.dumps(back) == pickle.dumps(particle)


def _kept() -> Any:
    return SimpleNamespace(accepted=True, preliminary=False)


def _tasks(populations: list[int]) -> list[list[int]]:
    """The draws of each task sent to 2 workers, generation by generation, every draw
    accepted."""
    pytest.importorskip("pyabc")
    from crossing_sim.analysis.sampler import BatchSampler

    sampler = BatchSampler(7, workers=2)
    if sampler.workers < 2:
        pytest.skip("one core: no pool")
    pool = sampler.pool()
    tasks: list[list[int]] = []
    submit = pool.submit

    def counted(fn: Any, token: str, payload: bytes, seeds: list[Any], size: int) -> Any:
        tasks[-1].append(len(seeds) * size)
        return submit(fn, token, payload, seeds, size)

    pool.submit = counted  # type: ignore[method-assign]
    try:
        for t, n in enumerate(populations):
            tasks.append([])
            assert sampler.sample_until_n_accepted(n, _kept, t).n_accepted == n
    finally:
        sampler.close()
    return tasks


def test_workers_run_no_batch_a_generation_does_not_need() -> None:
    """Every draw accepted, the acceptance says exactly how many batches are needed: with
    workers, none is run beyond them (they were, to keep every worker busy: 5 % more work),
    nor, before any is accepted, beyond those a generation needs if every draw were (small
    populations ran up to two tasks a worker: 80 draws for 10 particles)."""
    assert sum(map(sum, _tasks([100, 100, 40, 10]))) == 250  # batches of 5, 5, 2 and 1


def test_what_a_generation_needs_is_shared_evenly_among_the_workers() -> None:
    """Every draw accepted: the tasks of each filling of the pool are of one size, as large
    as a task may be (20 draws) or what is missing shared among the workers (the pool was
    filled one task at a time, each taking half of what was still missing: 9 tasks for 100
    draws, 5 for 40, where 6 and 2 do)."""
    assert _tasks([100, 40, 10]) == [[20, 20, 20, 20, 10, 10], [20, 20], [5, 5]]


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_the_workers_end_with_the_main_process(tmp_path: Path) -> None:
    """The main process killed (SIGKILL: nothing of it runs): its sampler's workers are
    killed too, not left waiting for tasks forever. (Planted once: the parent-death signal
    not set in the sampler's workers; they outlived the main process.)"""
    pytest.importorskip("pyabc")
    pids = tmp_path / "pids"
    script = (
        "import os, signal\n"
        "from crossing_sim.analysis.sampler import BatchSampler\n"
        "pool = BatchSampler(7, workers=2).pool()\n"
        "pool.submit(os.getpid).result()\n"
        f"open({str(pids)!r}, 'w').write(' '.join(map(str, pool._processes)))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", script], timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL
    left = [int(pid) for pid in pids.read_text().split()]
    assert left
    for _ in range(500):  # the kernel sends the signal as the main process ends: a moment
        left = [pid for pid in left if _alive(pid)]
        if not left:
            return
        time.sleep(0.01)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    pytest.fail(f"workers {left} outlived the main process")


def _alive(pid: int) -> bool:
    """Whether the process runs (not ended, nor dead and waiting to be reaped)."""
    try:
        return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, ProcessLookupError):
        return False
