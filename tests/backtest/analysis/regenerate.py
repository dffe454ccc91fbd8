"""Regenerate the analyses' back-test reference: ``python tests/backtest/analysis/regenerate.py``.

A small calibration of the baseline (``scenarios/priors.toml`` against its observed facts:
population 30, 2 generations, the held-out fits, 20 predictive nights) and small Morris and
Sobol analyses (``scenarios/ranges.toml``), seed 2018, in this process; their numbers
(particles, weights, posterior rows, predictive nights, tolerances and fact weights; designs,
outputs and indices) are kept as JSON in ``reference.json``, which the back test
(tests/backtest/test_analysis_backtest.py) compares as text. Regenerate only when a change
alters the random streams or the model on purpose, in a commit that says why.

The calibration's proposals go through linear algebra (pyabc's multivariate normal
transitions), and OpenBLAS picks its kernels by processor: their results differ in the
last bits between, say, an Intel processor with AVX-512 and an AMD one, and a particle's
last bits decide which nights run next. So this script fixes the kernels (``Haswell``,
AVX2, which every x86-64 processor of the last decade runs) and one thread before numpy is
first imported; the back test runs it in a process of its own (``--stdout``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

#: OpenBLAS's kernels and threads for the reference (set before numpy is imported).
BLAS = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "1"}
os.environ.update(BLAS)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SCENARIO = ROOT / "scenarios" / "baseline.toml"
REFERENCE = HERE / "reference.json"
SEED = 2018


def calibration_numbers() -> dict[str, Any]:
    from crossing_sim import load_scenario
    from crossing_sim.analysis.calibration import Settings, calibrate
    from crossing_sim.analysis.distance import facts_of
    from crossing_sim.analysis.parameters import read_priors

    facts = facts_of(load_scenario(SCENARIO).observed.facts())
    settings = Settings(population=30, generations=2, rows=20, predictive=20, seed=SEED)
    result = calibrate(SCENARIO, read_priors(ROOT / "scenarios" / "priors.toml"), facts,
                       settings)
    return {check.name: {
        "particles": check.fit.particles.tolist(), "weights": check.fit.weights.tolist(),
        "rows": check.rows.tolist(), "predictive": check.predictive.tolist(),
        "generations": [[g.t, g.epsilon, g.nights, g.accepted, g.weights]
                        for g in check.fit.generations]} for check in result.checks}


def sensitivity_numbers() -> dict[str, Any]:
    from crossing_sim.analysis.parameters import read_ranges
    from crossing_sim.analysis.sensitivity import sensitivity

    ranges = read_ranges(ROOT / "scenarios" / "ranges.toml")
    out = {}
    for method, keys, samples, reps in (("morris", len(ranges), 3, 4), ("sobol", 3, 8, 2)):
        result = sensitivity(SCENARIO, ranges[:keys], method, samples, reps, SEED)
        out[method] = {"design": result.design.tolist(), "output": result.output.tolist(),
                       "output_sd": result.output_sd.tolist(), "indices": result.indices}
    return out


def numbers() -> str:
    """The reference's text."""
    return json.dumps({"calibration": calibration_numbers(),
                       "sensitivity": sensitivity_numbers()}, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--stdout"]:
        sys.stdout.write(numbers())
    else:
        REFERENCE.write_text(numbers(), encoding="utf-8")
        print(f"wrote {REFERENCE}")
