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

from crossing_sim.figures.style import BLUE, GREEN, GREY, ORANGE, PALETTE, STYLE
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
    road.set_xlim(-0.02, 1.08)
    road.set_ylim(-0.7, len(origins) - 0.3)
    road.set_yticks(range(len(origins)), [f"{o.name}\n{o.distance:g} km" for o in origins])
    road.set_xticks([0, 0.5, 1], ["collection\npoint", "half way", "gate"])
    road.set_title("On the road", loc="left")
    road.grid(False)
    for k in range(len(origins)):
        road.axhline(k, color="0.85", lw=6, zorder=0)
    road.axvline(1.0, color="0.3", lw=3)
    gate.set_title("At the gate (people)", loc="left")
    buses.set_title("Buses (people aboard)", loc="left")
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
        self.walkers = road.scatter([], [], s=[], alpha=0.85, edgecolors="white", lw=0.5)
        self.lost = road.scatter([], [], marker="x", s=60, color=GREY, lw=2)
        self.title = fig.suptitle("")

    def __call__(self, i: int) -> list[Any]:
        night, t = self.night, float(self.night.frames[i])
        scenario, outcome = night.scenario, night.outcome
        g = outcome.groups
        pos = night.position[i]
        moving = ~np.isnan(pos)
        self.walkers.set_offsets(np.column_stack([pos[moving], self.y[moving]]))
        self.walkers.set_sizes(self.sizes[moving])
        self.walkers.set_facecolors(self.colours[moving])
        gone = ~np.isnan(g.lost) & (g.lost <= t)
        self.lost.set_offsets(np.column_stack([night.lost_at[gone], self.y[gone]])
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
        return [self.walkers, self.lost, self.title]

    def _gate(self, t: float) -> None:
        scenario, g = self.night.scenario, self.night.outcome.groups
        ax = self.gate
        ax.cla()
        ax.set_title("At the gate (people)", loc="left")
        # every family that joined the queue left it at some time, or is still in it at the end
        joined = ~np.isnan(g.left_queue) | (g.fate == int(Fate.AT_GATE))
        queued = joined & (g.arrive <= t) & ~(g.left_queue <= t)
        cut_off = (g.fate == int(Fate.TURNED_AWAY)) & (t >= scenario.gate.close)
        at_table = (g.screen_start <= t) & ~(g.screen_end <= t) & ~cut_off
        crossed = (g.fate == int(Fate.CROSSED)) & (g.screen_end <= t)
        in_holding = crossed & ~(g.boarded <= t)
        values = [int(g.size[queued].sum()), int(g.size[at_table].sum()),
                  int(g.size[in_holding].sum())]
        tables = "the table" if scenario.gate.lanes == 1 else f"the {scenario.gate.lanes} tables"
        labels = ["waiting", f"at {tables}", "crossed, waiting\nfor a bus"]
        bars = ax.barh(labels, values, color=[ORANGE, BLUE, GREEN])
        ax.bar_label(bars, padding=4, fontsize=13)
        ax.set_xlim(0, max(300, self.night.outcome.expected * 0.6))
        ax.invert_yaxis()
        is_open = scenario.gate.open <= t < scenario.gate.close
        ax.text(0.98, 0.05, "gate OPEN" if is_open else "gate closed", ha="right",
                transform=ax.transAxes, fontsize=15, weight="bold",
                color=GREEN if is_open else GREY)

    def _buses(self, t: float) -> None:
        scenario, outcome = self.night.scenario, self.night.outcome
        ax = self.buses
        ax.cla()
        ax.set_title("Buses (people aboard)", loc="left")
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
        if left.any():
            ax.text(0.98, 0.05, "grey: gone to Jordan", ha="right", transform=ax.transAxes,
                    color=GREY, fontsize=12)


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
