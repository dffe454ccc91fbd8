"""Paired comparisons: the difference a change makes, night by night, with its uncertainty.

Two scenarios run on the same replication indices see the same random numbers for every
component they share (:mod:`crossing_sim.experiment.seeding`), so the difference on each
night is the effect of the change plus only the noise the change itself stirs up. Its mean,
confidence interval and spread over nights answer "what difference would it have made".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

import numpy as np

from crossing_sim.arrays import FloatArray, IntArray
from crossing_sim.errors import ResultsError
from crossing_sim.experiment.replications import Replications
from crossing_sim.experiment.statistics import estimate_rows
from crossing_sim.model.fates import FATES
from crossing_sim.results.reader import PointResult, Results
from crossing_sim.results.record import RECORD

__all__ = [
    "MEASURES",
    "SUMMARY_MEASURES",
    "Difference",
    "aligned",
    "compare_points",
    "compare_replications",
    "compare_stored",
    "comparison",
    "difference_rows",
    "difference_summaries",
    "difference_summary",
    "differences_of",
    "measures_of",
    "paired_difference",
    "paired_differences",
    "seeding_of",
    "stored_measures",
]

#: What a comparison reports, with the words a reader sees (the fates in their order).
MEASURES: dict[str, str] = {
    "crossed": "crossed",
    **{f.key: f.label for f in FATES if f.key != "crossed"},
    "left_by_bus": "left on a bus",
    "buses_used": "buses used",
    "last_crossing": "last crossing, minutes",
}


@dataclass(frozen=True)
class Difference:
    """OTHER - BASE of one measure over the nights both ran (replication by replication)."""

    measure: str
    nights: int
    mean: float
    ci95_low: float
    ci95_high: float
    q05: float
    q95: float
    p_more: float  # share of nights on which OTHER's value is higher
    p_less: float
    base_mean: float
    other_mean: float

    @property
    def half_width(self) -> float:
        return (self.ci95_high - self.ci95_low) / 2

    def as_dict(self) -> dict[str, Any]:
        """As plain data (for JSON)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def measures_of(reps: Replications) -> dict[str, FloatArray]:
    """Each measure of :data:`MEASURES`, one value per night, in replication order."""
    values: dict[str, FloatArray] = {
        f.key: reps.fates[:, int(f)].astype(float) for f in FATES}
    values["left_by_bus"] = reps.left_by_bus.astype(float)
    values["buses_used"] = reps.buses_used.astype(float)
    values["last_crossing"] = reps.last_crossing.astype(float)
    return {name: values[name] for name in MEASURES}


def paired_difference(measure: str, base: FloatArray, other: FloatArray) -> Difference:
    """The difference of two aligned arrays (night ``i`` of each is replication ``i``).

    Nights on which either value is missing (NaN: no crossing at all) are left out.
    """
    return difference_rows(measure, base.reshape(1, -1), other.reshape(1, -1))[0]


def difference_rows(measure: str, base: FloatArray, other: FloatArray) -> list[Difference]:
    """:func:`paired_difference` of each row of two aligned matrices (pairs, nights),
    the rows with as many nights both have computed together (the same bits as one by
    one)."""
    b, o = np.asarray(base, dtype=np.float64), np.asarray(other, dtype=np.float64)
    both = ~(np.isnan(b) | np.isnan(o))
    kept = np.count_nonzero(both, axis=1)
    nan = float("nan")
    out = [Difference(measure, 0, nan, nan, nan, nan, nan, nan, nan, nan, nan)] * len(b)
    for size in np.unique(kept[kept > 0]).tolist():
        rows = np.flatnonzero(kept == size)
        shape = (rows.size, size)
        b_kept, o_kept = (m[rows][both[rows]].reshape(shape) for m in (b, o))
        d = o_kept - b_kept
        estimates = estimate_rows(d)
        # d.std() > 0, as numpy computes it: no spread means no uncertainty at all
        deviation = d - (np.add.reduce(d, axis=1) / size)[:, None]
        spread = np.add.reduce(deviation * deviation, axis=1) / size > 0
        p_more = np.count_nonzero(d > 0, axis=1) / size
        p_less = np.count_nonzero(d < 0, axis=1) / size
        base_mean = np.add.reduce(b_kept, axis=1) / size
        other_mean = np.add.reduce(o_kept, axis=1) / size
        for row, e, spreads, more, less, bm, om in zip(
                rows.tolist(), estimates, spread.tolist(), p_more.tolist(), p_less.tolist(),
                base_mean.tolist(), other_mean.tolist(), strict=True):
            if size == 1:  # one night says nothing about how the difference varies
                low = high = nan
            else:
                low, high = (e.ci_low, e.ci_high) if spreads else (e.mean, e.mean)
            out[row] = Difference(measure, size, e.mean, low, high, e.q05, e.q95, more, less,
                                  bm, om)
    return out


def aligned(base_index: IntArray, other_index: IntArray) -> tuple[IntArray, IntArray]:
    """Positions of the replications both ran, in replication order."""
    common, in_base, in_other = np.intersect1d(base_index, other_index, return_indices=True)
    return in_base[np.argsort(common)], in_other[np.argsort(common)]


def paired_differences(base: Replications, other: Replications,
                       names: Sequence[str] | None = None) -> dict[str, Difference]:
    """Each measure's (``names``: every one) paired difference OTHER - BASE over the nights
    both ran."""
    if base.seed != other.seed:
        raise ValueError(f"paired nights need the same seed ({base.seed} and {other.seed})")
    at_base, at_other = aligned(base.replication, other.replication)
    b, o = measures_of(base), measures_of(other)
    return {name: paired_difference(name, b[name][at_base], o[name][at_other])
            for name in (names or MEASURES)}


def differences_of(values: Mapping[str, FloatArray], index: IntArray,
                   base_values: Mapping[str, FloatArray],
                   base_index: IntArray) -> dict[str, Difference]:
    """Paired differences from per-night tables (as read back from a results folder)."""
    at_base, at_other = aligned(base_index, index)
    return {name: paired_difference(name, base_values[name][at_base], values[name][at_other])
            for name in MEASURES if name in values and name in base_values}


def difference_summary(base: Replications, other: Replications,
                       reference: int) -> dict[str, Any]:
    """What a sweep stores of a point's paired difference from its reference point."""
    return difference_summaries(base, [other], reference)[0]


#: The measures a sweep stores of each point's difference from its reference point.
SUMMARY_MEASURES: Final = ("crossed", "left_by_bus")


def difference_summaries(base: Replications, others: Sequence[Replications],
                         reference: int) -> list[dict[str, Any]]:
    """:func:`difference_summary` of each of ``others`` from ``base``: the points that ran
    the same replications as ``base`` computed together."""
    in_order = bool(np.all(np.diff(base.replication) > 0))  # then aligned() keeps it
    together = [i for i, r in enumerate(others) if in_order and r.seed == base.seed
                and np.array_equal(r.replication, base.replication)]
    out: list[dict[str, Any]] = [{"reference": reference} for _ in others]
    if together:
        for name in SUMMARY_MEASURES:
            b = _summary_measure(base, name)
            rows = difference_rows(name, np.broadcast_to(b, (len(together), b.size)),
                                   np.stack([_summary_measure(others[i], name)
                                             for i in together]))
            for i, d in zip(together, rows, strict=True):
                out[i][name] = d.as_dict()
    alone = set(range(len(others))) - set(together)
    for i in sorted(alone):
        differences = paired_differences(base, others[i], SUMMARY_MEASURES)
        out[i].update({name: d.as_dict() for name, d in differences.items()})
    return out


def _summary_measure(reps: Replications, name: str) -> FloatArray:
    """One of :data:`SUMMARY_MEASURES` of each night, as :func:`measures_of` gives it."""
    values = reps.crossed if name == "crossed" else reps.left_by_bus
    return values.astype(np.float64)


def stored_measures(point: PointResult) -> tuple[IntArray, dict[str, FloatArray]]:
    """A stored point's replication numbers and measures, from its replications.csv."""
    csv = {c.name: c.csv for c in RECORD}  # the record's columns in replications.csv
    columns = {name: csv.get(name, name) for name in MEASURES}
    index = point.column("replication").astype(np.int64)
    return index, {name: point.column(column) for name, column in columns.items()}


def seeding_of(results: Results) -> tuple[int, bool]:
    """The seed of a stored experiment, and whether its nights were paired across points."""
    spec = results.manifest.get("spec", {})
    return int(spec.get("seed", -1)), bool(spec.get("paired", False))


def comparison(labels: Sequence[Mapping[str, str]],
               tables: Sequence[tuple[IntArray, Mapping[str, FloatArray]]], seed: int,
               paired: bool) -> dict[str, Any]:
    """Each scenario after the first against the first, as plain data (what ``--json``
    prints): the labels, the nights, and every measure's paired difference."""
    base_index, base_values = tables[0]
    others: list[dict[str, Any]] = []
    nights = []
    for label, (index, values) in zip(labels[1:], tables[1:], strict=True):
        differences = differences_of(values, index, base_values, base_index)
        others.append({**label, "differences": {k: d.as_dict() for k, d in differences.items()}})
        nights.append(differences["crossed"].nights)
    return {"seed": seed, "paired": paired, "nights": min(nights, default=0),
            "base": dict(labels[0]),
            "others": others}


def compare_replications(reps: Sequence[Replications], sources: Sequence[str],
                         paired: bool = True) -> dict[str, Any]:
    """The comparison of nights run in this process (the first is the base)."""
    labels = [{"scenario": r.scenario.name, "description": r.scenario.description,
               "source": source} for r, source in zip(reps, sources, strict=True)]
    tables = [(r.replication, measures_of(r)) for r in reps]
    return comparison(labels, tables, reps[0].seed, paired)


def compare_stored(folders: Sequence[Results]) -> dict[str, Any]:
    """The comparison of stored results folders: their first points, paired by replication.

    Raises ResultsError unless they were made with the same seed and paired nights (a sweep's
    points, or runs: every run is paired with every other run of the same seed).
    """
    seeds = {seeding_of(r)[0] for r in folders}
    if len(seeds) != 1:
        raise ResultsError("these folders were made with different seeds "
                           f"({', '.join(str(s) for s in sorted(seeds))}): their nights are "
                           "not paired; run them again with the same seed")
    if any(not seeding_of(r)[1] and len(r.points) > 1 for r in folders):
        raise ResultsError("a sweep made with independent points has no paired nights")
    return _stored([r.points[0] for r in folders], [str(r.folder) for r in folders],
                   seeds.pop(), True)


def compare_points(results: Results) -> dict[str, Any]:
    """The comparison of one stored study's points (the first is the base)."""
    seed, paired = seeding_of(results)
    sources = [str(p.results.manifest["points"][p.index].get("base", p.label))
               for p in results.points]
    return _stored(list(results.points), sources, seed, paired)


def _stored(points: Sequence[PointResult], sources: Sequence[str], seed: int,
            paired: bool) -> dict[str, Any]:
    labels = [{"scenario": str(p.summary.get("scenario", p.label)),
               "description": str(p.summary.get("description", "")), "source": source}
              for p, source in zip(points, sources, strict=True)]
    return comparison(labels, [stored_measures(p) for p in points], seed, paired)
