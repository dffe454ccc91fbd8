"""The cumulative flow diagram: arrivals at the gate and crossings on one clock axis.

The classic picture of a queue in a time window. Two rising curves, cumulative people who had
reached the gate and cumulative people who had crossed it: the vertical gap between them is
the queue, the horizontal gap the wait (first come, first served). The gate's window is
shaded, the buses' departures sit on the curve of people on buses that had left, the gap at
closing is those turned away, the rise of arrivals after closing those who came too late, and
the observed count (if the scenario states one) is marked at closing, where it was counted.
Several scenarios are drawn side by side, one panel each, on the same axes, so that none
hides another.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from crossing_sim.experiment.statistics import Estimate, estimate
from crossing_sim.figures.axes import (
    Drawable,
    cases_of,
    clock,
    clock_axis,
    clock_limits,
    hours,
    labels,
    legend,
    observed_crossed,
    titles,
    titles_over,
)
from crossing_sim.figures.style import BLUE, GREEN, ORANGE, NotebookFigure, styled
from crossing_sim.results.reader import PointResult
from crossing_sim.scenario.units import format_clock

__all__ = ["FLOW_NOTE", "flow"]

FLOW_NOTE: Final = ("lines: mean; bands: 5-95 % of simulated nights; the vertical gap between "
                    "the curves is the queue, the horizontal gap the wait")
#: The colours of the three curves.
ARRIVED, CROSSED, DEPARTED = ORANGE, BLUE, GREEN


@styled
def flow(*results: Drawable) -> Figure:
    """The cumulative flow diagram of each scenario (one panel each, the same axes): people
    who had reached the gate and people who had crossed, means and 5-95 % bands over
    nights; the gate's window, dawn, bus departures, those turned away at closing and those
    too late, and the observed count at closing."""
    cases = cases_of(results)
    columns = min(3, len(cases))
    rows = math.ceil(len(cases) / columns)
    width = 11.0 if len(cases) == 1 else 5.2 * columns
    fig = NotebookFigure(figsize=(width, 6.5 if rows == 1 else 4.6 * rows + 1.6))
    grid = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    panels: list[Axes] = list(grid.ravel())
    top = max(c.expected for c in cases)
    limits = clock_limits(cases)
    for i, (ax, case, label) in enumerate(zip(panels, cases, labels(cases), strict=False)):
        _panel(ax, case, explain=i == 0, compact=len(cases) > 1)
        if len(cases) > 1:
            ax.text(0.02, 0.97, label, transform=ax.transAxes, fontsize=13, weight="bold",
                    va="top", bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    for ax in panels[len(cases):]:
        ax.set_axis_off()
    first = panels[0]
    first.set_ylim(0, top * 1.04)
    for ax in panels[:len(cases)]:
        clock_axis(ax, limits)
        if columns > 1:  # side by side, hourly labels run into each other
            hours(ax.xaxis, 2 if columns == 2 else 3)
        ax.xaxis.set_tick_params(labelbottom=True)
        if ax.get_subplotspec().is_first_col():  # type: ignore[union-attr]
            ax.set_ylabel("people, cumulative")
        if not ax.get_subplotspec().is_last_row():  # type: ignore[union-attr]
            ax.set_xlabel("")
    legend(fig, panels[:len(cases)], last=_key(cases))
    if len(cases) == 1:
        titles(fig, first, "Reaching the gate and crossing it", cases, FLOW_NOTE)
    else:
        titles_over(fig, panels[:len(cases)], "Reaching the gate and crossing it", cases,
                    FLOW_NOTE)
    return fig


def _panel(ax: Axes, case: PointResult, explain: bool, compact: bool) -> None:
    """One scenario's diagram."""
    s, b = case.scenario, case.series
    x = clock(case, b.t)
    gate = s.gate
    opened, closed = float(clock(case, gate.open)), float(clock(case, gate.close))
    window = f"{format_clock(gate.open, s.start_clock)}-{format_clock(gate.close, s.start_clock)}"
    ax.axvspan(opened, closed, color="0.9", zorder=0, linewidth=0, label=f"gate open {window}"
               if not compact else "gate open")
    if gate.give_up is not None:
        ax.axvline(clock(case, gate.give_up), color="0.15", linestyle=":", linewidth=2,
                   zorder=4, label="dawn: those still waiting leave")
    mean = {name: b.mean[b.names.index(name)] for name in b.names}
    crossed = estimate(case.crossed)
    for name, colour, text in (
            ("arrived", ARRIVED, "reached the gate"),
            ("crossed", CROSSED, f"crossed: mean {crossed.mean:.1f} (95 % CI "
                                 f"{crossed.ci_low:.1f}-{crossed.ci_high:.1f})")):
        low, high = b.quantile(name, 0.05), b.quantile(name, 0.95)
        ax.fill_between(x, low, high, color=colour, alpha=0.22, linewidth=0)
        ax.plot(x, mean[name], color=colour, zorder=3,
                label=text if not compact else text.split(":")[0])
    ax.plot(x, mean["departed"], color=DEPARTED, linewidth=1.8, zorder=3,
            label="on buses that had left")
    departures = _bus_departures(case)
    if departures.size:
        ax.plot(clock(case, departures), np.zeros(departures.size), linestyle="none",
                marker="^", markersize=11, color=DEPARTED, markeredgecolor="white",
                clip_on=False, zorder=6, label="a bus leaves (median time, one mark each)")
    _closing(ax, case, closed, mean, compact)
    observed = observed_crossed([case])
    if observed is not None:
        label, value = observed
        ax.plot([closed], [value], linestyle="none", marker="D", markersize=10, color="black",
                markeredgecolor="white", zorder=6, label=f"{label}: {value} crossed")
    if explain:
        _gaps(ax, case, x, mean)


def _closing(ax: Axes, case: PointResult, closed: float, mean: dict[str, Any],
             compact: bool) -> None:
    """At closing, the gap between the curves (those turned away) and, at the end, the
    arrivals after closing (too late), each with its mean and 95 % CI."""
    b = case.series
    close = case.scenario.gate.close
    at_close = {k: float(np.interp(close, b.t, mean[k])) for k in ("arrived", "crossed")}
    end_arrived = float(mean["arrived"][-1])
    x_end = float(clock(case, b.t[-1]))
    turned, late = _estimate(case, "turned_away"), _estimate(case, "too_late")
    style = {"arrowstyle": "|-|,widthA=0.35,widthB=0.35", "color": "0.15", "linewidth": 1.6}
    size = 10.5 if compact else 11.5
    if turned.mean >= 0.5:
        ax.annotate("", (closed, at_close["crossed"]), (closed, at_close["arrived"]),
                    arrowprops=style, zorder=5)
        ax.annotate(f"turned away at closing:\n{_ci(turned)}",
                    (closed, (at_close["crossed"] + at_close["arrived"]) / 2),
                    xytext=(0.985, 0.3), textcoords="axes fraction", ha="right", va="center",
                    fontsize=size, arrowprops={"arrowstyle": "->", "color": "0.3",
                                               "linewidth": 1.2, "shrinkB": 4})
    if late.mean >= 0.5 and end_arrived - at_close["arrived"] > 0:
        ax.annotate("", (x_end, at_close["arrived"]), (x_end, end_arrived), arrowprops=style,
                    zorder=5)
        ax.annotate(f"too late\n(after closing)\n{_ci(late)}",
                    (x_end, end_arrived), xytext=(-6, 8), textcoords="offset points",
                    ha="right", va="bottom", fontsize=size)


def _gaps(ax: Axes, case: PointResult, x: Any, mean: dict[str, Any]) -> None:
    """Where the queue is longest in the window: its vertical gap (the queue) and the
    horizontal gap (how long the person arriving then waited), labelled."""
    b, gate = case.series, case.scenario.gate
    inside = (b.t >= gate.open) & (b.t <= gate.close)
    gap = np.where(inside, mean["arrived"] - mean["crossed"], -np.inf)
    k = int(np.argmax(gap))
    if not np.isfinite(gap[k]) or gap[k] < 0.04 * case.expected:
        return
    level = float(mean["arrived"][k])
    later = np.nonzero(mean["crossed"][k:] >= level)[0]
    arrow = {"arrowstyle": "<->", "color": "0.15", "linewidth": 1.4}
    ax.annotate("", (x[k], mean["crossed"][k]), (x[k], level), arrowprops=arrow, zorder=5)
    ax.annotate("queue", (x[k], (mean["crossed"][k] + level) / 2), xytext=(-6, 0),
                textcoords="offset points", ha="right", va="center", fontsize=11.5,
                style="italic")
    if later.size:
        reached = float(np.interp(level, mean["crossed"][k:], x[k:]))
        ax.annotate("", (x[k], level), (reached, level), arrowprops=arrow, zorder=5)
        ax.annotate("wait", ((x[k] + reached) / 2, level), xytext=(0, 5),
                    textcoords="offset points", ha="center", va="bottom", fontsize=11.5,
                    style="italic")


def _bus_departures(case: PointResult) -> np.ndarray[Any, Any]:
    """Each bus's (first trip's) median departure over the nights it left."""
    t = case.trips
    left = ~np.isnan(t.depart)
    times = []
    for bus in np.unique(t.bus[left]):
        mine = left & (t.bus == bus)
        first: dict[float, float] = {}
        for rep, depart in zip(t.replication[mine], t.depart[mine], strict=True):
            first[rep] = min(first.get(rep, math.inf), depart)
        times.append(float(np.median(list(first.values()))))
    return np.sort(np.asarray(times, dtype=float))


def _estimate(case: PointResult, column: str) -> Estimate:
    return estimate(case.column(column))


def _ci(e: Estimate) -> str:
    if math.isnan(e.ci_low):
        return f"{e.mean:.0f}"
    # people cannot be fewer than none: the t interval of a count near zero is cut at 0
    return f"{e.mean:.0f} (95 % CI {max(e.ci_low, 0.0):.0f}-{e.ci_high:.0f})"


def _key(cases: Sequence[PointResult]) -> list[Any]:
    """Legend entries the panels do not label themselves."""
    entries: list[Any] = [Patch(color="0.55", alpha=0.35, label="bands: 5-95 % of nights")]
    if len(cases) > 1:
        entries.append(Line2D([], [], color="0.15", label="gaps: mean turned away at closing "
                                                          "and too late, 95 % CI"))
    return entries
