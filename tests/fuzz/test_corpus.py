"""The corpus of nasty inputs (tests/fuzz/corpus/cases.toml): one clear line, exit code 2.

New cases are added to ``cases.toml``: by hand, or as printed by ``tests/fuzz/fuzz.py``
for each failing case it finds.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import BASELINE
from crossing_sim.cli.common import MAX_LINE
from crossing_sim.cli.main import main

HERE = Path(__file__).resolve().parent

CORPUS = HERE / "corpus"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text())["case"]


def check_one_clear_line(result: Any, expected: str) -> None:
    assert "Traceback" not in result.output
    if not expected:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.output
    assert expected in errors[0]
    assert len(errors[0]) <= MAX_LINE + len("Error: ")  # readable, however long the input


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_corpus_case(case: dict[str, Any], tmp_path: Path) -> None:
    for name, text in case["files"].items():
        text = text.replace("{baseline}", str(BASELINE))
        data = text.encode("latin-1") if case.get("binary") == name else text.encode()
        (tmp_path / name).write_bytes(data)
    args = [a.replace("{dir}", str(tmp_path)).replace("{baseline}", str(BASELINE))
            for a in case["args"]]
    result = CliRunner().invoke(main, args)
    check_one_clear_line(result, case["error"])
    if "warning" in case:  # accepted, but said to be probably not what was meant
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert any(case["warning"] in line for line in warnings), result.stderr
