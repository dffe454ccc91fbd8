"""The summary of one scenario's replications as plain data (what ``run --json`` prints)."""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from crossing_sim.arrays import FloatArray
from crossing_sim.experiment.replications import Replications
from crossing_sim.experiment.statistics import Estimate, estimate, position
from crossing_sim.model.fates import FATES
from crossing_sim.results.quantiles import sorted_quantiles
from crossing_sim.scenario.facts import Fact
from crossing_sim.scenario.observed import FACT_LABELS
from crossing_sim.scenario.units import format_clock

__all__ = ["FACT_MEASURES", "summarize"]

#: The replications' measure each observed fact is compared with.
FACT_MEASURES: Final = {
    "crossed": "crossed",
    "volunteers": "crossed_volunteers",
    "family_members": "crossed_family_members",
    "children": "crossed_children",
    "children_share": "crossed_children_share",
    "buses_used": "buses_used",
    "first_crossing": "first_crossing",
    "busiest_hour": "busiest_hour",
    "last_crossing": "last_crossing",
    "last_bus_departure": "last_departure",
}


def summarize(reps: Replications) -> dict[str, Any]:
    """The numbers ``crossing-sim run`` reports, as plain data (what ``--json`` prints)."""
    s = reps.scenario
    expected = s.population.expected
    crossed = estimate(reps.crossed)
    fate_means = reps.fates.mean(axis=0)
    people = float(reps.people.mean())  # the expected, unless the turnout varies by night
    return {
        "scenario": s.name,
        "description": s.description,
        "replications": len(reps),
        "seed": reps.seed,
        "expected": expected,
        "crossed": _numbers(crossed),
        "crossed_share": _numbers(crossed, 1 / expected),
        "observed": _observed_crossed(reps),
        "facts": [_fact(reps, key, fact) for key, fact in s.observed.facts().items()],
        "people": _of(reps.people.astype(float)) if s.population.turnout else None,
        "fates": {f.key: {"label": f.label, "mean": float(m), "share": float(m) / people}
                  for f, m in zip(FATES, fate_means, strict=True)},
        "buses": {
            "count": s.buses.count,
            "seats": s.buses.seats,
            "used_mean": float(reps.buses_used.mean()),
            "left_by_bus_mean": float(reps.left_by_bus.mean()),
            "left_waiting_mean": float(reps.left_waiting.mean()),
            "last_departure_median": _median_clock(reps.last_departure, s.start_clock),
        },
        "composition": {
            "families": _of(reps.crossed_families.astype(float)),
            "volunteers": _of(reps.crossed_volunteers.astype(float)),
            "family_members": _of(reps.crossed_family_members.astype(float)),
            "children": _of(reps.crossed_children.astype(float)),
            "children_share": _of(reps.crossed_children_share),
        },
        "gate": {
            "wait_mean_min": _of(reps.wait_mean),
            "wait_p90_min": _of(reps.wait_p90),
            "wait_max_min": _of(reps.wait_max),
            "table_utilisation": _of(reps.utilisation),
            "queued_at_closing": _of(reps.queued_at_closing.astype(float)),
        },
        "times": {
            "first_crossing": _clock_of(reps.first_crossing, s.start_clock),
            "last_crossing": _clock_of(reps.last_crossing, s.start_clock),
            "first_bus_departure": _clock_of(reps.first_departure, s.start_clock),
            "last_bus_departure": _clock_of(reps.last_departure, s.start_clock),
            "busiest_hour": _busiest(reps.busiest_hour, s.start_clock),
        },
    }


def _observed_crossed(reps: Replications) -> dict[str, Any] | None:
    """Where the observed count of crossings falls among the nights (None if none given)."""
    fact = reps.scenario.observed.crossed
    if fact is None or not fact.exact:
        return None
    where = position(reps.crossed, fact.value)
    return {"label": reps.scenario.observed.label, "crossed": int(fact.value),
            "share": fact.value / reps.scenario.population.expected,
            "p_at_most": where.p_at_most, "percentile": where.percentile}


def _fact(reps: Replications, key: str, fact: Fact) -> dict[str, Any]:
    """One observed fact next to the simulated nights: the share of nights consistent with it,
    and the 5-50-95 % of the simulated measure."""
    values = np.asarray(getattr(reps, FACT_MEASURES[key]), dtype=np.float64)
    kept = values[~np.isnan(values)]
    simulated: dict[str, Any] | None = (
        dict(zip(("q05", "q50", "q95"), sorted_quantiles(np.sort(kept), (0.05, 0.5, 0.95)),
                 strict=True)) if kept.size else None)
    if simulated is not None and fact.unit == "clock":
        simulated |= {f"{k}_clock": format_clock(v, reps.scenario.start_clock)
                      for k, v in list(simulated.items())}
    return {"key": key, "label": FACT_LABELS[key], "unit": fact.unit,
            "observed": fact.describe(),
            **{end: v if np.isfinite(v) else None for end, v in (("low", fact.low),
                                                               ("high", fact.high))},
            "nights": int(values.size), "share_consistent": float(fact.holds(values).mean()),
            "simulated": simulated,
            **({"percentile": position(kept, fact.value).percentile}
               if fact.exact and kept.size else {})}


def _numbers(e: Estimate, scale: float = 1.0) -> dict[str, float]:
    return {"mean": e.mean * scale, "sd": e.sd * scale, "ci95_low": e.ci_low * scale,
            "ci95_high": e.ci_high * scale, "q05": e.q05 * scale, "q50": e.q50 * scale,
            "q95": e.q95 * scale}


def _of(values: FloatArray) -> dict[str, float] | None:
    """Mean, spread and interval over the nights that have the value (None if none has)."""
    kept = values[~np.isnan(values)]
    if not kept.size:
        return None
    return {"nights": int(kept.size), **_numbers(estimate(kept))}


def _clock_of(times: FloatArray, start_clock: int) -> dict[str, Any] | None:
    """A time of the night: its numbers in minutes after the start, and as clock times."""
    numbers = _of(times)
    if numbers is None:
        return None
    clocks = {f"{k}_clock": format_clock(numbers[k], start_clock) if np.isfinite(numbers[k])
              else None for k in ("mean", "ci95_low", "ci95_high", "q05", "q95")}
    return {**numbers, **clocks}


def _busiest(starts: FloatArray, start_clock: int) -> dict[str, Any] | None:
    """The clock hour most often the busiest, how often, and how often it is after midnight."""
    kept = starts[~np.isnan(starts)]
    if not kept.size:
        return None
    hours, counts = np.unique(kept, return_counts=True)
    most = float(hours[np.argmax(counts)])
    after_midnight = (kept + start_clock) % (24 * 60) < 6 * 60  # 00:00-06:00
    return {"nights": int(kept.size), "most_often_start": most,
            "most_often_clock": format_clock(most, start_clock),
            "most_often_share": float(counts.max() / kept.size),
            "share_after_midnight": float(after_midnight.mean())}


def _median_clock(times: np.ndarray[Any, Any], start_clock: int) -> str | None:
    left = times[~np.isnan(times)]
    return format_clock(float(np.median(left)), start_clock) if left.size else None
