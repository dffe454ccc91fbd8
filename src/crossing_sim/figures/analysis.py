"""Figures of the analyses: a calibration's posterior and predictive check, a sensitivity ranking.

Each function takes a finished result and returns a matplotlib Figure (nothing here runs a
simulation); save it with ``figure.savefig(path)``. Figures are made without pyplot, so they
need no display and leave no global state behind. :func:`calibration_figures` and
:func:`sensitivity_figures` are the figures ``crossing-sim calibrate`` and ``sensitivity``
write into their results folders (with :func:`crossing_sim.figures.files.write_pngs`). The
colours are the palette of :mod:`crossing_sim.figures.style`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from crossing_sim.analysis.calibration import Calibration
from crossing_sim.analysis.parameters import write_value
from crossing_sim.analysis.sensitivity import Sensitivity
from crossing_sim.experiment.design import Scale
from crossing_sim.figures.style import BLUE, GREEN, LIGHT_GREY, SKY_BLUE, VERMILLION
from crossing_sim.scenario.units import format_clock

__all__ = ["calibration_figures", "pairs_figure", "predictive_figure", "ranking_figure",
           "sensitivity_figures"]

#: The draws from the priors.
PRIOR_COLOUR: Final = LIGHT_GREY
#: The kept draws (the posterior), its predictive nights, a sensitivity's total index.
POSTERIOR_COLOUR: Final = BLUE
#: The calibrated value (the posterior median) and the observed value.
MARK_COLOUR: Final = VERMILLION
#: A known truth, when one is given.
TRUTH_COLOUR: Final = GREEN
#: A Sobol analysis's first-order index.
FIRST_ORDER_COLOUR: Final = SKY_BLUE


def calibration_figures(result: Calibration) -> dict[str, Figure]:
    """The figures of a calibration's folder, by file name: ``pairs`` and ``predictive``."""
    return {"pairs": pairs_figure(result), "predictive": predictive_figure(result)}


def sensitivity_figures(result: Sensitivity) -> dict[str, Figure]:
    """The figures of a sensitivity analysis's folder, by file name: ``ranking``."""
    return {"ranking": ranking_figure(result)}


def _axis_label(key: str, scale: Scale) -> str:
    unit = scale.unit if scale.kind not in ("clock", "int", "float") else ""
    return f"{key} ({unit})" if unit else key


def _clock_ticks(ax: Axes, scale: Scale, axis: str) -> None:
    if scale.kind != "clock":
        return
    formatter = FuncFormatter(lambda v, _pos: str(write_value(scale, v)))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def pairs_figure(result: Calibration, truth: Mapping[str, float] | None = None) -> Figure:
    """Prior draws (grey) and the posterior sample (blue) of every key, alone on the
    diagonal and in pairs below it; the posterior median (red) and a known truth (green)."""
    priors, draws, kept = result.priors, result.prior_draws[:2000], result.main.rows
    d = len(priors)
    size = max(3.2, 2.4 * d)
    fig = Figure(figsize=(size, size), layout="constrained")
    axes = np.atleast_2d(np.asarray(fig.subplots(d, d, squeeze=False)))
    marks = {p.key: float(np.median(kept[:, j])) for j, p in enumerate(priors)}
    for i, row_prior in enumerate(priors):
        for j, col_prior in enumerate(priors):
            ax: Axes = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                bins = np.histogram_bin_edges(draws[:, j], bins=30).tolist()
                ax.hist(draws[:, j], bins=bins, density=True, color=PRIOR_COLOUR,
                        label="prior")
                ax.hist(kept[:, j], bins=bins, density=True, color=POSTERIOR_COLOUR,
                        alpha=0.75, label="posterior")
                ax.axvline(marks[col_prior.key], color=MARK_COLOUR, lw=1.5,
                           label="posterior median")
                if truth and col_prior.key in truth:
                    ax.axvline(truth[col_prior.key], color=TRUTH_COLOUR, lw=1.5, ls="--",
                               label="truth")
                ax.set_yticks([])
            else:
                ax.scatter(draws[:, j], draws[:, i], s=3, color=PRIOR_COLOUR, lw=0)
                ax.scatter(kept[:, j], kept[:, i], s=5, color=POSTERIOR_COLOUR, lw=0)
                ax.plot(marks[col_prior.key], marks[row_prior.key], marker="+", ms=12,
                        mew=2, color=MARK_COLOUR)
                if truth and col_prior.key in truth and row_prior.key in truth:
                    ax.plot(truth[col_prior.key], truth[row_prior.key], marker="x", ms=10,
                            mew=2, color=TRUTH_COLOUR)
                _clock_ticks(ax, row_prior.scale, "y")
                if j == 0:
                    ax.set_ylabel(_axis_label(row_prior.key, row_prior.scale), fontsize=8)
            _clock_ticks(ax, col_prior.scale, "x")
            if i == d - 1:
                ax.set_xlabel(_axis_label(col_prior.key, col_prior.scale), fontsize=8)
            ax.tick_params(labelsize=7)
    if d > 1:  # in the empty upper right, clear of the histograms
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, fontsize=8, loc="upper right", frameon=False,
                   bbox_to_anchor=(0.98, 0.92))
    else:
        axes[0, 0].legend(fontsize=7, loc="upper left", frameon=False)
    fig.suptitle(f"ABC-SMC posterior ({len(kept)} rows) on {', '.join(result.facts)}",
                 fontsize=10)
    return fig


def predictive_figure(result: Calibration) -> Figure:
    """Each fact's posterior predictive nights (the fit on every fact, filled; the held-out
    fits, outlined) and the observed fact (a line, or a shaded interval)."""
    facts = list(result.facts.items())
    fig = Figure(figsize=(6.4, 2.6 * len(facts)), layout="constrained")
    axes = np.atleast_1d(np.asarray(fig.subplots(len(facts), 1, squeeze=False))).ravel()
    start = next(iter(result.facts.values())).start_clock
    for j, (ax, (name, fact)) in enumerate(zip(axes, facts, strict=True)):
        columns = [c.predictive[:, j] for c in result.checks]
        finite = np.concatenate([v[~np.isnan(v)] for v in columns])
        if not finite.size:
            continue
        lowest, highest = float(finite.min()), float(finite.max())
        bins = np.linspace(lowest - 0.5, highest + 0.5, 41).tolist()
        for check, values, colour in zip(result.checks, columns,
                                         (POSTERIOR_COLOUR, "black", TRUTH_COLOUR),
                                         strict=False):
            use = "fitted" if name in check.used else "held out"
            kind = {"histtype": "stepfilled", "alpha": 0.7} if check.name == "all" else \
                {"histtype": "step", "lw": 1.2}
            ax.hist(values[~np.isnan(values)], bins=bins, density=True, color=colour,
                    label=f"fit on {check.name} ({use})", **kind)
        if fact.exact:
            ax.axvline(fact.low, color=MARK_COLOUR, lw=2, label=f"observed {fact.describe()}")
        else:
            ax.axvspan(max(fact.low, lowest - 1), min(fact.high, highest + 1),
                       color=MARK_COLOUR, alpha=0.15, label=f"observed {fact.describe()}")
        if fact.unit == "clock":
            ax.xaxis.set_major_formatter(FuncFormatter(
                lambda v, _pos: format_clock(v, start)))
        ax.set_xlabel(f"{name} (one night)")
        ax.set_yticks([])
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    return fig


def ranking_figure(result: Sensitivity) -> Figure:
    """The parameters ranked by their influence on the crossed share, with 95 % intervals."""
    rows = result.ranking()
    fig = Figure(figsize=(7.0, 1.2 + 0.45 * len(rows)), layout="constrained")
    ax = fig.subplots()
    names = [r["key"] for r in rows][::-1]
    values = np.array([r["index"] for r in rows][::-1])
    conf = np.array([r["conf"] for r in rows][::-1])
    ax.barh(names, values, xerr=conf, color=POSTERIOR_COLOUR, ecolor="black", capsize=3)
    if result.method == "sobol":
        first = np.array([r["first"] for r in rows][::-1])
        ax.barh(names, first, height=0.35, color=FIRST_ORDER_COLOUR, label="first order S1")
        ax.legend(fontsize=8, frameon=False, loc="lower right",
                  handles=[*_legend(ax, "total order ST")])
    ax.set_xlabel(result.index_label)
    ax.axvline(0, color="black", lw=0.8)
    ax.tick_params(labelsize=8)
    ax.set_title(f"What drives the crossed share: {result.method} ({result.runs} nights)",
                 fontsize=10)
    return fig


def _legend(ax: Axes, first_label: str) -> list[Any]:
    handles, _labels = ax.get_legend_handles_labels()
    return [Patch(color=POSTERIOR_COLOUR, label=first_label), *handles]

