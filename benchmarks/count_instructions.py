"""Instructions per replication of the project's model and of the floor, with valgrind.

Wall-clock times drift on a shared or virtual machine; instruction counts do not. Run::

    .venv/bin/python benchmarks/count_instructions.py [--reps 100]

It runs this file under ``valgrind --tool=callgrind`` four times (warm-up only, then the
project's model, then the floor of ``floor.py``, both on the same streams, then a whole
serial run of the same nights into a results folder, its tables written in the same
process: valgrind's count of a forked process would carry the count before the fork), and
prints each model's instructions per replication and their ratio, and what the experiment
layer adds to the model's. With
``--margin 300`` it also counts the model and the whole run on 300 nights and gives the
layer's cost per night as the margin between the two sizes (without what a run costs once:
the folder, the summary, the JSON files). It needs valgrind (Debian: ``apt-get install
valgrind``) and takes a few minutes (with ``--margin``, about ten).

Two things would otherwise make the counts drift from run to run: OpenBLAS's idle worker
threads (their spinning is counted), so it runs with one BLAS thread; and Python's full
garbage collections, each scanning every object of the heap (tens of millions of
instructions once scipy is imported), which fall in one run and not another after any
change in allocations; so the objects of the warm-up are frozen (``gc.freeze``) and a
collection scans only what the measured nights keep alive.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def work(which: str, reps: int) -> None:
    """What runs under valgrind: 20 warm-up replications of each model, then ``reps`` of one."""
    sys.path.insert(0, str(HERE))
    import bench_model

    import crossing_sim.results.second_process as second_process

    # the tables written in this process: a forked second process carries valgrind's count
    # of everything before the fork, so the counts of two processes do not add up
    second_process.can_fork = lambda: False
    from floor import floor_night

    from crossing_sim import load_scenario, replication_streams, simulate
    from crossing_sim.experiment.design import Design
    from crossing_sim.experiment.executors import SerialExecutor
    from crossing_sim.experiment.run import Plan
    from crossing_sim.experiment.sweep import execute, prepare, spec_of

    scenario = load_scenario(bench_model.BASELINE)
    for i in range(20):
        simulate(scenario, replication_streams(1, i))
        floor_night(scenario, replication_streams(1, i))
    prepared = prepare(bench_model.BASELINE)
    with tempfile.TemporaryDirectory() as tmp:

        def experiment(seed: int, nights: int, name: str) -> None:
            plan = Plan([prepared[0].scenario], seed, nights)
            execute(prepared, plan, spec_of("run", prepared, plan, [], Design()),
                    SerialExecutor(), Path(tmp) / name)

        experiment(1, 20, "warm-up")  # imports everything a run needs (scipy too)
        gc.collect()
        gc.freeze()  # full collections scan only what the measured nights keep alive
        if which == "experiment":  # the whole run: nights, records, batches, tables
            experiment(2, reps, "run")
            return
        for i in range(reps):
            streams = replication_streams(2, i)
            if which == "project":
                simulate(scenario, streams)
            elif which == "floor":
                floor_night(scenario, streams)


def count(which: str, reps: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out",
             sys.executable, __file__, "--work", which, "--reps", str(reps)],
            capture_output=True, text=True, check=True,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})  # no idle threads counted
    counts = re.findall(r"Collected : (\d+)", done.stderr)
    if len(counts) != 1:
        raise RuntimeError(f"valgrind gave {len(counts)} counts, for one process:\n"
                           f"{done.stderr[-2000:]}")
    return int(counts[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--margin", type=int, metavar="NIGHTS",
                        help="also count runs of this many nights: the layer per night as the "
                             "margin between the two sizes")
    parser.add_argument("--work", choices=["none", "project", "floor", "experiment"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        work(args.work, args.reps)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)")
        return 1
    base = count("none", args.reps)
    project = (count("project", args.reps) - base) / args.reps
    floor = (count("floor", args.reps) - base) / args.reps
    print(f"instructions per replication: project {project / 1e6:.2f} M, floor "
          f"{floor / 1e6:.2f} M, ratio {project / floor:.2f}x (target <= 1.2x)")
    whole = count("experiment", args.reps)
    layer = (whole - base) / args.reps - project
    print(f"the experiment layer (a serial run into a results folder: seeding, records, "
          f"batches, tables, summary) adds {layer / 1e6:.2f} M a night, "
          f"{100 * layer / project:.0f} % of the model's (target <= 10 %)")
    if args.margin:
        nights = args.margin - args.reps
        model = (count("project", args.margin) - base - project * args.reps) / nights
        run = (count("experiment", args.margin) - whole) / nights
        print(f"the margin from {args.reps} to {args.margin} nights: the model "
              f"{model / 1e6:.3f} M a night, the whole run {run / 1e6:.3f} M, so the layer "
              f"{(run - model) / 1e6:.3f} M a night, {100 * (run - model) / model:.1f} % of "
              f"the model's")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
