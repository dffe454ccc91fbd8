"""The analyses as a person reads them on a terminal: a calibration, a sensitivity ranking.

Each renderer takes a finished result of :mod:`crossing_sim.analysis` (and, if known, how
long it took) and returns the text ``crossing-sim calibrate`` or ``sensitivity`` prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from crossing_sim.analysis.calibration import Calibration
from crossing_sim.analysis.parameters import show_number
from crossing_sim.analysis.sensitivity import Sensitivity
from crossing_sim.scenario.units import format_clock

__all__ = ["render_calibration", "render_sensitivity"]


# --- calibration ---------------------------------------------------------------------------

def render_calibration(result: Calibration, elapsed: float | None = None) -> str:
    """The posterior, what each fit identifies and the held-out checks, for a terminal."""
    s = result.settings
    fits = [c.name for c in result.checks]
    lines = [
        f"Calibration of {result.scenario} by ABC-SMC (pyabc) on "
        f"{len(result.facts)} facts: {', '.join(result.facts)}",
        f"{s.population} particles a generation, up to {s.generations} generations, seed "
        f"{s.seed}; fits: {', '.join(fits)}; {result.nights} nights in all"
        + (f", {elapsed:.0f} s" if elapsed is not None else ""),
        "",
        f"{'key':<32}{'prior 5-95 %':>20}{'median':>10}{'posterior 5-95 %':>20}"
        + "".join(f"{'shrank (' + f + ')':>17}" for f in fits),
    ]
    for row, prior in zip(result.posterior(), result.priors, strict=True):
        a, b = row["prior"], row["posterior"]
        scale = prior.scale
        lines.append(
            f"{row['key']:<32}"
            f"{show_number(scale, a['q05']) + ' - ' + show_number(scale, a['q95']):>20}"
            f"{show_number(scale, b['q50']):>10}"
            f"{show_number(scale, b['q05']) + ' - ' + show_number(scale, b['q95']):>20}"
            + "".join(f"{_pct(row['by_fit'][f]['shrinkage_90']):>17}" for f in fits))
    lines += ["", "Posterior predictive 5-95 % of nights, by fit (* = the fit used the fact; "
                  "the others are held out)"]
    start = next(iter(result.facts.values())).start_clock
    for row in result.predictive_summary():
        show = (_clock(start) if row["unit"] == "clock" else _share if row["unit"] == "share"
                else _count)
        verdict = "inside" if row["inside_90"] else "OUTSIDE"
        where = (f"{100 * row['p_at_most']:3.0f} % of nights at or below it" if
                 row["low"] is not None and row["low"] == row["high"] else
                 f"{100 * row['share_consistent']:3.0f} % of nights inside it")
        lines.append(
            f"  {row['fit']:<7}{row['fact'] + ('*' if row['used'] else ''):<20}observed "
            f"{row['observed']:<13} predicted {show(row['q05']):>5} - {show(row['q95']):<6} "
            f"{verdict:<8}{where}")
    return "\n".join(lines)


def _count(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.0f}"


def _share(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.0f} %"


def _clock(start: int) -> Callable[[float], str]:
    def show(x: float) -> str:
        return "n/a" if math.isnan(x) else format_clock(x, start)
    return show


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f} %"


# --- sensitivity ---------------------------------------------------------------------------

def render_sensitivity(result: Sensitivity, elapsed: float | None = None) -> str:
    """The ranking as a table for a terminal."""
    k = len(result.ranges) + 1  # with the dummy factor
    points = len(result.output)
    formula = (f"r(k + 1) = {result.samples} x {k + 1}" if result.method == "morris" else
               f"N(2k + 2) = {result.samples} x {2 * k + 2}")
    lines = [
        f"Sensitivity of the crossed share of {result.scenario}: {result.method}",
        f"{points} design points ({formula}) x {result.reps} nights = {result.runs} nights, "
        f"seed {result.seed}" + (f", {elapsed:.1f} s" if elapsed is not None else ""),
        f"crossed share over the design: {100 * result.output.min():.1f} - "
        f"{100 * result.output.max():.1f} % (mean {100 * result.output.mean():.1f} %)",
        "",
    ]
    if result.method == "morris":
        lines.append(f"{'rank':<6}{'key':<36}{'mu* (95 % CI)':>22}{'sigma':>10}")
        for i, row in enumerate(result.ranking(), 1):
            lines.append(f"{i:<6}{row['key']:<36}"
                         f"{_pp(row['index']) + ' +/- ' + _pp(row['conf']):>22}"
                         f"{_pp(row['sigma']):>10}")
        lines += ["(mu*: the mean absolute elementary effect, as SALib defines it, sigma: its",
                  " spread; both in percentage points of the crossed share for a change across",
                  " the key's whole range. The dummy factor changes nothing: what noise gives.)"]
    else:
        lines.append(f"{'rank':<6}{'key':<36}{'ST (95 % CI)':>18}{'S1 (95 % CI)':>18}")
        for i, row in enumerate(result.ranking(), 1):
            total = f"{row['index']:.2f} +/- {row['conf']:.2f}"
            first = f"{row['first']:.2f} +/- {row['first_conf']:.2f}"
            lines.append(f"{i:<6}{row['key']:<36}{total:>18}{first:>18}")
        lines += ["(ST: total-order, S1: first-order share of the crossed share's variance,",
                  " with 95 % bootstrap intervals; the dummy factor shows the noise floor)"]
    if math.isfinite(result.noise_share):
        lines.append(f"night-to-night chance: {100 * result.noise_share:.1f} % of the "
                     f"output's variance ({result.reps} nights a point)")
    return "\n".join(lines)


def _pp(share: float) -> str:
    return f"{100 * share:.2f}"
