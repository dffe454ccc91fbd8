"""A results folder killed (SIGKILL) at random instants, again and again, then resumed: it
always holds either nothing or a resumable whole, and ends with exactly the numbers of an
uninterrupted run.

Each attempt is a forked copy of this process (everything already imported, so an attempt
starts in milliseconds and the kills land on the folder's own moments: creating it, saving
batches, writing the tables, marking it complete).
"""

from __future__ import annotations

import json
import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY, exit_code
from crossing_sim.experiment.design import Design
from crossing_sim.experiment.executors import SerialExecutor
from crossing_sim.experiment.run import Plan
from crossing_sim.experiment.sweep import execute, prepare, spec_of

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

TABLES = ("replications.csv", "trips.csv", "summary.csv", "series.npz")
KILLS = 60


def _attempt(study: tuple, folder: Path) -> int:
    """Fork a process that runs the study into ``folder``; its PID."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            result = execute(*study, SerialExecutor(), folder)
            code = {"new": 10, "resume": 11, "complete": 12}[result.state]
        finally:
            os._exit(code)
    return pid


def test_killed_at_random_moments_then_resumed(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    prepared = prepare(tmp_path / "tiny.toml", seed=9)
    plan = Plan([p.scenario for p in prepared], 9, 120)
    study = (prepared, plan, spec_of("run", prepared, plan, [], Design()))

    started = time.monotonic()
    assert exit_code(_attempt(study, tmp_path / "whole")) == 10
    took = time.monotonic() - started

    rng = np.random.default_rng(np.random.SeedSequence(2018))
    outcomes = {"killed": 0, "new": 0, "resume": 0, "complete": 0, "left no folder": 0}
    rounds = 0
    while outcomes["killed"] < KILLS:  # rounds: kill a fresh folder until a run finishes
        rounds += 1
        folder = tmp_path / f"cut{rounds}"
        while True:
            pid = _attempt(study, folder)
            # half the kills in the first milliseconds, while the folder is being made
            first = rng.random() < 0.5
            time.sleep(float(rng.uniform(0, 0.01 if first else 1.1 * took)))
            os.kill(pid, signal.SIGKILL)
            code = exit_code(pid)
            if code != -signal.SIGKILL:
                assert code in (10, 11, 12), code
                outcomes[{10: "new", 11: "resume", 12: "complete"}[code]] += 1
                break
            outcomes["killed"] += 1
            # after any kill: no folder, or a whole one that resumes
            if not folder.exists():
                outcomes["left no folder"] += 1
            else:
                assert (folder / "manifest.json").is_file()
                assert (folder / "scenario.toml").is_file()
                json.loads((folder / "manifest.json").read_text())
        if code != 12:  # finished by the last attempt; once more only finds it complete
            assert exit_code(_attempt(study, folder)) == 12
        for name in TABLES:
            assert (folder / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
        assert not list(folder.rglob("*.tmp-*"))
    print(f"{rounds} folders, {outcomes['killed']} kills; the attempts that finished: "
          f"{outcomes}")
    assert outcomes["resume"] > 0  # some rounds finished by resuming
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["tiny.toml", "whole", *(f"cut{i}" for i in range(1, rounds + 1))])  # nothing aside
