"""The figures of one night's scenarios: throughput, the queue, the fates, the crossed count's
distribution (the buses are in :mod:`~crossing_sim.figures.buses`).

Each takes results read back by :mod:`crossing_sim.results.reader` (folders, or some points of
a sweep) and returns a matplotlib Figure; nothing here runs the model. Bands are read from the
stored quantiles over the time grid, so a figure of 10,000 replications costs no more than one
of 100.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from crossing_sim.experiment.statistics import estimate
from crossing_sim.figures.axes import (
    DASHES,
    WIDTHS,
    Drawable,
    case_handles,
    cases_of,
    clock,
    clock_axis,
    clock_limits,
    gate_marks,
    labels,
    legend,
    mark_observed,
    mark_observed_at_closing,
    observed_crossed,
    range_text,
    titles,
)
from crossing_sim.figures.style import NotebookFigure, palette, styled
from crossing_sim.model.fates import FATES, Fate
from crossing_sim.report.summary import ordinal
from crossing_sim.results.reader import PointResult

__all__ = ["BAND_NOTE", "distribution", "fates", "queue", "throughput"]

BAND_NOTE: Final = "lines: mean; bands: 5-95 % of simulated nights"

# --- the figures -------------------------------------------------------------------------

@styled
def throughput(*results: Drawable) -> Figure:
    """Cumulative people through the gate over clock time, each scenario's mean and 5-95 %
    band (in its colour and line style), the gate's window, dawn, and the observed count at
    closing."""
    cases = cases_of(results)
    fig = NotebookFigure(figsize=(10, 6))
    ax = fig.add_subplot()
    top = mark_observed_at_closing(ax, cases)
    for i, (case, label) in enumerate(zip(cases, labels(cases), strict=False)):
        top = max(top, _band(ax, case, "crossed", i, label))
    ax.set_ylim(0, top * 1.06)
    marks = gate_marks(ax, cases)
    clock_axis(ax, clock_limits(cases))
    ax.set_ylabel("people through the gate, cumulative (people)")
    legend(fig, [ax], last=marks)
    titles(fig, ax, "People through the gate", cases, BAND_NOTE)
    return fig


@styled
def queue(*results: Drawable) -> Figure:
    """People waiting at the gate (top: each scenario's mean and 5-95 % band over clock time)
    and people who had crossed but were not yet on a bus that had left (bottom: the mean;
    the bands of a difference cannot be read from the stored bands)."""
    cases = cases_of(results)
    fig = NotebookFigure(figsize=(10, 7.5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax, name, ylabel in ((top, "queue", "waiting at the gate\n(people)"),
                             (bottom, "waiting_for_bus", "crossed, not yet on a\nbus "
                                                         "that left (people)")):
        high = 1.0
        for i, (case, label) in enumerate(zip(cases, labels(cases), strict=False)):
            high = max(high, _band(ax, case, name, i, label, band=name == "queue"))
        ax.set_ylim(0, high * 1.08)
        ax.set_ylabel(ylabel)
    marks, _ = gate_marks(top, cases), gate_marks(bottom, cases)
    top.xaxis.set_tick_params(labelbottom=True)
    clock_axis(bottom, clock_limits(cases))
    legend(fig, [top, bottom], last=marks)
    titles(fig, top, "Waiting at the gate and behind it", cases,
           BAND_NOTE + " (lower panel: the mean only)")
    return fig


@styled
def fates(*results: Drawable) -> Figure:
    """Where the expected people went: a waterfall from those expected, losing each fate in
    the order the night can lose them, to those who crossed, split into those on buses that
    left and those still waiting for one (means over replications)."""
    cases = cases_of(results)
    losses = [f for f in FATES if f is not Fate.CROSSED]
    shown = [f for f in losses if any(c.summary["fates"][f.key]["mean"] >= 0.05 for c in cases)]
    hidden = [f.label for f in losses if f not in shown]
    rows = ["expected", *(f.label for f in shown), "crossed",
            "crossed: on buses that left", "crossed: still waiting for a bus"]
    fig = NotebookFigure(figsize=(11, min(9.5, 2 + 0.5 * len(rows) * (1 + 0.3 * (len(cases) - 1)))))
    ax = fig.add_subplot()
    height = 0.8 / len(cases)
    for i, (case, colour) in enumerate(zip(cases, palette(), strict=False)):
        y = np.arange(len(rows)) + (i - (len(cases) - 1) / 2) * height
        spans, kinds = _waterfall(case, shown)
        columns = [None, *(f.key for f in shown), "crossed", "left_by_bus", "left_waiting"]
        for (left, width), kind, yy, column in zip(spans, kinds, y, columns, strict=True):
            ax.barh(yy, width, left=left, height=height * 0.9, color=colour,
                    alpha=0.45 if kind == "loss" else 1.0, hatch="//" if kind == "loss" else None,
                    edgecolor=colour, linewidth=0)
            if len(cases) <= 3:
                ax.annotate(_count(case, column, kind == "loss"), (left + width, yy),
                            xytext=(4, 0), textcoords="offset points", va="center",
                            fontsize=10.5 if len(cases) > 1 else 12)
    _stages(ax, shown)
    mark_observed(ax, cases, vertical=True)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("people (mean per simulated night)")
    ax.set_xlim(0, max(c.expected for c in cases) * 1.16)
    _share_axis(ax, cases)
    tone = palette()[0] if len(cases) == 1 else "0.3"
    handles = [Patch(color=tone, label="totals: expected, crossed, and how they left"),
               Patch(facecolor=tone, alpha=0.45, hatch="//", edgecolor=tone, linewidth=0,
                     label="lost at this step")]
    legend(fig, [ax], [*case_handles(cases), *handles])
    note = "each bar: the mean over simulated nights, written with its 95 % CI half-width"
    if hidden:
        note += "; not shown (none on average): " + ", ".join(hidden)
    titles(fig, ax, "Where the expected people went", cases, note, width=70)
    return fig


@styled
def distribution(*results: Drawable) -> Figure:
    """How many crossed, across replications: a histogram per scenario, the observed count marked
    and where it falls among the simulated nights."""
    cases = cases_of(results)
    counts = [c.crossed for c in cases]
    observed = observed_crossed(cases)
    edges = _integer_bins(counts, [observed[1]] if observed else [])
    fig = NotebookFigure(figsize=(10, 6))
    ax = fig.add_subplot()
    alpha = 0.55 if len(cases) == 1 else 0.25
    for case, label, crossed, colour in zip(cases, labels(cases), counts, palette(),
                                            strict=False):
        weights = np.full(crossed.size, 100 / max(crossed.size, 1))
        ax.hist(crossed, list(edges), weights=weights, histtype="stepfilled", color=colour,
                alpha=alpha, linewidth=0)
        ax.hist(crossed, list(edges), weights=weights, histtype="step", color=colour, linewidth=2,
                label=f"{label}: {_where(case)}")
    top = ax.get_ylim()[1]
    for i, (crossed, colour) in enumerate(zip(counts, palette(), strict=False)):
        e = estimate(crossed)
        if math.isnan(e.ci_low):
            continue
        y = top * (1.04 + 0.06 * i)
        ax.errorbar(e.mean, y, xerr=[[e.mean - e.ci_low], [e.ci_high - e.mean]], fmt="o",
                    color=colour, markersize=8, capsize=5, linewidth=2.5, clip_on=False,
                    label=f"mean {e.mean:.1f}, 95 % CI {e.ci_low:.1f}-{e.ci_high:.1f}"
                    if len(cases) == 1 else "mean, with its 95 % CI")
    ax.set_ylim(0, top * (1.1 + 0.06 * len(cases)))
    mark_observed(ax, cases, vertical=True)
    ax.set_xlabel("people who crossed in a simulated night (people)")
    ax.set_ylabel("simulated nights (%)")
    _share_axis(ax, cases)
    legend(fig, [ax])
    reps = sorted({c.replications for c in cases})
    width = edges[1] - edges[0]
    titles(fig, ax, "People who crossed, night by night", cases,
           f"bins of {width:g} {'person' if width == 1 else 'people'}; "
           + ("the bars add up to 100 % of the nights" if len(cases) == 1 else
              f"each scenario's bars add up to 100 % of its {range_text(reps)} nights"))
    return fig


# --- pieces of the figures ----------------------------------------------------------------

#: Where on the night each way of being lost happens, in the waterfall's order.
STAGES: Final = (("before setting out", (Fate.NO_MESSAGE, Fate.DECLINED)),
                 ("on the way", (Fate.STOPPED, Fate.BLOCKED, Fate.EN_ROUTE)),
                 ("at the gate", (Fate.TOO_LATE, Fate.GAVE_UP, Fate.TURNED_AWAY, Fate.AT_GATE,
                                  Fate.REFUSED)))


def _count(case: PointResult, column: str | None, loss: bool) -> str:
    """A bar's number: the mean people per night and its 95 % CI half-width (the expected
    number is given, not estimated)."""
    if column is None:
        return f"{case.expected}"
    e = estimate(case.column(column))
    sign = "\N{MINUS SIGN}" if loss else ""
    half = "" if math.isnan(e.ci_low) else f" \N{PLUS-MINUS SIGN} {e.half_width:.1f}"
    return f"{sign}{e.mean:.1f}{half}"


def _stages(ax: Axes, shown: Sequence[Fate]) -> None:
    """The losses grouped by where they happen: a line between groups, each group named."""
    row = 1
    for name, members in STAGES:
        count = sum(1 for f in shown if f in members)
        if not count:
            continue
        ax.axhline(row - 0.5, color="0.6", linewidth=1, zorder=1)
        ax.annotate(name, (0, row - 0.5), xytext=(6, -3), textcoords="offset points",
                    va="top", fontsize=11.5, style="italic", color="0.3")
        row += count
    ax.axhline(row - 0.5, color="0.6", linewidth=1, zorder=1)


def _where(case: PointResult) -> str:
    """Where the observed count falls among a scenario's simulated nights ("" if none)."""
    obs = case.summary.get("observed")
    if not obs:
        return f"mean {case.summary['crossed']['mean']:.1f}"
    pct, share, count = float(obs["percentile"]), float(obs["p_at_most"]), obs["crossed"]
    if share <= 0:
        return f"every night more than {count}"
    if share >= 1:
        return f"every night {count} or fewer"
    return (f"{count} at the {ordinal(round(pct))} percentile "
            f"({100 * share:.0f} % of nights had {count} or fewer)")


def _share_axis(ax: Axes, cases: Sequence[PointResult]) -> None:
    """A second x scale in % of those expected, when every scenario expects the same number."""
    expected = {c.expected for c in cases}
    if len(expected) != 1:
        return
    n = expected.pop()

    def to_share(people: Any) -> Any:
        return np.asarray(people) / n * 100

    def to_people(share: Any) -> Any:
        return np.asarray(share) * n / 100

    top = ax.secondary_xaxis("top", functions=(to_share, to_people))
    top.set_xlabel(f"share of the {n} expected (%)")


def _integer_bins(samples: Sequence[np.ndarray[Any, Any]],
                  marks: Sequence[int]) -> np.ndarray[Any, Any]:
    """Histogram bins on whole people, shared by every scenario (and reaching the marks): one
    person each over a short range, else the narrowest Freedman-Diaconis width of the
    scenarios (Sturges' where most nights had the same count), at most 100 bins."""
    values = np.concatenate([*samples, np.asarray(marks, dtype=np.int64)])
    low, high = int(values.min()), int(values.max())
    width = 1
    if high - low > 60:
        widths = []
        for sample in samples:
            spread = float(np.subtract(*np.percentile(sample, [75, 25])))
            edges = np.histogram_bin_edges(sample, "fd" if spread > 0 else "sturges")
            widths.append(float(edges[1] - edges[0]) if edges.size > 2 else high - low)
        width = max(1, round(min(widths)), math.ceil((high - low) / 100))
    return np.arange(low - 0.5, high + width + 0.5, width)


def _band(ax: Axes, case: PointResult, name: str, i: int, label: str,
          band: bool = True) -> float:
    """A series' mean and 5-95 % band over clock time, in the ``i``-th scenario's colour and
    line style; returns the top drawn."""
    b = case.series
    x = clock(case, b.t)
    mean = _mean(case, name)
    colour = palette()[i % len(palette())]
    high = mean
    if band:
        low, high = b.quantile(name, 0.05), b.quantile(name, 0.95)
        ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
    ax.plot(x, mean, color=colour, label=label, zorder=3 + i,  # over the axis at zero
            linestyle=DASHES[i % len(DASHES)], linewidth=WIDTHS[i % len(WIDTHS)])
    return float(np.max(high))


def _mean(case: PointResult, name: str) -> np.ndarray[Any, Any]:
    """A series' mean over nights on the time grid; ``waiting_for_bus``: those who had
    crossed but were not on a bus that had left (crossed minus departed)."""
    b = case.series
    if name == "waiting_for_bus":
        waiting: np.ndarray[Any, Any] = (b.mean[b.names.index("crossed")]
                                         - b.mean[b.names.index("departed")])
        return waiting
    mean: np.ndarray[Any, Any] = b.mean[b.names.index(name)]
    return mean


# --- fates ---------------------------------------------------------------------------------

def _waterfall(case: PointResult, shown: Sequence[Fate]) -> tuple[list[tuple[float, float]],
                                                                   list[str]]:
    """The bars of a waterfall as (left, width), and each bar's kind."""
    s = case.summary
    remaining = float(s["expected"])
    spans, kinds = [(0.0, remaining)], ["total"]
    for fate in shown:
        lost = float(s["fates"][fate.key]["mean"])
        remaining -= lost
        spans.append((remaining, lost))
        kinds.append("loss")
    by_bus, waiting = s["buses"]["left_by_bus_mean"], s["buses"]["left_waiting_mean"]
    spans += [(0.0, float(s["fates"]["crossed"]["mean"])), (0.0, float(by_bus)),
              (float(by_bus), float(waiting))]
    kinds += ["total", "part", "part"]
    return spans, kinds
