"""A paired comparison as a person reads it: the difference itself, with its uncertainty."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from crossing_sim.experiment.compare import MEASURES

__all__ = ["render_comparison"]


def render_comparison(comparison: dict[str, Any], elapsed: float | None = None) -> str:
    """Each scenario's difference from the base, measure by measure, and in plain words."""
    base = comparison["base"]
    how = ("the same random numbers for both (common random numbers), so each night's "
           "difference is the change's effect" if comparison["paired"] else
           "independent random numbers")
    took = f", {elapsed:.1f} s" if elapsed is not None else ""
    lines = [f"Paired comparison against {base['scenario']}: {base['description']}",
             *textwrap.wrap(f"{comparison['nights']} nights each, seed {comparison['seed']}"
                            f"{took}; {how}.", width=100)]
    for other in comparison["others"]:
        d = other["differences"]
        lines += ["", f"{other['scenario']}: {other['description']}", "",
                  _row("", "base", "other", "difference (95 % CI)", "5-95 % of nights",
                       "higher", "lower")]
        same = []
        for name, label in MEASURES.items():
            if name not in d:
                continue
            if name != "crossed" and _unchanged(d[name]):
                same.append(label)
            elif _shown(name, d[name]):
                lines.append(_measure(label, d[name]))
        if same:
            lines += textwrap.wrap(f"the same on every night: {', '.join(same)}", width=98,
                                   initial_indent="  ", subsequent_indent="    ")
        lines += ["", _in_words(d["crossed"])]
    if comparison.get("precision") is not None:
        lines += ["", _precision(comparison)]
    return "\n".join(lines)


def _shown(name: str, d: dict[str, Any]) -> bool:
    """The crossed count always; another measure where either scenario has any of it."""
    return name == "crossed" or bool(d["nights"] and (d["base_mean"] or d["other_mean"]))


def _unchanged(d: dict[str, Any]) -> bool:
    """The same in both scenarios on every night compared."""
    return bool(d["nights"]) and d["q05"] == d["q95"] == d["mean"] == 0 and not d["p_more"] \
        and not d["p_less"]


def _row(*cells: str) -> str:
    label, *rest = cells
    widths = (8, 8, 26, 18, 8, 7)
    return f"  {label:<33}" + "".join(c.rjust(w) for c, w in zip(rest, widths, strict=True))


def _measure(label: str, d: dict[str, Any]) -> str:
    if not d["nights"]:
        return _row(label, "-", "-", "no nights to compare", "", "", "")
    digits = 1
    interval = ("(one night: no CI)" if math.isnan(d["ci95_low"]) else
                f"({d['ci95_low']:+.1f} to {d['ci95_high']:+.1f})")
    return _row(label, f"{d['base_mean']:.{digits}f}", f"{d['other_mean']:.{digits}f}",
                f"{d['mean']:+.1f} {interval}",
                f"{d['q05']:+.0f} to {d['q95']:+.0f}", f"{100 * d['p_more']:.0f} %",
                f"{100 * d['p_less']:.0f} %")


def _in_words(d: dict[str, Any]) -> str:
    """"about 45 more people crossed, between 43 and 47"."""
    mean, low, high = d["mean"], d["ci95_low"], d["ci95_high"]
    if not d["nights"] or math.isnan(mean):
        return "  No nights to compare."
    if low == high == mean == 0:
        return ("  The same number of people crossed on every night: this change makes no "
                "difference to who gets through.")
    more = "more" if mean > 0 else "fewer"
    interval = ("one night: no confidence interval" if math.isnan(low) else
                f"95 % CI {low:+.1f} to {high:+.1f}")
    words = f"  About {abs(mean):.0f} {more} people crossed on a night ({interval})"
    if low <= 0 <= high:
        words += ": the interval includes no change at all"
    words += (f"; more crossed on {100 * d['p_more']:.0f} % of the nights, fewer on "
              f"{100 * d['p_less']:.0f} %.")
    return "\n".join(textwrap.wrap(words, width=98, subsequent_indent="  "))


def _precision(comparison: dict[str, Any]) -> str:
    target, reached = comparison["precision"], comparison.get("precision_reached", True)
    if reached:
        return (f"{comparison['nights']} nights were needed for every difference in the "
                f"crossed share to have a 95 % CI half-width below {target:g}.")
    return (f"The cap of {comparison['nights']} nights was reached before every difference in "
            f"the crossed share had a 95 % CI half-width below {target:g}.")
