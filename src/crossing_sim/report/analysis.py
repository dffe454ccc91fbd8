"""The analyses as a person reads them on a terminal: a calibration, a sensitivity ranking.

Each renderer takes a finished result of :mod:`crossing_sim.analysis` (and, if known, how
long it took) and returns the text ``crossing-sim calibrate`` or ``sensitivity`` prints.
"""

from __future__ import annotations

import math

from crossing_sim.analysis.calibration import Calibration
from crossing_sim.analysis.parameters import show_number
from crossing_sim.analysis.sensitivity import Sensitivity

__all__ = ["render_calibration", "render_sensitivity"]


# --- calibration ---------------------------------------------------------------------------

def render_calibration(result: Calibration, elapsed: float | None = None) -> str:
    """The posterior and the predictive check, as a person reads them on a terminal."""
    s = result.settings
    kept = int(result.accepted.sum())
    rule = (f"within the tolerance {result.tolerance:g}" if s.tolerance is not None else
            f"the closest {100 * s.accept:g} %, distance <= {result.tolerance:.3g}")
    unit = " people" if len(result.observed) == 1 and result.observed[0].name != \
        "buses_used" else ""
    observed = ", ".join(f"{o.name} = {o.value:g}" for o in result.observed)
    lines = [
        f"Calibration of {result.scenario} against {observed}",
        f"{s.samples} draws from the priors, one night each, seed {s.seed}; kept {kept} "
        f"({rule}{unit if s.tolerance is None else ''}); {result.runs} nights in all"
        + (f", {elapsed:.1f} s" if elapsed is not None else ""),
        "",
        f"{'key':<34}{'prior 5-95 %':>22}{'posterior median':>18}{'posterior 5-95 %':>22}"
        f"{'shrank':>8}",
    ]
    for row, prior in zip(result.posterior(), result.priors, strict=True):
        a, b = row["prior"], row["posterior"]
        scale = prior.scale
        lines.append(
            f"{row['key']:<34}"
            f"{show_number(scale, a['q05']) + ' - ' + show_number(scale, a['q95']):>22}"
            f"{show_number(scale, b['q50']):>18}"
            f"{show_number(scale, b['q05']) + ' - ' + show_number(scale, b['q95']):>22}"
            f"{_pct(row['shrinkage_90']):>8}")
    lines += ["", "Posterior predictive (new nights of the kept draws)"]
    for row in result.predictive_summary():
        p, obs = row["predictive"], row["observed"]
        inside = "inside" if row["inside_90"] else "OUTSIDE"
        lines.append(f"  {row['statistic']}: median {p['q50']:.0f}, 90 % interval "
                     f"{p['q05']:.0f} - {p['q95']:.0f}; the observed {obs:g} is {inside} it "
                     f"({100 * row['p_at_most']:.0f} % of nights had {obs:g} or fewer)")
        c = row["calibrated_scenario"]
        if c is not None:
            inside = "inside" if c["q05"] <= obs <= c["q95"] else "OUTSIDE"
            lines.append(f"  calibrated scenario ({len(result.check)} nights): mean "
                         f"{c['mean']:.1f}, 90 % of nights {c['q05']:.0f} - {c['q95']:.0f} "
                         f"({inside})")
    return "\n".join(lines)


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
