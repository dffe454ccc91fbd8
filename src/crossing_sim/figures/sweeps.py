"""The sweep figure: a sweep's crossed share over one factor (a line) or two (a heat map).

A factor's values are placed on an axis as numbers, clock times or categories
(:func:`factor_axis`); the observed share, if the scenario states one, is the reference line
or contour.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from crossing_sim.errors import ResultsError
from crossing_sim.figures.axes import DAY0, clock_axis, hours, legend, range_text, wrap
from crossing_sim.figures.style import REFERENCE, NotebookFigure, palette, styled
from crossing_sim.results.reader import Results
from crossing_sim.scenario.spec import Scenario
from crossing_sim.scenario.units import (
    MINUTES_PER_DAY,
    clock_to_minutes,
    parse_clock,
    split_quantity,
    unit_of,
)

__all__ = ["FactorAxis", "factor_axis", "key_words", "sweep", "value_key"]

#: The share that crossed on the real night, the reference of sweep figures.


@styled
def sweep(results: Results) -> Figure:
    """A sweep's crossed share: against its factor (1 factor: the mean with its 95 %
    confidence band and the 5-95 % of nights) or over two factors (a heat map of the mean,
    with the observed share as a contour)."""
    if results.kind != "sweep":
        raise ResultsError(f"{results.folder} holds a run, not a sweep: the sweep figure needs "
                           "a folder written by crossing-sim sweep")
    factors = results.factors
    if len(factors) == 1:
        return _sweep_line(results, factor_axis(results, factors[0]))
    if len(factors) == 2:
        return _sweep_map(results, factor_axis(results, factors[0]),
                          factor_axis(results, factors[1]))
    raise ResultsError(f"{results.folder} varies {len(factors)} factors ({', '.join(factors)}); "
                       "the sweep figure shows 1 or 2: plot a sweep over one or two keys")


# --- the factors on the axes ----------------------------------------------------------------

@dataclass(frozen=True)
class FactorAxis:
    """How a sweep factor's values sit on an axis: numbers, clock times or categories."""

    key: str
    kind: str  # "number", "clock" or "category"
    label: str
    position: dict[str, float]  # a value (as value_key writes it) -> its place on the axis
    ordered: tuple[str, ...]  # the distinct values, in axis order

    def at(self, value: object) -> float:
        return self.position[value_key(value)]


def value_key(value: object) -> str:
    """A factor's value as the key of its place on an axis."""
    return repr(value)


def factor_axis(results: Results, key: str) -> FactorAxis:
    """How the sweep's values of ``key`` sit on an axis, in order."""
    values = [p.values[key] for p in results.points]
    distinct = list(dict.fromkeys(value_key(v) for v in values))
    raw = {value_key(v): v for v in values}
    doc = "the scenario file" if key == "scenario" else _doc(key)
    label = f"{doc} ({key})" if doc else key
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
        return FactorAxis(key, "category", label, {k: float(i) for i, k in enumerate(distinct)},
                          tuple(distinct))
    ordered = tuple(sorted(distinct, key=position.__getitem__))
    return FactorAxis(key, kind, f"{label} ({unit})" if unit else label, position, ordered)


def _is_clock(text: str) -> bool:
    try:
        parse_clock(text)
    except ValueError:
        return False
    return True


def _unit(value: object) -> str:
    """The unit of a quantity written like "45s" or "2.5km/h" ("" if it is not one)."""
    return unit_of(value) if isinstance(value, str) else ""


def _number(value: object) -> float:
    parts = split_quantity(str(value))
    return float(parts[0]) if parts else float(str(value))


def key_words(key: str) -> str:
    """A scenario key in words, the key after it: ``screening tables working in parallel
    (gate.lanes)`` (the key alone if it has no meaning written down)."""
    doc = _doc(key)
    if not doc and "." in key and (parent := _doc(key.rsplit(".", 1)[0])):
        doc = f"{parent}: its {key.rsplit('.', 1)[1]}"  # a distribution's parameter
    return f"{doc} ({key})" if doc else key


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


# --- the figures ---------------------------------------------------------------------------

def _shares(results: Results) -> dict[str, np.ndarray[Any, Any]]:
    """Each point's crossed share (%): mean, 95 % CI and 5-95 % of nights."""
    stats = ("mean", "ci95_low", "ci95_high", "q05", "q95")
    return {s: np.array([100 * p.summary["crossed_share"][s] for p in results.points])
            for s in stats}


def _sweep_titles(fig: Figure, ax: Axes, results: Results, note: str) -> None:
    reps = sorted({p.replications for p in results.points})
    fig.suptitle(f"Share crossed across the sweep: {results.name}", x=0.01, ha="left")
    design = "Latin hypercube" if results.design == "lhs" else "grid"
    ax.set_title(wrap(
        f"{len(results.points)} scenarios ({design} over {', '.join(results.factors)}), "
        f"{range_text(reps)} simulated nights each; {note}", 90), fontsize=11.5)


def _observed(results: Results) -> tuple[float, str] | None:
    """The observed share of crossings (in %) and its legend label, if every point states the
    same observed count out of the same expected number."""
    seen = {(o["label"], o["crossed"], p.summary["expected"]) if (o := p.summary["observed"])
            else None for p in results.points}
    if len(seen) != 1 or None in seen:
        return None
    label, crossed, expected = seen.pop()  # type: ignore[misc]
    share = 100 * crossed / expected
    return share, f"{label}: {crossed} of {expected} crossed ({share:.1f} %)"


def _sweep_line(results: Results, axis: FactorAxis) -> Figure:
    fig = NotebookFigure(figsize=(10, 6))
    ax = fig.add_subplot()
    shares = _shares(results)
    x = np.array([axis.at(p.values[axis.key]) for p in results.points])
    order = np.argsort(x, kind="stable")
    x, sh = x[order], {k: v[order] for k, v in shares.items()}
    colour = palette()[0]
    whole = axis.kind == "number" and all(float(v).is_integer() for v in x)
    if axis.kind == "category" or whole:  # separate values: nothing drawn between them
        ax.errorbar(x, sh["mean"], yerr=[sh["mean"] - sh["q05"], sh["q95"] - sh["mean"]],
                    fmt="none", ecolor=colour, alpha=0.35, linewidth=8,
                    label="5-95 % of simulated nights")
        ax.errorbar(x, sh["mean"], yerr=[sh["mean"] - sh["ci95_low"],
                                         sh["ci95_high"] - sh["mean"]],
                    fmt="o", color=colour, capsize=6, markersize=8,
                    label="mean, with its 95 % confidence interval")
        if whole:
            ax.set_xticks(x, [f"{v:g}" for v in x])
            ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
            ax.grid(axis="x", visible=False)
        else:
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
            clock_axis(ax, (x.min() - pad, x.max() + pad))
        elif all(float(v).is_integer() for v in x):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(axis.label)
    observed = _observed(results)
    if observed is not None:
        ax.axhline(observed[0], **REFERENCE, label=observed[1])
    ax.set_ylabel("people who crossed (% of those expected)")
    legend(fig, [ax])
    _sweep_titles(fig, ax, results, "share of the expected people who crossed")
    return fig


def _sweep_map(results: Results, first: FactorAxis, second: FactorAxis) -> Figure:
    # the factor with more values runs along the wider x axis
    ax_x, ax_y = (second, first) if len(second.ordered) >= len(first.ordered) else (first,
                                                                                     second)
    shares = _shares(results)
    mean = shares["mean"]
    grid = results.design == "grid" and len(results.points) == len(ax_x.ordered) * len(
        ax_y.ordered)
    height = 2.4 + 0.55 * len(ax_y.ordered) if grid else 6.5
    fig = NotebookFigure(figsize=(11, min(max(height, 4.5), 9)))
    ax = fig.add_subplot()
    observed = _observed(results)
    level = observed[0] if observed else float("nan")  # NaN: no contour is drawn
    norm = mpl.colors.Normalize(float(mean.min()), float(mean.max()))
    mesh: ScalarMappable
    if grid:
        column = {k: i for i, k in enumerate(ax_x.ordered)}
        row = {k: i for i, k in enumerate(ax_y.ordered)}
        z = np.full((3, len(row), len(column)), np.nan)  # mean, CI low, CI high
        for i, p in enumerate(results.points):
            cell = row[value_key(p.values[ax_y.key])], column[value_key(p.values[ax_x.key])]
            z[(slice(None), *cell)] = (mean[i], shares["ci95_low"][i], shares["ci95_high"][i])
        mesh = ax.pcolormesh(np.arange(len(column) + 1) - 0.5, np.arange(len(row) + 1) - 0.5,
                             z[0], norm=norm)
        if z[0].size <= 150:
            _cell_labels(ax, z, mesh.cmap, norm)
        ax.set_xticks(range(len(column)), [_tick(ax_x, k) for k in ax_x.ordered])
        ax.set_yticks(range(len(row)), [_tick(ax_y, k) for k in ax_y.ordered])
        ax.grid(visible=False)
        # cells, not a contour: a line between whole-number table counts would be invented
        contour = _consistent_cells(ax, z, level)
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
                hours(axis, 1)
            elif a.kind == "category":
                axis.set_ticks(range(len(a.ordered)), [_tick(a, k) for k in a.ordered])
    ax.set_xlabel(ax_x.label)
    ax.set_ylabel("\n".join(textwrap.wrap(ax_y.label, 30)))
    bar = fig.colorbar(mesh, ax=ax, pad=0.02)
    bar.set_label("people who crossed, mean\n(% of those expected)")
    note = "colour: mean share of the expected who crossed"
    if grid and z[0].size <= 150:
        note += " (in each cell, with its 95 % CI)"
    if observed is not None:
        bar.ax.axhline(level, color="black", linewidth=2.5)
        if contour:
            mark: Artist = (Patch(facecolor="none", edgecolor="black", linewidth=3, label=(
                f"cells whose 95 % CI contains the observed {level:.1f} % "
                f"({observed[1].split(':')[0]}; the black line on the colour bar)"))
                if grid else Line2D([], [], color="black", linewidth=2.5, label=observed[1]))
            legend(fig, [ax], [mark])
        if mean.min() > level or mean.max() < level:
            side = "above" if mean.min() > level else "below"
            note += f"; every point is {side} the observed {level:.1f} %"
        elif not contour:
            note += (f"; no cell's 95 % CI contains the observed {level:.1f} %" if grid else
                     f"; too few points to draw the {level:.1f} % line")
    _sweep_titles(fig, ax, results, note)
    return fig


def _tick(axis: FactorAxis, key: str) -> str:
    text = key.strip("'\"") if key[:1] in "'\"" else key
    return Path(text).stem if text.endswith(".toml") else text


def _cell_labels(ax: Axes, z: np.ndarray[Any, Any], cmap: Any, norm: Any) -> None:
    """Each cell's mean and 95 % CI (``z``: mean, low, high), in black or white, whichever
    reads better on its colour."""
    small = z[0].size > 40
    for (i, j), value in np.ndenumerate(z[0]):
        if np.isnan(value):
            continue
        r, g, b, _ = cmap(norm(value))
        dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45
        ci = "" if np.isnan(z[1, i, j]) else f"\n({z[1, i, j]:.1f}-{z[2, i, j]:.1f})"
        ax.text(j, i, f"{value:.1f} %{ci}", ha="center", va="center",
                fontsize=9 if small else 12, color="white" if dark else "black",
                weight="bold")


def _consistent_cells(ax: Axes, z: np.ndarray[Any, Any], level: float) -> bool:
    """Outline the cells whose 95 % CI contains ``level``; True if any."""
    if np.isnan(level):
        return False
    found = False
    for (i, j), low in np.ndenumerate(z[1]):
        if low <= level <= z[2, i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black",
                                   linewidth=3.5, zorder=4))
            found = True
    return found


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
