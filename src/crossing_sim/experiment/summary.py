"""The summary of one scenario's replications as plain data (what ``run --json`` prints)."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Final, TypeVar

import numpy as np

from crossing_sim.arrays import FloatArray
from crossing_sim.experiment.replications import Replications
from crossing_sim.experiment.statistics import (
    Estimate,
    kept_estimates,
    kept_rows,
    positions,
    same_length,
)
from crossing_sim.model.fates import FATES
from crossing_sim.scenario.facts import Fact
from crossing_sim.scenario.observed import FACT_LABELS
from crossing_sim.scenario.units import format_clock

__all__ = ["FACT_MEASURES", "summarize", "summarize_points"]

_T = TypeVar("_T")
#: Each fate, and the name of its measure in :class:`_Columns`.
_FATE_COLUMNS: Final = tuple((f, f"fate:{int(f)}") for f in FATES)

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
    return summarize_points([reps])[0]


def summarize_points(points: Sequence[Replications]) -> list[dict[str, Any]]:
    """:func:`summarize` of each point, each number computed for all the points together
    (the same bits as point by point: a sweep of many points costs little more than one)."""
    columns = _Columns(points)
    return [_summary(columns, i) for i in range(len(points))]


def _summary(c: _Columns, i: int) -> dict[str, Any]:
    reps = c.points[i]
    s = reps.scenario
    expected = s.population.expected
    crossed = c.of("crossed")[i]
    assert crossed is not None, "a point has at least one replication"
    people = c.mean("people")[i]  # the expected, unless the turnout varies by night
    return {
        "scenario": s.name,
        "description": s.description,
        "replications": len(reps),
        "seed": reps.seed,
        "expected": expected,
        "crossed": _numbers(crossed),
        "crossed_share": _numbers(crossed, 1 / expected),
        "observed": _observed_crossed(c, i),
        "facts": [_fact(c, i, key, fact, same) for (key, fact), same
                  in zip(c.facts[i].items(), c.same_fact[i], strict=True)],
        "people": _kept(c, "people", i) if s.population.turnout else None,
        "fates": {f.key: {"label": f.label, "mean": m, "share": m / people}
                  for f, m in ((f, c.mean(column)[i]) for f, column in _FATE_COLUMNS)},
        "buses": {
            "count": s.buses.count,
            "seats": s.buses.seats,
            "used_mean": c.mean("buses_used")[i],
            "left_by_bus_mean": c.mean("left_by_bus")[i],
            "left_waiting_mean": c.mean("left_waiting")[i],
            "last_departure_median": _clock(c.median("last_departure")[i], s.start_clock),
        },
        "composition": {name: _kept(c, measure, i) for name, measure in (
            ("families", "crossed_families"), ("volunteers", "crossed_volunteers"),
            ("family_members", "crossed_family_members"), ("children", "crossed_children"),
            ("children_share", "crossed_children_share"))},
        "gate": {name: _kept(c, measure, i) for name, measure in (
            ("wait_mean_min", "wait_mean"), ("wait_p90_min", "wait_p90"),
            ("wait_max_min", "wait_max"), ("table_utilisation", "utilisation"),
            ("queued_at_closing", "queued_at_closing"))},
        "times": {
            "first_crossing": _clock_of(c, "first_crossing", i),
            "last_crossing": _clock_of(c, "last_crossing", i),
            "first_bus_departure": _clock_of(c, "first_departure", i),
            "last_bus_departure": _clock_of(c, "last_departure", i),
            "busiest_hour": c.busiest()[i],
        },
    }


class _Columns:
    """The points' per-night values of each measure, and the numbers over them, each
    computed once for all points (rows of one length at a time)."""

    def __init__(self, points: Sequence[Replications]) -> None:
        self.points = points
        self.facts = [r.scenario.observed.facts() for r in points]
        # each point's facts by a number for each different one (a fact compares and
        # hashes in Python: the points stating it are found once, not at every look-up)
        numbers: dict[tuple[str, Fact], int] = {}
        self.same_fact = [[numbers.setdefault(item, len(numbers)) for item in facts.items()]
                          for facts in self.facts]
        self.stating: list[list[int]] = [[] for _ in numbers]  # the points stating each
        for j, same in enumerate(self.same_fact):
            for number in same:
                self.stating[number].append(j)
        self._values: dict[str, list[FloatArray]] = {}
        self._of: dict[str, list[Estimate | None]] = {}
        self._memo: dict[tuple[str, Hashable], Any] = {}

    def once(self, kind: str, of: Hashable, make: Callable[[], _T]) -> _T:
        """``make()``, made the first time this kind of number ``of`` something is asked
        for."""
        made: _T | None = self._memo.get((kind, of))
        if made is None:
            made = self._memo[kind, of] = make()
        return made

    def values(self, name: str) -> list[FloatArray]:
        """Each point's nights of measure ``name`` (``fate:N``: the people of fate N)."""
        got = self._values.get(name)
        if got is None:
            if name.startswith("fate:"):
                column = int(name[5:])
                got = [r.fates[:, column].astype(np.float64) for r in self.points]
            else:
                got = [np.asarray(getattr(r, name), dtype=np.float64) for r in self.points]
            self._values[name] = got
        return got

    def of(self, name: str) -> list[Estimate | None]:
        """Each point's estimate over its nights that have the value."""
        got = self._of.get(name)
        if got is None:
            got = self._of[name] = kept_estimates(self.values(name))
        return got

    def mean(self, name: str) -> list[float]:
        """Each point's mean over all its nights (of counts: exact in any order)."""
        def make() -> list[float]:
            out = [math.nan] * len(self.points)
            for where, matrix in same_length(self.values(name)):
                for i, m in zip(where, (np.add.reduce(matrix, axis=1) / matrix.shape[1])
                                .tolist(), strict=True):
                    out[i] = m
            return out
        return self.once("mean", name, make)

    def median(self, name: str) -> list[float | None]:
        """Each point's median over its nights that have the value (None if none has)."""
        def make() -> list[float | None]:
            out: list[float | None] = [None] * len(self.points)
            for where, matrix in kept_rows(self.values(name)):
                for i, m in zip(where, np.median(matrix, axis=1).tolist(), strict=True):
                    out[i] = m
            return out
        return self.once("median", name, make)

    def busiest(self) -> list[dict[str, Any] | None]:
        """Each point's busiest clock hour: the one most often busiest, and how often."""
        return self.once("busiest", "", lambda: _busiest(self))


def _observed_crossed(c: _Columns, i: int) -> dict[str, Any] | None:
    """Where the observed count of crossings falls among the nights (None if none given)."""
    s = c.points[i].scenario
    fact = s.observed.crossed
    if fact is None or not fact.exact:
        return None
    p_at_most, percentile = _position(c, "crossed", fact.value, i)
    return {"label": s.observed.label, "crossed": int(fact.value),
            "share": fact.value / s.population.expected,
            "p_at_most": p_at_most, "percentile": percentile}


def _position(c: _Columns, name: str, value: float, i: int) -> tuple[float, float]:
    """:func:`position` of ``value`` among point ``i``'s nights of ``name`` that have one,
    computed for all the points whose facts place the same value."""
    def make() -> dict[int, tuple[float, float]]:
        asking = [j for j in range(len(c.points)) if value in _placed(c, j, name)]
        rows = c.values(name)
        out: dict[int, tuple[float, float]] = {}
        for where, matrix in kept_rows([rows[j] for j in asking]):
            at_most, percentile = positions(matrix, value)
            out.update(zip((asking[j] for j in where), zip(at_most, percentile, strict=True),
                           strict=True))
        return out
    placed = c.once("position", (name, value), make)
    return placed[i]


def _placed(c: _Columns, i: int, name: str) -> set[float]:
    """The values point ``i``'s facts place among its nights of measure ``name``."""
    return {fact.value for key, fact in c.facts[i].items()
            if FACT_MEASURES[key] == name and fact.exact}


def _fact(c: _Columns, i: int, key: str, fact: Fact, same: int) -> dict[str, Any]:
    """One observed fact (``same``: its number in :attr:`_Columns.stating`) next to the
    simulated nights: the share of nights consistent with it, and the 5-50-95 % of the
    simulated measure."""
    name = FACT_MEASURES[key]
    e = c.of(name)[i]
    simulated: dict[str, Any] | None = (
        {"q05": e.q05, "q50": e.q50, "q95": e.q95} if e is not None else None)
    if simulated is not None and fact.unit == "clock":
        simulated |= {f"{k}_clock": format_clock(v, c.points[i].scenario.start_clock)
                      for k, v in list(simulated.items())}
    return {**c.once("stated", same, lambda: _stated(key, fact)),
            "nights": int(c.values(name)[i].size),
            "share_consistent": _consistent(c, key, fact, same, i),
            "simulated": simulated,
            **({"percentile": _position(c, name, fact.value, i)[1]}
               if fact.exact and e is not None else {})}


def _stated(key: str, fact: Fact) -> dict[str, Any]:
    """What a fact states, as the summary shows it (the same for every point stating it;
    copied by the caller)."""
    return {"key": key, "label": FACT_LABELS[key], "unit": fact.unit,
            "observed": fact.describe(),
            **{end: v if math.isfinite(v) else None for end, v in (("low", fact.low),
                                                                 ("high", fact.high))}}


def _consistent(c: _Columns, key: str, fact: Fact, same: int, i: int) -> float:
    """The share of point ``i``'s nights that agree with ``fact``, computed for all points
    stating the same fact."""
    def make() -> dict[int, float]:
        rows = c.values(FACT_MEASURES[key])
        asking = c.stating[same]
        out: dict[int, float] = {}
        for where, matrix in same_length([rows[j] for j in asking]):
            shares = np.count_nonzero(fact.holds(matrix), axis=1) / matrix.shape[1]
            out.update(zip((asking[j] for j in where), shares.tolist(), strict=True))
        return out
    shares: dict[int, float] = c.once("consistent", same, make)
    return shares[i]


def _numbers(e: Estimate, scale: float = 1.0) -> dict[str, float]:
    return {"mean": e.mean * scale, "sd": e.sd * scale, "ci95_low": e.ci_low * scale,
            "ci95_high": e.ci_high * scale, "q05": e.q05 * scale, "q50": e.q50 * scale,
            "q95": e.q95 * scale}


def _kept(c: _Columns, name: str, i: int) -> dict[str, float] | None:
    """Mean, spread and interval over the nights that have the value (None if none has)."""
    e = c.of(name)[i]
    return None if e is None else {
        "nights": e.n, "mean": e.mean, "sd": e.sd, "ci95_low": e.ci_low,
        "ci95_high": e.ci_high, "q05": e.q05, "q50": e.q50, "q95": e.q95}


def _clock_of(c: _Columns, name: str, i: int) -> dict[str, Any] | None:
    """A time of the night: its numbers in minutes after the start, and as clock times."""
    numbers = _kept(c, name, i)
    if numbers is None:
        return None
    start_clock = c.points[i].scenario.start_clock
    clocks = {f"{k}_clock": format_clock(numbers[k], start_clock)
              if math.isfinite(numbers[k]) else None
              for k in ("mean", "ci95_low", "ci95_high", "q05", "q95")}
    return {**numbers, **clocks}


def _busiest(c: _Columns) -> list[dict[str, Any] | None]:
    """The clock hour most often the busiest, how often, and how often it is after midnight,
    for each point (None if no night had a crossing)."""
    out: list[dict[str, Any] | None] = [None] * len(c.points)
    clocks = [r.scenario.start_clock for r in c.points]
    for where, hours in kept_rows(c.values("busiest_hour")):
        ordered = np.sort(hours, axis=1)
        n = ordered.shape[1]
        # each night's run of equal hours; the first of the longest is the earliest hour
        # among those most often busiest (as np.unique's counts and argmax give)
        step = ordered[:, 1:] != ordered[:, :-1]
        index = np.arange(n)
        first = np.maximum.accumulate(
            np.where(np.pad(step, ((0, 0), (1, 0)), constant_values=True), index, 0), axis=1)
        last = np.minimum.accumulate(
            np.where(np.pad(step, ((0, 0), (0, 1)), constant_values=True), index,
                     n - 1)[:, ::-1], axis=1)[:, ::-1]
        runs = last - first + 1
        top = np.argmax(runs, axis=1)
        rows = np.arange(len(where))
        start = np.array([clocks[i] for i in where])[:, None]
        after = np.count_nonzero((hours + start) % (24 * 60) < 6 * 60, axis=1) / n  # 00-06
        for i, most, count, share in zip(where, ordered[rows, top].tolist(),
                                         runs[rows, top].tolist(), after.tolist(),
                                         strict=True):
            out[i] = {"nights": n, "most_often_start": most,
                      "most_often_clock": format_clock(most, clocks[i]),
                      "most_often_share": count / n, "share_after_midnight": share}
    return out


def _clock(minutes: float | None, start_clock: int) -> str | None:
    return None if minutes is None else format_clock(minutes, start_clock)
