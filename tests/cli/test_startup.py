"""crossing-sim --help and --version start light: no numpy, SimPy, scipy or matplotlib.

(How fast is measured by benchmarks/bench_startup.py, not here.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "simpy", "scipy", "matplotlib", "distributed", "SALib")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["-h"]])
def test_the_group_imports_nothing_heavy(args: list[str]) -> None:
    script = ("import json, sys\n"
              "from crossing_sim.cli import main\n"
              f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
              f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_every_command_is_listed_and_loads() -> None:
    from click.testing import CliRunner

    from crossing_sim.cli.main import COMMANDS, main

    listing = CliRunner().invoke(main, ["--help"]).output
    for name, (_, short) in COMMANDS.items():
        assert f"{name}" in listing
        assert short in listing
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Examples:" in result.output, name
