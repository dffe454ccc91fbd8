"""What a night costs in calibrate and sensitivity, against what it costs in ``run``.

Run on demand (a report, not a test)::

    .venv/bin/python benchmarks/bench_analysis.py [--nights 2000] [--population 100]
        [--generations 2] [--trajectories 10] [--reps 10] [--repeat 3]

In one run, on the baseline scenario, with 1 worker (this process) and with 2 (a pool
started and warmed before the clock starts, for every command alike), it times:

- **run**: what ``crossing-sim run baseline`` does (``prepare``, then ``execute`` into a
  results folder) for ``--nights`` nights: the reference cost of a night;
- **calibrate, evaluations**: the model pyabc calls (``NightModel``: the draw's scenario
  built from the file parsed once, its night, its facts' excesses) on a batch of draws from
  ``scenarios/priors.toml``, in this process;
- **calibrate, evaluations through the sampler**: the same, each draw from the priors,
  sent in the sampler's batches (``--population / 20`` draws a batch, as in a fit) to the
  workers: the project's whole cost of a night in a fit, pyabc's bookkeeping aside;
- **calibrate, fit**: a whole ABC-SMC fit (``--population``, ``--generations``) against the
  baseline's observed facts, pyabc's own work included; its nights are every night pyabc
  asked for (the generations' and the adaptive distance's first sample);
- **sensitivity**: a Morris analysis of ``scenarios/ranges.toml`` (``--trajectories``
  trajectories, ``--reps`` nights a design point), SALib's sampling and analysis included.

Each is repeated ``--repeat`` times, the commands interleaved; the report gives the median
milliseconds per night, in wall time and in CPU time (this process and its workers, from
/proc: Linux only), and each analysis's ratios to ``run``'s per night, measured in this run,
against the target (issue 12: at most 1.2x). On a loaded machine the CPU ratio is the one to
read: with 2 workers the wall time then says more about the other load than about the work.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import crossing_sim
from crossing_sim.analysis.distance import facts_of
from crossing_sim.analysis.parameters import read_priors, read_ranges
from crossing_sim.analysis.sampler import BatchSampler
from crossing_sim.analysis.sensitivity import sensitivity
from crossing_sim.analysis.smc import NightModel, SmcSettings, fit, scipy_prior
from crossing_sim.experiment.design import Design
from crossing_sim.experiment.executors import Executor, PoolExecutor, SerialExecutor
from crossing_sim.experiment.parsed import Parsed
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.sweep import execute, prepare, spec_of

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
PRIORS = ROOT / "scenarios" / "priors.toml"
RANGES = ROOT / "scenarios" / "ranges.toml"
TARGET = 1.2
SEED = 2018


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """CPU time of this process and of all its children: those that ended (the workers of
    a pool that rested, the second process that wrote a folder's tables) and those alive
    (from Linux /proc; a worker's time moves from the one to the other when it ends)."""
    times = os.times()
    total = times.user + times.system + times.children_user + times.children_system
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == me:  # ppid
            total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return total


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (this process and the workers) of ``action``."""
    cpu, start = cpu_seconds(), time.perf_counter()
    action()
    return time.perf_counter() - start, cpu_seconds() - cpu


def per_night(seconds: tuple[float, float], nights: int) -> tuple[float, float]:
    return seconds[0] / nights, seconds[1] / nights


def warm(executor: Executor) -> None:
    """The executor's workers started before the clock does: a run into a folder lets a
    forked pool's workers go when its nights are done (``PoolExecutor.rest``), and the next
    command run here would otherwise time their start, which a command of its own at the
    command line does not."""
    run_experiment(Plan([prepare(BASELINE)[0].scenario], 1, 2), executor)


def run_per_night(nights: int, executor: Executor, folder: Path) -> tuple[float, float]:
    """Seconds a night of ``crossing-sim run baseline`` (prepare, execute into a folder)."""
    shutil.rmtree(folder, ignore_errors=True)
    warm(executor)

    def go() -> None:
        prepared = prepare(BASELINE, seed=SEED)
        plan = Plan([prepared[0].scenario], SEED, nights)
        execute(prepared, plan, spec_of("run", prepared, plan, [], Design()), executor, folder)

    return per_night(timed(go), nights)


def evaluations_per_night(draws: int) -> tuple[float, float]:
    """Seconds a night of the calibration's model (what pyabc calls), on prior draws."""
    priors = read_priors(PRIORS)
    facts = facts_of(crossing_sim.load_scenario(BASELINE).observed.facts())
    rng = np.random.default_rng(SEED)
    x = np.column_stack([p.sample(rng, draws) for p in priors])
    batch = [{f"p{j}": float(v) for j, v in enumerate(row)} for row in x]

    def go() -> None:
        model = NightModel(Parsed.read(BASELINE, (), str(PRIORS)), priors, facts, SEED)
        for pars in batch:
            model(pars)

    return per_night(timed(go), draws)


class OneDraw:
    """What pyabc's sampler runs for one particle, without its SMC bookkeeping: a draw from
    the (uniform) priors from numpy's global generator, seeded per batch by the sampler, its
    night and facts (``NightModel``), an accepted particle."""

    def __init__(self) -> None:
        self.priors = read_priors(PRIORS)
        facts = facts_of(crossing_sim.load_scenario(BASELINE).observed.facts())
        self.model = NightModel(Parsed.read(BASELINE, (), str(PRIORS)), self.priors, facts,
                                SEED)
        self.bounds = [scipy_prior(p)[1] for p in self.priors]  # uniform: (loc, scale)

    def __call__(self) -> Any:
        from pyabc import Parameter, Particle

        u = np.random.random_sample(len(self.bounds))  # noqa: NPY002 (as pyabc draws)
        pars = Parameter({f"p{j}": loc + scale * x
                          for j, ((loc, scale), x) in enumerate(zip(self.bounds, u, strict=True))})
        return Particle(0, pars, 1.0, self.model(pars), 0.0, accepted=True)


def sampled_per_night(draws: int, population: int, sampler: Any) -> tuple[float, float]:
    """Seconds a night of the evaluations sent through the sampler (in batches of
    ``population / 20`` draws, as in a fit of that population), 1 or 2 workers."""
    one = OneDraw()

    def go() -> None:
        for t in range(math.ceil(draws / population)):
            sampler.sample_until_n_accepted(population, one, t)

    return per_night(timed(go), math.ceil(draws / population) * population)


def fit_per_night(settings: SmcSettings, sampler: Any) -> tuple[tuple[float, float], int]:
    """Seconds a night of a whole ABC-SMC fit, and its nights (pyabc's first sample, for the
    adaptive distance, is ``population`` nights beyond the generations')."""
    priors = read_priors(PRIORS)
    facts = facts_of(crossing_sim.load_scenario(BASELINE).observed.facts())
    found: list[int] = []

    def go() -> None:
        result = fit(Parsed.read(BASELINE, (), str(PRIORS)), priors, facts, settings,
                     sampler=sampler)
        found.append(result.nights + settings.population)

    return per_night(timed(go), found[0]), found[0]


def sensitivity_per_night(trajectories: int, reps: int,
                          executor: Executor) -> tuple[tuple[float, float], int]:
    """Seconds a night of a Morris analysis, and its nights."""
    found: list[int] = []
    warm(executor)

    def go() -> None:
        result = sensitivity(BASELINE, read_ranges(RANGES), "morris", trajectories, reps,
                             SEED, executor=executor, source=str(RANGES))
        found.append(result.runs)

    return per_night(timed(go), found[0]), found[0]


def verdict(ratio: float) -> str:
    return "within" if ratio <= TARGET else "ABOVE"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=2000, help="nights of the run")
    parser.add_argument("--population", type=int, default=100, help="ABC-SMC particles")
    parser.add_argument("--generations", type=int, default=2, help="ABC-SMC generations")
    parser.add_argument("--draws", type=int, default=500, help="draws for the evaluations")
    parser.add_argument("--trajectories", type=int, default=10, help="Morris trajectories")
    parser.add_argument("--reps", type=int, default=10, help="nights a Morris design point")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians reported)")
    args = parser.parse_args()
    from importlib.metadata import version

    print(f"Python {platform.python_version()}, numpy {np.__version__}, pyabc "
          f"{version('pyabc')}, SALib {version('SALib')}, crossing-sim "
          f"{crossing_sim.__version__}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}")
    settings = SmcSettings(args.population, args.generations, seed=SEED)
    work = Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    times: dict[str, list[tuple[float, float]]] = {}
    nights: dict[str, int] = {}
    try:
        for workers in (1, 2):
            executor: Executor = SerialExecutor() if workers == 1 else PoolExecutor(workers)
            sampler = BatchSampler(SEED, workers)
            try:
                # warm: imports, the disk cache, the workers' own imports
                run_experiment(Plan([prepare(BASELINE)[0].scenario], 1, 20), executor)
                fit(Parsed.read(BASELINE, (), "p"), read_priors(PRIORS),
                    facts_of(crossing_sim.load_scenario(BASELINE).observed.facts()),
                    SmcSettings(20, 1, seed=1), sampler=sampler)
                sensitivity_per_night(2, 2, executor)
                for _ in range(args.repeat):
                    times.setdefault(f"run {workers}", []).append(
                        run_per_night(args.nights, executor, work / "run"))
                    nights[f"run {workers}"] = args.nights
                    if workers == 1:
                        times.setdefault("evaluations 1", []).append(
                            evaluations_per_night(args.draws))
                        nights["evaluations 1"] = args.draws
                    times.setdefault(f"sampled {workers}", []).append(
                        sampled_per_night(args.draws, args.population, sampler))
                    nights[f"sampled {workers}"] = args.draws
                    seconds, count = fit_per_night(settings, sampler)
                    times.setdefault(f"fit {workers}", []).append(seconds)
                    nights[f"fit {workers}"] = count
                    seconds, count = sensitivity_per_night(args.trajectories, args.reps,
                                                           executor)
                    times.setdefault(f"morris {workers}", []).append(seconds)
                    nights[f"morris {workers}"] = count
            finally:
                sampler.close()
                executor.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(times, nights, args)
    return 0


def report(times: dict[str, list[tuple[float, float]]], nights: dict[str, int],
           args: argparse.Namespace) -> None:
    """Median ms a night, wall and CPU, and each analysis's ratios to run's."""
    wall = {k: 1e3 * statistics.median(t[0] for t in v) for k, v in times.items()}
    cpu = {k: 1e3 * statistics.median(t[1] for t in v) for k, v in times.items()}
    print(f"\nms a night, median of {args.repeat} (wall; CPU of this process and the workers), "
          f"and the ratio to run's night with as many workers (target <= {TARGET}x); load "
          f"average now {os.getloadavg()[0]:.1f}")
    labels = {"run": "run baseline", "evaluations": "calibrate: evaluations (NightModel)",
              "sampled": "calibrate: evaluations through the sampler",
              "fit": f"calibrate: fit (population {args.population}, generations "
                     f"{args.generations})",
              "morris": f"sensitivity: morris (r = {args.trajectories}, reps {args.reps})"}
    for workers in (1, 2):
        print(f"{workers} worker{'s' if workers > 1 else ''}:")
        for kind, label in labels.items():
            key = f"{kind} {workers}"
            if key not in wall:
                continue
            line = (f"  {label:<48} {nights[key]:>5} nights  wall {wall[key]:6.3f} ms  "
                    f"CPU {cpu[key]:6.3f} ms")
            if kind != "run":
                w, c = wall[key] / wall[f"run {workers}"], cpu[key] / cpu[f"run {workers}"]
                line += f"  {w:.2f}x wall ({verdict(w)}), {c:.2f}x CPU ({verdict(c)})"
            print(line)
    own = cpu["fit 1"] - cpu["evaluations 1"]
    print(f"pyabc's own work in the fit (1 worker, CPU: fit - evaluations): {own:.3f} ms a "
          f"night, {100 * own / cpu['fit 1']:.0f} % of the fit")


if __name__ == "__main__":
    raise SystemExit(main())
