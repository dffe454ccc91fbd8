"""The buses figure: when each bus loaded, when its loading ended and when it left, and the
people aboard, over the nights it was used (from the stored bus trips)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from crossing_sim.errors import ResultsError
from crossing_sim.figures.axes import (
    Drawable,
    case_handles,
    cases_of,
    clock,
    clock_axis,
    clock_limits,
    gate_marks,
    legend,
    titles,
)
from crossing_sim.figures.style import REFERENCE, NotebookFigure, palette, styled
from crossing_sim.results.reader import PointResult, Trips

__all__ = ["buses"]


@styled
def buses(*results: Drawable) -> Figure:
    """The buses: when each started loading and when it left (left, medians with the 5-95 %
    of departures), and the people aboard each (right), over the nights it was used."""
    cases = cases_of(results)
    stats = [_bus_stats(c) for c in cases]
    rows = sorted({key for s in stats for key in s})
    if not rows:
        raise ResultsError(f"{cases[0].results.folder}: no bus carried anyone in any "
                           "replication, so there is no bus timeline to draw")
    fig = NotebookFigure(figsize=(12, min(9, 2 + 0.45 * len(rows) * (1 + 0.3 * (len(cases) - 1)))))
    timeline, seats = fig.subplots(1, 2, sharey=True, width_ratios=[2.6, 1])
    height = 0.8 / len(cases)
    limits = clock_limits(cases)
    for i, (case, stat, colour) in enumerate(zip(cases, stats, palette(), strict=False)):
        offset = (i - (len(cases) - 1) / 2) * height
        for y, key in enumerate(rows):
            if key in stat:
                _draw_trip(timeline, seats, case, stat[key], y + offset, height, colour, limits)
    many = any(len(s) > c.scenario.buses.count for s, c in zip(stats, cases, strict=True))
    timeline.set_yticks(range(len(rows)),
                        [f"bus {b + 1}" + (f", trip {t + 1}" if many else "") for b, t in rows])
    timeline.set_ylim(len(rows) - 0.5, -0.5)
    marks = gate_marks(timeline, cases)
    clock_axis(timeline, limits)
    timeline.grid(axis="y", visible=False)
    seat_counts = {c.scenario.buses.seats for c in cases}
    for n in seat_counts:
        seats.axvline(n, **REFERENCE, label=f"seats per bus: {n}")
    seats.set_xlim(0, max(seat_counts) * 1.55)
    seats.set_xlabel("people aboard (people)")
    seats.grid(axis="y", visible=False)
    tone = palette()[0] if len(cases) == 1 else "0.35"
    handles = [Patch(color=tone, alpha=0.3, label="loading (median start to median end)"),
               Patch(color=tone, alpha=0.85, label="loaded, waiting to leave"),
               Line2D([], [], color=tone, marker="o", linestyle="-",
                      label="departure (median, 5-95 % of nights)")]
    if any(math.isnan(t.depart) for s in stats for t in s.values()):
        handles.append(Patch(facecolor=tone, alpha=0.3, hatch="//",
                             label="loading, had not left by the end"))
    legend(fig, [timeline, seats], [*case_handles(cases), *handles], last=marks)
    titles(fig, timeline, "The buses", cases,
           "medians over the nights a bus was used, whiskers 5-95 %; "
           "a % says how often a bus was used, if not every night", width=80)
    return fig


# --- buses ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _TripStats:
    """One bus trip (a bus's k-th trip of the night) over the nights it ran."""

    used: float  # share of nights it carried anyone
    load_start: float  # medians, minutes after the start clock
    loaded: float  # when its loading ended (the next bus began loading, or it left)
    depart: float  # NaN if it never left
    depart_low: float
    depart_high: float
    people: float
    people_low: float
    people_high: float


def _bus_stats(case: PointResult) -> dict[tuple[int, int], _TripStats]:
    """Each (bus, trip)'s times and loads, from the stored trips of all replications."""
    t = case.trips
    n = t.bus.size
    order = np.lexsort((t.load_start, t.bus, t.replication))
    rep, bus = t.replication[order], t.bus[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (rep[1:] != rep[:-1]) | (bus[1:] != bus[:-1])
    trip = np.arange(n) - np.maximum.accumulate(np.where(new, np.arange(n), 0))
    loaded = _loading_ends(t)
    stats = {}
    for b, k in sorted({(int(x), int(y)) for x, y in zip(bus, trip, strict=True)}):
        mine = order[(bus == b) & (trip == k)]
        ends = loaded[mine][~np.isnan(loaded[mine])]
        depart = t.depart[mine][~np.isnan(t.depart[mine])]
        d = np.quantile(depart, [0.05, 0.5, 0.95]) if depart.size else np.full(3, np.nan)
        people = np.quantile(t.people[mine], [0.05, 0.5, 0.95])
        stats[(b, k)] = _TripStats(
            used=mine.size / case.replications, load_start=float(np.median(t.load_start[mine])),
            loaded=float(np.median(ends)) if ends.size else math.nan,
            depart=d[1], depart_low=d[0], depart_high=d[2],
            people=people[1], people_low=people[0], people_high=people[2])
    return stats


def _loading_ends(t: Trips) -> np.ndarray[Any, Any]:
    """When each trip's loading ended: buses load one at a time, so when the next trip of
    the night began loading (it was full, or as full as the next family allowed), or when it
    left if no other bus loaded before (NaN if neither happened)."""
    order = np.lexsort((t.load_start, t.replication))
    ends = np.full(t.bus.size, np.nan)
    same = t.replication[order][1:] == t.replication[order][:-1]
    following = np.where(same, t.load_start[order][1:], np.nan)
    ends[order[:-1]] = following
    ends = np.where(np.isnan(ends), t.depart, np.fmin(ends, t.depart))
    return ends


def _draw_trip(timeline: Axes, seats: Axes, case: PointResult, s: _TripStats, y: float,
               height: float, colour: str, limits: tuple[float, float]) -> None:
    start = clock(case, s.load_start)
    if math.isnan(s.depart):  # loaded but never left by the end
        timeline.barh(y, limits[1] - start, left=start, height=height * 0.85, color=colour,
                      alpha=0.4, hatch="//")
    else:
        end, low, high = (clock(case, v) for v in (s.depart, s.depart_low, s.depart_high))
        full = clock(case, s.loaded) if not math.isnan(s.loaded) else end
        timeline.barh(y, full - start, left=start, height=height * 0.85, color=colour,
                      alpha=0.3, linewidth=0)
        timeline.barh(y, end - full, left=full, height=height * 0.85, color=colour, alpha=0.85,
                      linewidth=0)
        timeline.errorbar(end, y, xerr=[[end - low], [high - end]], fmt="o", color=colour,
                          markersize=6, capsize=3, linewidth=1.5)
    seats.barh(y, s.people, height=height * 0.85, color=colour)
    seats.errorbar(s.people, y, xerr=[[s.people - s.people_low], [s.people_high - s.people]],
                   fmt="none", ecolor="0.2", capsize=3, linewidth=1.2)
    if s.used < 0.995:
        seats.annotate(f"used on {100 * s.used:.0f} %\nof nights",
                       (max(s.people_high, case.scenario.buses.seats), y), xytext=(6, 0),
                       textcoords="offset points", va="center", fontsize=10)

