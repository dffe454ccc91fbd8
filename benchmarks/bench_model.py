"""How fast is one replication of the baseline night, next to a bare SimPy model of it?

Run on demand (this is a report, not a test)::

    .venv/bin/python benchmarks/bench_model.py [--reps N] [--seed S]

In one run it times, replication by replication and alternating which goes first, two models:

* **project**: ``crossing_sim.simulate(load_scenario("scenarios/baseline.toml"), streams)``;
* **floor**: the same night as a minimal SimPy model (:func:`floor.floor_night`) with exactly
  the project's draws from the same component streams.

Both get replication ``i``'s streams (``replication_streams(seed, i)``, each its own
instance, made outside the timed region). The floor must cross exactly as many people as the
project on every timed night; if it does not, the report says so first, as a failure.

It prints the median and mean milliseconds per replication of each, the ratio project/floor
and whether the project's model is within the target (``TARGET`` times the floor). It always
exits with status 0.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import simpy
from numpy.typing import NDArray

import crossing_sim
from crossing_sim import Fate, Outcome, Streams, load_scenario, replication_streams, simulate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor import check_structure, floor_night

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
TARGET = 1.25  # the project's model should take at most this many times the floor's time
DEFAULT_REPS = 300
DEFAULT_WARMUP = 30
DEFAULT_SEED = 2018

Model = Callable[[Streams], object]


def crossed_by(result: object) -> int:
    """People who crossed, from either model's result (not timed)."""
    if isinstance(result, Outcome):
        return int(result.people_by_fate()[Fate.CROSSED])
    assert isinstance(result, int)
    return result


def time_interleaved(models: dict[str, Model], seed: int, reps: int, warmup: int
                     ) -> tuple[dict[str, NDArray[np.float64]], dict[str, list[int]]]:
    """Seconds per replication of each model, alternating which model goes first each round,
    and the people each crossed on each night.

    Both models get replication ``i``'s streams (each its own instance, made outside the
    timed region). Warm-up rounds use another point's streams and are not recorded.
    """
    names = list(models)
    for i in range(warmup):
        for name in names:
            models[name](replication_streams(seed, i, 1))
    gc.collect()
    seconds = {name: np.empty(reps) for name in names}
    crossed: dict[str, list[int]] = {name: [] for name in names}
    for i in range(reps):
        for name in names if i % 2 == 0 else names[::-1]:
            streams = replication_streams(seed, i)
            start = time.perf_counter()
            result = models[name](streams)
            seconds[name][i] = time.perf_counter() - start
            crossed[name].append(crossed_by(result))
    return seconds, crossed


def report(seconds: dict[str, NDArray[np.float64]], crossed: dict[str, list[int]]) -> float:
    """Print the timings; return the ratio of the medians, project over floor."""
    print(f"{'model':<8} {'median ms':>10} {'mean ms':>9} {'p10 ms':>8} {'p90 ms':>8}"
          f" {'crossed':>8}")
    for name, values in seconds.items():
        ms = values * 1e3
        p10, p90 = np.percentile(ms, [10, 90])
        print(f"{name:<8} {np.median(ms):>10.3f} {ms.mean():>9.3f} {p10:>8.3f} {p90:>8.3f}"
              f" {np.mean(crossed[name]):>8.1f}")
    ratio = float(np.median(seconds["project"]) / np.median(seconds["floor"]))
    mean_ratio = float(seconds["project"].mean() / seconds["floor"].mean())
    print(f"ratio project/floor: {ratio:.2f}x (medians), {mean_ratio:.2f}x (means);"
          f" target: within {TARGET:.2f}x of the floor")
    return ratio


def same_night(crossed: dict[str, list[int]]) -> bool:
    """Whether the floor crossed exactly as many people as the project on every night."""
    differ = [(i, p, f) for i, (p, f) in enumerate(zip(crossed["project"], crossed["floor"],
                                                         strict=True)) if p != f]
    if differ:
        shown = ", ".join(f"night {i}: project {p}, floor {f}" for i, p, f in differ[:5])
        print(f"FAILURE: the floor is not the same night: it crossed another number of people"
              f" on {len(differ)} of {len(crossed['floor'])} nights ({shown})")
        return False
    print(f"check: the floor crossed exactly as many people as the project on all"
          f" {len(crossed['floor'])} nights")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, time both models side by side and print the report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reps", type=int, default=DEFAULT_REPS,
                        help=f"timed replications of each model (default {DEFAULT_REPS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"seed of the replications (default {DEFAULT_SEED})")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP,
                        help=f"untimed replications of each model first (default {DEFAULT_WARMUP})")
    args = parser.parse_args(argv)
    if args.reps < 1 or args.warmup < 0:
        parser.error("--reps must be >= 1 and --warmup >= 0")

    print(f"Python {platform.python_version()} ({platform.python_implementation()}),"
          f" numpy {np.__version__}, simpy {simpy.__version__},"
          f" crossing-sim {crossing_sim.__version__}; load average"
          f" {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    scenario = load_scenario(BASELINE)
    for line in check_structure(scenario):
        print(f"FAILURE: the floor does not model this scenario: {line}")
    models: dict[str, Model] = {
        "project": lambda streams: simulate(scenario, streams),
        "floor": lambda streams: floor_night(scenario, streams),
    }
    print(f"{args.reps} replications of each (seed {args.seed}, {args.warmup} warm-up),"
          f" alternating order; scenario {BASELINE.name}")
    seconds, crossed = time_interleaved(models, args.seed, args.reps, args.warmup)
    same = same_night(crossed)
    ratio = report(seconds, crossed)
    verdict = "within target" if ratio <= TARGET else "OVER target"
    print(f"{verdict}: the project's model takes {ratio:.2f}x the floor (target <= {TARGET}x)"
          + ("" if same else " (but the floor is not the same night: see FAILURE above)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
