"""A calibration on disk: its results folder, its posterior sample, the calibrated scenario.

:func:`write` writes the folder's tables, JSON and TOML (its figures are drawn by
:mod:`crossing_sim.figures.analysis`). :func:`calibrated_toml` is the calibrated scenario: a
file that extends the scenario calibrated and names the posterior sample, so that each of
its nights draws its values from the posterior (:mod:`crossing_sim.experiment.posterior`).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import tomli_w

from crossing_sim.analysis.calibration import SEEDING, Calibration
from crossing_sim.experiment.posterior import posterior_csv
from crossing_sim.results.claim import build
from crossing_sim.results.provenance import provenance
from crossing_sim.results.store import json_bytes
from crossing_sim.scenario.loading import parse_override
from crossing_sim.version import package_version

__all__ = ["DISTANCE", "FILES", "calibrated_toml", "contents", "libraries", "sample_name",
           "write"]

#: The files :func:`write` writes into a calibration's folder, in order.
FILES: Final = ("manifest.json", "priors.toml", "posterior.csv", "particles.csv",
                "predictive.csv", "posterior.json", "calibrated.toml")
#: The distance, in words (the manifest records it).
DISTANCE: Final = (
    "each fact's excess: 0 inside its interval (or on its count), else the gap to the nearer "
    "end in its unit (people, buses, minutes), a missing value 1440; combined by "
    "pyabc.AdaptivePNormDistance(p=2), each fact weighted by 1 / max(1, the root mean square "
    "of its excess over the generation's nights, all proposals), weights at most 100 x the "
    "smallest")


def libraries() -> dict[str, str]:
    """The versions of the libraries a calibration ran on."""
    import numpy as np
    import pyabc
    import scipy

    return {"pyabc": pyabc.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
            "crossing-sim": package_version()}


def sample_name(scenario_file: Path) -> str:
    """The posterior sample written beside a calibrated scenario file."""
    return f"{scenario_file.stem}_posterior.csv"


def calibrated_toml(result: Calibration, path: Path, sample: str, command: Sequence[str] = (),
                    priors_file: str = "") -> str:
    """The calibrated scenario, to be written at ``path``: it extends the calibrated one and
    names the posterior sample ``sample`` (a path relative to ``path``)."""
    s = result.settings
    base = Path(os.path.relpath(result.scenario.resolve(), path.resolve().parent)).as_posix()
    facts = ", ".join(f"{k} {f.describe()}" for k, f in result.facts.items())
    lines = [
        f"# Calibrated by ABC-SMC (pyabc) against the facts: {facts}.",
        f"# Each night draws its values of {len(result.priors)} keys from the posterior "
        f"sample {sample};",
        "# the rest is as in the scenario it extends.",
        f"# Made by: {' '.join(command) if command else 'crossing_sim.analysis.calibration'}",
        f"# Priors ({priors_file or 'as given'}):",
        *(f"#   \"{p.key}\" = {p.describe()}" for p in result.priors),
        f"# {s.population} particles a generation, {len(result.main.fit.generations)} "
        f"generations, {result.main.fit.nights} nights; seed {s.seed}.",
        f"# Made on {datetime.now(UTC).date().isoformat()} (crossing-sim "
        f"{package_version()}). See docs/calibration.md.",
        "",
        f"extends = {_toml(base)}",
        f"name = {_toml(path.stem)}",
        f"description = {_toml(f'The {result.scenario.stem} scenario over its posterior')}",
        f"posterior = {_toml(sample)}",
    ]
    sections: dict[tuple[str, ...], list[str]] = {}
    for text in result.overrides:
        parts, value = parse_override(text)
        sections.setdefault(parts[:-1], []).append(
            f"{_key(parts[-1])} = {_toml(value)}   # --set")
    for table, entries in sections.items():
        if table:
            lines += ["", f"[{'.'.join(_key(t) for t in table)}]"]
        lines += entries
    return "\n".join(lines) + "\n"


def _key(part: str) -> str:
    return part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else _toml(part)


def _toml(value: object) -> str:
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def manifest(result: Calibration, command: Sequence[str], priors_file: str) -> dict[str, Any]:
    """What the manifest records: priors, facts, distance, method, libraries, settings."""
    s = result.settings
    return {
        **provenance(seeding=SEEDING), "kind": "calibrate", "command": list(command),
        "scenario": str(result.scenario), "overrides": list(result.overrides),
        "priors_file": priors_file,
        "priors": {p.key: p.written for p in result.priors},
        "facts": {k: {"observed": f.describe(), "unit": f.unit, "low": _finite(f.low),
                      "high": _finite(f.high)} for k, f in result.facts.items()},
        "method": "ABC-SMC (pyabc.ABCSMC: MedianEpsilon, MultivariateNormalTransition), one "
                  "night per particle; held-out fits on the counts and on the timing facts",
        "distance": DISTANCE, "libraries": libraries(),
        "settings": {"population": s.population, "generations": s.generations,
                     "min_acceptance": s.min_acceptance, "max_nights": s.max_nights,
                     "rows": s.rows, "predictive": s.predictive, "holdout": s.holdout,
                     "seed": s.seed},
        "fits": {c.name: {"facts": c.used, "nights": c.fit.nights,
                          "generations": [{"t": g.t, "epsilon": g.epsilon, "nights": g.nights,
                                           "weights": g.weights}
                                          for g in c.fit.generations]}
                 for c in result.checks},
        "nights": result.nights}


def contents(result: Calibration, folder: Path, command: Sequence[str] = (),
             priors_text: str = "", priors_file: str = "") -> dict[str, bytes]:
    """A calibration's files (:data:`FILES`), by name, for a folder to be at ``folder``."""
    sample = result.sample()
    return dict(zip(FILES, (
        json_bytes(manifest(result, command, priors_file)),
        priors_text.encode(),
        posterior_csv(sample.keys, sample.rows).encode(),
        _particles_csv(result),
        _predictive_csv(result),
        json_bytes({"posterior": result.posterior(),
                    "predictive": result.predictive_summary()}),
        calibrated_toml(result, folder / FILES[6], FILES[2], command, priors_file).encode(),
    ), strict=True))


def write(result: Calibration, folder: Path, command: Sequence[str] = (),
          priors_text: str = "", priors_file: str = "") -> list[Path]:
    """Write a calibration's folder (it must not exist or be empty), whole or not at all
    (:func:`crossing_sim.results.claim.build`). Returns the files."""
    with build(folder) as made:
        made.write(contents(result, folder, command, priors_text, priors_file))
        made.place()
    return [folder / name for name in FILES]


def _particles_csv(result: Calibration) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["fit", *result.keys, "weight"])
    for check in result.checks:
        for row, w in zip(check.fit.particles, check.fit.weights, strict=True):
            writer.writerow([check.name, *(f"{v:.6g}" for v in row), f"{w:.6g}"])
    return buffer.getvalue().encode()


def _predictive_csv(result: Calibration) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["fit", "night", *result.facts])
    for check in result.checks:
        for i, row in enumerate(check.predictive):
            writer.writerow([check.name, i, *("" if math.isnan(v) else f"{v:g}" for v in row)])
    return buffer.getvalue().encode()
