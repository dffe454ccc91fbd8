"""A finishing study's tables, written in a second process: the same folder as when they are
written here, the same errors, nothing left behind when it fails or is stopped."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import crossing_sim.results.second_process as second_process
import crossing_sim.results.store as store_module
from conftest import TINY
from crossing_sim.errors import ResultsError
from crossing_sim.experiment.design import Design, parse_vary
from crossing_sim.experiment.executors import SerialExecutor
from crossing_sim.experiment.run import Plan
from crossing_sim.experiment.sweep import execute, prepare, spec_of
from crossing_sim.results import tables
from crossing_sim.results.second_process import SecondProcess, can_fork
from crossing_sim.results.store import Store

pytestmark = pytest.mark.skipif(not can_fork(), reason="the tables are forked on Linux only")


def sweep(tmp_path: Path, out: str, monkeypatch: pytest.MonkeyPatch | None = None,
          forked: bool = True) -> Path:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    factors = [parse_vary("gate.lanes=1,2,3")]
    points = prepare(tmp_path / "tiny.toml", factors=factors, seed=5)
    plan = Plan([p.scenario for p in points], 5, 7)
    spec = spec_of("sweep", points, plan, factors, Design())
    if monkeypatch is not None:
        monkeypatch.setattr(second_process, "can_fork", lambda: forked)
    execute(points, plan, spec, SerialExecutor(), tmp_path / out)
    return tmp_path / out


def contents(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, but for the times of day (the manifest's, the lock holder's)."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
             if p.is_file() and p.name not in ("manifest.json", ".holder.json")}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["finished"], manifest["created"]
    files["manifest.json"] = json.dumps(manifest).encode()
    return files


def test_forked_or_not_the_folder_is_the_same(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    forks: list[bool] = []
    real = SecondProcess.wait
    monkeypatch.setattr(SecondProcess, "wait",
                        lambda self: (forks.append(self.forked), real(self))[1])
    here = sweep(tmp_path, "here", monkeypatch, forked=False)
    there = sweep(tmp_path, "there", monkeypatch, forked=True)
    assert forks == [False, True]
    assert contents(here) == contents(there)
    assert set(contents(here)) >= {"replications.csv", "trips.csv", "series.npz",
                                   "summary.csv", "summary.json"}


def test_a_failure_there_is_raised_here_and_nothing_is_finished(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while the tables are written: the error the command line shows, the
    summaries not written, the manifest still running (the batches resume)."""
    def full(folder: Path, *args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_module, "write_tables", full)
    with pytest.raises(ResultsError, match="cannot write the result tables: No space left on "
                                           "device; the batches finished so far are kept"):
        sweep(tmp_path, "out")
    folder = tmp_path / "out"
    assert not (folder / "summary.json").exists()
    assert not (folder / "summary.csv").exists()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "running"
    assert not list(folder.rglob("*.tmp-*"))
    monkeypatch.undo()
    assert sweep(tmp_path, "out").joinpath("summary.json").exists()  # resumed, finished


def test_damage_found_there_is_the_same_error_here(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def damaged(folder: Path, *args: object) -> None:
        raise ResultsError(f"{folder}: point 1 should hold replications 0 to 6 once each")

    monkeypatch.setattr(store_module, "write_tables", damaged)
    with pytest.raises(ResultsError, match="point 1 should hold replications 0 to 6"):
        sweep(tmp_path, "out")


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked whatever other tests left running (a thread that ends meanwhile)."""
    monkeypatch.setattr(second_process, "can_fork", lambda: True)


@pytest.mark.usefixtures("forking")
def test_a_second_process_killed_is_an_error_not_a_hang() -> None:
    here = os.getpid()
    process = SecondProcess(lambda: os.kill(os.getpid(), signal.SIGKILL)
                            if os.getpid() != here else None)
    assert process.forked
    with pytest.raises(ResultsError, match=r"the process writing the result tables ended "
                                           r"\(exit code -9\)"):
        process.wait()


@pytest.mark.usefixtures("forking")
def test_an_error_here_stops_the_work_there(tmp_path: Path) -> None:
    """The summaries fail while the tables are being written: the second process gets a
    Ctrl-C, cleans up as it would on one, and ends before the error goes on."""
    marker = tmp_path / "started"
    cleaned = tmp_path / "cleaned"

    def work() -> None:
        marker.touch()
        try:
            time.sleep(30)
        finally:
            cleaned.touch()

    def summaries_fail() -> None:
        with SecondProcess(work) as process:
            while not marker.exists():
                time.sleep(0.01)
            assert process.forked
            _ = 1 / 0

    with pytest.raises(ZeroDivisionError):
        summaries_fail()
    assert cleaned.exists()  # its Ctrl-C handling ran (a terminated process's does not)


def test_where_forking_is_not_safe_the_work_is_done_when_waited_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(second_process, "can_fork", lambda: False)
    done: list[int] = []
    process = SecondProcess(lambda: done.append(os.getpid()))
    assert not process.forked
    assert done == []
    process.wait()
    assert done == [os.getpid()]


@pytest.mark.parametrize("chunk", [3, 4096])
def test_lines_from_the_rows_in_memory_are_the_lines_from_the_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """A finishing study makes the lines of replications.csv and trips.csv from the rows it
    holds (read from the batches as they were saved): the same text as from the batch files,
    however many rows are formatted at a time. (Planted once: a chunk's last row dropped.)"""
    monkeypatch.setattr(tables, "CHUNK", chunk)
    folder = sweep(tmp_path, "out")
    again = tmp_path / "again"
    again.mkdir()
    with Store(folder) as store:
        batches = list(store.saved(with_series=True))
    tables.write_tables(again, batches, 3, [40] * 3, 0, [7] * 3)  # the tiny one: 40 expected
    for name in ("replications.csv", "trips.csv"):
        assert (again / name).read_bytes() == (folder / name).read_bytes()
    if chunk == 3:  # several chunks a point
        assert (folder / "trips.csv").read_text().count("\n") > 3 * 2 * chunk


def test_the_second_process_ends_with_the_first(tmp_path: Path) -> None:
    """The first process killed (SIGKILL: nothing of it runs): the second is killed too,
    not left writing tables and holding the folder's lock. (Planted once: the parent-death
    signal not set; the second process outlived the first.)"""
    pid_file = tmp_path / "pid"
    script = (
        "import os, signal, time\n"
        "import crossing_sim.results.second_process as sp\n"
        "sp.can_fork = lambda: True\n"
        f"def work():\n    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(60)\n"
        f"p = sp.SecondProcess(work)\n"
        f"while not os.path.exists({str(pid_file)!r}): time.sleep(0.01)\n"
        "time.sleep(0.1)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", script], timeout=60, check=False)
    assert done.returncode == -signal.SIGKILL
    child = int(pid_file.read_text())
    stat = Path(f"/proc/{child}/stat")
    for _ in range(500):  # the kernel sends the signal as the first ends: a moment
        try:
            if stat.read_text().split(") ", 1)[1].startswith("Z"):  # dead, not yet reaped
                return
        except (FileNotFoundError, ProcessLookupError):
            return
        time.sleep(0.01)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the second process outlived the first")
