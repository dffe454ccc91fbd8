"""What a run means to a person: its summary (and a sweep's) as text for a terminal."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from crossing_sim.model.fates import Fate

__all__ = ["ordinal", "render_summary", "render_sweep"]


def render_summary(summary: dict[str, Any], elapsed: float | None = None) -> str:
    """The summary as a person wants to read it on a terminal."""
    n = summary["expected"]
    c, sh, obs = summary["crossed"], summary["crossed_share"], summary["observed"]
    lines = [
        f"{summary['scenario']}: {summary['description']}".rstrip(": "),
        *([f"changed with --set: {', '.join(summary['set'])}"] if summary.get("set") else []),
        f"{summary['replications']} replications, seed {summary['seed']}"
        + (f", {elapsed:.1f} s" if elapsed is not None else ""),
        "",
        f"{'':<24}{'people':>16}{'share of ' + str(n):>22}",
        f"{'Crossed (mean)':<24}{c['mean']:>16.1f}{_pct(sh['mean']):>22}",
        f"{'  95 % confidence':<24}{_range(c['ci95_low'], c['ci95_high'], 1):>16}"
        f"{_range(100 * sh['ci95_low'], 100 * sh['ci95_high'], 1, ' %'):>22}",
        f"{'  5-95 % of nights':<24}{_range(c['q05'], c['q95'], 0):>16}"
        f"{_range(100 * sh['q05'], 100 * sh['q95'], 1, ' %'):>22}",
        *([f"{obs['label']:<24}{obs['crossed']:>16}{_pct(obs['share']):>22}",
           f"  {_where(obs)}"] if obs else []),
        "",
        _where_heading(summary),
    ]
    for key, fate in summary["fates"].items():
        if key == Fate.CROSSED.key:
            continue
        lines.append(f"  {fate['label']:<34}{fate['mean']:>8.1f}{_pct(fate['share']):>10}")
    crossed = summary["fates"][Fate.CROSSED.key]
    b = summary["buses"]
    lines += [
        f"  {crossed['label']:<34}{crossed['mean']:>8.1f}{_pct(crossed['share']):>10}",
        f"    {'left on a bus':<32}{b['left_by_bus_mean']:>8.1f}",
        f"    {'left waiting for a bus':<32}{b['left_waiting_mean']:>8.1f}",
        "",
        f"Buses: {b['used_mean']:.1f} of {b['count']} used ({b['seats']} seats each)"
        + (f"; the last left at {b['last_departure_median']} (median)"
           if b["last_departure_median"] else "; none left"),
    ]
    lines += _composition(summary.get("composition"))
    if "gate" in summary:
        lines += ["", *_night(summary)]
    if summary.get("facts"):
        lines += ["", *_facts(summary)]
    return "\n".join(lines)


def _where_heading(summary: dict[str, Any]) -> str:
    people = summary.get("people")
    if not people:
        return f"Where the {summary['expected']} went (mean people per night)"
    return (f"Where the {people['mean']:.1f} who set out went (mean people per night; "
            f"{_range(people['q05'], people['q95'], 0)} on 5-95 % of nights)")


def _composition(who: dict[str, Any] | None) -> list[str]:
    """Who crossed, when the scenario says who the people are (volunteers or children)."""
    if not who or not (who["volunteers"]["mean"] or who["children"]["mean"]):
        return []
    parts = [f"{who['families']['mean']:.1f} families", f"{who['volunteers']['mean']:.1f} "
             f"volunteers ({_range(who['volunteers']['q05'], who['volunteers']['q95'], 0)})",
             f"{who['family_members']['mean']:.1f} family members "
             f"({_range(who['family_members']['q05'], who['family_members']['q95'], 0)})"]
    children = who["children"]["mean"]
    text = ", ".join(parts)
    if children:
        text += f", of them {children:.1f} children"
        share = who["children_share"]
        if share is not None:
            text += f" ({_pct(share['mean'])} of those who crossed)"
    return ["", "Who crossed (mean per night; 5-95 % of nights)", *_wrap(text, 88)]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="  ")


def _facts(summary: dict[str, Any]) -> list[str]:
    """Each observed fact beside the simulated nights: the share of nights consistent."""
    facts = summary["facts"]
    label = summary["observed"]["label"] if summary["observed"] else "Observed"
    lines = [f"{label}, next to the simulated nights",
             f"  {'':<22}{'observed':>16}{'simulated 5-95 %':>20}   where it falls"]
    for f in facts:
        sim = f["simulated"]
        if sim is None:
            spread = "never"
        elif f["unit"] == "clock":
            spread = f"{sim['q05_clock']}-{sim['q95_clock']}"
        else:
            spread = (_range(sim["q05"], sim["q95"], 0) if f["unit"] == "count"
                      else _range(100 * sim["q05"], 100 * sim["q95"], 0, " %"))
        where = (f"at the {ordinal(round(f['percentile']))} percentile" if "percentile" in f
                 else f"in {100 * f['share_consistent']:.0f} % of nights")
        lines.append(f"  {f['label']:<22}{f['observed']:>16}{spread:>20}   {where}")
    return lines


def _night(summary: dict[str, Any]) -> list[str]:
    """The gate and the night's times, each a mean over nights with its 95 % CI."""
    g, times = summary["gate"], summary["times"]
    lines = ["At the gate and through the night (mean per night, 95 % CI)"]

    def row(label: str, text: str) -> None:
        lines.append(f"  {label:<34}{text}")

    if g["wait_mean_min"] is not None:
        w, p90, top = g["wait_mean_min"], g["wait_p90_min"], g["wait_max_min"]
        row("wait from arrival to the table", f"{w['mean']:.0f} min "
            f"({_range(w['ci95_low'], w['ci95_high'], 0)}) for those who crossed")
        row("  9 in 10 waited less than", f"{p90['mean']:.0f} min; the longest wait "
            f"{top['mean']:.0f} min")
    u = g["table_utilisation"]
    row("tables busy in the open window", f"{100 * u['mean']:.1f} % "
        f"({_range(100 * u['ci95_low'], 100 * u['ci95_high'], 1, ' %')})")
    q = g["queued_at_closing"]
    row("people queued at closing", f"{q['mean']:.1f} ({_range(q['ci95_low'], q['ci95_high'], 1)})")
    for key, label in (("first_crossing", "first crossing"), ("last_crossing", "last crossing"),
                       ("first_bus_departure", "first bus left"),
                       ("last_bus_departure", "last bus left")):
        t = times[key]
        if t is not None:
            row(label, f"{t['mean_clock']} ({t['ci95_low_clock']}-{t['ci95_high_clock']}); "
                f"5-95 % of nights {t['q05_clock']}-{t['q95_clock']}")
    busiest = times["busiest_hour"]
    if busiest is not None:
        start = busiest["most_often_clock"]
        row("busiest hour of crossings", f"{start} to the next hour on "
            f"{100 * busiest['most_often_share']:.0f} % of nights; after midnight on "
            f"{100 * busiest['share_after_midnight']:.0f} %")
    return lines


def _pct(share: float) -> str:
    return f"{100 * share:.1f} %"


def _range(low: float, high: float, digits: int, unit: str = "") -> str:
    if math.isnan(low):
        return "n/a"
    return f"{low:.{digits}f} - {high:.{digits}f}{unit}"


def _where(obs: dict[str, Any]) -> str:
    pct, share = obs["percentile"], obs["p_at_most"]
    if pct <= 0:
        return f"every simulated night had more than {obs['crossed']} crossing"
    if pct >= 100:
        return f"every simulated night had fewer than {obs['crossed']} crossing"
    return (f"at the {ordinal(round(pct))} percentile of simulated nights "
            f"({100 * share:.0f} % had {obs['crossed']} or fewer)")


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``23rd``, ``11th``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def render_sweep(summaries: list[dict[str, Any]], keys: list[str],
                 elapsed: float | None = None) -> str:
    """A sweep's points as a table: each point's values and its crossings."""
    first = summaries[0]
    reps = sorted({s["replications"] for s in summaries})
    reps_text = str(reps[0]) if len(reps) == 1 else f"{reps[0]}-{reps[-1]}"
    head = (f"{first['scenario']}: {len(summaries)} points x {reps_text} replications, "
            f"seed {first['seed']}" + (f", {elapsed:.1f} s" if elapsed is not None else ""))
    observed = first["observed"]["crossed"] if first["observed"] else None
    columns = [*keys, "crossed (95 % CI)", "share", "5-95 %",
               *([f"P(<= {observed})"] if observed is not None else [])]
    paired = "difference" in first
    if paired:
        columns.append(f"change from point {first['difference']['reference']} (95 % CI)")
    rows = []
    for s in summaries:
        c, sh = s["crossed"], s["crossed_share"]
        rows.append([
            *(_cell(s["values"].get(k)) for k in keys),
            f"{c['mean']:.1f} ({_range(c['ci95_low'], c['ci95_high'], 1)})",
            _pct(sh["mean"]),
            _range(c["q05"], c["q95"], 0),
            *([f"{s['observed']['p_at_most']:.2f}"] if observed is not None else []),
            *([_change(s["difference"], s["point"])] if paired else []),
        ])
    widths = [max(len(col), *(len(r[i]) for r in rows)) for i, col in enumerate(columns)]
    lines = [head, "", "  ".join(col.rjust(w) for col, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _change(difference: dict[str, Any], point: int) -> str:
    """A point's paired difference in crossed from the reference point, for the table."""
    if point == difference["reference"]:
        return "(reference)"
    d = difference["crossed"]
    return f"{d['mean']:+.1f} ({d['ci95_low']:+.1f} to {d['ci95_high']:+.1f})"


def _cell(value: object) -> str:
    if isinstance(value, str):
        return value if "/" not in value and "\\" not in value else value.rsplit("/", 1)[-1]
    return str(value)
