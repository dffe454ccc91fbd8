"""How well the experiment layer scales: workers, per-replication overhead, a 10,000-run.

Run on demand (a report, not a test)::

    .venv/bin/python benchmarks/bench_experiment.py [--reps 6000] [--big 10000] [--rounds 5]

In one run it measures, on the baseline scenario:

1. **speed-up**: the same sweep (two points, ``--reps`` replications each) with 1 worker (in
   this process) and with a pool of 2 workers, both writing their results folder; the
   target is at least 1.8x on a 2-core machine. The pool's time includes starting it; a
   second line gives the replications alone, on workers already started.
2. **overhead**: the experiment layer's own cost per replication (seeding, collecting,
   saving batches, writing the tables), as the difference between a serial experiment that
   writes a results folder and the bare ``simulate`` calls for the same replications, the
   two timed one after the other in each of ``--rounds`` rounds (the median reported), less
   the same difference for a run of 10 nights (what any run costs once: the folder, the
   summary, the manifest).
3. **a big run**: ``--big`` replications of the baseline with the default executor, its
   wall time and the peak memory of this process and of its workers.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import crossing_sim
from crossing_sim import replication_streams, simulate
from crossing_sim.experiment.design import Design, parse_vary
from crossing_sim.experiment.executors import PoolExecutor, SerialExecutor
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.sweep import execute, prepare, spec_of

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
TARGET_SPEEDUP = 1.8


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def sweep_seconds(reps: int, workers: int, folder: Path) -> float:
    """Wall time of a two-point baseline sweep, including starting the executor."""
    factors = [parse_vary("gate.lanes=1,2")]

    def go() -> None:
        prepared = prepare(BASELINE, factors=factors)
        plan = Plan([p.scenario for p in prepared], 2018, reps)
        executor = SerialExecutor() if workers == 1 else PoolExecutor(workers)
        try:
            execute(prepared, plan, spec_of("sweep", prepared, plan, factors, Design()),
                    executor, folder)
        finally:
            executor.close()

    return timed(go)


def replication_phase(reps: int) -> tuple[float, float]:
    """Seconds of the replications alone (no start-up, no tables): 1 worker, 2 warm workers."""
    prepared = prepare(BASELINE, factors=[parse_vary("gate.lanes=1,2")])
    plan = Plan([p.scenario for p in prepared], 2018, reps)
    serial = timed(lambda: run_experiment(plan, SerialExecutor()))
    pool = PoolExecutor(2)
    try:
        run_experiment(Plan(plan.scenarios, 1, 20), pool)  # start the workers, import
        pooled = timed(lambda: run_experiment(plan, pool))
    finally:
        pool.close()
    return serial, pooled


#: Nights of the small run whose layer is what any run costs once (the folder, the summary,
#: the manifest), taken off the large run's to leave the layer's cost a night.
ONCE = 10


def layer_seconds(reps: int, folder: Path) -> tuple[float, float]:
    """(seconds of ``reps`` bare nights, seconds the layer adds to them): a serial run into
    a folder less the same nights alone, timed one after the other."""
    prepared = prepare(BASELINE)
    scenario = prepared[0].scenario
    plan = Plan([scenario], 2018, reps)
    shutil.rmtree(folder, ignore_errors=True)
    model = timed(lambda: [simulate(scenario, replication_streams(2018, i))
                           for i in range(reps)])
    whole = timed(lambda: execute(prepared, plan, spec_of("run", prepared, plan, [], Design()),
                                  SerialExecutor(), folder))
    return model, whole - model


def overhead(reps: int, folder: Path, rounds: int) -> tuple[float, list[float]]:
    """The model's ms a replication (median of ``rounds``) and the experiment layer's in
    each round: the margin between a run of ``reps`` nights and one of :data:`ONCE`
    (without what a run costs once)."""
    models, layers = [], []
    for _ in range(rounds):
        model, layer = layer_seconds(reps, folder)
        _, once = layer_seconds(ONCE, folder)
        models.append(1e3 * model / reps)
        layers.append(1e3 * (layer - once) / (reps - ONCE))
    return statistics.median(models), layers


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=6000, help="replications per sweep point")
    parser.add_argument("--big", type=int, default=10_000, help="replications of the big run")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of the overhead's measure (median reported)")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, numpy {np.__version__}, crossing-sim "
          f"{crossing_sim.__version__}, {os.cpu_count()} cores")
    work = Path(tempfile.mkdtemp(prefix="bench-experiment-"))
    try:
        sweep_seconds(50, 2, work / "warm")  # warm the disk cache and imports
        serial = sweep_seconds(args.reps, 1, work / "serial")
        pooled = sweep_seconds(args.reps, 2, work / "pool")
        same = all((work / "serial" / f).read_bytes() == (work / "pool" / f).read_bytes()
                   for f in ("replications.csv", "summary.csv"))
        speedup = serial / pooled
        print(f"\n1. speed-up: 2 points x {args.reps} replications: 1 worker {serial:.2f} s, "
              f"2 workers {pooled:.2f} s (start-up included): {speedup:.2f}x "
              f"({'within' if speedup >= TARGET_SPEEDUP else 'BELOW'} target "
              f">= {TARGET_SPEEDUP}x); identical results: {same}")
        alone, warm = replication_phase(args.reps)
        print(f"   the replications alone (warm workers, no tables): 1 worker {alone:.2f} s, "
              f"2 workers {warm:.2f} s: {alone / warm:.2f}x")
        model_ms, layers = overhead(2000, work / "overhead", args.rounds)
        layer_ms = statistics.median(layers)
        print(f"2. overhead per replication: model {model_ms:.3f} ms, experiment layer "
              f"{layer_ms:.3f} ms ({100 * layer_ms / model_ms:.0f} % of the model's time; "
              f"median of {args.rounds} rounds, from {min(layers):.3f} to {max(layers):.3f} ms)")
        big = work / "big"
        prepared = prepare(BASELINE)
        plan = Plan([prepared[0].scenario], 2018, args.big)
        executor = PoolExecutor()
        try:
            seconds = timed(lambda: execute(
                prepared, plan, spec_of("run", prepared, plan, [], Design()), executor, big))
        finally:
            executor.close()
        size = sum(f.stat().st_size for f in big.rglob("*") if f.is_file()) / 2**20
        print(f"3. {args.big} replications, {executor.workers} workers: {seconds:.1f} s; "
              f"peak memory: main {peak_mib(resource.RUSAGE_SELF):.0f} MiB, largest worker "
              f"{peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB; results folder {size:.1f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
