"""Instructions per replication of the project's model and of the floor, with valgrind.

Wall-clock times drift on a shared or virtual machine; instruction counts do not. Run::

    .venv/bin/python benchmarks/count_instructions.py [--reps 100]

It runs this file under ``valgrind --tool=callgrind`` four times (warm-up only, then the
project's model, then the floor of ``floor.py``, both on the same streams, then a whole
serial run of the same nights into a results folder), and prints each model's instructions
per replication and their ratio, and what the experiment layer adds to the model's. It
needs valgrind (Debian: ``apt-get install valgrind``) and takes a few minutes.
"""

from __future__ import annotations

import argparse
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
            capture_output=True, text=True, check=True)
    match = re.search(r"Collected : (\d+)", done.stderr)
    if match is None:
        raise RuntimeError(f"valgrind said no count:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
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
    layer = (count("experiment", args.reps) - base) / args.reps - project
    print(f"the experiment layer (a serial run into a results folder: seeding, records, "
          f"batches, tables, summary) adds {layer / 1e6:.2f} M a night, "
          f"{100 * layer / project:.0f} % of the model's (target <= 10 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
