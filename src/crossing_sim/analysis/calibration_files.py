"""A calibration on disk: its results folder, and the calibrated scenario as a TOML file.

:func:`write` writes the folder's tables, JSON and TOML (its figures are drawn by
:mod:`crossing_sim.figures.analysis`); :func:`calibrated_toml` is the calibrated scenario, a
file that extends the scenario calibrated and sets each key to its posterior median.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import tomli_w

from crossing_sim.analysis.calibration import SEEDING, BoolArray, Calibration
from crossing_sim.analysis.parameters import show_number
from crossing_sim.results.provenance import provenance
from crossing_sim.results.store import new_folder, write_atomic, write_json
from crossing_sim.scenario.loading import parse_override
from crossing_sim.version import package_version

__all__ = ["FILES", "calibrated_toml", "write"]

#: The files :func:`write` writes into a calibration's folder, in order.
FILES: Final = ("manifest.json", "priors.toml", "draws.csv", "accepted.csv",
                "predictive.csv", "posterior.json", "calibrated.toml")


def calibrated_toml(result: Calibration, path: Path, command: Sequence[str] = (),
                    priors_file: str = "") -> str:
    """The calibrated scenario, to be written at ``path``: it extends the calibrated one and
    sets each key to its posterior median; comments say how it was made."""
    s = result.settings
    base = Path(os.path.relpath(result.scenario.resolve(), path.resolve().parent)).as_posix()
    kept = int(result.accepted.sum())
    rule = (f"distance <= {result.tolerance:g}" if s.tolerance is not None else
            f"the closest {100 * s.accept:g} % of the draws (distance <= {result.tolerance:.3g})")
    observed = ", ".join(f"{o.name} = {o.value:g}" for o in result.observed)
    lines = [
        f"# Calibrated by approximate Bayesian computation (rejection) against {observed}.",
        "# Each key below is its posterior median; the rest is as in the scenario it extends.",
        f"# Made by: {' '.join(command) if command else 'crossing_sim.analysis.calibration'}",
        f"# Priors ({priors_file or 'as given'}):",
        *(f"#   \"{p.key}\" = {p.describe()}" for p in result.priors),
        f"# Samples: {s.samples} draws, one night each; seed {s.seed}; kept {kept}: {rule}.",
        f"# Made on {datetime.now(UTC).date().isoformat()} (crossing-sim "
        f"{package_version()}). See docs/calibration.md.",
        "",
        f"extends = {_toml(base)}",
        f"name = {_toml(path.stem)}",
        f"description = {_toml(f'The {result.scenario.stem} scenario calibrated to {observed}')}",
    ]
    post = {row["key"]: row["posterior"] for row in result.posterior()}
    sections: dict[tuple[str, ...], list[str]] = {}
    for text in result.overrides:
        parts, value = parse_override(text)
        sections.setdefault(parts[:-1], []).append(
            f"{_key(parts[-1])} = {_toml(value)}   # --set")
    for prior in result.priors:
        parts = tuple(prior.key.split("."))
        p = post[prior.key]
        note = (f"posterior median; 90 % interval {show_number(prior.scale, p['q05'])} - "
                f"{show_number(prior.scale, p['q95'])}")
        sections.setdefault(parts[:-1], []).append(
            f"{_key(parts[-1])} = {_toml(result.calibrated[prior.key])}   # {note}")
    for table, entries in sections.items():
        if table:
            lines += ["", f"[{'.'.join(_key(t) for t in table)}]"]
        lines += entries
    return "\n".join(lines) + "\n"


def _key(part: str) -> str:
    return part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else _toml(part)


def _toml(value: object) -> str:
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def write(result: Calibration, folder: Path, command: Sequence[str] = (),
          priors_text: str = "", priors_file: str = "") -> list[Path]:
    """Write a calibration's folder (it must not exist or be empty): its manifest, priors,
    draws, predictive nights, posterior and calibrated scenario. Returns the files."""
    new_folder(folder)
    files = [folder / name for name in FILES]
    s = result.settings
    write_json(files[0], {
        **provenance(seeding=SEEDING), "kind": "calibrate",
        "command": list(command), "scenario": str(result.scenario),
        "overrides": list(result.overrides), "priors_file": priors_file,
        "priors": {p.key: p.written for p in result.priors},
        "observed": {o.name: o.value for o in result.observed},
        "method": "ABC rejection, one night per draw",
        "samples": s.samples, "seed": s.seed, "accept": s.accept,
        "tolerance_given": s.tolerance, "tolerance": result.tolerance,
        "distance": "|simulated - observed|" if len(result.observed) == 1 else
                    "Euclidean, each statistic divided by 1.4826 MAD over the draws",
        "scales": result.scales.tolist(),
        "runs": result.runs})
    write_atomic(files[1], priors_text.encode())
    write_atomic(files[2], _draws_csv(result, np.ones(len(result.draws), dtype=bool)))
    write_atomic(files[3], _draws_csv(result, result.accepted))
    write_atomic(files[4], _predictive_csv(result))
    write_json(files[5], {"tolerance": result.tolerance, "accepted": int(result.accepted.sum()),
                          "samples": s.samples, "posterior": result.posterior(),
                          "predictive": result.predictive_summary()})
    write_atomic(files[6], calibrated_toml(result, files[6], command, priors_file).encode())
    return files


def _draws_csv(result: Calibration, rows: BoolArray) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["draw", *result.keys, *(o.name for o in result.observed), "distance",
                     "accepted"])
    for i in np.flatnonzero(rows):
        writer.writerow([int(i), *(f"{v:.6g}" for v in result.draws[i]),
                         *(f"{v:g}" for v in result.stats[i]), f"{result.distance[i]:.6g}",
                         int(result.accepted[i])])
    return buffer.getvalue().encode()


def _predictive_csv(result: Calibration) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["draw", *(o.name for o in result.observed)])
    for draw, row in zip(result.predictive_draw, result.predictive, strict=True):
        writer.writerow([int(draw), *(f"{v:g}" for v in row)])
    return buffer.getvalue().encode()
