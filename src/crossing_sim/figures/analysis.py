"""Figures of the analyses: a calibration's posterior and predictive check, a sensitivity ranking.

Each function takes a finished result and returns a matplotlib Figure in the project's style
(nothing here runs a simulation); save it with ``figure.savefig(path)``. Figures are made
without pyplot, so they need no display and leave no global state behind.
:func:`calibration_figures` and :func:`sensitivity_figures` are the figures ``crossing-sim
calibrate`` and ``sensitivity`` write into their results folders (with
:func:`crossing_sim.figures.files.write_pngs`). Keys are named in words (with the key after
them), and every estimate is drawn with its interval.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from crossing_sim.analysis.calibration import Calibration
from crossing_sim.analysis.parameters import write_value
from crossing_sim.analysis.sensitivity import DUMMY, Sensitivity
from crossing_sim.experiment.design import Scale
from crossing_sim.figures.axes import legend, wrap
from crossing_sim.figures.style import (
    BLUE,
    GREEN,
    LIGHT_GREY,
    SKY_BLUE,
    VERMILLION,
    NotebookFigure,
    styled,
)
from crossing_sim.figures.sweeps import key_words
from crossing_sim.scenario.units import format_clock

__all__ = ["calibration_figures", "pairs_figure", "predictive_figure", "ranking_figure",
           "sensitivity_figures"]

#: The draws from the priors.
PRIOR_COLOUR: Final = LIGHT_GREY
#: The kept draws (the posterior), its predictive nights, a sensitivity's total index.
POSTERIOR_COLOUR: Final = BLUE
#: The calibrated value (the posterior median).
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


def _axis_label(key: str, scale: Scale, width: int = 28, short: bool = False) -> str:
    """The key in words (with its unit); ``short``: its last two parts, for many panels."""
    unit = scale.unit if scale.kind not in ("clock", "int", "float") else ""
    words = (" ".join(key.split(".")[-2:]).replace("_", " ") if short else key_words(key))
    text = words + (f" ({unit})" if unit else "")
    return "\n".join(textwrap.wrap(text, width, break_long_words=False))


def _clock_ticks(ax: Axes, scale: Scale, axis: str) -> None:
    if scale.kind != "clock":
        return
    formatter = FuncFormatter(lambda v, _pos: str(write_value(scale, v)))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


@styled
def pairs_figure(result: Calibration, truth: Mapping[str, float] | None = None) -> Figure:
    """Prior draws (grey) and the posterior sample (blue) of every key, alone on the diagonal
    (as densities, the prior's outline over the posterior) and in pairs below it; the
    calibrated value (the posterior median) and a known truth if given."""
    priors, draws, kept = result.priors, result.prior_draws[:2000], result.main.rows
    d = len(priors)
    size = min(16.0, max(6.0, 3.6 * d))
    many = d > 4  # short labels and small ticks, or the labels crowd out the panels
    fig = NotebookFigure(figsize=(size, size + 1.2))
    axes = np.atleast_2d(np.asarray(fig.subplots(d, d, squeeze=False)))
    marks = {p.key: float(np.median(kept[:, j])) for j, p in enumerate(priors)}
    for i, row_prior in enumerate(priors):
        for j, col_prior in enumerate(priors):
            ax: Axes = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                bins = np.histogram_bin_edges(draws[:, j], bins=25).tolist()
                ax.hist(draws[:, j], bins=bins, density=True, histtype="stepfilled",
                        color=PRIOR_COLOUR, alpha=0.5, label="prior (all draws)")
                ax.hist(kept[:, j], bins=bins, density=True, histtype="stepfilled",
                        color=POSTERIOR_COLOUR, alpha=0.45, label="posterior (kept draws)")
                ax.hist(draws[:, j], bins=bins, density=True, histtype="step", color="0.45",
                        linewidth=1.5)
                ax.hist(kept[:, j], bins=bins, density=True, histtype="step",
                        color=POSTERIOR_COLOUR, linewidth=2)
                ax.axvline(marks[col_prior.key], color=MARK_COLOUR, lw=2.5,
                           label="calibrated value (posterior median)")
                if truth and col_prior.key in truth:
                    ax.axvline(truth[col_prior.key], color=TRUTH_COLOUR, lw=2, ls="--",
                               label="truth")
                ax.set_ylabel("" if many and j else "density")
                ax.tick_params(axis="y", labelleft=False)
            else:
                ax.scatter(draws[:, j], draws[:, i], s=4, color=PRIOR_COLOUR, lw=0)
                ax.scatter(kept[:, j], kept[:, i], s=9, color=POSTERIOR_COLOUR, lw=0)
                ax.plot(marks[col_prior.key], marks[row_prior.key], marker="+", ms=16,
                        mew=3, color=MARK_COLOUR)
                if truth and col_prior.key in truth and row_prior.key in truth:
                    ax.plot(truth[col_prior.key], truth[row_prior.key], marker="x", ms=12,
                            mew=2.5, color=TRUTH_COLOUR)
                _clock_ticks(ax, row_prior.scale, "y")
                if j == 0:
                    ax.set_ylabel(_axis_label(row_prior.key, row_prior.scale, 16, many),
                                  fontsize=10 if many else None)
            _clock_ticks(ax, col_prior.scale, "x")
            if i == d - 1:
                ax.set_xlabel(_axis_label(col_prior.key, col_prior.scale, 16, many),
                              fontsize=10 if many else None)
            if many:
                ax.tick_params(labelsize=8)
                if i < d - 1:
                    ax.tick_params(labelbottom=False)
                if j > 0 and i != j:
                    ax.tick_params(labelleft=False)
    legend(fig, [axes[0, 0]])
    fig.suptitle("What the calibration learned", x=0.01, ha="left")
    note = wrap(f"ABC-SMC posterior: {len(kept):,} rows fitted on "
                f"{', '.join(k.replace('_', ' ') for k in result.facts)}; grey: draws from "
                "the priors, blue: the posterior sample", int(8 * size))
    if d > 1:  # in the empty upper right, clear of the panels and out of the layout
        text = fig.text(0.98, 0.93, "\n".join(textwrap.wrap(note, 60)), ha="right",
                        va="top", fontsize=11.5)
        text.set_in_layout(False)
    else:
        axes[0, 0].set_title(note, fontsize=11.5, loc="left")
    return fig


@styled
def predictive_figure(result: Calibration) -> Figure:
    """Each fact's posterior predictive nights (the fit on every fact, filled; the held-out
    fits, outlined) and the observed fact (a line, or a shaded interval)."""
    facts = list(result.facts.items())
    fig = NotebookFigure(figsize=(10, 1.6 + 3.4 * len(facts)))
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
            kind = {"histtype": "stepfilled", "alpha": 0.7} if check.name == "all" else \
                {"histtype": "step", "lw": 2}
            ax.hist(values[~np.isnan(values)], bins=bins, density=True, color=colour,
                    label=f"fit on {'every fact' if check.name == 'all' else check.name}",
                    **kind)
        held_out = [c.name for c in result.checks if name not in c.used]
        pad = max(0.05 * (highest - lowest), 1.0 if fact.unit != "share" else 0.01)
        if fact.exact:
            ax.axvline(fact.low, color=MARK_COLOUR, lw=2.5, label="observed")
        else:
            ax.axvspan(max(fact.low, lowest - pad), min(fact.high, highest + pad),
                       color=MARK_COLOUR, alpha=0.15, label="observed (an interval)")
        if fact.unit == "clock":
            ax.xaxis.set_major_formatter(FuncFormatter(
                lambda v, _pos: format_clock(v, start)))
        words = name.replace("_", " ")
        ax.set_xlabel(f"{words} in one simulated night")
        ax.set_ylabel("density")
        ax.tick_params(axis="y", labelleft=False)
        ax.set_title(f"{words}: observed {fact.describe()}"
                     + (f"; held out of the fit on {', '.join(held_out)}" if held_out else ""),
                     fontsize=13, color="black")
    legend(fig, [axes[0]])
    fig.suptitle("Does the calibrated model reproduce the night?", x=0.01, ha="left")
    return fig


@styled
def ranking_figure(result: Sensitivity) -> Figure:
    """The parameters ranked by their influence on the crossed share, with 95 % intervals
    (Sobol: the total-order index and, inside it, the first-order one)."""
    rows = result.ranking()[::-1]
    fig = NotebookFigure(figsize=(11, 2.6 + 0.62 * len(rows)))
    ax = fig.add_subplot()
    names = [_row_name(r["key"]) for r in rows]
    y = np.arange(len(rows))
    morris = result.method == "morris"
    scale = 100.0 if morris else 1.0  # Morris: percentage points of the crossed share
    values = np.array([r["index"] for r in rows]) * scale
    conf = np.array([r["conf"] for r in rows]) * scale
    height = 0.7 if morris else 0.38
    offset = 0.0 if morris else 0.2
    ax.barh(y + offset, values, height=height, xerr=conf, color=POSTERIOR_COLOUR,
            ecolor="black", capsize=4, label="total order ST, 95 % CI" if not morris else
            "mu*, with its 95 % CI")
    for yy, v, c in zip(y + offset, values, conf, strict=True):
        ax.annotate(f"{v:.2f}" if not morris else f"{v:.1f}", (v + (c if np.isfinite(c) else 0),
                    yy), xytext=(6, 0), textcoords="offset points", va="center", fontsize=11)
    if not morris:
        first = np.array([r["first"] for r in rows])
        first_conf = np.array([r["first_conf"] for r in rows])
        ax.barh(y - offset, first, height=height, xerr=first_conf, color=FIRST_ORDER_COLOUR,
                ecolor="0.3", capsize=4, label="first order S1, 95 % CI")
    ax.set_yticks(y, names)
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("Morris mu*: mean change of the crossed share per step (percentage points)"
                  if morris else "Sobol index: share of the variance of the crossed share")
    legend(fig, [ax], [Line2D([], [], color="none", label=(
        "the dummy key changes nothing: its value is the noise floor"))])
    fig.suptitle("What drives the share that crosses", x=0.01, ha="left")
    ax.set_title(wrap(f"{'Morris elementary effects' if morris else 'Sobol indices'} over "
                      f"{len(rows) - 1} keys, {result.runs:,} simulated nights in all; longer "
                      "bars: more influence", 70), fontsize=11.5)
    return fig


def _row_name(key: str) -> str:
    if key == DUMMY:
        return "dummy (changes nothing)"
    return "\n".join(textwrap.wrap(key_words(key), 40, break_long_words=False))


