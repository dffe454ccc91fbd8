"""A folder written all at the end (an analysis's): claimed from the start, so a second writer
is told who holds it; built in a hidden sibling and renamed, so a kill at any instant leaves
no folder or the whole one; what killed builders left is removed by the next one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY, exit_code
from crossing_sim.analysis import sensitivity as sa
from crossing_sim.analysis.parameters import read_ranges
from crossing_sim.errors import ResultsError
from crossing_sim.results.claim import HOLDER_NAME, LOCK_NAME, build

KILLS = 30
RANGES = '[ranges]\n"gate.lanes" = [1, 2]\n"gate.screening_per_person" = ["30s", "90s"]\n'


@pytest.fixture
def analysis(tmp_path: Path) -> sa.Sensitivity:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    (tmp_path / "ranges.toml").write_text(RANGES, encoding="utf-8")
    return sa.sensitivity(tmp_path / "tiny.toml", read_ranges(tmp_path / "ranges.toml"),
                          "morris", samples=2, reps=1)


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_a_second_writer_is_told_who_is_building_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    with build(folder) as made:
        assert made.path == tmp_path / ".out.new"
        assert not folder.exists()  # nothing appears while it is built
        with pytest.raises(ResultsError, match=rf"{folder} is in use by another crossing-sim "
                                               rf"\(PID {os.getpid()} on .*, started 20\d\d-"):
            build(folder)
        made.write({"a.txt": b"a\n"})
        made.place()
    assert _visible(folder) == ["a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing aside, nothing hidden
    assert not list(folder.glob(".*"))
    with pytest.raises(ResultsError, match="already exists and is not empty; an earlier "
                                           "result is never overwritten"):
        build(folder)


def test_leaving_without_placing_leaves_nothing(tmp_path: Path) -> None:
    def interrupted() -> None:
        with build(tmp_path / "out") as made:
            made.write({"a.txt": b"a\n"})
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert list(tmp_path.iterdir()) == []


def test_what_killed_builders_left_is_removed(tmp_path: Path) -> None:
    """This folder's half-built sibling (its lock free) is taken over and emptied; another
    folder's abandoned one beside it is removed; one still held by a live process is kept."""
    for name in (".out.new", ".other-20261202-010203.new"):
        (tmp_path / name / "figures").mkdir(parents=True)
        (tmp_path / name / LOCK_NAME).touch()
        (tmp_path / name / HOLDER_NAME).write_text('{"pid": 1}')
        (tmp_path / name / "design.csv").write_text("half")
    holder = subprocess.Popen(  # another process building its own folder beside
        [sys.executable, "-c", "import sys, pathlib; from crossing_sim.results.claim import "
         "build; b = build(pathlib.Path(sys.argv[1])); print('held', flush=True); "
         "sys.stdin.read()", str(tmp_path / "busy")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with build(tmp_path / "out") as made:
            assert sorted(p.name for p in made.path.iterdir()) == [HOLDER_NAME, LOCK_NAME]
            made.place()
        assert sorted(p.name for p in tmp_path.iterdir()) == [".busy.new", "out"]
    finally:
        holder.communicate("")


def _attempt(analysis: sa.Sensitivity, folder: Path) -> int:
    """Fork a process that writes the analysis's folder; its PID."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            sa.write(analysis, folder)
            code = 10
        except ResultsError:
            code = 11  # already there
        finally:
            os._exit(code)
    return pid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_killed_at_random_moments_leaves_nothing_or_the_whole_folder(
        tmp_path: Path, analysis: sa.Sensitivity) -> None:
    started = time.monotonic()
    assert exit_code(_attempt(analysis, tmp_path / "whole")) == 10
    took = time.monotonic() - started
    whole = {name: (tmp_path / "whole" / name).read_bytes() for name in sa.FILES}

    rng = np.random.default_rng(np.random.SeedSequence(15))
    outcomes = {"killed": 0, "left no folder": 0, "left the whole folder": 0}
    rounds = 0
    while outcomes["killed"] < KILLS:
        rounds += 1
        folder = tmp_path / f"cut{rounds}"
        while True:
            pid = _attempt(analysis, folder)
            time.sleep(float(rng.uniform(0, 1.2 * took)))
            os.kill(pid, signal.SIGKILL)
            code = exit_code(pid)
            if code != -signal.SIGKILL:
                assert code == 10, code
                break
            outcomes["killed"] += 1
            if not folder.exists():
                outcomes["left no folder"] += 1
                continue  # the next attempt takes over what it left
            outcomes["left the whole folder"] += 1
            break
        assert _visible(folder) == sorted(sa.FILES)
        assert {p.name for p in folder.glob(".*")} <= {LOCK_NAME, HOLDER_NAME}
        for name in sa.FILES:
            if name != "manifest.json":  # which records when it was made
                assert (folder / name).read_bytes() == whole[name], name
        json.loads((folder / "manifest.json").read_text())
    print(f"{rounds} folders, {outcomes}")
    assert outcomes["left no folder"] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(  # no sibling left
        ["tiny.toml", "ranges.toml", "whole", *(f"cut{i}" for i in range(1, rounds + 1))])
