"""Numbers over many points at once are the point-by-point numbers, to the last bit.

A sweep's summaries, estimates and paired differences are computed for all its points
together (rows of one length at a time); each must equal what the point-by-point code they
replaced gives (kept in reference_summaries.py), whatever the points, their nights, the
missing values (NaN) and the ties.
"""

from __future__ import annotations

import dataclasses
import json
import math
from functools import cache
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from reference_summaries import (
    _of,
    reference_estimate,
    reference_paired_difference,
    reference_summarize,
)

from conftest import BASELINE
from crossing_sim.experiment.compare import (
    SUMMARY_MEASURES,
    difference_rows,
    difference_summaries,
)
from crossing_sim.experiment.replications import Replications, run_replications
from crossing_sim.experiment.statistics import estimate_rows, kept_estimates
from crossing_sim.experiment.summary import summarize_points
from crossing_sim.experiment.sweep import prepare
from crossing_sim.results.record import ROW_FIELDS

#: Settings that make nights with no crossing (NaN times), a varying turnout, other facts.
VARIANTS = ((), ("gate.lanes=1",), ("gate.close=21:25",), ("gate.open=02:50",),
            ('population.turnout={dist="choice", values=[300, 700], weights=[1, 1]}',),
            ("observed.crossed=300", "observed.buses_used=4"), ("buses.count=1",))
NIGHTS = 12
TIME_COLUMNS = ("first_crossing", "last_crossing", "first_departure", "last_departure",
                "wait_mean", "wait_p90", "wait_max", "utilisation", "busiest_hour")


@cache
def pool() -> tuple[Replications, ...]:
    """Real nights of each variant (made once)."""
    out = []
    for overrides in VARIANTS:
        (point,) = prepare(BASELINE, overrides)
        out.append(run_replications(point.scenario, NIGHTS, seed=7))
    return tuple(out)


def text(value: Any) -> str:
    """Exact text of numbers (repr of floats), NaN included."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, sort_keys=True, default=str)


@st.composite
def points(draw: st.DrawFn) -> list[Replications]:
    """Points cut from the real nights: some nights, some values made missing, some busiest
    hours made to tie."""
    chosen = []
    for _ in range(draw(st.integers(1, 6))):
        reps = pool()[draw(st.integers(0, len(VARIANTS) - 1))]
        nights = draw(st.integers(1, NIGHTS))
        changes: dict[str, Any] = {name: getattr(reps, name)[:nights] for name in ROW_FIELDS}
        for name in draw(st.lists(st.sampled_from(TIME_COLUMNS), max_size=3, unique=True)):
            column = changes[name].copy()
            column[draw(hnp.arrays(np.bool_, nights))] = np.nan
            changes[name] = column
        if draw(st.booleans()):
            hours = draw(hnp.arrays(np.float64, nights,
                                    elements=st.sampled_from([-60.0, 0.0, 60.0, 120.0,
                                                              math.nan])))
            changes["busiest_hour"] = hours
        chosen.append(dataclasses.replace(reps, **changes))
    return chosen


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(points())
def test_summaries_over_points_are_the_point_by_point_summaries(
        chosen: list[Replications]) -> None:
    together = summarize_points(chosen)
    assert [text(s) for s in together] == [text(reference_summarize(r)) for r in chosen]


ROWS = st.integers(1, 5).flatmap(lambda k: st.integers(1, 300).flatmap(
    lambda n: hnp.arrays(np.float64, (k, n), elements=st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 700).map(float),
        st.just(math.nan)))))


@settings(max_examples=150, deadline=None)
@given(ROWS)
def test_estimates_of_rows_are_each_rows_estimate(rows: np.ndarray) -> None:
    assert [text(e) for e in estimate_rows(rows)] == [text(reference_estimate(r))
                                                      for r in rows]
    assert [None if e is None else text({"nights": e.n, "mean": e.mean, "sd": e.sd,
                                         "ci": [e.ci_low, e.ci_high],
                                         "q": [e.q05, e.q50, e.q95]})
            for e in kept_estimates(list(rows))] == [
        None if (o := _of(r)) is None else text({"nights": o["nights"], "mean": o["mean"],
                                                 "sd": o["sd"],
                                                 "ci": [o["ci95_low"], o["ci95_high"]],
                                                 "q": [o["q05"], o["q50"], o["q95"]]})
        for r in rows]


@settings(max_examples=150, deadline=None)
@given(ROWS, st.data())
def test_differences_of_rows_are_each_pairs_difference(rows: np.ndarray,
                                                       data: st.DataObject) -> None:
    other = data.draw(hnp.arrays(np.float64, rows.shape, elements=st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 700).map(float),
        st.just(math.nan))))
    if data.draw(st.booleans()):  # equal on every night: no spread at all
        other = rows.copy()
    assert [text(d) for d in difference_rows("x", rows, other)] == [
        text(reference_paired_difference("x", b, o)) for b, o in zip(rows, other, strict=True)]


@settings(max_examples=40, deadline=None)
@given(points())
def test_difference_summaries_are_each_points_difference(chosen: list[Replications]) -> None:
    base = chosen[0]
    got = difference_summaries(base, chosen, 0)
    for summary, other in zip(got, chosen, strict=True):
        common, at_base, at_other = np.intersect1d(base.replication, other.replication,
                                                   return_indices=True)
        assert common.size  # every point starts at replication 0
        for name in SUMMARY_MEASURES:
            b = (base.crossed if name == "crossed" else base.left_by_bus).astype(float)
            o = (other.crossed if name == "crossed" else other.left_by_bus).astype(float)
            assert text(summary[name]) == text(reference_paired_difference(
                name, b[at_base], o[at_other]))


def test_the_reference_is_the_code_it_replaced() -> None:
    """The pool has what the properties need: nights with no crossing, turnouts that vary,
    ties for the busiest hour, facts other than the baseline's."""
    reps = pool()
    assert any(np.isnan(r.first_crossing).any() for r in reps)
    assert any(np.unique(r.people).size > 1 for r in reps)
    assert {len(r) for r in reps} == {NIGHTS}
