"""Ctrl-C in the program (crossing_sim.interrupt): one line and exit code 130 whenever it
comes, from the first import of the command line to the command's own work; no traceback.

Each case starts the program with a hook (a ``sitecustomize`` on PYTHONPATH) that sends the
process SIGINT the moment a given module is first looked for, so the moments are the same
on any machine however fast it is. (Sends at moments in time: tests/experiment/
test_failures.py.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TINY

HOOK = """\
import os, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == os.environ["CTRL_C_AT"]:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), 2)  # SIGINT, as a terminal's Ctrl-C
        return None

sys.meta_path.insert(0, CtrlC())
"""
SCRIPT = Path(sys.executable).with_name("crossing-sim")
#: While the command line starts: the package of the command line, click, the group, the
#: command's module (from the lazy group), pathlib's ipaddress (an interrupted import there
#: becomes a RuntimeError), numpy, SimPy; then in the command's body: scipy (the statistics;
#: the progress bar, tqdm, is imported only on a terminal).
MOMENTS = ["crossing_sim.cli", "click", "crossing_sim.cli.run", "ipaddress", "numpy", "simpy",
           "scipy"]


def _interrupted_at(module: str, program: list[str], tmp_path: Path) -> tuple[int, str]:
    (tmp_path / "hook").mkdir(exist_ok=True)
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    done = subprocess.run(
        [*program, "run", str(tmp_path / "tiny.toml"), "--reps", "2", "--jobs", "1", "--out",
         str(tmp_path / "r")],
        env={**os.environ, "PYTHONPATH": str(tmp_path / "hook"), "CTRL_C_AT": module},
        capture_output=True, text=True, timeout=120, check=False,
        # as from a terminal (a suite started in the background passes SIGINT ignored)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    return done.returncode, done.stderr


@pytest.mark.skipif(not SCRIPT.is_file(), reason="the crossing-sim script is not installed")
@pytest.mark.parametrize("module", MOMENTS)
def test_ctrl_c_while_the_program_starts_is_one_line(module: str, tmp_path: Path) -> None:
    code, err = _interrupted_at(module, [str(SCRIPT)], tmp_path)
    assert code == 130, err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.strip()]
    assert line.startswith("interrupted"), err
    assert not (tmp_path / "r").exists() or module == "scipy"


@pytest.mark.parametrize("module", ["click", "numpy"])
def test_so_it_is_with_python_m(module: str, tmp_path: Path) -> None:
    code, err = _interrupted_at(module, [sys.executable, "-m", "crossing_sim"], tmp_path)
    assert code == 130, err
    assert err == "interrupted; nothing was started\n"


def test_the_program_is_the_entry_point() -> None:
    """The console script runs crossing_sim.__main__:run (which installs the handling
    first); the script installed here is up to date with pyproject.toml."""
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["crossing-sim"] == "crossing_sim.__main__:run"
    if SCRIPT.is_file():
        assert "from crossing_sim.__main__ import run" in SCRIPT.read_text()


def test_in_process_use_keeps_its_own_ctrl_c() -> None:
    """A test, notebook or script calling the command line keeps Python's KeyboardInterrupt."""
    from click.testing import CliRunner

    from crossing_sim.cli.main import main

    before = signal.getsignal(signal.SIGINT)
    assert CliRunner().invoke(main, ["check", str(Path(__file__).parents[1] / "scenarios" /
                                                  "baseline.toml")]).exit_code == 0
    assert signal.getsignal(signal.SIGINT) is before


def test_a_ctrl_c_python_turned_into_another_error_is_still_a_ctrl_c(
        capsys: pytest.CaptureFixture[str]) -> None:
    """An import interrupted inside ``__set_name__`` raises RuntimeError from the
    KeyboardInterrupt: the command still says one line and exits 130."""
    from crossing_sim.cli.common import friendly

    @friendly
    def command() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'cached_property'") from exc

    @friendly
    def broken() -> None:
        raise RuntimeError("a real bug")

    before = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as stopped:
            command()
    finally:
        signal.signal(signal.SIGINT, before)  # the command ignores a second Ctrl-C
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "interrupted; nothing half-written was kept\n"
    with pytest.raises(RuntimeError, match="a real bug"):  # other errors go on as they were
        broken()
