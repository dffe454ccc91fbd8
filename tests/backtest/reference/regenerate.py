"""Regenerate the back-test references: ``python tests/backtest/reference/regenerate.py``.

Runs ``crossing-sim run`` on every scenario in ``scenarios/`` (50 nights, seed 2018, in this
process) and keeps the tables that the back test (tests/backtest/test_backtest.py) compares exactly:
``summary.csv``, ``summary.json``, ``replications.csv``, ``trips.csv`` and the printed
summary (``stdout.txt``, with the run time and the folder's path masked). Regenerate only
when a change alters the random streams or the model on purpose, in a commit that says why.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SCENARIOS = ROOT / "scenarios"
#: Files in scenarios/ that are not scenarios (a calibration's priors, a sensitivity's ranges).
NOT_SCENARIOS = {"priors", "ranges"}
TABLES = ("summary.csv", "summary.json", "replications.csv", "trips.csv", "stdout.txt")
REPS, SEED = 50, 2018


def scenario_names() -> list[str]:
    """The scenarios the back test covers: the baseline and every what-if."""
    return sorted(p.stem for p in SCENARIOS.glob("*.toml") if p.stem not in NOT_SCENARIOS)


def run_reference(name: str, out: Path) -> Path:
    """Run one scenario as the references were made; return its results folder."""
    folder = out / name
    command = [sys.executable, "-m", "crossing_sim", "run", str(SCENARIOS / f"{name}.toml"),
               "--reps", str(REPS), "--seed", str(SEED), "--jobs", "1", "--out", str(folder)]
    printed = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    (folder / "stdout.txt").write_text(mask(printed, folder), encoding="utf-8")
    return folder


def mask(printed: str, folder: Path) -> str:
    """The printed summary without what differs between identical runs: time and path."""
    printed = printed.replace(str(folder), "FOLDER")
    return re.sub(r"(replications, seed \d+), [\d.]+ s", r"\1, TIME", printed)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in scenario_names():
            folder = run_reference(name, Path(tmp))
            target = HERE / name
            target.mkdir(exist_ok=True)
            for table in TABLES:
                shutil.copyfile(folder / table, target / table)
            print(f"{name}: {', '.join(TABLES)}")


if __name__ == "__main__":
    main()
