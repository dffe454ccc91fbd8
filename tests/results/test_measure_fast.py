"""The night's record and a batch's arrays, computed with few numpy calls, equal the plain
versions they replaced bit for bit (kept here as the references)."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crossing_sim import load_scenario, replication_streams, scenario_from_dict, simulate
from crossing_sim.experiment.replications import Task, run_batch
from crossing_sim.model.fates import FATES, Fate
from crossing_sim.model.outcome import Boardings, Groups, Outcome, Series, Trips
from crossing_sim.results.batches import Batch
from crossing_sim.results.quantiles import linear_quantile
from crossing_sim.results.record import MEASURED, TRIP_FIELDS, measure
from crossing_sim.scenario.catalog import catalog
from crossing_sim.scenario.spec import Scenario


def reference_measure(outcome: Outcome, scenario: Scenario) -> dict[str, float | int]:
    """``measure`` as it was: a mask per quantity, the wait's quantile by partition."""
    g, gate, trips = outcome.groups, scenario.gate, outcome.trips
    left = [(d, b, p) for d, b, p in zip(trips.depart.tolist(), trips.bus.tolist(),
                                         trips.people.tolist(), strict=True) if d == d]
    departed = [d for d, _, _ in left]
    crossed = g.fate == int(Fate.CROSSED)
    ends, sizes = g.screen_end[crossed], g.size[crossed]
    wait = np.repeat(g.screen_start[crossed] - g.arrive[crossed], sizes)
    screened = ~np.isnan(g.screen_start)
    busy = np.add.reduce((np.fmin(g.screen_end[screened], gate.close)
                          - np.maximum(g.screen_start[screened], gate.open)).clip(min=0))
    waiting = (g.arrive <= gate.close) & ~(g.screen_start <= gate.close)
    some = bool(wait.size)
    return {
        "left_by_bus": int(sum(p for _, _, p in left)),
        "buses_used": len({b for _, b, _ in left}),
        "first_departure": float(min(departed)) if departed else np.nan,
        "last_departure": float(max(departed)) if departed else np.nan,
        "last_crossing": float(ends.max()) if some else np.nan,
        "first_crossing": float(ends.min()) if some else np.nan,
        "wait_mean": float(np.add.reduce(wait) / wait.size) if some else np.nan,
        "wait_p90": linear_quantile(wait, 0.9) if some else np.nan,
        "wait_max": float(wait.max()) if some else np.nan,
        "utilisation": float(busy / (gate.lanes * (gate.close - gate.open))),
        "queued_at_closing": int(np.add.reduce(g.size[waiting])),
        "busiest_hour": _reference_busiest_hour(ends, sizes, scenario.start_clock),
        "people": outcome.expected,
        "crossed_families": int(ends.size),
        "crossed_volunteers": int(np.add.reduce(g.volunteers[crossed])),
        "crossed_children": int(np.add.reduce(g.children[crossed])),
    }


def _reference_busiest_hour(ends: Any, people: Any, start_clock: int) -> float:
    if not ends.size:
        return np.nan
    hours = np.floor((ends + start_clock) / 60).astype(np.int64)
    first = int(hours.min())
    counts = np.bincount(hours - first, weights=people)
    return float((first + int(np.argmax(counts))) * 60 - start_clock)


def assert_same_record(outcome: Outcome, scenario: Scenario) -> None:
    fast, slow = measure(outcome, scenario), reference_measure(outcome, scenario)
    assert list(fast) == list(slow)
    for name, value in slow.items():  # the same type and the same bits (NaN as NaN)
        assert type(fast[name]) is type(value), name
        assert repr(fast[name]) == repr(value), (name, fast[name], value)


SCENARIOS = [load_scenario(e.path) for e in catalog() if e.kind == "scenario"]
seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SCENARIOS), seeds, st.integers(0, 10**6))
def test_the_record_of_a_night_of_every_scenario_is_the_reference_s(
        scenario: Scenario, seed: int, night: int) -> None:
    assert_same_record(simulate(scenario, replication_streams(seed, night)), scenario)


@st.composite
def small_nights(draw: st.DrawFn) -> Scenario:
    """A small scenario: few people, one or several tables, any closing rule, few buses."""
    return scenario_from_dict({
        "population": {"expected": draw(st.integers(1, 40)),
                       "group_size": {"dist": "choice", "values": [1, 2, 3, 5],
                                      "weights": [3, 2, 1, 1]}},
        "origins": {"camp": {"share": 1.0, "distance": f"{draw(st.integers(1, 8))}km"}},
        "gate": {"open": draw(st.sampled_from(["20:00", "21:00"])),
                 "close": draw(st.sampled_from(["21:30", "23:00", "02:00"])),
                 "lanes": draw(st.integers(1, 3)),
                 "screening_per_person": f"{draw(st.integers(0, 300))}s",
                 "closing": draw(st.sampled_from(["finish_queue", "finish_screening",
                                                  "cut_off"]))},
        "buses": {"count": draw(st.integers(1, 3)), "seats": draw(st.integers(5, 12))},
    })


@settings(max_examples=60, deadline=None)
@given(small_nights(), seeds)
def test_the_record_of_a_small_random_night_is_the_reference_s(scenario: Scenario,
                                                               seed: int) -> None:
    assert_same_record(simulate(scenario, np.random.default_rng(seed)), scenario)


# Made-up outcomes reach what few nights do: nobody crossed, one family, families of none,
# ties in the waits and the hours, trips that never left, screenings cut off or unfinished;
# and (with up to 300 families and times of any fraction) every order of summation numpy
# has: one by one below 8 numbers, 8 running sums up to 128, halves beyond.
times = (st.sampled_from([0.0, 30.0, 59.5, 60.0, 120.0, 540.0, 541.25, 600.0, 960.0])
         | st.floats(0, 1000))


@st.composite
def outcomes(draw: st.DrawFn) -> Outcome:
    n = draw(st.sampled_from([0, 1, 2, 7, 8, 9]) | st.integers(0, 300))
    fate = np.array(draw(st.lists(st.sampled_from([int(f) for f in Fate] + [int(Fate.CROSSED)]),
                                  min_size=n, max_size=n)), dtype=np.int64)
    size = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=np.int64)
    arrive, start, end = (np.array(draw(st.lists(times, min_size=n, max_size=n)))
                          for _ in range(3))
    start = arrive + start / 10  # screening after arriving
    for i in range(n):
        if fate[i] == Fate.CROSSED:
            end[i] = start[i] + end[i] / 20
        else:  # the others: maybe never screened, maybe cut off (no end)
            if draw(st.booleans()):
                start[i] = np.nan
            if draw(st.booleans()) or np.isnan(start[i]):
                end[i] = np.nan
    nan = np.full(n, np.nan)
    groups = Groups(size=size, volunteers=size // 2, children=(size + 1) // 3,
                    origin=np.zeros(n, dtype=np.int64), fate=fate, heard=nan, depart=nan,
                    arrive=arrive, lost=nan, left_queue=nan, screen_start=start,
                    screen_end=end, boarded=nan, trip=np.full(n, -1))
    k = draw(st.integers(0, 5))
    depart = np.array(draw(st.lists(times | st.just(np.nan), min_size=k, max_size=k)))
    trips = Trips(bus=np.array(draw(st.lists(st.integers(0, 2), min_size=k, max_size=k)),
                               dtype=np.int64),
                  load_start=depart - 1, depart=depart,
                  people=np.array(draw(st.lists(st.integers(0, 9), min_size=k, max_size=k)),
                                  dtype=np.int64))
    empty = np.empty(0, dtype=np.int64)
    series = Series(np.zeros(1), *[np.zeros(1, dtype=np.int64)] * len(Series.NAMES))
    return Outcome(int(size.sum()), 1000.0, groups, trips,
                   Boardings(np.empty(0), empty, empty, empty), series)


BASE = SCENARIOS[0]


@settings(max_examples=300, deadline=None)
@given(outcomes(), st.sampled_from([(540.0, 600.0), (0.0, 1000.0), (541.25, 960.0)]),
       st.integers(1, 3), st.sampled_from([0, 720, 1439]))
def test_the_record_of_a_made_up_outcome_is_the_reference_s(
        outcome: Outcome, window: tuple[float, float], lanes: int, start_clock: int) -> None:
    scenario = replace(BASE, gate=replace(BASE.gate, open=window[0], close=window[1],
                                          lanes=lanes), start_clock=start_clock)
    assert_same_record(outcome, scenario)


def reference_run_batch(scenario: Scenario, seed: int, task: Task) -> Batch:
    """``run_batch`` as it was: each night's numbers written into the batch's arrays."""
    n = task.count
    fates = np.empty((n, len(FATES)), dtype=np.int64)
    record = {c.name: np.full(n, 0 if c.kind == "count" else np.nan,
                              dtype=np.int64 if c.kind == "count" else float)
              for c in MEASURED}
    series = None
    t = np.empty(0)
    trips = []
    indices = np.arange(task.first, task.first + n, dtype=np.int64)
    for row, index in enumerate(indices.tolist()):
        outcome = simulate(scenario, replication_streams(
            seed, index, None if task.paired else task.point))
        fates[row] = outcome.people_by_fate()
        for name, value in reference_measure(outcome, scenario).items():
            record[name][row] = value
        trips.append(outcome.trips)
        s = outcome.series
        if series is None:
            t = s.t
            series = np.empty((n, len(Series.NAMES), t.size), dtype=np.int32)
        for i, name in enumerate(Series.NAMES):
            series[row, i] = getattr(s, name)
    assert series is not None
    table = np.empty((sum(tr.bus.size for tr in trips), len(TRIP_FIELDS)))
    table[:, 0] = np.repeat(indices, [tr.bus.size for tr in trips])
    for column, name in enumerate(("bus", "load_start", "depart", "people"), start=1):
        table[:, column] = np.concatenate([getattr(tr, name) for tr in trips])
    return Batch(task.point, indices, fates, series_t=t, series=series, trips=table, **record)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(SCENARIOS[:4]) | small_nights(), seeds, st.integers(0, 50),
       st.integers(1, 6), st.booleans())
def test_a_batch_is_the_reference_s(scenario: Scenario, seed: int, first: int, count: int,
                                    paired: bool) -> None:
    task = Task(2, first, count, paired)
    fast, slow = run_batch(scenario, seed, task), reference_run_batch(scenario, seed, task)
    for f in fields(Batch):
        a, b = getattr(fast, f.name), getattr(slow, f.name)
        if isinstance(b, np.ndarray):
            assert (a.dtype, a.shape) == (b.dtype, b.shape), f.name
            assert a.tobytes() == b.tobytes(), f.name
        else:
            assert a == b, f.name
