"""A full disk and a read-only folder: one line naming the folder, saying what is kept and
how to resume; never a traceback. (A small tmpfs when running as root, else skipped; the
read-only case also runs without root, with permissions.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASELINE, TINY
from crossing_sim.cli.main import main

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
SWEEP = ["sweep", str(BASELINE), "--vary", "gate.lanes=1,2", "--reps", "40", "--jobs", "1"]


@contextmanager
def _tmpfs(where: Path, size: str, what: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` for the block (skipped without root)."""
    if not ROOT or shutil.which("mount") is None:
        pytest.skip(f"needs root to mount a {what} tmpfs")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with _tmpfs(tmp_path / "disk", "256k", "small") as disk:
        yield disk


def _one_error(result: object) -> str:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, output
    return errors[0]


def test_a_full_disk_says_what_is_kept_and_how_to_resume(small_disk: Path) -> None:
    folder = small_disk / "s"
    line = _one_error(CliRunner().invoke(main, [*SWEEP, "--reps", "400", "--out",
                                                str(folder)]))
    assert f"{folder}: cannot save results: No space left on device; the batches finished " \
           "so far are kept: fix that, then run the same command again to resume" in line
    assert json.loads((folder / "manifest.json").read_text())["status"] == "running"


def _unfinished(tmp_path: Path, where: Path) -> Path:
    """A sweep folder as a kill leaves it: a running manifest, half its batches."""
    whole = tmp_path / "whole"
    assert CliRunner().invoke(main, [*SWEEP, "--out", str(whole)]).exit_code == 0
    cut = where / "cut"
    (cut / "batches").mkdir(parents=True)
    manifest = json.loads((whole / "manifest.json").read_text())
    (cut / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    batches = sorted((whole / "batches").glob("*.npz"))
    for batch in batches[: len(batches) // 2]:
        shutil.copy(batch, cut / "batches" / batch.name)
    return cut


def test_a_read_only_folder_says_what_is_kept_and_how_to_resume(tmp_path: Path) -> None:
    if ROOT:  # permissions do not stop root: make the file system read-only instead
        with _tmpfs(tmp_path / "disk", "4m", "read-only") as disk:
            cut = _unfinished(tmp_path, disk)
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            line = _one_error(CliRunner().invoke(main, [*SWEEP, "--out", str(cut)]))
        reason = "Read-only file system"
    else:
        cut = _unfinished(tmp_path, tmp_path)
        for path in (cut / "batches", cut):
            path.chmod(0o555)
        try:
            line = _one_error(CliRunner().invoke(main, [*SWEEP, "--out", str(cut)]))
        finally:
            for path in (cut, cut / "batches"):
                path.chmod(0o755)
        reason = "Permission denied"
    assert f"{cut}: cannot be used for results: {reason}; the batches finished so far are " \
           "kept: fix that, then run the same command again to resume" in line


def test_a_finished_folder_on_a_read_only_disk_is_still_reported(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "disk", "4m", "read-only") as disk:
        assert CliRunner().invoke(main, [*SWEEP, "--out", str(disk / "s")]).exit_code == 0
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        again = CliRunner().invoke(main, [*SWEEP, "--out", str(disk / "s")])
    assert again.exit_code == 0, again.output
    assert "Already complete; nothing was run" in again.output


# --- the analyses: their folder appears whole at the end, so a failure keeps nothing ---------

PRIORS = '[priors]\n"warning.p_reach" = {dist = "uniform", low = 0.6, high = 1.0}\n'
RANGES = '[ranges]\n"gate.lanes" = [1, 2]\n"gate.screening_per_person" = ["30s", "90s"]\n'


def _analysis(kind: str, inputs: Path, folder: Path) -> list[str]:
    """A small ``calibrate`` or ``sensitivity`` command line into ``folder``."""
    (inputs / "tiny.toml").write_text(TINY, encoding="utf-8")
    (inputs / "priors.toml").write_text(PRIORS, encoding="utf-8")
    (inputs / "ranges.toml").write_text(RANGES, encoding="utf-8")
    if kind == "calibrate":
        return ["calibrate", str(inputs / "tiny.toml"), "--priors", str(inputs / "priors.toml"),
                "--set", "observed.crossed=30", "--population", "20", "--generations", "1",
                "--rows", "5", "--predictive", "5", "--no-holdout", "-j", "1",
                "--out", str(folder)]
    return ["sensitivity", str(inputs / "tiny.toml"), "--ranges", str(inputs / "ranges.toml"),
            "--samples", "2", "--reps", "1", "-j", "1", "--out", str(folder)]


@pytest.mark.parametrize("kind", ["calibrate", "sensitivity"])
def test_an_analysis_on_a_full_disk_is_one_line_and_keeps_nothing(
        small_disk: Path, tmp_path: Path, kind: str) -> None:
    stat = os.statvfs(small_disk)
    filler = small_disk / "filler"  # leave room for the tables, not for the figures
    filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 12 * 1024))
    folder = small_disk / "a"
    line = _one_error(CliRunner().invoke(main, _analysis(kind, tmp_path, folder)))
    assert f"{folder}: cannot save results: No space left on device; nothing was kept: fix " \
           "that, then run the same command again" in line
    assert list(small_disk.iterdir()) == [filler]  # no folder, no half-built sibling


@pytest.mark.parametrize("kind", ["calibrate", "sensitivity"])
def test_an_analysis_into_a_read_only_folder_stops_before_any_night(
        tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import crossing_sim.cli.analysis as cli_analysis

    def no_nights(*args: object) -> None:
        raise AssertionError("nights were run")

    monkeypatch.setattr(cli_analysis, "choose_executor", no_nights)
    if ROOT:  # permissions do not stop root: make the file system read-only instead
        with _tmpfs(tmp_path / "disk", "4m", "read-only") as disk:
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            folder = disk / "a"
            line = _one_error(CliRunner().invoke(main, _analysis(kind, tmp_path, folder)))
        reason = "Read-only file system"
    else:
        disk = tmp_path / "disk"
        disk.mkdir(mode=0o555)
        folder = disk / "a"
        try:
            line = _one_error(CliRunner().invoke(main, _analysis(kind, tmp_path, folder)))
        finally:
            disk.chmod(0o755)
        reason = "Permission denied"
    assert line == f"Error: {folder}: cannot be used for results: {reason}"
