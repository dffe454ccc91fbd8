"""Figures from stored results: one function per figure, each returning a matplotlib Figure.

Every figure is drawn from a results folder read back by :mod:`crossing_sim.results.reader`;
nothing here runs the model. Bands are read from the stored quantiles over the time grid, so
a figure of 10,000 replications costs no more than one of 100. In a notebook::

    from crossing_sim.results.reader import load_results
    from crossing_sim import plots
    base, two = load_results("results/baseline-..."), load_results("results/two_tables-...")
    plots.throughput(base, two)            # the last value of a cell is shown
    plots.sweep(load_results("results/baseline-sweep-..."))
    plots.throughput(sweep.point(0), sweep.point(8))      # some points of a sweep

The functions build figures with :class:`matplotlib.figure.Figure`, not pyplot: they choose
no backend and leave no figure open behind your back; a notebook shows the figure that is a
cell's value, and ``fig.savefig(path)`` saves one.
The look (sizes for a projector, the Okabe-Ito colours) is the style file :data:`STYLE`.
Clock-time axes put the scenario's start clock on 21 July 2018 (day 0); a time before the
start clock is the next morning, as in scenario files.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, Final, ParamSpec

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from matplotlib import patheffects, style
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from crossing_sim.model.fates import FATES, Fate
from crossing_sim.report.summary import ordinal
from crossing_sim.results.reader import FORMATS, KINDS, PointResult, Results, load_results
from crossing_sim.results.store import ResultsError, safe_name
from crossing_sim.scenario.observed import OBSERVED_CROSSED, OBSERVED_EXPECTED
from crossing_sim.scenario.spec import Scenario
from crossing_sim.scenario.units import MINUTES_PER_DAY, clock_to_minutes, format_clock, parse_clock

#: The style of every figure (a matplotlib style file).
STYLE: Final = Path(__file__).with_name("crossing.mplstyle")
#: More scenarios than this in one figure cannot be told apart.
MAX_CURVES: Final = 6
#: The share that crossed on the real night, the reference of sweep figures.
OBSERVED_SHARE: Final = OBSERVED_CROSSED / OBSERVED_EXPECTED
#: Day 0 of the clock axes (the night modelled); the date itself is never shown.
DAY0: Final = float(mdates.date2num(datetime(2018, 7, 21)))  # type: ignore[no-untyped-call]
#: How reference lines (the real 422, seats, capacity) are drawn.
REFERENCE: Final[dict[str, Any]] = {"color": "black", "linestyle": "--", "linewidth": 1.8,
                                    "zorder": 4}
BAND_NOTE = "lines: median; bands: 5-95 % of simulated nights"

P = ParamSpec("P")
Drawable = PointResult | Results


def styled(build: Callable[P, Figure]) -> Callable[P, Figure]:
    """Build a figure inside the package's style."""

    @wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with style.context(STYLE):
            return build(*args, **kwargs)

    return wrapper


class NotebookFigure(Figure):
    """A matplotlib Figure that shows itself as a PNG when it is a notebook cell's value, even
    if pyplot was never imported (with ``%matplotlib inline`` IPython draws it its own way)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        with style.context(STYLE):
            self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


# --- the figures -------------------------------------------------------------------------

@styled
def throughput(*results: Drawable) -> Figure:
    """Cumulative people through the gate over clock time, each scenario's median and 5-95 %
    band, the gate's window shaded, dawn marked and the real 422 as a line."""
    cases = _cases(results)
    fig = NotebookFigure(figsize=(10, 6))
    ax = fig.add_subplot()
    top = float(OBSERVED_CROSSED)
    for case, label, colour in zip(cases, _labels(cases), _palette(), strict=False):
        top = max(top, _band(ax, case, "crossed", colour, label))
    ax.axhline(OBSERVED_CROSSED, **REFERENCE, label=f"crossed on the night: {OBSERVED_CROSSED}")
    ax.set_ylim(0, top * 1.06)
    marks = _gate_marks(ax, cases)
    _clock_axis(ax, _clock_limits(cases))
    ax.set_ylabel("people through the gate, cumulative (people)")
    _legend(fig, [ax], last=marks)
    _titles(fig, ax, "People through the gate", cases, BAND_NOTE)
    return fig


@styled
def queue(*results: Drawable) -> Figure:
    """People waiting at the gate (top) and in the holding area behind it (bottom), each
    scenario's median and 5-95 % band over clock time."""
    cases = _cases(results)
    fig = NotebookFigure(figsize=(10, 7.5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax, name, ylabel in ((top, "queue", "waiting at the gate\n(people)"),
                             (bottom, "holding", "in the holding area\n(people)")):
        high = 1.0
        for case, label, colour in zip(cases, _labels(cases), _palette(), strict=False):
            high = max(high, _band(ax, case, name, colour, label))
        ax.set_ylim(0, high * 1.08)
        ax.set_ylabel(ylabel)
    capacities = {c.scenario.holding.capacity for c in cases}
    if len(capacities) == 1 and (capacity := capacities.pop()) is not None:
        bottom.axhline(capacity, **REFERENCE, label=f"holding capacity: {capacity}")
        bottom.set_ylim(0, max(bottom.get_ylim()[1], capacity * 1.08))
    marks, _ = _gate_marks(top, cases), _gate_marks(bottom, cases)
    top.xaxis.set_tick_params(labelbottom=True)
    _clock_axis(bottom, _clock_limits(cases))
    _legend(fig, [top, bottom], last=marks)
    _titles(fig, top, "Waiting at the gate and behind it", cases, BAND_NOTE)
    return fig


@styled
def fates(*results: Drawable) -> Figure:
    """Where the expected people went: a waterfall from those expected, losing each fate in
    the order the night can lose them, to those who crossed, split into those on buses that
    left and those still waiting for one (means over replications)."""
    cases = _cases(results)
    losses = [f for f in FATES if f is not Fate.CROSSED]
    shown = [f for f in losses if any(c.summary["fates"][f.key]["mean"] >= 0.05 for c in cases)]
    hidden = [f.label for f in losses if f not in shown]
    rows = ["expected", *(f.label for f in shown), "crossed",
            "crossed: on buses that left", "crossed: still waiting for a bus"]
    fig = NotebookFigure(figsize=(10, min(9, 1.6 + 0.5 * len(rows) * (1 + 0.3 * (len(cases) - 1)))))
    ax = fig.add_subplot()
    height = 0.8 / len(cases)
    for i, (case, colour) in enumerate(zip(cases, _palette(), strict=False)):
        y = np.arange(len(rows)) + (i - (len(cases) - 1) / 2) * height
        spans, kinds = _waterfall(case, shown)
        for (left, width), kind, yy in zip(spans, kinds, y, strict=True):
            ax.barh(yy, width, left=left, height=height * 0.9, color=colour,
                    alpha=0.45 if kind == "loss" else 1.0, hatch="//" if kind == "loss" else None,
                    edgecolor=colour, linewidth=0)
            if len(cases) <= 3:
                text = f"{'-' if kind == 'loss' else ''}{_people(width)}"
                ax.annotate(text, (left + width, yy), xytext=(4, 0), textcoords="offset points",
                            va="center", fontsize=10.5 if len(cases) > 1 else 12)
    ax.axvline(OBSERVED_CROSSED, **REFERENCE, label=f"crossed on the night: {OBSERVED_CROSSED}")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("people (mean per simulated night)")
    _share_axis(ax, cases)
    handles = [Patch(color="0.3", label="totals: expected, crossed, and how they left"),
               Patch(facecolor="0.3", alpha=0.45, hatch="//", label="lost at this step")]
    _legend(fig, [ax], [*_case_handles(cases), *handles])
    note = "each bar: mean over simulated nights"
    if hidden:
        note += "; not shown (none on average): " + ", ".join(hidden)
    _titles(fig, ax, "Where the expected people went", cases, note, width=70)
    return fig


@styled
def distribution(*results: Drawable) -> Figure:
    """How many crossed, across replications: a histogram per scenario, the real 422 marked
    and where it falls among the simulated nights."""
    cases = _cases(results)
    counts = [c.crossed for c in cases]
    edges = _integer_bins(counts)
    fig = NotebookFigure(figsize=(10, 6))
    ax = fig.add_subplot()
    alpha = 0.55 if len(cases) == 1 else 0.25
    for case, label, crossed, colour in zip(cases, _labels(cases), counts, _palette(),
                                            strict=False):
        weights = np.full(crossed.size, 100 / max(crossed.size, 1))
        ax.hist(crossed, list(edges), weights=weights, histtype="stepfilled", color=colour,
                alpha=alpha, linewidth=0)
        ax.hist(crossed, list(edges), weights=weights, histtype="step", color=colour, linewidth=2,
                label=f"{label}: {_where(case)}")
    ax.axvline(OBSERVED_CROSSED, **REFERENCE, label=f"crossed on the night: {OBSERVED_CROSSED}")
    ax.set_xlabel("people who crossed in a simulated night (people)")
    ax.set_ylabel("simulated nights (%)")
    _share_axis(ax, cases)
    _legend(fig, [ax])
    reps = sorted({c.replications for c in cases})
    width = edges[1] - edges[0]
    _titles(fig, ax, "People who crossed, night by night", cases,
            f"bins of {width:g} {'person' if width == 1 else 'people'}; "
            + ("the bars add up to 100 % of the nights" if len(cases) == 1 else
               f"each scenario's bars add up to 100 % of its {_range_text(reps)} nights"))
    return fig


@styled
def sweep(results: Results) -> Figure:
    """A sweep's crossed share: against its factor (1 factor: the mean with its 95 %
    confidence band and the 5-95 % of nights) or over two factors (a heat map of the mean,
    with the 60.3 % of 2018 as a contour)."""
    if results.kind != "sweep":
        raise ResultsError(f"{results.folder} holds a run, not a sweep: the sweep figure needs "
                           "a folder written by crossing-sim sweep")
    factors = results.factors
    if len(factors) == 1:
        return _sweep_line(results, _factor_axis(results, factors[0]))
    if len(factors) == 2:
        return _sweep_map(results, _factor_axis(results, factors[0]),
                          _factor_axis(results, factors[1]))
    raise ResultsError(f"{results.folder} varies {len(factors)} factors ({', '.join(factors)}); "
                       "the sweep figure shows 1 or 2: plot a sweep over one or two keys")


@styled
def buses(*results: Drawable) -> Figure:
    """The buses: when each started loading and when it left (left, medians with the 5-95 %
    of departures), and the people aboard each (right), over the nights it was used."""
    cases = _cases(results)
    stats = [_bus_stats(c) for c in cases]
    rows = sorted({key for s in stats for key in s})
    if not rows:
        raise ResultsError(f"{cases[0].results.folder}: no bus carried anyone in any "
                           "replication, so there is no bus timeline to draw")
    fig = NotebookFigure(figsize=(12, min(9, 2 + 0.45 * len(rows) * (1 + 0.3 * (len(cases) - 1)))))
    timeline, seats = fig.subplots(1, 2, sharey=True, width_ratios=[2.6, 1])
    height = 0.8 / len(cases)
    limits = _clock_limits(cases)
    for i, (case, stat, colour) in enumerate(zip(cases, stats, _palette(), strict=False)):
        offset = (i - (len(cases) - 1) / 2) * height
        for y, key in enumerate(rows):
            if key in stat:
                _draw_trip(timeline, seats, case, stat[key], y + offset, height, colour, limits)
    many = any(len(s) > c.scenario.buses.count for s, c in zip(stats, cases, strict=True))
    timeline.set_yticks(range(len(rows)),
                        [f"bus {b + 1}" + (f", trip {t + 1}" if many else "") for b, t in rows])
    timeline.set_ylim(len(rows) - 0.5, -0.5)
    marks = _gate_marks(timeline, cases)
    _clock_axis(timeline, limits)
    timeline.grid(axis="y", visible=False)
    seat_counts = {c.scenario.buses.seats for c in cases}
    for n in seat_counts:
        seats.axvline(n, **REFERENCE, label=f"seats per bus: {n}")
    seats.set_xlim(0, max(seat_counts) * 1.3)
    seats.set_xlabel("people aboard (people)")
    seats.grid(axis="y", visible=False)
    handles = [Patch(color="0.5", alpha=0.4, label="loading (median start to median departure)"),
               Line2D([], [], color="0.3", marker="o", linestyle="-",
                      label="departure (median, 5-95 % of nights)")]
    if any(math.isnan(t.depart) for s in stats for t in s.values()):
        handles.append(Patch(facecolor="0.5", alpha=0.4, hatch="//",
                             label="loading, had not left by the end"))
    _legend(fig, [timeline, seats], [*_case_handles(cases), *handles], last=marks)
    _titles(fig, timeline, "The buses", cases,
            "medians over the nights a bus was used, whiskers 5-95 %; "
            "a % says how often a bus was used, if not every night", width=80)
    return fig


# --- all figures of a folder, as the command line writes them ----------------------------

def figures(results: Results, kind: str = "all", compare: Sequence[Results] = (),
            points: Sequence[int] = ()) -> tuple[dict[str, Figure], list[str]]:
    """The figures ``crossing-sim plot`` draws, by file name, and notes for the reader.

    ``kind`` is one of :data:`KINDS` or ``"all"``; ``compare`` overlays more folders' points;
    ``points`` chooses a sweep's points (default: all, or a few that span a large sweep).
    """
    if kind not in (*KINDS, "all"):
        raise ResultsError(f"no figure kind {kind!r}; choose one of {', '.join(KINDS)} or all")
    notes: list[str] = []
    out: dict[str, Figure] = {}
    suffix = "".join(f"-vs-{safe_name(c.folder.name)}" for c in compare)
    if points:
        suffix += "-points-" + "-".join(str(p) for p in points)
    if kind == "sweep" or (kind == "all" and results.kind == "sweep"):
        if compare and kind == "sweep":
            raise ResultsError("the sweep figure shows one sweep; leave out --compare")
        try:
            out["sweep"] = sweep(results)
        except ResultsError as exc:
            if kind == "sweep":
                raise
            notes.append(f"no sweep figure: {exc}")
    if kind == "sweep":
        return out, notes
    cases, note = _selection(results, points)
    notes += [note] if note else []
    cases += [p for other in compare for p in other.points]
    draw: dict[str, Callable[..., Figure]] = {
        "throughput": throughput, "queue": queue, "fates": fates,
        "distribution": distribution, "buses": buses}
    for name, function in draw.items():
        if kind == name:
            out[name + suffix] = function(*cases)
        elif kind == "all":
            try:
                out[name + suffix] = function(*cases)
            except ResultsError as exc:  # e.g. no bus carried anyone: draw the others
                notes.append(f"no {name} figure: {exc}")
    return out, notes


def write_figures(folder: str | Path, kind: str = "all", fmt: str = "png",
                  out: str | Path | None = None, compare: Sequence[str | Path] = (),
                  points: Sequence[int] = ()) -> tuple[list[Path], list[str]]:
    """Draw the figures of a results folder and save them (default: ``FOLDER/figures/``)."""
    if fmt not in FORMATS:
        raise ResultsError(f"no figure format {fmt!r}; choose one of {', '.join(FORMATS)}")
    results = load_results(folder)
    others = [load_results(c) for c in compare]
    drawn, notes = figures(results, kind, others, points)
    target = Path(out) if out is not None else results.folder / "figures"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"{target}: cannot write figures here: {exc.strerror}") from None
    written = []
    with style.context(STYLE):
        for name, fig in drawn.items():
            path = target / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, metadata=_metadata(fmt))
            written.append(path)
    return written, notes


def _metadata(fmt: str) -> dict[str, Any]:
    """No creation date in vector files, so the same results give the same file."""
    return {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(fmt, {})


def _selection(results: Results, points: Sequence[int]) -> tuple[list[PointResult], str]:
    """The points of a folder to draw, and a note if the choice was made for the reader."""
    if points:
        return [results.point(i) for i in points], ""
    if len(results.points) <= MAX_CURVES:
        return list(results.points), ""
    axes = [_factor_axis(results, key) for key in results.factors]
    if results.design == "grid" and 2 ** len(axes) <= MAX_CURVES:
        middle = 3 ** len(axes) <= MAX_CURVES  # one factor: its first, middle and last value
        ends = [{a.ordered[0], a.ordered[-1], *([a.ordered[len(a.ordered) // 2]] if middle
                                                 else [])} for a in axes]
        chosen = [p for p in results.points
                  if all(_value_key(p.values[a.key]) in e for a, e in zip(axes, ends,
                                                                           strict=True))]
        why = "its first, middle and last values" if middle else "the corners of the grid"
    else:
        by_mean = sorted(results.points, key=lambda p: p.summary["crossed"]["mean"])
        chosen = sorted({by_mean[0], by_mean[len(by_mean) // 2], by_mean[-1]},
                        key=lambda p: p.index)
        why = "the lowest, middle and highest mean crossed"
    listed = ", ".join(str(p.index) for p in chosen)
    return chosen, (f"{results.folder} has {len(results.points)} points, too many to tell "
                    f"apart in one figure: the scenario figures show points {listed} ({why}); "
                    "choose others with --point N")


# --- pieces shared by the figures ---------------------------------------------------------

def _cases(items: Sequence[Drawable]) -> list[PointResult]:
    """The scenarios to draw: a point as given, a results folder as all its points."""
    cases = [p for item in items for p in (item.points if isinstance(item, Results) else [item])]
    if not cases:
        raise ResultsError("nothing to plot: give at least one results folder")
    if len(cases) > MAX_CURVES:
        raise ResultsError(f"{len(cases)} scenarios in one figure cannot be told apart; choose "
                           f"at most {MAX_CURVES} (a sweep's points with --point N, or "
                           "results.point(N) in Python)")
    return cases


def _palette() -> list[str]:
    return list(mpl.rcParams["axes.prop_cycle"].by_key()["color"])


def _case_handles(cases: Sequence[PointResult]) -> list[Patch]:
    if len(cases) == 1:
        return []
    return [Patch(color=c, label=label) for label, c in zip(_labels(cases), _palette(),
                                                            strict=False)]


def _labels(cases: Sequence[PointResult]) -> list[str]:
    """The scenarios' names for legends, with their folders if two have the same name."""
    labels = [c.label for c in cases]
    if len(set(labels)) == len(labels):
        return labels
    return [f"{c.label} ({c.results.folder.name})" for c in cases]


def _titles(fig: Figure, ax: Axes, what: str, cases: Sequence[PointResult], note: str,
            width: int = 95) -> None:
    """The figure's title names the scenarios; the lines under it (``width`` characters at
    most, to fit over the axes) say what is shown."""
    first = cases[0]
    if len(cases) == 1:
        name = first.results.name if first.values else first.label
        head = f"{name} ({first.label})" if first.values else name
        description = first.scenario.description
    else:
        head = " vs ".join(_labels(cases))
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
    nights = _range_text(sorted({c.replications for c in cases}))
    each = " each" if len(cases) > 1 else ""
    sub = f"{description}. " if description else ""
    sub += f"{nights} simulated nights{each}; {note}"
    fig.suptitle(f"{what}: {head}", x=0.01, ha="left")
    ax.set_title(_wrap(sub, width), fontsize=11.5)


def _wrap(text: str, width: int) -> str:
    """Lines of at most ``width`` characters, never breaking "5 %" from its number."""
    return "\n".join(textwrap.wrap(text.replace(" %", "\N{NO-BREAK SPACE}%"), width))


def _legend(fig: Figure, axes: Sequence[Axes], first: Sequence[Artist] = (),
            last: Sequence[Artist] = ()) -> None:
    """One legend for the figure, under it: ``first``, what the axes label, ``last``."""
    handles: list[Artist] = []
    labels: list[str] = []
    found = [pair for ax in axes for pair in zip(*ax.get_legend_handles_labels(), strict=True)]
    for handle, label in [*((h, str(h.get_label())) for h in first), *found,
                          *((h, str(h.get_label())) for h in last)]:
        if label not in labels:
            handles.append(handle)
            labels.append(label)
    longest = max(len(label) for label in labels)
    per_row = max(1, min(len(labels), int(fig.get_figwidth() * 11) // (longest + 7)))
    fig.legend(handles, labels, loc="outside lower center", ncols=per_row, frameon=False)


def _range_text(values: Sequence[int]) -> str:
    return f"{values[0]:,}" if len(values) == 1 else f"{values[0]:,}-{values[-1]:,}"


def _people(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _where(case: PointResult) -> str:
    """Where the real 422 falls among a scenario's simulated nights."""
    obs = case.summary["observed"]
    pct, share = float(obs["percentile"]), float(obs["p_at_most"])
    if share <= 0:
        return f"every night more than {OBSERVED_CROSSED}"
    if share >= 1:
        return f"every night {OBSERVED_CROSSED} or fewer"
    return (f"{OBSERVED_CROSSED} at the {ordinal(round(pct))} percentile "
            f"({100 * share:.0f} % of nights had {OBSERVED_CROSSED} or fewer)")


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


def _integer_bins(samples: Sequence[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """Histogram bins on whole people, shared by every scenario (and reaching the 422): one
    person each over a short range, else the narrowest Freedman-Diaconis width of the
    scenarios (Sturges' where most nights had the same count), at most 100 bins."""
    values = np.concatenate([*samples, [OBSERVED_CROSSED]])
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


# --- clock-time axes ----------------------------------------------------------------------

def _clock(case: PointResult, minutes: Any) -> Any:
    """Model times (minutes after the case's start clock) as matplotlib dates."""
    return DAY0 + (case.scenario.start_clock + np.asarray(minutes, dtype=float)) / MINUTES_PER_DAY


def _clock_limits(cases: Sequence[PointResult]) -> tuple[float, float]:
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


def _clock_axis(ax: Axes, limits: tuple[float, float]) -> None:
    """Hours on the x axis, HH:MM."""
    hours = (limits[1] - limits[0]) * 24
    step = 1 if hours <= 12 else 2
    _hours(ax.xaxis, step)
    ax.set_xlim(*limits)
    ax.set_xlabel("clock time (HH:MM)")


def _hours(axis: Any, step: int) -> None:
    """Ticks every ``step`` hours, labelled HH:MM (matplotlib.dates is untyped)."""
    axis.set_major_locator(mdates.HourLocator(interval=step))  # type: ignore[no-untyped-call]
    axis.set_minor_locator(mdates.MinuteLocator(byminute=[30])  # type: ignore[no-untyped-call]
                           if step == 1 else mdates.HourLocator())  # type: ignore[no-untyped-call]
    axis.set_major_formatter(mdates.DateFormatter("%H:%M"))  # type: ignore[no-untyped-call]


def _gate_marks(ax: Axes, cases: Sequence[PointResult]) -> list[Artist]:
    """The gate's open window (shaded) and dawn (a dotted line), and their legend entries.

    Scenarios with different windows get a bar each along the top, in their colours, with
    room made above the data (so call this after setting the y limits).
    """
    def clock(case: PointResult, minutes: float) -> str:
        return format_clock(minutes, case.scenario.start_clock)

    windows = {(float(_clock(c, c.scenario.gate.open)), float(_clock(c, c.scenario.gate.close)))
               for c in cases}
    first = cases[0].scenario.gate
    handles: list[Artist] = []
    if len(windows) == 1:
        handles.append(ax.axvspan(*windows.pop(), color="0.9", zorder=0, linewidth=0, label=(
            f"gate open {clock(cases[0], first.open)}-{clock(cases[0], first.close)}")))
    else:
        strip = 0.025
        low, high = ax.get_ylim()
        ax.set_ylim(low, low + (high - low) / (1 - strip * len(cases) - 0.01))
        for i, (case, colour) in enumerate(zip(cases, _palette(), strict=False)):
            g = case.scenario.gate
            ax.axvspan(_clock(case, g.open), _clock(case, g.close), ymin=1 - strip * (i + 1),
                       ymax=1 - strip * i - 0.004, color=colour, linewidth=0)
        handles.append(Patch(color="0.45", label="gate open: the bars at the top, one per "
                                                 "scenario"))
    dawns = {(float(_clock(c, c.scenario.gate.give_up)), clock(c, c.scenario.gate.give_up))
             for c in cases if c.scenario.gate.give_up is not None}
    for i, (x, text) in enumerate(sorted(dawns)):
        line = ax.axvline(x, color="0.15", linestyle=":", linewidth=2, zorder=4, label=(
            f"dawn {text}: those waiting leave" if len(dawns) < 3
            else "dawn, when those waiting leave (one line per time)"))
        if i == 0 or len(dawns) < 3:
            handles.append(line)
    return handles


def _band(ax: Axes, case: PointResult, name: str, colour: str, label: str) -> float:
    """A series' median and 5-95 % band over clock time; returns the band's top."""
    b = case.series
    x = _clock(case, b.t)
    low, mid, high = (b.quantile(name, q) for q in (0.05, 0.5, 0.95))
    ax.fill_between(x, low, high, color=colour, alpha=0.22, linewidth=0)
    ax.plot(x, mid, color=colour, label=label, zorder=3)  # over the axis at zero
    return float(high.max())


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


# --- buses ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _TripStats:
    """One bus trip (a bus's k-th trip of the night) over the nights it ran."""

    used: float  # share of nights it carried anyone
    load_start: float  # medians, minutes after the start clock
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
    stats = {}
    for b, k in sorted({(int(x), int(y)) for x, y in zip(bus, trip, strict=True)}):
        mine = order[(bus == b) & (trip == k)]
        depart = t.depart[mine][~np.isnan(t.depart[mine])]
        d = np.quantile(depart, [0.05, 0.5, 0.95]) if depart.size else np.full(3, np.nan)
        people = np.quantile(t.people[mine], [0.05, 0.5, 0.95])
        stats[(b, k)] = _TripStats(
            used=mine.size / case.replications, load_start=float(np.median(t.load_start[mine])),
            depart=d[1], depart_low=d[0], depart_high=d[2],
            people=people[1], people_low=people[0], people_high=people[2])
    return stats


def _draw_trip(timeline: Axes, seats: Axes, case: PointResult, s: _TripStats, y: float,
               height: float, colour: str, limits: tuple[float, float]) -> None:
    start = _clock(case, s.load_start)
    if math.isnan(s.depart):  # loaded but never left by the end
        timeline.barh(y, limits[1] - start, left=start, height=height * 0.85, color=colour,
                      alpha=0.4, hatch="//")
    else:
        end, low, high = (_clock(case, v) for v in (s.depart, s.depart_low, s.depart_high))
        timeline.barh(y, end - start, left=start, height=height * 0.85, color=colour, alpha=0.4,
                      linewidth=0)
        timeline.errorbar(end, y, xerr=[[end - low], [high - end]], fmt="o", color=colour,
                          markersize=6, capsize=3, linewidth=1.5)
    seats.barh(y, s.people, height=height * 0.85, color=colour)
    seats.errorbar(s.people, y, xerr=[[s.people - s.people_low], [s.people_high - s.people]],
                   fmt="none", ecolor="0.2", capsize=3, linewidth=1.2)
    if s.used < 0.995:
        seats.annotate(f"{100 * s.used:.0f} %", (s.people_high, y), xytext=(6, 0),
                       textcoords="offset points", va="center", fontsize=10.5)


# --- sweeps --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _FactorAxis:
    """How a sweep factor's values sit on an axis: numbers, clock times or categories."""

    key: str
    kind: str  # "number", "clock" or "category"
    label: str
    position: dict[str, float]  # a value (as _value_key writes it) -> its place on the axis
    ordered: tuple[str, ...]  # the distinct values, in axis order

    def at(self, value: object) -> float:
        return self.position[_value_key(value)]


def _value_key(value: object) -> str:
    return repr(value)


def _factor_axis(results: Results, key: str) -> _FactorAxis:
    values = [p.values[key] for p in results.points]
    distinct = list(dict.fromkeys(_value_key(v) for v in values))
    raw = {_value_key(v): v for v in values}
    doc = "the scenario file" if key == "scenario" else _doc(key)
    label = f"{key}: {doc}" if doc else key
    start = results.points[0].scenario.start_clock
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        position = {k: float(raw[k]) for k in distinct}  # type: ignore[arg-type]
        kind, unit = "number", ""
    elif all(isinstance(v, str) and _is_clock(v) for v in values):
        position = {k: DAY0 + (start + clock_to_minutes(parse_clock(raw[k]), start))
                    / MINUTES_PER_DAY for k in distinct}
        kind, unit = "clock", "HH:MM"
    elif (units := {_unit(v) for v in values}) and len(units) == 1 and "" not in units:
        position = {k: _number(raw[k]) for k in distinct}
        kind, unit = "number", units.pop()
    else:
        return _FactorAxis(key, "category", label, {k: float(i) for i, k in enumerate(distinct)},
                           tuple(distinct))
    ordered = tuple(sorted(distinct, key=position.__getitem__))
    return _FactorAxis(key, kind, f"{label} ({unit})" if unit else label, position, ordered)


def _is_clock(text: str) -> bool:
    try:
        parse_clock(text)
    except ValueError:
        return False
    return True


def _unit(value: object) -> str:
    """The unit of a quantity written like "45s" or "2.5km/h" ("" if it is not one)."""
    if not isinstance(value, str):
        return ""
    number = value.rstrip("abcdefghijklmnopqrstuvwxyz/")
    try:
        float(number)
    except ValueError:
        return ""
    return value[len(number):]


def _number(value: object) -> float:
    return float(str(value)[: len(str(value)) - len(_unit(value))])


def _doc(key: str) -> str:
    """The scenario key's one-line meaning, from the scenario's declared fields."""
    cls: Any = Scenario
    parts = key.split(".")
    doc = ""
    skip = False
    for part in parts:
        if skip:  # the name of a named table's entry, e.g. origins.NAME
            skip = False
            continue
        if not is_dataclass(cls):
            return ""
        found = {f.name: f for f in fields(cls)}.get(part)
        if found is None:
            return ""
        doc, cls = found.metadata.get("doc", ""), found.metadata.get("cls")
        skip = found.metadata.get("kind") == "named"
    return str(doc)


def _shares(results: Results) -> dict[str, np.ndarray[Any, Any]]:
    """Each point's crossed share (%): mean, 95 % CI and 5-95 % of nights."""
    stats = ("mean", "ci95_low", "ci95_high", "q05", "q95")
    return {s: np.array([100 * p.summary["crossed_share"][s] for p in results.points])
            for s in stats}


def _sweep_titles(fig: Figure, ax: Axes, results: Results, note: str) -> None:
    reps = sorted({p.replications for p in results.points})
    fig.suptitle(f"Share crossed across the sweep: {results.name}", x=0.01, ha="left")
    design = "Latin hypercube" if results.design == "lhs" else "grid"
    ax.set_title(_wrap(
        f"{len(results.points)} scenarios ({design} over {', '.join(results.factors)}), "
        f"{_range_text(reps)} simulated nights each; {note}", 90), fontsize=11.5)


def _observed_label() -> str:
    return (f"crossed on the night: {OBSERVED_CROSSED} of {OBSERVED_EXPECTED} "
            f"({100 * OBSERVED_SHARE:.1f} %)")


def _sweep_line(results: Results, axis: _FactorAxis) -> Figure:
    fig = NotebookFigure(figsize=(10, 6))
    ax = fig.add_subplot()
    shares = _shares(results)
    x = np.array([axis.at(p.values[axis.key]) for p in results.points])
    order = np.argsort(x, kind="stable")
    x, sh = x[order], {k: v[order] for k, v in shares.items()}
    colour = _palette()[0]
    if axis.kind == "category":
        ax.errorbar(x, sh["mean"], yerr=[sh["mean"] - sh["q05"], sh["q95"] - sh["mean"]],
                    fmt="none", ecolor=colour, alpha=0.35, linewidth=8,
                    label="5-95 % of simulated nights")
        ax.errorbar(x, sh["mean"], yerr=[sh["mean"] - sh["ci95_low"],
                                         sh["ci95_high"] - sh["mean"]],
                    fmt="o", color=colour, capsize=6, markersize=8,
                    label="mean, with its 95 % confidence interval")
        ax.set_xticks(x, [_tick(axis, axis.ordered[int(i)]) for i in x])
        ax.set_xlim(-0.5, len(axis.ordered) - 0.5)
        ax.set_xlabel(axis.label)
    else:
        ax.fill_between(x, sh["q05"], sh["q95"], color=colour, alpha=0.15, linewidth=0,
                        label="5-95 % of simulated nights")
        ax.fill_between(x, sh["ci95_low"], sh["ci95_high"], color=colour, alpha=0.45,
                        linewidth=0, label="95 % confidence interval of the mean")
        ax.plot(x, sh["mean"], color=colour, marker="o", label="mean")
        if axis.kind == "clock":
            pad = 0.5 / 24
            _clock_axis(ax, (x.min() - pad, x.max() + pad))
        elif all(float(v).is_integer() for v in x):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(axis.label)
    ax.axhline(100 * OBSERVED_SHARE, **REFERENCE, label=_observed_label())
    ax.set_ylabel("people who crossed (% of those expected)")
    _legend(fig, [ax])
    _sweep_titles(fig, ax, results, "share of the expected people who crossed")
    return fig


def _sweep_map(results: Results, first: _FactorAxis, second: _FactorAxis) -> Figure:
    # the factor with more values runs along the wider x axis
    ax_x, ax_y = (second, first) if len(second.ordered) >= len(first.ordered) else (first,
                                                                                     second)
    mean = _shares(results)["mean"]
    grid = results.design == "grid" and len(results.points) == len(ax_x.ordered) * len(
        ax_y.ordered)
    height = 2.4 + 0.55 * len(ax_y.ordered) if grid else 6.5
    fig = NotebookFigure(figsize=(11, min(max(height, 4.5), 9)))
    ax = fig.add_subplot()
    level = 100 * OBSERVED_SHARE
    norm = mpl.colors.Normalize(float(mean.min()), float(mean.max()))
    mesh: ScalarMappable
    if grid:
        column = {k: i for i, k in enumerate(ax_x.ordered)}
        row = {k: i for i, k in enumerate(ax_y.ordered)}
        z = np.full((len(row), len(column)), np.nan)
        for p, m in zip(results.points, mean, strict=True):
            z[row[_value_key(p.values[ax_y.key])], column[_value_key(p.values[ax_x.key])]] = m
        mesh = ax.pcolormesh(np.arange(len(column) + 1) - 0.5, np.arange(len(row) + 1) - 0.5,
                             z, norm=norm)
        if z.size <= 150:
            _cell_labels(ax, z, mesh.cmap, norm)
        ax.set_xticks(range(len(column)), [_tick(ax_x, k) for k in ax_x.ordered])
        ax.set_yticks(range(len(row)), [_tick(ax_y, k) for k in ax_y.ordered])
        ax.grid(visible=False)
        xs, ys = np.meshgrid(np.arange(len(column)), np.arange(len(row)))
        contour = _contour(ax, xs, ys, z, level, grid=True)
    else:
        x = np.array([ax_x.at(p.values[ax_x.key]) for p in results.points])
        y = np.array([ax_y.at(p.values[ax_y.key]) for p in results.points])
        mesh = ax.scatter(x, y, c=mean, norm=norm, s=90, edgecolors="0.2", linewidths=0.6,
                          zorder=3)  # over the contour
        contour = _contour(ax, x, y, mean, level, grid=False)
        for values, limit in ((x, ax.set_xlim), (y, ax.set_ylim)):  # room for whole markers
            pad = 0.04 * (values.max() - values.min()) or 0.5
            limit(values.min() - pad, values.max() + pad)
        for a, axis in ((ax_x, ax.xaxis), (ax_y, ax.yaxis)):
            if a.kind == "clock":
                _hours(axis, 1)
            elif a.kind == "category":
                axis.set_ticks(range(len(a.ordered)), [_tick(a, k) for k in a.ordered])
    ax.set_xlabel(ax_x.label)
    ax.set_ylabel("\n".join(textwrap.wrap(ax_y.label, 30)))
    bar = fig.colorbar(mesh, ax=ax, pad=0.02)
    bar.set_label("people who crossed, mean\n(% of those expected)")
    bar.ax.axhline(level, color="black", linewidth=2.5)
    handles = [Line2D([], [], color="black", linewidth=2.5, label=_observed_label())]
    _legend(fig, [ax], handles)
    note = "colour: mean share of the expected who crossed"
    if mean.min() > level or mean.max() < level:
        side = "above" if mean.min() > level else "below"
        note += f"; every point is {side} the {level:.1f} % of 2018"
    elif not contour:
        note += f"; too few points to draw the {level:.1f} % line"
    _sweep_titles(fig, ax, results, note)
    return fig


def _tick(axis: _FactorAxis, key: str) -> str:
    text = key.strip("'\"") if key[:1] in "'\"" else key
    return Path(text).stem if text.endswith(".toml") else text


def _cell_labels(ax: Axes, z: np.ndarray[Any, Any], cmap: Any, norm: Any) -> None:
    """Each cell's value, in black or white, whichever reads better on its colour."""
    for (i, j), value in np.ndenumerate(z):
        if np.isnan(value):
            continue
        r, g, b, _ = cmap(norm(value))
        dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45
        ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=10.5,
                color="white" if dark else "black")


def _contour(ax: Axes, x: np.ndarray[Any, Any], y: np.ndarray[Any, Any],
             z: np.ndarray[Any, Any], level: float, grid: bool) -> bool:
    """The 2018 share as a contour line, if the sweep's means cross it; True if drawn."""
    finite = z[~np.isnan(z)]
    if finite.size < 3 or not finite.min() < level < finite.max() or (
            grid and min(z.shape) < 2):
        return False
    halo = [patheffects.withStroke(linewidth=5, foreground="white")]
    try:
        lines = (ax.contour(x, y, z, levels=[level], colors="black", linewidths=2.5) if grid
                 else ax.tricontour(x, y, z, levels=[level], colors="black", linewidths=2.5))
    except (ValueError, RuntimeError):  # points on a line cannot be triangulated
        return False
    lines.set(path_effects=halo)
    return True


__all__ = ["MAX_CURVES", "STYLE", "NotebookFigure", "buses", "distribution", "fates",
           "figures", "queue", "sweep", "throughput", "write_figures"]
