"""The one-way rule between the package's layers, checked with import-linter.

The contracts live in pyproject.toml ([tool.importlinter]); docs/architecture.md explains them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the package under ``root/src`` with ``root``'s contracts."""
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    script = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run([sys.executable, "-c", script, "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, check=False)


def test_the_layers_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("module", "upward", "named"), [
    ("model/night.py", "from crossing_sim.experiment.seeding import DEFAULT_SEED",
     "crossing_sim.model.night -> crossing_sim.experiment.seeding"),
    ("scenario/units.py", "from crossing_sim.cli import common",
     "crossing_sim.scenario.units -> crossing_sim.cli.common"),
])
def test_a_planted_upward_import_breaks_them(tmp_path: Path, module: str, upward: str,
                                             named: str) -> None:
    shutil.copytree(ROOT / "src", tmp_path / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    planted = tmp_path / "src" / "crossing_sim" / module
    planted.write_text(planted.read_text(encoding="utf-8") + f"\n{upward}  # noqa\n",
                       encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert named in result.stdout
