"""A sweep of many points: its start, its nights and its finishing, against the points.

Run on demand (a report, not a test)::

    .venv/bin/python benchmarks/bench_sweep.py [--points 1000 10000] [--reps 2]

Each size is a Latin hypercube over the baseline's closing time and tables, ``--reps``
nights a point, in this process (``SerialExecutor``), into a temporary results folder. It
reports the seconds of preparing the points (reading and checking every point's scenario),
of the nights (running them and saving each point's batch), and of **finishing** (from the
last batch saved to the folder complete: each point's summary and paired difference, the
tables, ``summary.json`` and the manifest), and the finishing time per point. Target (issue
12): finishing a 10,000-point sweep in under 10 s, linear in the points. Finishing runs in
this process alone, so its CPU seconds (also printed) say what it costs on a machine whose
other work slows the wall clock.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import crossing_sim.experiment.sweep as sweep
from crossing_sim.experiment.design import Design, parse_vary
from crossing_sim.experiment.executors import SerialExecutor
from crossing_sim.experiment.run import Plan

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
TARGET_SECONDS, TARGET_POINTS = 10.0, 10_000


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (the second
    process that writes the tables while this one writes the summaries)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def measure(points: int, reps: int, folder: Path) -> tuple[float, float, float, float]:
    """(prepare, nights, finishing) seconds of one sweep, and finishing's CPU seconds."""
    factors = [parse_vary("gate.close=02:00..04:20"), parse_vary("gate.lanes=1..3")]
    design = Design("lhs", points)
    started = time.perf_counter()
    prepared = sweep.prepare(BASELINE, factors=factors, design=design)
    plan = Plan([p.scenario for p in prepared], 2018, reps)
    spec = sweep.spec_of("sweep", prepared, plan, factors, design)
    ready = time.perf_counter()
    nights_done: list[float] = []
    cpu_done: list[float] = []
    real = sweep.run_experiment

    def timed(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        nights_done.append(time.perf_counter())
        cpu_done.append(cpu_seconds())
        return result

    sweep.run_experiment = timed  # type: ignore[assignment]
    try:
        sweep.execute(prepared, plan, spec, SerialExecutor(), folder)
    finally:
        sweep.run_experiment = real
    finished, cpu = time.perf_counter(), cpu_seconds()
    return ready - started, nights_done[0] - ready, finished - nights_done[0], cpu - cpu_done[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[1000, TARGET_POINTS])
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    print(f"{'points':>7} {'prepare s':>10} {'nights s':>9} {'finishing s':>12} "
          f"{'CPU s':>6} {'ms/point':>9}")
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    per_point = []
    try:
        for points in args.points:
            prep, nights, finish, cpu = measure(points, args.reps, work / f"p{points}")
            per_point.append(finish / points)
            print(f"{points:>7} {prep:>10.1f} {nights:>9.1f} {finish:>12.2f} {cpu:>6.2f} "
                  f"{1e3 * finish / points:>9.2f}")
            shutil.rmtree(work / f"p{points}", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"finishing per point, largest against smallest: "
          f"{per_point[-1] / per_point[0]:.2f}x (linear: about 1x)")
    projected = per_point[-1] * TARGET_POINTS
    print(f"finishing {TARGET_POINTS} points: {projected:.1f} s at the largest size's rate; "
          f"target < {TARGET_SECONDS:.0f} s: {'within' if projected < TARGET_SECONDS else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
