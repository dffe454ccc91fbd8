"""How fast is one replication of the baseline night, next to a bare SimPy model of it?

Run on demand (this is a report, not a test)::

    .venv/bin/python benchmarks/bench_model.py [--reps N] [--seed S]

In one run it times, replication by replication and alternating which goes first, two models:

* **project**: ``crossing_sim.simulate(load_scenario("scenarios/baseline.toml"), rng)``;
* **floor**: the same night as a minimal SimPy model written here (:func:`floor_replication`):
  family groups, a walk to the gate, one queue and ``lanes`` screening tables open from 21:15
  to 03:00, then a convoy of 10 buses of 50 seats. Every arrival, screening and boarding is a
  SimPy event, all random numbers are drawn in bulk with numpy, and the only record kept is
  the number of people who crossed.

It prints the median and mean milliseconds per replication of each, the ratio project/floor
and whether the project's model is within the target (``TARGET`` times the floor, see
the design notes, "Habits that keep it fast"). It always exits with status 0.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

import crossing_sim
from crossing_sim import Fate, Scenario, Streams, load_scenario, replication_streams, simulate
from crossing_sim.experiment.seeding import replication_seed
from crossing_sim.scenario.distributions import Choice

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
TARGET = 1.5  # the project's model should take at most this many times the floor's time
DEFAULT_REPS = 300
DEFAULT_WARMUP = 30
DEFAULT_SEED = 2018

Process = Generator[simpy.Event, object, None]
Model = Callable[[np.random.Generator], object]


def minutes(clock: str) -> float:
    """Minutes after 12:00 of a clock time ``"HH:MM"``; times before noon are the next day."""
    hours, mins = (int(part) for part in clock.split(":"))
    return ((hours - 12) % 24) * 60.0 + mins


@dataclass(frozen=True)
class FloorNight:
    """The baseline night reduced to what the floor model needs (times in minutes after 12:00).

    The defaults copy ``scenarios/baseline.toml``; :func:`differences` checks them against it.
    """

    expected: int = 700
    group_sizes: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8)
    group_weights: tuple[float, ...] = (12, 9, 13, 18, 20, 14, 9, 5)
    near_share: float = 0.55  # Quneitra: 55 % of the groups, 3 km from the gate
    near_km: float = 3.0
    far_km: float = 12.0  # the tripoint: the rest, 12 km away
    departure: float = minutes("19:45")  # everyone sets out after dark
    speed_kmh: tuple[float, float, float] = (1.5, 2.2, 3.0)  # triangular low, mode, high
    size_slowdown: float = 0.03  # speed / (1 + this x (size - 1))
    open: float = minutes("21:15")
    close: float = minutes("03:00")
    lanes: int = 1
    screening_per_group: float = 0.5  # 30 s
    screening_mean: float = 40 / 60  # per person, lognormal: mean 40 s, sd 15 s
    screening_sd: float = 15 / 60
    boarding: tuple[float, float, float] = (2 / 60, 4 / 60, 8 / 60)  # triangular, per person
    buses: int = 10
    seats: int = 50
    buses_available: float = minutes("21:00")
    end: float = minutes("07:00")


def differences(night: FloorNight, scenario: Scenario) -> list[str]:
    """Where the floor's copy of the night differs from ``scenario`` (empty if it matches)."""
    try:
        gate, buses, sizes = scenario.gate, scenario.buses, scenario.population.group_size
        if not isinstance(sizes, Choice):
            return [f"the scenario's group sizes are not a choice ({sizes!r})"]
        pairs = {
            "expected": (night.expected, scenario.population.expected),
            "group sizes": (night.group_sizes, tuple(int(v) for v in sizes.values)),
            "group weights": (night.group_weights, tuple(sizes.weights)),
            "gate open": (night.open, gate.open),
            "gate close": (night.close, gate.close),
            "lanes": (night.lanes, gate.lanes),
            "buses": (night.buses, buses.count),
            "seats": (night.seats, buses.seats),
            "end": (night.end, scenario.end),
        }
    except AttributeError as exc:
        return [f"could not compare with the scenario ({exc})"]
    return [f"{name}: floor {ours!r}, scenario {theirs!r}"
            for name, (ours, theirs) in pairs.items() if ours != theirs]


def floor_draws(night: FloorNight, rng: np.random.Generator
                ) -> tuple[list[int], list[float], list[float], list[float]]:
    """All random numbers of one night, in bulk: sizes, arrival times (sorted), screening and
    boarding times per group. Groups are numbered in order of arrival."""
    weights = np.asarray(night.group_weights, dtype=np.float64)
    size = rng.choice(np.asarray(night.group_sizes), size=night.expected,
                      p=weights / weights.sum())
    total = np.cumsum(size)
    n = int(np.searchsorted(total, night.expected)) + 1
    size = size[:n].copy()
    size[-1] -= total[n - 1] - night.expected  # the last family is cut to fit
    first_person = np.concatenate(([0], total[: n - 1]))
    distance = np.where(rng.random(n) < night.near_share, night.near_km, night.far_km)
    speed = rng.triangular(*night.speed_kmh, n) / (1 + night.size_slowdown * (size - 1))
    arrive = night.departure + 60.0 * distance / speed
    sigma2 = math.log1p((night.screening_sd / night.screening_mean) ** 2)
    per_person = rng.lognormal(math.log(night.screening_mean) - sigma2 / 2, math.sqrt(sigma2),
                               night.expected)
    screening = night.screening_per_group + np.add.reduceat(per_person, first_person)
    boarding = np.add.reduceat(rng.triangular(*night.boarding, night.expected), first_person)
    order = np.argsort(arrive)
    return (size[order].tolist(), arrive[order].tolist(), screening[order].tolist(),
            boarding[order].tolist())


def floor_replication(night: FloorNight, rng: np.random.Generator) -> int:
    """One night as a bare SimPy model; returns the number of people who crossed.

    One process brings the groups to the gate (a timeout each), ``lanes`` table processes
    screen them first come first served (a timeout each) from opening until closing, when
    those at a table finish and the queue is sent back, and one process boards the crossed
    families onto the buses in turn (a timeout each); the convoy leaves when every bus is full
    or the gate is done and nobody is left waiting. Hand-offs are plain deques with an event
    to wake a waiting process, as a careful SimPy programmer would write them.
    """
    sizes, arrive, screening, boarding = floor_draws(night, rng)
    env = simpy.Environment()
    open_, close = night.open, night.close
    queue: deque[int] = deque()
    holding: deque[int] = deque()
    idle_tables: list[simpy.Event] = []
    idle_loader: list[simpy.Event] = []
    crossed = 0
    working = night.lanes

    def arrivals() -> Process:
        for group, t in enumerate(arrive):
            yield env.timeout(t - env.now)
            if t < close:
                queue.append(group)
                if idle_tables:
                    idle_tables.pop().succeed()

    def table() -> Process:
        nonlocal crossed, working
        yield env.timeout(open_)
        while env.now < close:
            if not queue:
                wake = env.event()
                idle_tables.append(wake)
                yield wake
                continue
            group = queue.popleft()
            yield env.timeout(screening[group])
            crossed += sizes[group]
            holding.append(group)
            if idle_loader:
                idle_loader.pop().succeed()
        working -= 1
        if working == 0 and idle_loader:
            idle_loader.pop().succeed()

    def closing() -> Process:
        yield env.timeout(close)
        queue.clear()
        for wake in idle_tables:
            wake.succeed()
        idle_tables.clear()

    def convoy() -> Process:
        yield env.timeout(night.buses_available)
        for _ in range(night.buses):
            seats = night.seats
            while True:
                if not holding:
                    if working == 0:
                        return  # the gate is done: the convoy leaves now
                    wake = env.event()
                    idle_loader.append(wake)
                    yield wake
                    continue
                group = holding[0]
                if sizes[group] > seats:
                    break  # families stay together: this one waits for the next bus
                holding.popleft()
                yield env.timeout(boarding[group])
                seats -= sizes[group]

    env.process(arrivals())
    for _ in range(night.lanes):
        env.process(table())
    env.process(closing())
    env.process(convoy())
    env.run(until=night.end)
    return crossed


def time_interleaved(models: dict[str, Model], seed: int, reps: int,
                     warmup: int) -> dict[str, NDArray[np.float64]]:
    """Seconds per replication of each model, alternating which model goes first each round.

    Both models get replication ``i``'s Generator (each its own instance, made outside the
    timed region). Warm-up rounds use other replication numbers and are not recorded.
    """
    names = list(models)
    for i in range(warmup):
        for name in names:
            models[name](randomness(name, seed, i, point=1))
    gc.collect()
    seconds = {name: np.empty(reps) for name in names}
    for i in range(reps):
        for name in names if i % 2 == 0 else names[::-1]:
            rng = randomness(name, seed, i)
            start = time.perf_counter()
            models[name](rng)
            seconds[name][i] = time.perf_counter() - start
    return seconds


def randomness(name: str, seed: int, i: int, point: int | None = None) -> Any:
    """Replication ``i``'s random numbers as each model takes them: the project its component
    streams, the floor a Generator from the same SeedSequence (made outside the timed part)."""
    if name == "project":
        return replication_streams(seed, i, point)
    return np.random.default_rng(replication_seed(seed, i, point))


def project_crossed(scenario: Scenario, rng: Streams) -> int:
    """People who crossed in one replication of the project's model (not timed)."""
    return int(simulate(scenario, rng).people_by_fate()[Fate.CROSSED])


def report(seconds: dict[str, NDArray[np.float64]], crossed: dict[str, float],
           checked: int) -> float:
    """Print the timings; return the ratio of the medians, project over floor."""
    print(f"{'model':<8} {'median ms':>10} {'mean ms':>9} {'p10 ms':>8} {'p90 ms':>8}"
          f" {'crossed':>8}")
    for name, values in seconds.items():
        ms = values * 1e3
        p10, p90 = np.percentile(ms, [10, 90])
        print(f"{name:<8} {np.median(ms):>10.3f} {ms.mean():>9.3f} {p10:>8.3f} {p90:>8.3f}"
              f" {crossed[name]:>8.1f}")
    print(f"(crossed: mean people through the gate in replications 0-{checked - 1},"
          " a sanity check, not timed)")
    ratio = float(np.median(seconds["project"]) / np.median(seconds["floor"]))
    mean_ratio = float(seconds["project"].mean() / seconds["floor"].mean())
    print(f"ratio project/floor: {ratio:.2f}x (medians), {mean_ratio:.2f}x (means);"
          f" target: within {TARGET:.1f}x of the floor")
    return ratio


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, time both models side by side and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
          f" crossing-sim {crossing_sim.__version__}")
    scenario = load_scenario(BASELINE)
    night = FloorNight()
    for line in differences(night, scenario):
        print(f"warning: the floor model does not match the baseline: {line}")
    models: dict[str, Model] = {
        "project": lambda rng: simulate(scenario, rng),
        "floor": lambda rng: floor_replication(night, rng),
    }
    print(f"{args.reps} replications of each (seed {args.seed}, {args.warmup} warm-up),"
          f" alternating order; scenario {BASELINE.name}")
    seconds = time_interleaved(models, args.seed, args.reps, args.warmup)
    checks = range(min(args.reps, 50))
    crossed = {
        "project": float(np.mean([project_crossed(scenario, randomness("project", args.seed, i))
                                  for i in checks])),
        "floor": float(np.mean([floor_replication(night, randomness("floor", args.seed, i))
                                for i in checks])),
    }
    ratio = report(seconds, crossed, len(checks))
    verdict = "within target" if ratio <= TARGET else "OVER target"
    print(f"{verdict}: the project's model takes {ratio:.2f}x the floor (target <= {TARGET}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
