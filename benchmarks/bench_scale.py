"""Does one night scale to a million people, in time and memory?

Run on demand (a report, not a test)::

    .venv/bin/python benchmarks/bench_scale.py [--sizes 7000 70000 1000000] [--repeat 3]

Each size is the baseline night (``scenarios/baseline.toml``) with ``expected`` people and
everything that carries them scaled alike, by ``k = expected / 700``: tables (``gate.lanes``,
at most the schema's 1000), guided groups' capacity, the buses' seats (count, at most
10,000, then seats) and the loading points (``buses.loading_points``, at most the buses):
one loading point boards about 6,000 people in a night, so a scaled night needs as many more
as it has people to board everyone who crosses (the ``boarded`` column; ``--one-bay`` keeps
the baseline's one, to compare). It prints the seconds per night (the median of ``--repeat``
runs, each on the same streams) and microseconds per person, against the smallest size, and
the peak memory a night allocates (``tracemalloc``: numpy and Python objects) per person.

Targets (issue 12): the cost per person at 1,000,000 within 1.3x of that at 7,000 (linear
time), and under 150 bytes a person.
"""

from __future__ import annotations

import argparse
import copy
import gc
import math
import os
import platform
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from crossing_sim import Scenario, replication_streams, scenario_from_dict, simulate
from crossing_sim.scenario.loading import read_toml

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
TIME_TARGET, BYTES_TARGET = 1.3, 150


def scaled(expected: int, scale_bays: bool = True) -> Scenario:
    """The baseline night with ``expected`` people and its tables, guides, buses and bays
    scaled (not the bays if ``scale_bays`` is false)."""
    raw: dict[str, Any] = copy.deepcopy(read_toml(BASELINE))
    raw.pop("observed", None)
    k = expected / raw["population"]["expected"]
    raw["population"]["expected"] = expected
    raw["gate"]["lanes"] = max(1, min(1000, round(k * raw["gate"]["lanes"])))
    guides = raw["origins"]["quneitra"]["guides"]
    guides["capacity"] = max(1, round(k * guides["capacity"]))
    buses = raw["buses"]
    seats = k * buses["count"] * buses["seats"]
    buses["count"] = max(1, min(10_000, round(k * buses["count"])))
    buses["seats"] = min(1000, math.ceil(seats / buses["count"]))
    if scale_bays:
        bays = buses.get("loading_points", 1)
        buses["loading_points"] = max(1, min(buses["count"], round(k * bays)))
    return scenario_from_dict(raw)


def measure(scenario: Scenario, repeat: int) -> tuple[float, int, int, int]:
    """Median seconds of a night, its peak traced bytes, people who crossed and boarded."""
    seconds = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        out = simulate(scenario, replication_streams(2018, 0))
        seconds.append(time.perf_counter() - start)
        crossed, boarded = out.crossed, int(out.boardings.people.sum())
        del out
    gc.collect()
    tracemalloc.start()
    out = simulate(scenario, replication_streams(2018, 0))  # the outcome counts too
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return float(np.median(seconds)), peak, crossed, boarded


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[7000, 70_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one-bay", action="store_true",
                        help="keep the baseline's one loading point at every size")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, numpy {np.__version__}, simpy"
          f" {simpy.__version__}; load average"
          f" {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"{'people':>9} {'lanes':>5} {'bays':>5} {'s/night':>8} {'us/person':>9}"
          f" {'vs first':>8} {'B/person':>8} {'crossed':>8} {'boarded':>8}")
    first = None
    for size in args.sizes:
        scenario = scaled(size, scale_bays=not args.one_bay)
        seconds, peak, crossed, boarded = measure(scenario, args.repeat)
        per = seconds / size * 1e6
        first = first or per
        print(f"{size:>9} {scenario.gate.lanes:>5} {scenario.buses.loading_points:>5}"
              f" {seconds:>8.3f} {per:>9.2f} {per / first:>7.2f}x {peak / size:>8.0f}"
              f" {crossed:>8} {boarded:>8}")
    print(f"targets: cost per person within {TIME_TARGET}x of the smallest size's,"
          f" under {BYTES_TARGET} bytes a person")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
