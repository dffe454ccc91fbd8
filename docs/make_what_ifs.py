"""Regenerate the table of docs/what-ifs.md from ``crossing-sim compare``.

    python docs/make_what_ifs.py

Compares every what-if in scenarios/ with the baseline on the same 500 nights (seed 2018),
and once more with independent nights to show what the pairing gains, then rewrites the
part of docs/what-ifs.md between the two ``<!-- table -->`` markers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "what-ifs.md"
WHAT_IFS = ("two_tables", "gate_earlier", "gate_only_earlier", "gate_later", "warning_earlier",
            "warning_day_earlier", "more_buses", "two_tables_return_trips", "second_gate",
            "fewer_checkpoints")
MARK = "<!-- table -->"


def compare(names: list[str], out: Path, *extra: str) -> dict:
    files = [str(ROOT / "scenarios" / f"{n}.toml") for n in names]
    command = [sys.executable, "-m", "crossing_sim", "compare", *files, "--reps", "500",
               "--seed", "2018", "--json", "--out", str(out), *extra]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True,
                                     cwd=ROOT).stdout)


def question(name: str) -> str:
    text = (ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")
    return str(tomllib.loads(text).get("description", "")).removeprefix("The baseline with ")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paired = compare(["baseline", *WHAT_IFS], Path(tmp) / "paired")
        apart = compare(["baseline", *WHAT_IFS], Path(tmp) / "independent", "--independent")
    rows = ["| scenario | what changes | crossed | change (95 % CI) | change, 5-95 % of nights "
            "| nights with more crossing | left by bus: change | CI half-width if independent "
            "| command |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    base = paired["others"][0]["differences"]["crossed"]["base_mean"]
    rows.append(f"| `baseline` | the night as reported | {base:.1f} | - | - | - | - | - | "
                "`crossing-sim run scenarios/baseline.toml` |")
    for name, p, i in zip(WHAT_IFS, paired["others"], apart["others"], strict=True):
        c, bus = p["differences"]["crossed"], p["differences"]["left_by_bus"]
        half = (i["differences"]["crossed"]["ci95_high"]
                - i["differences"]["crossed"]["ci95_low"]) / 2
        rows.append(
            f"| `{name}` | {question(name)} | {c['other_mean']:.1f} | {c['mean']:+.1f} "
            f"({c['ci95_low']:+.1f} to {c['ci95_high']:+.1f}) | {c['q05']:+.0f} to "
            f"{c['q95']:+.0f} | {100 * c['p_more']:.0f} % | {bus['mean']:+.1f} | "
            f"±{half:.1f} | `crossing-sim compare scenarios/baseline.toml "
            f"scenarios/{name}.toml` |")
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(MARK)
    _, _, tail = rest.partition(MARK)
    DOC.write_text(f"{head}{MARK}\n" + "\n".join(rows) + f"\n{MARK}{tail}", encoding="utf-8")
    print(f"{DOC}: {len(WHAT_IFS)} what-ifs")


if __name__ == "__main__":
    main()
