"""What the figures of scenarios share: the cases drawn, their labels, titles and legends,
and clock-time axes.

Clock-time axes put the scenario's start clock on 21 July 2018 (day 0); a time before the
start clock is the next morning, as in scenario files.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import matplotlib.dates as mdates
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import ScaledTranslation

from crossing_sim.errors import ResultsError
from crossing_sim.figures.style import REFERENCE, palette
from crossing_sim.results.reader import PointResult, Results
from crossing_sim.scenario.units import MINUTES_PER_DAY, format_clock

__all__ = ["DASHES", "DAY0", "MAX_CURVES", "WIDTHS", "Drawable", "case_handles", "cases_of",
           "clock", "clock_axis", "clock_limits", "gate_marks", "hours", "labels", "legend",
           "mark_observed", "mark_observed_at_closing", "observed_crossed", "range_text",
           "titles", "titles_over", "wrap"]

#: More scenarios than this in one figure cannot be told apart.
MAX_CURVES: Final = 6
#: Day 0 of the clock axes (the night modelled); the date itself is never shown.
DAY0: Final = float(mdates.date2num(datetime(2018, 7, 21)))  # type: ignore[no-untyped-call]

Drawable = PointResult | Results


# --- the scenarios of a figure ------------------------------------------------------------

def cases_of(items: Sequence[Drawable]) -> list[PointResult]:
    """The scenarios to draw: a point as given, a results folder as all its points."""
    cases = [p for item in items for p in (item.points if isinstance(item, Results) else [item])]
    if not cases:
        raise ResultsError("nothing to plot: give at least one results folder")
    if len(cases) > MAX_CURVES:
        raise ResultsError(f"{len(cases)} scenarios in one figure cannot be told apart; choose "
                           f"at most {MAX_CURVES} (a sweep's points with --point N, or "
                           "results.point(N) in Python)")
    return cases


def observed_crossed(cases: Sequence[PointResult]) -> tuple[str, int] | None:
    """The observed count of crossings the scenarios share (its label and value), if any."""
    seen = {(o["label"], o["crossed"]) if (o := c.summary.get("observed")) else None
            for c in cases}
    return seen.pop() if len(seen) == 1 and None not in seen else None


def mark_observed(ax: Axes, cases: Sequence[PointResult], vertical: bool = False) -> float:
    """Draw the observed count as a reference line (none if the scenarios state none);
    returns it (0 if none), for the axis limits."""
    observed = observed_crossed(cases)
    if observed is None:
        return 0.0
    label, value = observed
    line = ax.axvline if vertical else ax.axhline
    line(value, **REFERENCE, label=f"{label}: {value} crossed")
    return float(value)


def mark_observed_at_closing(ax: Axes, cases: Sequence[PointResult]) -> float:
    """The observed count as a diamond at each scenario's closing time, when it was counted
    (none if the scenarios state none); returns it (0 if none), for the axis limits."""
    observed = observed_crossed(cases)
    if observed is None:
        return 0.0
    label, value = observed
    closings = sorted({float(clock(c, c.scenario.gate.close)) for c in cases})
    ax.plot(closings, [value] * len(closings), linestyle="none", marker="D", markersize=10,
            color="black", markeredgecolor="white", zorder=6,
            label=f"{label}: {value} crossed (at closing)")
    return float(value)


#: Line styles of the scenarios, first to last: lines that coincide stay visible.
DASHES: Final[tuple[Any, ...]] = ("-", (0, (5, 2)), (0, (1.5, 1.5)), (0, (8, 2, 2, 2)),
                                  (0, (3, 3)), (0, (10, 3)))
#: Their widths: the first widest, so a later line on top of it leaves it showing.
WIDTHS: Final = (4.0, 3.2, 2.6, 2.4, 2.2, 2.0)


def case_handles(cases: Sequence[PointResult]) -> list[Patch]:
    """A legend entry per scenario, in its colour (none for a single scenario)."""
    if len(cases) == 1:
        return []
    return [Patch(color=c, label=label) for label, c in zip(labels(cases), palette(),
                                                            strict=False)]


def labels(cases: Sequence[PointResult]) -> list[str]:
    """The scenarios' names for legends, with their folders if two have the same name."""
    names = [str(c.summary.get("scenario", c.label)) if list(c.values) == ["scenario"]
             else c.label for c in cases]
    if len(set(names)) == len(names):
        return names
    return [f"{c.label} ({c.results.folder.name})" for c in cases]


# --- titles and legends -------------------------------------------------------------------

def titles(fig: Figure, ax: Axes, what: str, cases: Sequence[PointResult], note: str,
           width: int = 95) -> None:
    """The figure's title names the scenarios; the lines under it (``width`` characters at
    most, to fit over the axes) say what is shown."""
    first = cases[0]
    if len(cases) == 1:
        name = first.results.name if first.values else first.label
        head = f"{name} ({first.label})" if first.values else name
        description = first.scenario.description
    else:
        head = " vs ".join(labels(cases))
        sources = {id(c.results) for c in cases}
        if len(sources) == 1 and first.results.kind == "sweep":
            every = len(first.results.points)
            head = f"{first.results.name} sweep, " + (
                f"{len(cases)} of {every} points" if len(cases) < every else "all points")
        elif len(head) > 60:
            head = f"{len(cases)} scenarios"
        description = ""
    if len(cases) == 1 and first.values:
        description = ""  # a sweep point's description is the base scenario's
    nights = range_text(sorted({c.replications for c in cases}))
    each = " each" if len(cases) > 1 else ""
    sub = f"{description}. " if description else ""
    sub += f"{nights} simulated nights{each}; {note}"
    fig.suptitle(f"{what}: {head}", x=0.01, ha="left")
    ax.set_title(wrap(sub, width), fontsize=11.5)


def titles_over(fig: Figure, panels: Sequence[Axes], what: str, cases: Sequence[PointResult],
                note: str, panel_titles: Sequence[str] = ()) -> None:
    """:func:`titles` for a row of panels: the note runs over all of them (without widening
    the first); each panel keeps its own title (``panel_titles``, if given) under it."""
    titles(fig, panels[0], what, cases, note, width=int(10 * fig.get_figwidth()))
    text = panels[0].get_title(loc="left")
    lines = text.count("\n") + 1
    own = [*panel_titles, *[""] * (len(panels) - len(panel_titles))]
    for ax, title in zip(panels, own, strict=True):  # blank lines: room for the note
        ax.set_title("\n" * lines + title if title else "\n" * (lines - 1) + " ",
                     fontsize=13 if title else 11.5, color="black")
    up = ScaledTranslation(0, (24 if panel_titles else 6) / 72, fig.dpi_scale_trans)
    panels[0].text(0, 1, text, transform=panels[0].transAxes + up, fontsize=11.5,
                   color="0.25", va="bottom", in_layout=False)


def wrap(text: str, width: int) -> str:
    """Lines of at most ``width`` characters, never breaking "5 %" from its number."""
    return "\n".join(textwrap.wrap(text.replace(" %", "\N{NO-BREAK SPACE}%"), width))


def legend(fig: Figure, axes: Sequence[Axes], first: Sequence[Artist] = (),
           last: Sequence[Artist] = ()) -> None:
    """One legend for the figure, under it: ``first``, what the axes label, ``last``."""
    handles: list[Artist] = []
    texts: list[str] = []
    found = [pair for ax in axes for pair in zip(*ax.get_legend_handles_labels(), strict=True)]
    for handle, text in [*((h, str(h.get_label())) for h in first), *found,
                         *((h, str(h.get_label())) for h in last)]:
        if text not in texts:
            handles.append(handle)
            texts.append(text)
    longest = max(len(text) for text in texts)
    per_row = max(1, min(len(texts), int(fig.get_figwidth() * 11) // (longest + 7)))
    fig.legend(handles, texts, loc="outside lower center", ncols=per_row, frameon=False)


def range_text(values: Sequence[int]) -> str:
    """``500``, or ``100-500`` for several values (sorted)."""
    return f"{values[0]:,}" if len(values) == 1 else f"{values[0]:,}-{values[-1]:,}"


# --- clock-time axes ----------------------------------------------------------------------

def clock(case: PointResult, minutes: Any) -> Any:
    """Model times (minutes after the case's start clock) as matplotlib dates."""
    return DAY0 + (case.scenario.start_clock + np.asarray(minutes, dtype=float)) / MINUTES_PER_DAY


def clock_limits(cases: Sequence[PointResult]) -> tuple[float, float]:
    """The part of the night where something happens: whole hours around the gate's window,
    dawn, and every time a band changes."""
    low, high = math.inf, -math.inf
    for case in cases:
        s, b = case.scenario, case.series
        changing = np.abs(np.diff(b.quantiles, axis=-1)).sum(axis=(0, 1)) > 0
        busy = b.t[1:][changing]
        marks = [s.gate.open, s.gate.close, *(() if s.gate.give_up is None else [s.gate.give_up]),
                 *(busy[[0, -1]] if busy.size else ())]
        start = s.start_clock
        low = min(low, max(start, start + min(marks) - 30))
        high = max(high, min(start + max(marks) + 30, start + s.end))
    low, high = 60 * math.floor(low / 60), 60 * math.ceil(high / 60)
    return DAY0 + low / MINUTES_PER_DAY, DAY0 + high / MINUTES_PER_DAY


def clock_axis(ax: Axes, limits: tuple[float, float]) -> None:
    """Hours on the x axis, HH:MM."""
    span = (limits[1] - limits[0]) * 24
    step = 1 if span <= 12 else 2
    hours(ax.xaxis, step)
    ax.set_xlim(*limits)
    ax.set_xlabel("clock time (HH:MM)")


def hours(axis: Any, step: int) -> None:
    """Ticks every ``step`` hours, labelled HH:MM (matplotlib.dates is untyped)."""
    axis.set_major_locator(mdates.HourLocator(interval=step))  # type: ignore[no-untyped-call]
    axis.set_minor_locator(mdates.MinuteLocator(byminute=[30])  # type: ignore[no-untyped-call]
                           if step == 1 else mdates.HourLocator())  # type: ignore[no-untyped-call]
    axis.set_major_formatter(mdates.DateFormatter("%H:%M"))  # type: ignore[no-untyped-call]


def gate_marks(ax: Axes, cases: Sequence[PointResult]) -> list[Artist]:
    """The gate's open window (shaded) and dawn (a dotted line), and their legend entries.

    Scenarios with different windows get a bar each along the top, in their colours, with
    room made above the data (so call this after setting the y limits).
    """
    def written(case: PointResult, minutes: float) -> str:
        return format_clock(minutes, case.scenario.start_clock)

    windows = {(float(clock(c, c.scenario.gate.open)), float(clock(c, c.scenario.gate.close)))
               for c in cases}
    first = cases[0].scenario.gate
    handles: list[Artist] = []
    if len(windows) == 1:
        handles.append(ax.axvspan(*windows.pop(), color="0.9", zorder=0, linewidth=0, label=(
            f"gate open {written(cases[0], first.open)}-{written(cases[0], first.close)}")))
    else:  # each scenario's opening and closing, in its colour (the same times coincide)
        for case, colour in zip(cases, palette(), strict=False):
            g = case.scenario.gate
            ax.axvline(clock(case, g.open), color=colour, linewidth=1.6, alpha=0.8, zorder=1)
            ax.axvline(clock(case, g.close), color=colour, linewidth=1.6, alpha=0.8, zorder=1,
                       linestyle=(0, (4, 3)))
        handles += [Line2D([], [], color="0.4", linewidth=1.6,
                           label="gate opens, in each scenario's colour"),
                    Line2D([], [], color="0.4", linewidth=1.6, linestyle=(0, (4, 3)),
                           label="gate closes")]
    dawns = {(float(clock(c, c.scenario.gate.give_up)), written(c, c.scenario.gate.give_up))
             for c in cases if c.scenario.gate.give_up is not None}
    for i, (x, text) in enumerate(sorted(dawns)):
        line = ax.axvline(x, color="0.15", linestyle=":", linewidth=2, zorder=4, label=(
            f"dawn {text}: those waiting leave" if len(dawns) < 3
            else "dawn, when those waiting leave (one line per time)"))
        if i == 0 or len(dawns) < 3:
            handles.append(line)
    return handles
