"""The README's "From Python" example runs as a script, as a reader would save and run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## From Python"):]
    start = section.index("```python\n") + len("```python\n")
    return section[start:section.index("```", start)]


def test_the_from_python_example_runs_as_a_script(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(readme_example(), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stdout.splitlines()[-1]  # the sweep's six means
    assert last.startswith("[")
    assert len(last.strip("[]").split()) == 6
