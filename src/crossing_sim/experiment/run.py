"""Running experiments: replications of one or many scenarios, on any executor, to disk.

:func:`run_experiment` cuts the work into batches, hands them to an executor, saves each
finished batch (so a killed experiment resumes where it stopped), and with a precision
target keeps adding replications until the confidence interval is narrow enough. Only the
per-replication numbers stay in memory; the time series go to disk batch by batch.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crossing_sim.experiment.executors import Executor, SerialExecutor
from crossing_sim.experiment.progress import bar_class
from crossing_sim.experiment.replications import Replications, Task
from crossing_sim.experiment.statistics import estimate, import_in_background
from crossing_sim.model.fates import Fate
from crossing_sim.model.night import series_grid
from crossing_sim.model.outcome import Series
from crossing_sim.results.batches import Batch, Packed
from crossing_sim.results.record import ROW_FIELDS, TRIP_FIELDS
from crossing_sim.results.store import Store
from crossing_sim.scenario.spec import Scenario

__all__ = ["MAX_BATCH", "MAX_BATCH_SERIES", "Plan", "batch_limit", "missing_tasks",
           "run_experiment"]

#: Largest batch of replications sent as one task.
MAX_BATCH = 200
#: Largest time series a batch holds (bytes): on a fine grid (``series_step = "1s"``) a
#: batch has fewer nights, so a worker's and the main process's memory stay bounded.
MAX_BATCH_SERIES = 32 * 2**20


def batch_limit(scenarios: Sequence[Scenario]) -> int:
    """The most replications a task of these scenarios carries."""
    night = max(series_grid(s).size for s in scenarios) * len(Series.NAMES) * 4  # int32
    return max(1, min(MAX_BATCH, MAX_BATCH_SERIES // night))


@dataclass(frozen=True)
class Plan:
    """How many replications of which scenarios, from which seed."""

    scenarios: Sequence[Scenario]
    seed: int
    reps: int  # per point; with a precision target, the first round
    precision: float | None = None  # target 95 % CI half-width of the crossed share
    max_reps: int = 100_000  # cap per point with a precision target
    paired: bool = True  # replication i sees the same random numbers at every point
    #: what the precision target is for: each point's crossed share ("share"), or the
    #: paired difference of each point's crossed share from point 0's ("difference")
    precision_of: str = "share"

    def __post_init__(self) -> None:
        if self.reps < 2 and self.precision is not None:
            raise ValueError("a precision target needs at least 2 replications to start")
        if self.precision_of not in ("share", "difference"):
            raise ValueError(f"precision_of must be share or difference, not "
                             f"{self.precision_of!r}")


@dataclass
class _Rows:
    """The per-replication numbers of one point, gathered from batches."""

    batches: list[dict[str, Any]] = field(default_factory=list)
    done: set[int] = field(default_factory=set)

    def add(self, batch: dict[str, Any]) -> None:
        self.batches.append(batch)
        self.done.update(batch["replication"].tolist())

    def crossed_share(self, below: int, expected: int) -> np.ndarray[Any, Any]:
        """The crossed share of each replication below ``below``, in replication order."""
        crossed = [b["fates"][:, int(Fate.CROSSED)][b["replication"] < below]
                   for b in self.batches]
        index = [b["replication"][b["replication"] < below] for b in self.batches]
        if not crossed:
            return np.empty(0)
        order = np.argsort(np.concatenate(index), kind="stable")
        return np.concatenate(crossed)[order] / expected


def run_experiment(plan: Plan, executor: Executor | None = None, store: Store | None = None,
                   progress: bool = False,
                   on_batch: Callable[[Batch | Packed], None] | None = None,
                   ) -> list[Replications]:
    """Run the plan; returns each point's replications (without time series).

    Batches already saved in ``store`` are not run again. ``progress`` shows a progress bar
    on standard error.
    """
    executor = executor or SerialExecutor()
    rows = [_Rows() for _ in plan.scenarios]
    if store is not None:
        for saved in store.saved():
            rows[int(saved["point"])].add(saved)
    targets = [plan.reps] * len(plan.scenarios)
    if executor.workers > 1:  # the workers are started: this process has time meanwhile
        import_in_background()
    bar = _progress_bar(sum(targets), sum(len(r.done) for r in rows), progress)
    try:
        while True:
            tasks = missing_tasks([r.done for r in rows], targets, executor.workers, plan.paired,
                                  batch_limit(plan.scenarios))
            for batch in executor.run(plan.scenarios, plan.seed, tasks):
                if store is not None:
                    store.save(batch)
                if on_batch is not None:
                    on_batch(batch)
                rows[batch.point].add(batch.rows() if isinstance(batch, Packed) else {
                    **{name: getattr(batch, name) for name in ROW_FIELDS},
                    "point": batch.point, "trips": batch.trips})
                bar.update(len(batch))
            grown = _grow(plan, rows, targets)
            if not grown:
                break
            bar.total = sum(targets)
            bar.refresh()
    finally:
        bar.close()
    return [_replications(plan, point, r, targets[point]) for point, r in enumerate(rows)]


def missing_tasks(done: Sequence[set[int]], targets: Sequence[int], workers: int,
                  paired: bool = True, largest: int = MAX_BATCH) -> Iterator[Task]:
    """Tasks for the replications each point still lacks (below its target, not in its
    ``done``), in runs of consecutive replications sized for the workers, ``largest`` at
    most."""
    missing = sum(max(0, t - len(d)) for d, t in zip(done, targets, strict=True))
    size = max(1, min(largest, math.ceil(missing / (8 * max(1, workers)))))
    for point, (finished, target) in enumerate(zip(done, targets, strict=True)):
        todo = [i for i in range(target) if i not in finished]
        start = 0
        while start < len(todo):
            first = todo[start]
            count = 1
            while (start + count < len(todo) and count < size
                   and todo[start + count] == first + count):
                count += 1
            yield Task(point, first, count, paired)
            start += count


def _grow(plan: Plan, rows: Sequence[_Rows], targets: list[int]) -> bool:
    """With a precision target, raise the replications of points whose interval is too wide.

    Decisions use only replications below each point's current target, so they are the same
    however the work was split, interrupted or resumed.
    """
    if plan.precision is None:
        return False
    if plan.precision_of == "difference":
        return _grow_difference(plan, rows, targets)
    grown = False
    for point, r in enumerate(rows):
        expected = plan.scenarios[point].population.expected
        share = r.crossed_share(targets[point], expected)
        half = estimate(share).half_width if share.size > 1 else math.inf
        if not half > plan.precision or targets[point] >= plan.max_reps:
            continue  # precise enough (a NaN width means no spread: also enough)
        needed = _needed(share.size, half, plan.precision, plan.max_reps)
        targets[point] = min(plan.max_reps, max(needed, targets[point] + 10))
        grown = True
    return grown


def _needed(size: int, half: float, precision: float, cap: int) -> int:
    """Replications for a half-width ``half`` from ``size`` of them to shrink to ``precision``
    (the width falls as one over the square root of the count), at most ``cap``: a tiny
    precision (1e-300) asks for more than any float holds, and gets the cap."""
    ratio = half / precision
    if not math.isfinite(ratio) or ratio > 1e100:
        return cap
    wanted = size * ratio ** 2 * 1.1  # as it always was: the same targets, the same results
    return cap if wanted >= cap else math.ceil(wanted)


def _grow_difference(plan: Plan, rows: Sequence[_Rows], targets: list[int]) -> bool:
    """The precision rule on the paired difference of each point from point 0: every point
    grows to the replications the widest difference needs (they stay paired night by night)."""
    assert plan.precision is not None
    target = targets[0]
    shares = [r.crossed_share(target, s.population.expected)
              for r, s in zip(rows, plan.scenarios, strict=True)]
    needed = target
    for share in shares[1:]:
        difference = share - shares[0]
        half = estimate(difference).half_width if difference.size > 1 else math.inf
        if half > plan.precision:  # a NaN width means no spread at all: precise enough
            needed = max(needed, _needed(difference.size, half, plan.precision, plan.max_reps),
                         target + 10)
    needed = min(plan.max_reps, needed)
    if needed <= target:
        return False
    targets[:] = [needed] * len(targets)
    return True


def _replications(plan: Plan, point: int, r: _Rows, target: int) -> Replications:
    batches = sorted(r.batches, key=lambda b: int(b["replication"][0]))
    keep = [np.asarray(b["replication"]) < target for b in batches]

    def join(name: str) -> np.ndarray[Any, Any]:
        return np.concatenate([b[name][k] for b, k in zip(batches, keep, strict=True)])

    trips = np.concatenate([b["trips"][b["trips"][:, 0] < target] for b in batches])
    return Replications(
        plan.scenarios[point], plan.seed, point, series_t=np.empty(0), series=None,
        trips={name: trips[:, i] for i, name in enumerate(TRIP_FIELDS)},
        **{name: join(name) for name in ROW_FIELDS})


def _progress_bar(total: int, done: int, enabled: bool) -> Any:
    """A progress bar with count, rate and time left, on a terminal only (otherwise one that
    shows nothing), without tqdm's monitor thread: a process with threads must spawn its
    workers instead of forking them, and write its tables itself."""
    if not (enabled and sys.stderr.isatty()):
        return _NoBar(total)
    return bar_class()(total=total, initial=done, unit="rep", unit_scale=False,
                       dynamic_ncols=True, smoothing=0.1, desc="replications")


@dataclass
class _NoBar:
    """The progress bar's interface, showing nothing."""

    total: int

    def update(self, n: int) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass
