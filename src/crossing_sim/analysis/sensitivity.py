"""Global sensitivity analysis: which scenario keys drive the share of the expected who cross.

Two methods, both from SALib (``pip install 'crossing-sim[analysis]'``), over ranges of keys
read from a ranges file (see :mod:`crossing_sim.analysis.parameters`):

- **morris** (elementary effects; Morris 1991, Campolongo et al. 2007): ``samples`` = r
  trajectories through a grid of 4 levels, each moving one key at a time, so r(k + 1)
  design points for k keys. It ranks keys by mu* (the mean absolute change in the crossed
  share when a key moves across 2/3 of its range); sigma says how much that effect depends on
  the other keys (interactions, or a curved effect). Cheap: a screening method.
- **sobol** (variance decomposition; Saltelli 2002/2010, with second order): ``samples`` = N
  base points, a power of two, so N(2k + 2) design points. S1 is the share of the crossed
  share's variance explained by a key alone; ST by a key with all its interactions. It
  needs many more runs, and gives the share of variance.

Every design point is a scenario (the base with the point's values), simulated for ``reps``
nights; its output is the mean crossed share of those nights. Design point ``p`` is point
``p`` of an experiment, with the seeds of any sweep, so the result is the same for any
number of workers. The night-to-night chance left in each point's mean is reported as a
share of the output's variance (``noise_share``): an index below that is not
distinguishable from zero.

:func:`write` writes the analysis's folder (its bar chart is drawn by
:mod:`crossing_sim.figures.analysis`); its text is in :mod:`crossing_sim.report.analysis`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from crossing_sim.analysis.parameters import Range, build_points
from crossing_sim.arrays import FloatArray
from crossing_sim.errors import AnalysisError, ScenarioError, param, show_value
from crossing_sim.experiment.executors import Executor, SerialExecutor
from crossing_sim.experiment.run import Plan, run_experiment
from crossing_sim.experiment.seeding import (
    DEFAULT_SEED,
    SENSITIVITY_ANALYSIS,
    SENSITIVITY_DESIGN,
    stream_rng,
    stream_state,
)
from crossing_sim.results.claim import build
from crossing_sim.results.provenance import provenance
from crossing_sim.results.store import json_bytes

__all__ = [
    "DEFAULT_SAMPLES",
    "DUMMY",
    "FILES",
    "METHODS",
    "SEEDING",
    "Sensitivity",
    "contents",
    "design_points",
    "sensitivity",
    "write",
]

METHODS: Final = ("morris", "sobol")
#: Grid levels of a Morris design.
MORRIS_LEVELS: Final = 4
#: Spawn keys of the Generators that draw the design and resample the indices.
DESIGN_STREAM: Final = SENSITIVITY_DESIGN
ANALYSIS_STREAM: Final = SENSITIVITY_ANALYSIS
#: Morris trajectories by default. With the 8 keys of scenarios/ranges.toml, 20 left the top
#: three keys' mu* intervals overlapping each other; at 200 the first stands apart and the
#: top three apart from the rest, while gate.close and the southern distance stay inside
#: each other's intervals (they matter about equally; docs/sensitivity.md). Sobol: base points.
DEFAULT_SAMPLES: Final = {"morris": 200, "sobol": 128}
#: A factor the model never reads: its index is what noise alone would show.
DUMMY: Final = "(dummy: changes nothing)"
#: How an analysis's random numbers are seeded (its manifest says so).
SEEDING: Final = ("design: SeedSequence(seed, spawn_key=(2**31-2,)); every design point's "
                  "night r: SeedSequence(seed, spawn_key=(r,)), one stream per component "
                  "(shared random numbers)")
#: The files :func:`write` writes into an analysis's folder, in order.
FILES: Final = ("manifest.json", "ranges.toml", "design.csv", "indices.json")


def design_points(method: str, keys: int, samples: int) -> int:
    """Design points a method needs for ``keys`` ranges and the dummy factor (k = keys + 1):
    Morris r(k + 1), Sobol N(2k + 2)."""
    k = keys + 1
    return samples * (k + 1) if method == "morris" else samples * (2 * k + 2)


@dataclass
class Sensitivity:
    """A finished sensitivity analysis: the design, each point's output, the indices."""

    scenario: Path
    overrides: tuple[str, ...]
    ranges: tuple[Range, ...]
    method: str
    samples: int
    reps: int
    seed: int
    design: FloatArray  # (points, keys), numbers in each range's written unit
    output: FloatArray  # (points,): mean crossed share of the point's nights
    output_sd: FloatArray  # (points,): its night-to-night standard deviation
    indices: dict[str, list[float]]  # SALib's results, one entry per key

    @property
    def keys(self) -> list[str]:
        """The ranges' keys and, last, the dummy factor."""
        return [*(r.key for r in self.ranges), DUMMY]

    @property
    def runs(self) -> int:
        return int(len(self.output) * self.reps)

    @property
    def noise_share(self) -> float:
        """The share of the output's variance that is night-to-night chance (NaN with one
        night per point)."""
        total = float(self.output.var(ddof=1))
        if self.reps < 2 or total <= 0:
            return math.nan
        return float(np.mean(self.output_sd ** 2) / self.reps / total)

    @property
    def index_label(self) -> str:
        if self.method == "morris":
            return "Morris mu* (mean |change| of the crossed share)"
        return "Sobol total-order index ST (share of variance)"

    def ranking(self) -> list[dict[str, Any]]:
        """The keys, most influential first."""
        main, conf = ("mu_star", "mu_star_conf") if self.method == "morris" else ("ST",
                                                                                 "ST_conf")
        rows = []
        for i, key in enumerate(self.keys):
            row: dict[str, Any] = {"key": key, "index": self.indices[main][i],
                                   "conf": self.indices[conf][i]}
            if self.method == "morris":
                row["sigma"] = self.indices["sigma"][i]
                row["mu"] = self.indices["mu"][i]
            else:
                row["first"] = self.indices["S1"][i]
                row["first_conf"] = self.indices["S1_conf"][i]
            rows.append(row)
        return sorted(rows, key=lambda r: (-_finite(r["index"]), r["key"]))


def _finite(x: float) -> float:
    return x if math.isfinite(x) else -math.inf


def sensitivity(scenario: str | Path, ranges: Sequence[Range], method: str = "morris",
                samples: int | None = None, reps: int = 10, seed: int = DEFAULT_SEED,
                overrides: Sequence[str] = (), executor: Executor | None = None,
                progress: bool = False, source: str = "ranges") -> Sensitivity:
    """Run a Morris or Sobol analysis of the crossed share over ``ranges``.

    Every design point's scenario is built and validated before any night is simulated (a
    ScenarioError names ``source``, the ranges file, for a value a key cannot take).
    """
    if method not in METHODS:
        raise AnalysisError(f"{param('method')} = {show_value(method)}: must be morris or "
                            "sobol")
    if not ranges:
        raise ScenarioError(rule="a sensitivity analysis needs at least one range",
                            file=source)
    samples = samples or DEFAULT_SAMPLES[method]
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise AnalysisError(f"{param('samples')} = {show_value(samples)}: a Sobol design "
                            "needs a power of two base points, e.g. 64, 128, 256")
    if method == "morris" and samples < 2:
        raise AnalysisError(f"{param('samples')} = {show_value(samples)}: Morris needs at "
                            "least 2 trajectories")
    if reps < 1:
        raise AnalysisError(f"{param('reps')} = {show_value(reps)}: must be at least 1")
    # the dummy factor is drawn like the others but sets nothing: the noise floor's index
    problem = {"num_vars": len(ranges) + 1, "names": [*(r.key for r in ranges), DUMMY],
               "bounds": [*(list(r.bounds) for r in ranges), [0.0, 1.0]]}
    design = _sample(problem, method, samples, seed)
    points = [{r.key: r.value(float(x)) for r, x in zip(ranges, row[:-1], strict=True)}
              for row in design]
    scenarios = build_points(scenario, overrides, points, source, "a value in its range")
    reps_of = run_experiment(Plan(scenarios, seed, reps), executor or SerialExecutor(),
                             progress=progress)
    shares = [r.crossed / r.scenario.population.expected for r in reps_of]
    output = np.array([s.mean() for s in shares])
    output_sd = np.array([s.std(ddof=1) if s.size > 1 else math.nan for s in shares])
    indices = _analyze(problem, method, design, output, seed)
    return Sensitivity(Path(scenario), tuple(overrides), tuple(ranges), method, samples, reps,
                       seed, design, output, output_sd, indices)


def _sample(problem: dict[str, Any], method: str, samples: int, seed: int) -> FloatArray:
    rng = stream_rng(seed, DESIGN_STREAM)
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=rng),
                          dtype=np.float64)
    from SALib.sample import sobol

    return np.asarray(sobol.sample(problem, samples, calc_second_order=True, seed=rng),
                      dtype=np.float64)


def _analyze(problem: dict[str, Any], method: str, design: FloatArray, output: FloatArray,
             seed: int) -> dict[str, list[float]]:
    k = problem["num_vars"]
    if not float(np.ptp(output)) > 0:  # every point gave the same: nothing is sensitive
        names = (("mu", "mu_star", "sigma", "mu_star_conf") if method == "morris" else
                 ("S1", "S1_conf", "ST", "ST_conf"))
        return {name: [0.0] * k for name in names}
    state = stream_state(seed, ANALYSIS_STREAM).generate_state(1)
    if method == "morris":
        from SALib.analyze import morris

        found = morris.analyze(problem, design, output, num_levels=MORRIS_LEVELS,
                               seed=np.random.default_rng(state))
        names = ("mu", "mu_star", "sigma", "mu_star_conf")
    else:
        from SALib.analyze import sobol

        found = sobol.analyze(problem, output, calc_second_order=True,
                              seed=int(state[0]) or 1)
        names = ("S1", "S1_conf", "ST", "ST_conf")
    out = {name: [float(v) for v in np.asarray(found[name], dtype=np.float64)]
           for name in names}
    if method == "sobol":
        out["S2"] = [float(v) for v in np.asarray(found["S2"], dtype=np.float64).ravel()]
    return out


# --- writing -----------------------------------------------------------------------------------


def contents(result: Sensitivity, command: Sequence[str] = (), ranges_text: str = "",
             ranges_file: str = "") -> dict[str, bytes]:
    """A sensitivity analysis's files (:data:`FILES`), by name: its manifest, ranges, design
    and indices."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["point", *result.keys, "crossed_share_mean", "crossed_share_sd"])
    for p, (row, y, sd) in enumerate(zip(result.design, result.output, result.output_sd,
                                         strict=True)):
        writer.writerow([p, *(r.value(float(x)) for r, x in zip(result.ranges, row[:-1],
                                                                 strict=True)),
                         f"{float(row[-1]):.6f}", f"{y:.6f}", f"{sd:.6f}"])
    return dict(zip(FILES, (
        json_bytes({
            **provenance(seeding=SEEDING), "kind": "sensitivity",
            "command": list(command), "scenario": str(result.scenario),
            "overrides": list(result.overrides), "ranges_file": ranges_file,
            "ranges": {r.key: list(r.written) for r in result.ranges},
            "method": result.method, "samples": result.samples, "reps": result.reps,
            "seed": result.seed, "design_points": len(result.output), "runs": result.runs,
            "output": "mean crossed share of each design point's nights"}),
        ranges_text.encode(),
        buffer.getvalue().encode(),
        json_bytes({"method": result.method, "index": result.index_label,
                    "ranking": result.ranking(), "indices": result.indices,
                    "keys": result.keys, "noise_share": _nan_none(result.noise_share)}),
    ), strict=True))


def write(result: Sensitivity, folder: Path, command: Sequence[str] = (),
          ranges_text: str = "", ranges_file: str = "") -> list[Path]:
    """Write a sensitivity analysis's folder (it must not exist or be empty), whole or not at
    all (:func:`crossing_sim.results.claim.build`). Returns the files."""
    with build(folder) as made:
        made.write(contents(result, command, ranges_text, ranges_file))
        made.place()
    return [folder / name for name in FILES]


def _nan_none(x: float) -> float | None:
    return x if math.isfinite(x) else None

