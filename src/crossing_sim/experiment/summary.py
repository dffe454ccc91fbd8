"""The summary of one scenario's replications as plain data (what ``run --json`` prints)."""

from __future__ import annotations

from typing import Any

import numpy as np

from crossing_sim.experiment.replications import Replications
from crossing_sim.experiment.statistics import Estimate, estimate, position
from crossing_sim.model.fates import FATES
from crossing_sim.scenario.observed import OBSERVED_CROSSED
from crossing_sim.scenario.units import format_clock

__all__ = ["summarize"]


def summarize(reps: Replications) -> dict[str, Any]:
    """The numbers ``crossing-sim run`` reports, as plain data (what ``--json`` prints)."""
    s = reps.scenario
    expected = s.population.expected
    crossed = estimate(reps.crossed)
    where = position(reps.crossed, OBSERVED_CROSSED)
    fate_means = reps.fates.mean(axis=0)
    return {
        "scenario": s.name,
        "description": s.description,
        "replications": len(reps),
        "seed": reps.seed,
        "expected": expected,
        "crossed": _numbers(crossed),
        "crossed_share": _numbers(crossed, 1 / expected),
        "observed": {
            "crossed": OBSERVED_CROSSED,
            "share": OBSERVED_CROSSED / expected,
            "p_at_most": where.p_at_most,
            "percentile": where.percentile,
        },
        "fates": {f.key: {"label": f.label, "mean": float(m), "share": float(m) / expected}
                  for f, m in zip(FATES, fate_means, strict=True)},
        "buses": {
            "count": s.buses.count,
            "seats": s.buses.seats,
            "used_mean": float(reps.buses_used.mean()),
            "left_by_bus_mean": float(reps.left_by_bus.mean()),
            "left_waiting_mean": float(reps.left_waiting.mean()),
            "last_departure_median": _median_clock(reps.last_departure, s.start_clock),
        },
    }


def _numbers(e: Estimate, scale: float = 1.0) -> dict[str, float]:
    return {"mean": e.mean * scale, "sd": e.sd * scale, "ci95_low": e.ci_low * scale,
            "ci95_high": e.ci_high * scale, "q05": e.q05 * scale, "q50": e.q50 * scale,
            "q95": e.q95 * scale}


def _median_clock(times: np.ndarray[Any, Any], start_clock: int) -> str | None:
    left = times[~np.isnan(times)]
    return format_clock(float(np.median(left)), start_clock) if left.size else None
