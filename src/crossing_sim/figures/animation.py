"""One night as an animation: families on the road, the queue, the tables, the buses.

:func:`animation` builds a matplotlib ``FuncAnimation`` from a scenario and the
:class:`~crossing_sim.model.outcome.Outcome` of one replication (it never runs the model);
:func:`save` writes it as a GIF (Pillow) or, when ffmpeg is installed, an MP4. Each frame
shows the clock, every family walking from its collection point (a dot sized by the family,
an x where one was stopped or its road cut), the people waiting at the gate and at the
tables, the buses filling and leaving, and the running count of crossings against the
observed count (if the scenario states one). Walking families move at their own average
speed (from departure to arrival); a family lost on the way is drawn at its route's typical
speed until it is lost.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from matplotlib import animation as mpl_animation
from matplotlib import style
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from crossing_sim.figures.style import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PALETTE,
    PURPLE,
    REFERENCE,
    STYLE,
)
from crossing_sim.model.fates import Fate
from crossing_sim.model.outcome import Outcome
from crossing_sim.scenario.spec import Scenario
from crossing_sim.scenario.units import format_clock

__all__ = ["FORMATS", "NightLayout", "animation", "frame_count", "prepare_night", "save"]

#: The file formats an animation is written in.
FORMATS: Final = ("gif", "mp4")


@dataclass(frozen=True)
class NightLayout:
    """What the frames need, precomputed as arrays (times: minutes after the start clock)."""

    scenario: Scenario
    outcome: Outcome
    frames: np.ndarray[Any, Any]
    position: np.ndarray[Any, Any]  # (frames, groups): 0 at the origin, 1 at the gate, NaN off road
    lost_at: np.ndarray[Any, Any]  # (groups,): where on its route a lost family stopped


def prepare_night(scenario: Scenario, outcome: Outcome, step: float) -> NightLayout:
    """Where every family is drawn on each frame (``step`` minutes apart) of one night."""
    g = outcome.groups
    walked = g.arrive - g.depart
    typical = np.full(len(scenario.origins), np.nan)
    for k in range(typical.size):
        done = walked[(g.origin == k) & ~np.isnan(walked)]
        typical[k] = np.median(done) if done.size else np.nan
    lost = ~np.isnan(g.lost)
    route_time = np.where(np.isnan(walked), typical[np.clip(g.origin, 0, None)], walked)
    lost_at = np.where(lost, np.clip((g.lost - g.depart) / route_time, 0, 0.98), np.nan)
    first = np.nanmin(g.depart) if np.any(~np.isnan(g.depart)) else scenario.gate.open
    start = max(0.0, min(first, scenario.gate.open) - 15)
    departures = outcome.trips.depart[~np.isnan(outcome.trips.depart)]
    last = max(scenario.gate.close, float(departures.max()) if departures.size else 0.0)
    stop = min(scenario.end, last + 30)
    frames = np.arange(start, stop + step, step)
    t = frames[:, None]
    until = np.where(lost, g.lost, g.arrive)[None, :]
    on_road = (t >= g.depart[None, :]) & (t < until)
    position = np.where(on_road, (t - g.depart[None, :]) / route_time[None, :], np.nan)
    return NightLayout(scenario, outcome, frames, np.clip(position, 0, 1), lost_at)


def animation(scenario: Scenario, outcome: Outcome, step: float = 5.0,
              fps: int = 8) -> mpl_animation.FuncAnimation:
    """The night as an animation, one frame every ``step`` minutes of clock time."""
    if scenario.arrivals.mode != "journey":
        raise ValueError("an animation needs the journey arrival mode (families on the road)")
    night = prepare_night(scenario, outcome, step)
    with style.context(STYLE):
        fig = Figure(figsize=(12.8, 7.2), dpi=100, layout="constrained")
        road, gate, buses = _axes(fig, night)
        draw = _Frame(fig, night, road, gate, buses)
    return mpl_animation.FuncAnimation(fig, draw, frames=len(night.frames),
                                       interval=1000 / fps, blit=False, repeat=False)


def frame_count(scenario: Scenario, outcome: Outcome, step: float = 5.0) -> int:
    """How many frames :func:`animation` makes."""
    return len(prepare_night(scenario, outcome, step).frames)


def _axes(fig: Figure, night: NightLayout) -> tuple[Any, Any, Any]:
    grid = fig.add_gridspec(2, 2, width_ratios=(1.6, 1), height_ratios=(1, 1))
    road = fig.add_subplot(grid[:, 0])
    gate = fig.add_subplot(grid[0, 1])
    buses = fig.add_subplot(grid[1, 1])
    origins = night.scenario.origins
    longest = max(o.distance for o in origins)
    road.set_xlim(longest * 1.03, -longest * 0.06)  # the gate on the right, at 0 km
    road.set_ylim(-0.7, len(origins) - 0.3)
    road.set_yticks(range(len(origins)), [o.name for o in origins])
    road.set_xlabel("distance from the gate (km)")
    road.set_title("On the road (each route drawn to its length)", loc="left")
    road.grid(False)
    for k, o in enumerate(origins):
        road.plot([o.distance, 0], [k, k], color="0.85", lw=6, zorder=0,
                  solid_capstyle="butt")
        road.annotate("collection point", (o.distance, k - 0.36), ha="center", va="top",
                      fontsize=10, color="0.4")
    road.axvline(0.0, color="0.3", lw=3)
    road.annotate("gate", (0, len(origins) - 0.35), xytext=(-4, 0), textcoords="offset points",
                  ha="right", va="top", fontsize=12, weight="bold")
    gate.set_title("At the gate (people)", loc="left")
    buses.set_title("Buses (people aboard; grey: gone to Jordan)", loc="left")
    return road, gate, buses


class _Frame:
    """Draws frame ``i`` (the axes are redrawn from the precomputed arrays each time)."""

    def __init__(self, fig: Figure, night: NightLayout, road: Any, gate: Any, buses: Any) -> None:
        self.fig, self.night, self.road, self.gate, self.buses = fig, night, road, gate, buses
        g = night.outcome.groups
        rng = np.random.default_rng(0)  # a fixed jitter so families do not sit on one line
        self.y = np.clip(g.origin, 0, None) + rng.uniform(-0.3, 0.3, g.size.size)
        self.sizes = 18 * g.size
        self.colours = np.array([PALETTE[k % len(PALETTE)] for k in np.clip(g.origin, 0, None)])
        self.length = np.array([o.distance for o in night.scenario.origins])[
            np.clip(g.origin, 0, None)]
        self.walkers = road.scatter([], [], s=[], alpha=0.85, edgecolors="white", lw=0.5)
        self.late = road.scatter([], [], s=[], facecolors="none", lw=1.8)
        self.lost = road.scatter([], [], marker="x", s=60, color=GREY, lw=2)
        road.legend(handles=[
            Line2D([], [], marker="o", linestyle="none", color="0.45", markersize=9,
                   label="a family walking (size: its people)"),
            Line2D([], [], marker="o", linestyle="none", markerfacecolor="none",
                   markeredgecolor="0.45", markeredgewidth=1.8, markersize=9,
                   label="still walking, gate closed: too late"),
            Line2D([], [], marker="x", linestyle="none", color=GREY, markersize=9,
                   markeredgewidth=2, label="stopped or road cut")],
            loc="upper left", fontsize=10.5, framealpha=0.9)
        self.title = fig.suptitle("")

    def __call__(self, i: int) -> list[Any]:
        night, t = self.night, float(self.night.frames[i])
        scenario, outcome = night.scenario, night.outcome
        g = outcome.groups
        pos = night.position[i]
        on_road = ~np.isnan(pos)
        closed = t >= scenario.gate.close
        late = on_road & closed
        moving = on_road & ~late
        km = self.length * (1 - np.nan_to_num(pos))
        self.walkers.set_offsets(np.column_stack([km[moving], self.y[moving]]))
        self.walkers.set_sizes(self.sizes[moving])
        self.walkers.set_facecolors(self.colours[moving])
        self.late.set_offsets(np.column_stack([km[late], self.y[late]]))
        self.late.set_sizes(self.sizes[late])
        self.late.set_edgecolors(self.colours[late])
        gone = ~np.isnan(g.lost) & (g.lost <= t)
        self.lost.set_offsets(np.column_stack([self.length[gone] * (1 - night.lost_at[gone]),
                                               self.y[gone]])
                              if gone.any() else np.empty((0, 2)))
        self._gate(t)
        self._buses(t)
        crossed = int(g.size[(g.fate == int(Fate.CROSSED)) & (g.screen_end <= t)].sum())
        lost = int(g.size[gone].sum())
        observed = scenario.observed.crossed
        versus = (f" ({scenario.observed.label.lower()}: {observed.describe()})"
                  if observed is not None else "")
        self.title.set_text(
            f"{scenario.name}  {format_clock(t, scenario.start_clock)}    crossed {crossed} of "
            f"{outcome.expected}{versus}    lost on the way {lost}")
        return [self.walkers, self.late, self.lost, self.title]

    def _gate(self, t: float) -> None:
        scenario, g = self.night.scenario, self.night.outcome.groups
        ax = self.gate
        ax.cla()
        # every family that joined the queue left it at some time, or is still in it at the end
        joined = ~np.isnan(g.left_queue) | (g.fate == int(Fate.AT_GATE))
        queued = joined & (g.arrive <= t) & ~(g.left_queue <= t)
        cut_off = (g.fate == int(Fate.TURNED_AWAY)) & (t >= scenario.gate.close)
        at_table = (g.screen_start <= t) & ~(g.screen_end <= t) & ~cut_off
        crossed = (g.fate == int(Fate.CROSSED)) & (g.screen_end <= t)
        in_holding = crossed & ~(g.boarded <= t)
        turned = cut_off & (g.left_queue <= t)
        too_late = (g.fate == int(Fate.TOO_LATE)) & (g.arrive <= t)
        values = [int(g.size[queued].sum()), int(g.size[at_table].sum()),
                  int(g.size[in_holding].sum()), int(g.size[turned | too_late].sum()),
                  int(g.size[crossed].sum())]
        tables = "the table" if scenario.gate.lanes == 1 else f"the {scenario.gate.lanes} tables"
        labels = ["waiting", f"at {tables}", "crossed, waiting\nfor a bus",
                  "turned away or\ntoo late", "crossed so far"]
        bars = ax.barh(labels, values, color=[ORANGE, BLUE, GREEN, GREY, PURPLE])
        ax.bar_label(bars, padding=4, fontsize=12)
        observed = scenario.observed.crossed
        top = max(300.0, self.night.outcome.expected * 0.75)
        if observed is not None:
            value = float(observed.value)
            top = max(top, value * 1.15)
            ax.plot([value, value], [len(labels) - 1.45, len(labels) - 0.55], **REFERENCE)
            ax.annotate(f"{scenario.observed.label.lower()}: {observed.describe()}",
                        (value, len(labels) - 1.45), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=10)
        ax.set_xlim(0, top)
        ax.invert_yaxis()
        is_open = scenario.gate.open <= t < scenario.gate.close
        ax.set_title(f"At the gate (people): {'OPEN' if is_open else 'closed'}", loc="left",
                     color=GREEN if is_open else "0.25", weight="bold")

    def _buses(self, t: float) -> None:
        scenario, outcome = self.night.scenario, self.night.outcome
        ax = self.buses
        ax.cla()
        ax.set_title("Buses (people aboard; grey: gone to Jordan)", loc="left")
        b = outcome.boardings
        trips = outcome.trips
        count = scenario.buses.count
        aboard = np.zeros(count)
        left = np.zeros(count, dtype=bool)
        for trip in range(trips.bus.size):
            bus = int(trips.bus[trip])
            on = int(b.people[(b.trip == trip) & (b.time <= t)].sum())
            if trips.depart[trip] <= t:
                left[bus] = True
            aboard[bus] = on
        colours = [GREY if gone else BLUE for gone in left]
        names = [f"bus {k + 1}" for k in range(count)]
        ax.barh(names, aboard, color=colours)
        ax.barh(names, scenario.buses.seats, fill=False, edgecolor="0.6")
        ax.set_xlim(0, scenario.buses.seats * 1.05)
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=10 if count > 12 else 12)


def save(anim: mpl_animation.FuncAnimation, path: str | Path, fps: int = 8) -> Path:
    """Write the animation: ``.gif`` with Pillow, ``.mp4`` with ffmpeg (if installed)."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"{path}: an animation is written as .gif or .mp4")
    writer: mpl_animation.AbstractMovieWriter
    if suffix == "mp4":
        if shutil.which("ffmpeg") is None:
            raise ValueError(f"{path}: writing .mp4 needs ffmpeg, which is not installed; "
                             "write a .gif instead")
        writer = mpl_animation.FFMpegWriter(fps=fps)
    else:
        writer = mpl_animation.PillowWriter(fps=fps)
    with style.context(STYLE):
        anim.save(path, writer=writer, dpi=100)  # 1280 x 720: sharp on a projector, not heavy
    return path
