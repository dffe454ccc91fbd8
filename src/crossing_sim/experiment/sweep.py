"""Studies: a run or a sweep, from scenario files to a finished results folder.

This is the layer the CLI and notebooks call: it resolves and checks every point before any
work starts, runs the replications on the chosen executor, saves them as they finish, and
summarises each point. ``run_sweep`` is the Python entry point::

    from crossing_sim.experiment.sweep import run_sweep
    result = run_sweep("scenarios/baseline.toml", vary={"gate.lanes": [1, 2]}, reps=200)
    result.to_frame()        # a pandas DataFrame, one row per point (if pandas is installed)
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from crossing_sim.errors import param
from crossing_sim.experiment.compare import difference_summaries
from crossing_sim.experiment.design import (
    SCENARIO_KEY,
    Design,
    Factor,
    describe,
    points,
    sweep_error,
)
from crossing_sim.experiment.executors import Executor, choose_executor
from crossing_sim.experiment.posterior import (
    OverPosterior,
    PosteriorSample,
    over_posterior,
    own_keys,
    read_posterior,
)
from crossing_sim.experiment.replications import Replications
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.seeding import DEFAULT_SEED
from crossing_sim.experiment.statistics import imported
from crossing_sim.experiment.summary import summarize_points
from crossing_sim.model.fates import FATES
from crossing_sim.results.record import RECORD, ROW_FIELDS
from crossing_sim.results.store import RESULTS_ROOT, Store, safe_name
from crossing_sim.scenario.loading import Resolved, build_scenario, resolve
from crossing_sim.scenario.spec import Scenario

#: Below this many replications in all, the default runs in this process, not a pool.


@dataclass(frozen=True)
class Point:
    """One scenario of a study: its base file, the values the sweep gives it, resolved."""

    index: int
    base: Path
    values: dict[str, object]
    resolved: Resolved
    scenario: Scenario
    overrides: tuple[str, ...] = ()  # the key=value overrides (--set) every point shares


def prepare(scenario: str | Path, overrides: Sequence[str] = (),
            factors: Sequence[Factor] = (), design: Design | None = None,
            seed: int = DEFAULT_SEED, posterior: str | Path | None = None) -> list[Point]:
    """Resolve and validate every point before any work starts (ScenarioError if one fails).

    A point whose scenario names a posterior sample, or every point given ``posterior``,
    draws each night's values from it (:mod:`crossing_sim.experiment.posterior`)."""
    grid = points(factors, design or Design(), seed) if factors else [{}]
    prepared = []
    for index, values in enumerate(grid):
        base = Path(str(values.get(SCENARIO_KEY, scenario)))
        rest = {k: v for k, v in values.items() if k != SCENARIO_KEY}
        source = f"{param('vary')} (point {index}: {describe(values)})" if values else param("vary")
        resolved = resolve(base, overrides, rest, source)
        prepared.append(Point(index, base, dict(values), resolved, build_scenario(resolved),
                              changes(overrides)))
    return _over_posterior(prepared, posterior, [f.key for f in factors])


def _over_posterior(prepared: list[Point], posterior: str | Path | None,
                    varied: Sequence[str]) -> list[Point]:
    """Points over a posterior sample (:mod:`crossing_sim.experiment.posterior`): the one
    given, else the base point's, else each point's own; a lever or a swept key stays."""
    shared = posterior or prepared[0].resolved.posterior
    samples: dict[str, PosteriorSample] = {}
    out = []
    for p in prepared:
        path = shared or p.resolved.posterior
        if path is None:
            out.append(p)
            continue
        if str(path) not in samples:
            samples[str(path)] = read_posterior(path)
        sample = samples[str(path)]
        own = own_keys(p.resolved, prepared[0].resolved, sample.keys) | {
            k for k in sample.keys for v in varied
            if k == v or k.startswith(f"{v}.") or v.startswith(f"{k}.")}
        out.append(replace(p, scenario=over_posterior(p.scenario, p.resolved, sample, own)))
    return out


def changes(overrides: Sequence[str]) -> tuple[str, ...]:
    """The overrides that change the night (a new ``name`` or ``description`` shows itself)."""
    return tuple(o for o in overrides
                 if o.split("=", 1)[0].strip() not in ("name", "description"))


def spec_of(kind: str, prepared: Sequence[Point], plan: Plan, factors: Sequence[Factor],
            design: Design) -> dict[str, Any]:
    """What makes two studies the same: the resolved scenarios, the design and the seeds."""
    spec: dict[str, Any] = json.loads(json.dumps({
        "kind": kind,
        "seed": plan.seed,
        "paired": plan.paired,
        "reps": plan.reps,
        "precision": plan.precision,
        "max_reps": plan.max_reps if plan.precision is not None else None,
        "design": design.kind if factors else None,
        "samples": design.samples if factors and design.kind == "lhs" else None,
        "factors": [f.key for f in factors],
        "points": [{"values": p.values, "scenario_sha256": p.resolved.digest}
                   for p in prepared],
    }, default=str))
    drawn = [p.scenario.sample for p in prepared if isinstance(p.scenario, OverPosterior)]
    if drawn:  # nights over a posterior sample: the sample is part of the study
        spec["posterior_sha256"] = [s.digest for s in drawn if s is not None]
    return spec


def default_sweep_dir(prepared: Sequence[Point], spec: Mapping[str, Any],
                      root: Path = RESULTS_ROOT) -> Path:
    """``results/NAME-KIND-HASH`` (KIND: sweep, compare): the same study always goes to the
    same folder."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:10]
    return root / f"{safe_name(prepared[0].scenario.name)}-{spec['kind']}-{digest}"


@dataclass
class StudyResult:
    """A finished study: its folder, and each point's summary and replications."""

    folder: Path | None
    state: str  # "new", "resume" or "complete" (already finished: nothing was run)
    summaries: list[dict[str, Any]]
    replications: list[Replications] = field(default_factory=list)

    @property
    def table(self) -> list[dict[str, Any]]:
        """One flat row per point (what ``summary.csv`` holds)."""
        return [flat_row(s) for s in self.summaries]

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.table)

    def column(self, name: str) -> np.ndarray[Any, Any]:
        """One column of the table as an array, e.g. ``column("crossed_mean")``."""
        return np.array([row[name] for row in self.table])


def execute(prepared: Sequence[Point], plan: Plan, spec: dict[str, Any],
            executor: Executor, out: Path | None, command: Sequence[str] = (),
            progress: bool = False, reference: int = 0) -> StudyResult:
    """Run (or resume, or find finished) a prepared study, writing to ``out`` if given.

    With more than one point, each point's summary holds its paired difference from point
    ``reference`` (night by night, on the same random numbers when the plan is paired).
    """
    store = Store(out) if out is not None else None
    state = "new"
    try:
        if store is not None:
            manifest = {"command": list(command),
                        "scenario": prepared[0].scenario.name,
                        **({"set": list(prepared[0].overrides)} if prepared[0].overrides
                           else {}),
                        "points": [{"point": p.index, "values": p.values, "base": str(p.base),
                                    "scenario_files": list(p.resolved.files),
                                    "scenario_sha256": p.resolved.digest,
                                    **({"posterior": p.scenario.sample.path}
                                       if isinstance(p.scenario, OverPosterior)
                                       and p.scenario.sample is not None else {}),
                                    "scenario_toml": p.resolved.to_toml()} for p in prepared]}
            state = store.open(spec, manifest,
                               {"scenario.toml": prepared[0].resolved.to_toml().encode()})
            if state == "complete":
                assert out is not None
                return StudyResult(out, state, _load_summaries(out))
        reps = run_experiment(plan, executor, store, progress)
        if store is not None:  # no thread left running: the tables may be forked
            executor.rest()
            imported()
        with _collections_paused():
            summarize = functools.partial(_summaries, prepared, reps, reference)
            summaries = summarize() if store is None else store.finish(
                len(prepared), summarize, flat_row,
                [p.scenario.population.expected for p in prepared],
                prepared[0].scenario.start_clock, [len(r) for r in reps],
                [{**{name: getattr(r, name) for name in ROW_FIELDS}, "trips": r.trips}
                 for r in reps])
    finally:
        if store is not None:
            store.close()
    return StudyResult(out, state, summaries, reps)


def _summaries(prepared: Sequence[Point], reps: Sequence[Any],
               reference: int) -> list[dict[str, Any]]:
    """Each point's summary, with its paired difference from point ``reference`` when
    there are several."""
    summaries = [{"point": p.index, "values": p.values,
                  **({"set": list(p.overrides)} if p.overrides else {}), **summary}
                 for p, summary in zip(prepared, summarize_points(reps), strict=True)]
    if len(reps) > 1:
        for summary, difference in zip(
                summaries, difference_summaries(reps[reference], reps, reference),
                strict=True):
            summary["difference"] = difference
    return summaries


@contextlib.contextmanager
def _collections_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused: finishing a study makes a few hundred
    thousand small objects a thousand points (its summaries, rows and JSON) and no cycles,
    and the collections they set off, each scanning every object still alive, took about a
    third of the time."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _load_summaries(folder: Path) -> list[dict[str, Any]]:
    data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def flat_row(summary: Mapping[str, Any]) -> dict[str, Any]:
    """A point's summary as one flat row of named numbers."""
    row: dict[str, Any] = {"point": summary["point"]}
    row.update(summary["values"])
    row["replications"] = summary["replications"]
    for group in ("crossed", "crossed_share"):
        for stat, value in summary[group].items():
            row[f"{group}_{stat}"] = value
    observed = summary["observed"] or {}  # empty cells when the scenario states no count
    row["p_crossed_at_most_observed"] = observed.get("p_at_most")
    row["percentile_of_observed"] = observed.get("percentile")
    for fate in FATES:
        row[f"{fate.key}_mean"] = summary["fates"][fate.key]["mean"]
    for column in RECORD:
        if column.summary:
            row[f"{column.csv}_mean"] = summary["buses"][column.summary]
    for key, numbers in summary.get("gate", {}).items():
        for stat in ("mean", "ci95_low", "ci95_high"):
            row[f"{key}_{stat}"] = numbers[stat] if numbers else None
    for key, numbers in summary.get("times", {}).items():
        if key == "busiest_hour":
            numbers = numbers or {}
            row["busiest_hour_most_often_start_min"] = numbers.get("most_often_start")
            row["busiest_hour_share_after_midnight"] = numbers.get("share_after_midnight")
            continue
        for stat in ("mean", "ci95_low", "ci95_high"):
            row[f"{key}_{stat}_min"] = numbers[stat] if numbers else None
    if "difference" in summary:
        d = summary["difference"]["crossed"]
        row["reference_point"] = summary["difference"]["reference"]
        for stat in ("mean", "ci95_low", "ci95_high", "q05", "q95", "p_more", "p_less"):
            row[f"crossed_difference_{stat}"] = d[stat]
    return row


def run_sweep(scenario: str | Path, vary: Mapping[str, Sequence[object] | str] | None = None,
              *, reps: int = 100, seed: int = DEFAULT_SEED, design: str = "grid",
              samples: int | None = None, precision: float | None = None,
              max_reps: int = 100_000, overrides: Sequence[str] = (), jobs: int | None = None,
              scheduler: str | None = None, out: str | Path | None = None,
              progress: bool = False, reference: int = 0,
              independent: bool = False) -> StudyResult:
    """Run a sweep from Python: ``vary`` maps keys to value lists or range texts.

    With ``out=None`` nothing is written; otherwise the folder is created, or resumed.
    ``jobs=None`` uses all cores, or this process alone for fewer than 2000 replications.
    Night ``i`` is the same at every point (paired) unless ``independent``; each point's
    summary holds its paired difference from point ``reference``.
    """
    from crossing_sim.experiment.design import factor

    factors = [factor(k, list(v) if not isinstance(v, str) else v, "vary")
               for k, v in (vary or {}).items()]
    the_design = Design(design, samples)
    if design not in ("grid", "lhs"):
        raise sweep_error("must be grid or lhs", "design", design, "run_sweep")
    prepared = prepare(scenario, overrides, factors, the_design, seed)
    if not 0 <= reference < len(prepared):
        raise sweep_error(f"must be a point from 0 to {len(prepared) - 1}", "reference",
                          reference, "run_sweep")
    plan = Plan([p.scenario for p in prepared], seed, reps, precision, max_reps,
                paired=not independent)
    spec = {**spec_of("sweep", prepared, plan, factors, the_design), "reference": reference}
    executor = choose_executor(jobs, scheduler, reps * len(prepared), precision is not None)
    try:
        return execute(prepared, plan, spec, executor, Path(out) if out else None,
                       ["run_sweep"], progress, reference)
    finally:
        executor.close()


__all__ = ["Point", "StudyResult", "changes", "default_sweep_dir", "execute", "prepare",
           "run_sweep", "spec_of"]
