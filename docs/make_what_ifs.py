"""Regenerate the table of docs/what-ifs.md from ``crossing-sim compare``.

    python docs/make_what_ifs.py

Compares every what-if in scenarios/ with the baseline on the same 500 nights (seed 2018),
and once more with independent nights to show what the pairing gains, then rewrites the
part of docs/what-ifs.md between the two ``<!-- table -->`` markers. Then compares them over
the posterior (the calibrated scenario as the base: each night draws its uncertain values
from scenarios/calibrated_posterior.csv, the same row for every what-if) and rewrites the
part between the two ``<!-- posterior -->`` markers: each lever's paired difference as a
distribution over the posterior, and how often one lever beats another on the same night.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "what-ifs.md"
WHAT_IFS = ("two_tables", "gate_earlier", "gate_only_earlier", "gate_later", "warning_earlier",
            "warning_day_earlier", "more_buses", "two_tables_return_trips", "second_gate",
            "fewer_checkpoints")
MARK = "<!-- table -->"
POSTERIOR_MARK = "<!-- posterior -->"
#: Levers set against each other on the same nights over the posterior.
DUELS = (("gate_later", "two_tables"), ("two_tables", "warning_earlier"),
         ("two_tables", "fewer_checkpoints"), ("second_gate", "gate_earlier"),
         ("gate_later", "gate_earlier"))


def compare(names: list[str], out: Path, *extra: str) -> dict:
    files = [str(ROOT / "scenarios" / f"{n}.toml") for n in names]
    command = [sys.executable, "-m", "crossing_sim", "compare", *files, "--reps", "500",
               "--seed", "2018", "--json", "--out", str(out), *extra]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True,
                                     cwd=ROOT).stdout)


def question(name: str) -> str:
    text = (ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")
    return str(tomllib.loads(text).get("description", "")).removeprefix("The baseline with ")


def replace_between(mark: str, rows: list[str]) -> None:
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(mark)
    _, _, tail = rest.partition(mark)
    DOC.write_text(f"{head}{mark}\n" + "\n".join(rows) + f"\n{mark}{tail}", encoding="utf-8")


def posterior_rows(folder: Path) -> list[str]:
    """Each lever's paired difference over the posterior, and the duels of levers."""
    from crossing_sim import load_scenario
    from crossing_sim.results.reader import load_results

    points = load_results(folder).points
    base = points[0].crossed.astype(float)
    fact = load_scenario(ROOT / "scenarios" / "calibrated.toml").observed.crossed
    observed = int(fact.value) if fact is not None else 0
    change = {n: p.crossed - base for n, p in zip(WHAT_IFS, points[1:], strict=True)}
    q = np.quantile(base, [0.05, 0.95])
    rows = [f"Over the posterior, {len(base)} nights: the calibrated baseline crossed "
            f"{base.mean():.1f} a night on average, 5-95 % of nights {q[0]:.0f}-{q[1]:.0f}; "
            f"{100 * np.mean(base <= observed):.0f} % of nights had {observed} (the reported "
            "count) or fewer.", "",
            "| scenario | change a night: mean | median | 5-95 % of nights "
            "| nights with more crossing | nights with fewer |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name, d in change.items():
        lo, mid, hi = np.quantile(d, [0.05, 0.5, 0.95])
        rows.append(f"| `{name}` | {d.mean():+.1f} | {mid:+.0f} | {lo:+.0f} to {hi:+.0f} | "
                    f"{100 * np.mean(d > 0):.0f} % | {100 * np.mean(d < 0):.0f} % |")
    rows += ["", "| lever A | lever B | A gains more than B | as much | B gains more |",
             "| --- | --- | --- | --- | --- |"]
    for a, b in DUELS:
        da, db = change[a], change[b]
        rows.append(f"| `{a}` | `{b}` | {100 * np.mean(da > db):.0f} % | "
                    f"{100 * np.mean(da == db):.0f} % | {100 * np.mean(da < db):.0f} % |")
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paired = compare(["baseline", *WHAT_IFS], Path(tmp) / "paired")
        apart = compare(["baseline", *WHAT_IFS], Path(tmp) / "independent", "--independent")
        compare(["calibrated", *WHAT_IFS], Path(tmp) / "posterior")
        over = posterior_rows(Path(tmp) / "posterior")
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
    replace_between(MARK, rows)
    replace_between(POSTERIOR_MARK, over)
    print(f"{DOC}: {len(WHAT_IFS)} what-ifs, on the baseline and over the posterior")


if __name__ == "__main__":
    main()
