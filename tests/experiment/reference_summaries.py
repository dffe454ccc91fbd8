"""The point-by-point summaries that the summaries over many points replaced, kept as the
reference the property tests compare with (tests/experiment/test_over_points.py): taken
unchanged from crossing_sim 0c578d7 (experiment/summary.py, statistics.estimate and
position, compare.paired_difference), names prefixed with ``reference_``."""


from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from crossing_sim.experiment.compare import Difference
from crossing_sim.experiment.replications import Replications
from crossing_sim.experiment.statistics import CONFIDENCE, Estimate, Position, t_quantile
from crossing_sim.experiment.summary import FACT_MEASURES
from crossing_sim.model.fates import FATES
from crossing_sim.results.quantiles import sorted_quantiles
from crossing_sim.scenario.facts import Fact
from crossing_sim.scenario.observed import FACT_LABELS
from crossing_sim.scenario.units import format_clock

FloatArray = Any


def reference_estimate(values: ArrayLike, confidence: float = CONFIDENCE) -> Estimate:
    """Mean with a Student-t confidence interval, and the 5/50/95 % quantiles."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n == 0:
        raise ValueError("no replications to summarise")
    # x.mean() and x.std(ddof=1) as numpy computes them, without their set-up cost
    total = np.add.reduce(x)
    mean = float(total / n)
    if n > 1:
        deviation = x - total / n
        sd = math.sqrt(float(np.add.reduce(deviation * deviation)) / (n - 1))
    else:
        sd = math.nan
    half = math.nan
    if n > 1:
        half = t_quantile(n - 1, (1 + confidence) / 2) * sd / math.sqrt(n)
    q05, q50, q95 = sorted_quantiles(np.sort(x), (0.05, 0.5, 0.95))
    return Estimate(n, mean, sd, mean - half, mean + half, q05, q50, q95)


def reference_position(values: ArrayLike, observed: float) -> Position:
    x = np.asarray(values, dtype=np.float64)
    below, at_most = np.count_nonzero(x < observed), np.count_nonzero(x <= observed)
    return Position(observed, float(np.mean(x <= observed)),
                    float((below + at_most) * (50.0 / x.size)))


def reference_paired_difference(measure: str, base: FloatArray, other: FloatArray) -> Difference:
    """The difference of two aligned arrays (night ``i`` of each is replication ``i``).

    Nights on which either value is missing (NaN: no crossing at all) are left out.
    """
    kept = ~(np.isnan(base) | np.isnan(other))
    b, o = base[kept], other[kept]
    d = o - b
    if d.size == 0:
        nan = float("nan")
        return Difference(measure, 0, nan, nan, nan, nan, nan, nan, nan, nan, nan)
    mean = float(d.mean())
    if d.size == 1:  # one night says nothing about how the difference varies
        low = high = float("nan")
    elif not d.std() > 0:
        low = high = mean  # the same on every night: no uncertainty at all
    else:
        e = reference_estimate(d)
        low, high = e.ci_low, e.ci_high
    q05, q95 = sorted_quantiles(np.sort(d), (0.05, 0.95))
    return Difference(measure, int(d.size), mean, float(low), float(high), q05, q95,
                      float(np.mean(d > 0)), float(np.mean(d < 0)), float(b.mean()),
                      float(o.mean()))


def reference_summarize(reps: Replications) -> dict[str, Any]:
    """The numbers ``crossing-sim run`` reports, as plain data (what ``--json`` prints)."""
    s = reps.scenario
    expected = s.population.expected
    crossed = reference_estimate(reps.crossed)
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
    where = reference_position(reps.crossed, fact.value)
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
            **({"percentile": reference_position(kept, fact.value).percentile}
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
    return {"nights": int(kept.size), **_numbers(reference_estimate(kept))}


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
