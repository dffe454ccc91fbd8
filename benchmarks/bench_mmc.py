"""The gate as an M/M/c queue: customers per second next to Ciw on the same input.

Run on demand (a report, not a test; needs the ``bench`` extra: ``pip install -e '.[bench]'``)::

    .venv/bin/python benchmarks/bench_mmc.py [--customers 100000] [--servers 3] [--rho 0.8]

The project's model runs an M/M/c night (``arrivals.mode = "poisson"``, families of one,
exponential screening per group, ``c`` tables, ``finish_queue``; the set-up of
``tests/validation/test_queueing_theory.py``). Ciw (a queueing library,
https://ciw.readthedocs.io) runs the same queue on the same input: the interarrival gaps and
service times the project draws from its streams (``arrivals/gaps`` and
``gate/screening_per_group``), given to Ciw in order as ``ciw.dists.Sequential``. Both serve
first come first served, so every customer's wait must agree (checked: the mean waits may
differ only by rounding). A lean SimPy model of the queue alone (deques and one process per
table) is timed on the same input as a reference.

Each is timed ``--repeat`` times, interleaved, and the median taken; the project's time
includes drawing its random numbers and building its outcome (arrays and time series),
Ciw's and the lean model's start from the drawn numbers. Target (issue 12): the project at
least 8x Ciw's customers per second.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
from collections import deque
from collections.abc import Generator

import numpy as np
import simpy

from crossing_sim import Scenario, replication_streams, scenario_from_dict, simulate

TARGET = 8.0
SEED = 2018
WINDOW = 1300.0  # minutes over which the customers arrive, on average


def mmc_scenario(customers: int, servers: int, rho: float) -> Scenario:
    lam = customers / WINDOW  # customers a minute
    service = {"dist": "exponential", "mean": f"{servers * rho / lam * 60:.12g}s"}
    return scenario_from_dict({
        "start": "00:00", "end": "23:59", "series_step": "1min",
        "population": {"expected": customers, "group_size": 1},
        "arrivals": {"mode": "poisson", "rate": f"{lam:.12g}/min"},
        "gate": {"open": "00:00", "close": "23:50", "closing": "finish_queue", "lanes": servers,
                 "screening_per_person": "0s",
                 "screening_per_group": service},
        "buses": {"count": 1, "seats": 1, "available": "23:58"},
    })


def same_input(scenario: Scenario) -> tuple[list[float], list[float]]:
    """The project's interarrival gaps and service times, drawn from its streams."""
    streams = replication_streams(SEED, 0)
    a = scenario.arrivals
    assert a.rate is not None
    n = scenario.population.expected
    gaps = streams.exponential("arrivals/gaps", 1 / a.rate, n)
    service = streams.draw("gate/screening_per_group", scenario.gate.screening_per_group.sample, n)
    return gaps.tolist(), service.tolist()


def run_project(scenario: Scenario) -> float:
    """Mean wait in the queue (minutes) of the project's M/M/c night."""
    g = simulate(scenario, replication_streams(SEED, 0)).groups
    return float(np.nanmean(g.screen_start - g.arrive))


def run_ciw(gaps: list[float], service: list[float], servers: int, until: float) -> float:
    import ciw  # the bench extra

    # Sequential cycles through its list: a last gap past the end stops the arrivals
    network = ciw.create_network(arrival_distributions=[ciw.dists.Sequential([*gaps, 1e12])],
                                 service_distributions=[ciw.dists.Sequential(service)],
                                 number_of_servers=[servers])
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(until)
    records = sim.get_all_records()
    assert len(records) == len(gaps), "Ciw did not serve every customer by the end"
    return float(np.mean([r.waiting_time for r in records]))


def run_lean(gaps: list[float], service: list[float], servers: int, until: float) -> float:
    """The M/M/c queue alone in SimPy, as lean as it can be written."""
    env = simpy.Environment()
    queue: deque[tuple[int, float]] = deque()
    idle: list[simpy.Event] = []
    waited = [0.0]

    def arrivals() -> Generator[simpy.Event, object, None]:
        for i, gap in enumerate(gaps):
            yield env.timeout(gap)
            queue.append((i, env.now))
            if idle:
                idle.pop().succeed()

    def server() -> Generator[simpy.Event, object, None]:
        while True:
            if not queue:
                wake = env.event()
                idle.append(wake)
                yield wake
                continue
            i, came = queue.popleft()
            waited[0] += env.now - came
            yield env.timeout(service[i])

    env.process(arrivals())
    for _ in range(servers):
        env.process(server())
    env.run(until=until)
    return waited[0] / len(gaps)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--rho", type=float, default=0.8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import ciw

    print(f"Python {platform.python_version()}, numpy {np.__version__}, simpy {simpy.__version__},"
          f" ciw {ciw.__version__}; load average"
          f" {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    scenario = mmc_scenario(args.customers, args.servers, args.rho)
    gaps, service = same_input(scenario)
    until = scenario.end
    print(f"M/M/{args.servers}, rho {args.rho}, {args.customers} customers over about"
          f" {WINDOW:.0f} min; median of {args.repeat} interleaved runs")
    models = {
        "project": lambda: run_project(scenario),
        "lean simpy": lambda: run_lean(gaps, service, args.servers, until),
        "ciw": lambda: run_ciw(gaps, service, args.servers, until),
    }
    seconds: dict[str, list[float]] = {name: [] for name in models}
    waits: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, model in models.items():
            start = time.perf_counter()
            waits[name] = model()
            seconds[name].append(time.perf_counter() - start)
    rate = {name: args.customers / float(np.median(s)) for name, s in seconds.items()}
    for name in models:
        print(f"{name:<11} {np.median(seconds[name]):8.3f} s {rate[name]:>11,.0f} customers/s"
              f"  mean wait {waits[name]:.6f} min")
    agree = all(math.isclose(w, waits["ciw"], rel_tol=1e-9) for w in waits.values())
    print("check: the mean waits agree (same queue, same input)" if agree else
          "FAILURE: the mean waits differ: the models did not run the same queue")
    ratio = rate["project"] / rate["ciw"]
    verdict = "within target" if ratio >= TARGET else "UNDER target"
    print(f"{verdict}: the project serves {ratio:.1f}x Ciw's customers/s (target >= {TARGET}x);"
          f" the lean SimPy model {rate['lean simpy'] / rate['ciw']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
