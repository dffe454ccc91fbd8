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

from conftest import BASELINE
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
