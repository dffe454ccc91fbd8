"""Figures of paired comparisons and of waiting: what a change gains, night by night, and how
long people waited at the gate.

:func:`difference` draws the paired difference in crossings of each scenario from the
reference one (a ``compare`` folder's first scenario, or a sweep's reference point), as
``summary.json``'s ``difference`` holds it: the mean difference with its 95 % confidence
interval, the 5-95 % of the nights' differences, and the share of nights on which the change
helps, makes no difference or hurts. :func:`waits` draws the nights' waiting times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from crossing_sim.errors import ResultsError
from crossing_sim.experiment.statistics import estimate
from crossing_sim.figures.axes import Drawable, cases_of, labels, legend, titles, titles_over, wrap
from crossing_sim.figures.style import (
    BLUE,
    GREEN,
    GREY,
    VERMILLION,
    NotebookFigure,
    palette,
    styled,
)
from crossing_sim.results.reader import PointResult, Results

__all__ = ["MAX_ROWS", "WAITS", "difference", "waits"]

#: More rows than this in a difference figure cannot be read.
MAX_ROWS: Final = 30
#: The waiting times stored for each night (``replications.csv``), and how they read.
WAITS: Final = (("wait_mean_min", "mean wait of those who crossed"),
                ("wait_p90_min", "9 in 10 of them waited less than"),
                ("wait_max_min", "the longest wait"))


@styled
def difference(results: Results) -> Figure:
    """Each scenario's paired difference in people crossed from the reference scenario: the
    mean with its 95 % CI over the 5-95 % of nights (left), and the share of nights with more,
    the same and fewer crossing (right)."""
    rows = [p for p in results.points if (d := p.summary.get("difference"))
            and d.get("reference") is not None and d["reference"] != p.index]
    if not rows:
        raise ResultsError(f"{results.folder} holds no paired differences: they come from "
                           "crossing-sim compare, or a sweep with a reference point")
    if len(rows) > MAX_ROWS:
        raise ResultsError(f"{results.folder} has {len(rows)} differences, too many to read "
                           f"in one figure (at most {MAX_ROWS})")
    reference = results.point(int(rows[0].summary["difference"]["reference"]))
    names = labels(list(results.points))
    fig = NotebookFigure(figsize=(12, min(9.5, 3.2 + 0.62 * len(rows))))
    left, right = fig.subplots(1, 2, sharey=True, width_ratios=[2.3, 1])
    y = np.arange(len(rows))
    d = [p.summary["difference"]["crossed"] for p in rows]
    mean = np.array([x["mean"] for x in d])
    low, high = np.array([x["ci95_low"] for x in d]), np.array([x["ci95_high"] for x in d])
    q05, q95 = np.array([x["q05"] for x in d]), np.array([x["q95"] for x in d])
    left.barh(y, q95 - q05, left=q05, height=0.5, color=BLUE, alpha=0.25, linewidth=0,
              label="5-95 % of the nights' differences")
    left.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="o", color=BLUE, markersize=8,
                  capsize=5, linewidth=2, label="mean difference, with its 95 % CI")
    for yy, m, lo, hi in zip(y, mean, low, high, strict=True):
        left.annotate(f"{m:+.1f} ({lo:+.1f} to {hi:+.1f})", (max(hi, float(q95[yy])), yy),
                      xytext=(6, 0), textcoords="offset points", va="center", fontsize=11)
    left.axvline(0, color="black", linewidth=1.2, zorder=1)
    span = max(float(np.abs(np.r_[q05, q95]).max()), 1.0)
    left.set_xlim(min(-0.08 * span, float(q05.min()) - 0.08 * span),
                  float(q95.max()) + 0.55 * span)
    left.set_yticks(y, [wrap(names[p.index], 28) for p in rows])
    left.set_ylim(len(rows) - 0.5, -0.5)
    left.grid(axis="y", visible=False)
    left.set_xlabel(f"people crossed per night, minus {names[reference.index]} on the same "
                    "night")
    more, less = np.array([x["p_more"] for x in d]), np.array([x["p_less"] for x in d])
    same = 1 - more - less
    for part, start, colour, text in ((more, 0, GREEN, "nights with more crossing"),
                                      (same, more, GREY, "the same"),
                                      (less, more + same, VERMILLION, "fewer")):
        right.barh(y, 100 * part, left=100 * start, height=0.6, color=colour, label=text)
    for yy, m in zip(y, more, strict=True):
        right.annotate(f"{100 * m:.0f} %", (100 * m, yy), xytext=(-4, 0),
                       textcoords="offset points", ha="right", va="center", fontsize=11,
                       color="white" if m > 0.12 else "none", weight="bold")
    right.set_xlim(0, 100)
    right.set_xlabel("share of the paired nights (%)")
    right.grid(axis="y", visible=False)
    legend(fig, [left, right])
    titles(fig, left, "What each change gains", [reference],
           "the same nights (the same random numbers) in every scenario, each compared with "
           f"{names[reference.index]} night by night", width=85)
    fig.suptitle(wrap(f"What each change gains over {names[reference.index]}, night by "
                      "night", 70), x=0.01, ha="left")
    return fig


@styled
def waits(*results: Drawable) -> Figure:
    """How long those who crossed waited, from reaching the gate to their screening: over
    the simulated nights, each night's mean wait, 90th percentile and longest wait."""
    cases = cases_of(results)
    fig = NotebookFigure(figsize=(13, 5.8))
    panels = fig.subplots(1, len(WAITS), sharey=True)
    many = len(cases) > 1
    for ax, (column, _) in zip(panels, WAITS, strict=True):
        values = [_column(c, column) for c in cases]
        finite = np.concatenate([v for v in values if v.size] or [np.zeros(1)])
        edges = np.histogram_bin_edges(finite, bins=min(30, max(8, finite.size // 10)))
        for v, colour in zip(values, _colours(cases), strict=False):
            if not v.size:
                continue
            weights = np.full(v.size, 100 / v.size)
            e = estimate(v)
            ax.hist(v, list(edges), weights=weights, histtype="stepfilled", color=colour,
                    alpha=0.25 if many else 0.5, linewidth=0)
            ax.hist(v, list(edges), weights=weights, histtype="step", color=colour,
                    linewidth=2)
            ax.axvline(e.mean, color=colour, linewidth=2, linestyle="--")
            ax.annotate(f"mean {e.mean:.0f} min\n(95 % CI {e.ci_low:.0f}-{e.ci_high:.0f})",
                        (e.mean, 1), xycoords=("data", "axes fraction"), xytext=(5, -5),
                        textcoords="offset points", va="top", fontsize=10.5, color=colour)
        ax.set_xlabel("minutes")
    panels[0].set_ylabel("simulated nights (%)")
    handles: list[Artist] = [Patch(color=c, alpha=0.6, label=name)
               for name, c in zip(labels(cases), _colours(cases), strict=False)] if many else []
    handles.append(Line2D([], [], color="0.3", linestyle="--", linewidth=2,
                          label="the mean over nights (its 95 % CI written by it)"))
    legend(fig, list(panels), handles)
    titles_over(fig, list(panels), "Waiting at the gate", cases,
                "each night gives one mean, one 90th percentile and one longest wait of the "
                "people who crossed; the histograms show how these vary from night to night",
                [what for _, what in WAITS])
    fig.suptitle(f"How long people waited at the gate: {' vs '.join(labels(cases))}"
                 if len(cases) <= 3 else "How long people waited at the gate",
                 x=0.01, ha="left")
    return fig


def _column(case: PointResult, name: str) -> np.ndarray[Any, Any]:
    v = case.column(name)
    return v[~np.isnan(v)]


def _colours(cases: Sequence[PointResult]) -> list[str]:
    return palette() if len(cases) > 1 else [BLUE]
