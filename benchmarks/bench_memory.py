"""The main process's peak memory against the number of nights (issue 12's streaming target).

Run on demand (a report, not a test)::

    .venv/bin/python benchmarks/bench_memory.py [--nights 10000 100000] [--fine 2000 10000]

Each measurement is a fresh process that runs the baseline (``--nights``; and with
``series_step = "1s"``, ``--fine``) on a pool of 2 workers into a temporary results folder,
finishing its tables, and reports its own peak resident memory (``ru_maxrss``), its largest
child's (a worker, or the second process that writes the tables while the main one writes
the summaries: forked from the main process, its peak counts the pages they share), their
sum (more than both ever held at once), and the wall time. Target: the main process's peak
independent of the nights, under 300 MiB at 100,000 nights, the 1-second grid included; the
verdict also holds the sum to it, since the tables' memory is now the second process's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
TARGET_MIB = 300

CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
from crossing_sim.experiment.design import Design
from crossing_sim.experiment.executors import PoolExecutor
from crossing_sim.experiment.run import Plan
from crossing_sim.experiment.sweep import execute, prepare, spec_of
nights, step = int(sys.argv[1]), sys.argv[2]
prepared = prepare(Path(sys.argv[3]), overrides=[f"series_step={step}"])
plan = Plan([prepared[0].scenario], 2018, nights)
executor = PoolExecutor(2)
started = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    try:
        execute(prepared, plan, spec_of("run", prepared, plan, [], Design()), executor,
                Path(tmp) / "out")
    finally:
        executor.close()
    size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
print(json.dumps({"seconds": time.perf_counter() - started,
                  "main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "folder": size / 2**20}))
"""


def measure(nights: int, step: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(nights), step, str(BASELINE)],
                          check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--fine", type=int, nargs="+", default=[2_000, 10_000],
                        help="nights with series_step = 1s")
    args = parser.parse_args()
    print(f"{'grid':>5} {'nights':>8} {'main MiB':>9} {'child MiB':>10} {'sum MiB':>8} "
          f"{'s':>7} {'folder MiB':>11}")
    peaks: dict[str, list[float]] = {}
    sums: dict[str, list[float]] = {}
    for step, sizes in (("5min", args.nights), ("1s", args.fine)):
        for nights in sizes:
            r = measure(nights, step)
            peaks.setdefault(step, []).append(r["main"])
            sums.setdefault(step, []).append(r["main"] + r["worker"])
            print(f"{step:>5} {nights:>8} {r['main']:>9.0f} {r['worker']:>10.0f} "
                  f"{r['main'] + r['worker']:>8.0f} {r['seconds']:>7.1f} {r['folder']:>11.1f}")
    for step, values in peaks.items():
        growth = values[-1] / values[0]
        verdict = "within" if max(sums[step]) < TARGET_MIB else "OVER"
        print(f"{step}: main peak from {values[0]:.0f} to {values[-1]:.0f} MiB ({growth:.2f}x) "
              f"across the sizes, with the largest child at most {max(sums[step]):.0f} MiB; "
              f"target < {TARGET_MIB} MiB: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
