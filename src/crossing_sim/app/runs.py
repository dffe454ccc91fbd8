"""Running a setting: the starting scenario plus overrides, over N nights, to a results folder.

Every setting runs alone with the page's seed, exactly as ``crossing-sim run FILE --reps N
--seed S`` runs its downloaded file: night ``i`` of any setting sees the same random numbers
as night ``i`` of the start (common random numbers), so two folders of the same seed are
paired night by night and their difference is the change's effect.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from crossing_sim.errors import CrossingSimError
from crossing_sim.experiment.compare import Difference, compare_stored, stored_measures
from crossing_sim.experiment.design import Design
from crossing_sim.experiment.executors import SerialExecutor
from crossing_sim.experiment.replications import Task
from crossing_sim.experiment.run import Plan
from crossing_sim.experiment.statistics import Estimate, estimate
from crossing_sim.experiment.sweep import Point, default_sweep_dir, execute, prepare, spec_of
from crossing_sim.results.batches import Batch, Packed
from crossing_sim.results.reader import load_results
from crossing_sim.scenario.catalog import builtin_file, catalog
from crossing_sim.scenario.spec import Scenario

__all__ = ["CLI_FLAGS", "Setting", "Start", "builtin_names", "estimates_of", "in_words",
           "message", "paired", "prepare_setting", "run_setting"]

Progress = Callable[[float], object]


@dataclass(frozen=True)
class Start:
    """Where a setting starts from: a built-in scenario by name, or an uploaded file's text."""

    name: str  # the built-in's name, or the uploaded file's name
    text: str | None = None  # the uploaded file's text (None: a built-in)

    def path(self, folder: Path) -> Path:
        """The file to load: the built-in, or the upload written under ``folder``."""
        if self.text is None:
            found = builtin_file(self.name)
            return found if found is not None else Path(self.name)
        digest = hashlib.sha256(self.text.encode()).hexdigest()[:12]
        here = folder / "uploads" / digest / Path(self.name).name
        here.parent.mkdir(parents=True, exist_ok=True)
        if not here.is_file():
            here.write_text(self.text, encoding="utf-8")
        return here


@dataclass(frozen=True)
class Setting:
    """A start plus overrides, resolved and checked."""

    start: Start
    overrides: tuple[str, ...]
    point: Point

    @property
    def scenario(self) -> Scenario:
        return self.point.scenario

    def toml(self, reps: int, seed: int) -> str:
        """The setting as one self-contained scenario file, with the command that
        reproduces the page's numbers."""
        changes = "; ".join(self.overrides) or "none"
        head = (f"# {self.scenario.name}: made in crossing-sim app from {self.start.name}\n"
                f"# changes: {changes}\n"
                f"# the page's numbers: crossing-sim run THIS_FILE --reps {reps} "
                f"--seed {seed}\n\n")
        return head + self.point.resolved.to_toml()


def builtin_names() -> list[str]:
    """The built-in scenarios, by name (baseline first)."""
    names = [e.name for e in catalog() if e.kind == "scenario"]
    return sorted(names, key=lambda n: (n != "baseline", n))


def prepare_setting(start: Start, overrides: Sequence[str], folder: Path,
                    seed: int) -> Setting:
    """Resolve and validate a setting; raises CrossingSimError (see :func:`message`).

    A setting with changes is run from its own resolved file (the file the page downloads),
    so its results folder holds one plain scenario, not a start plus overrides.
    """
    point = prepare(start.path(folder), list(overrides), seed=seed)[0]
    if overrides:
        text = point.resolved.to_toml()
        own = folder / "settings" / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.toml"
        own.parent.mkdir(parents=True, exist_ok=True)
        if not own.is_file():
            own.write_text(text, encoding="utf-8")
        point = prepare(own, seed=seed)[0]
    return Setting(start, tuple(overrides), point)


class _Counting:
    """An executor that reports the share of replications done after each batch."""

    workers = 1

    def __init__(self, total: int, on_progress: Progress | None) -> None:
        self._inner = SerialExecutor()
        self._total = max(1, total)
        self._done = 0
        self._on_progress = on_progress

    def run(self, scenarios: Sequence[Scenario], seed: int,
            tasks: Iterable[Task]) -> Iterator[Batch | Packed]:
        for batch in self._inner.run(scenarios, seed, tasks):
            self._done += len(batch)
            if self._on_progress is not None:
                self._on_progress(min(1.0, self._done / self._total))
            yield batch

    def rest(self) -> None:
        self._inner.rest()

    def close(self) -> None:
        self._inner.close()


def run_setting(setting: Setting, reps: int, seed: int, root: Path,
                on_progress: Progress | None = None) -> Path:
    """Run the setting's nights into a folder under ``root`` (the same setting, nights and
    seed always go to the same folder, and a finished folder is not run again)."""
    plan = Plan([setting.scenario], seed, reps)
    spec = spec_of("run", [setting.point], plan, [], Design())
    out = default_sweep_dir([setting.point], spec, root)
    execute([setting.point], plan, spec, _Counting(reps, on_progress), out, ["crossing-sim app"])
    if on_progress is not None:
        on_progress(1.0)
    return out


def paired(start: Path, other: Path) -> Difference:
    """The paired difference OTHER - START in people crossed, night by night."""
    comparison = compare_stored([load_results(start), load_results(other)])
    return Difference(**comparison["others"][0]["differences"]["crossed"])


def in_words(d: Difference) -> str:
    """The difference in plain words: "about 45 more people, between 41 and 49"."""
    if d.nights < 2 or d.ci95_low != d.ci95_low:  # NaN: too few nights to say
        return f"run at least 2 nights to compare ({d.nights} so far)"
    if d.ci95_low == d.ci95_high == d.mean == 0:
        return "exactly the same number of people crossed on every night"
    low, high = sorted((d.ci95_low, d.ci95_high))
    sure = f"(95 % confidence, {d.nights} paired nights)"
    if round(d.mean) == 0 and round(low) == 0 and round(high) == 0:
        return f"no difference to speak of: within one person either way {sure}"
    if low < 0 < high:  # no change at all is within the interval too
        either = f"between {round(-low)} fewer and {round(high)} more"
        if round(d.mean) == 0:
            return f"about the same number crossed a night: {either} {sure}"
        return (f"{_about(d.mean)} crossed a night, {either}, so it could go either way "
                f"{sure}")
    span = sorted((round(abs(low)), round(abs(high))))
    return f"{_about(d.mean)} crossed a night, between {span[0]} and {span[1]} {sure}"


def _about(mean: float) -> str:
    """"about 45 more people", "about 1 fewer person"."""
    whole = round(abs(mean))
    return (f"about {whole} {'more' if mean > 0 else 'fewer'} "
            f"{'person' if whole == 1 else 'people'}")


#: How the command line names the library's parameters (as ``crossing_sim.cli.common.FLAGS``).
CLI_FLAGS: Final = {"as_json": "--json", "overrides": "--set", "varies": "--vary"}


def message(exc: CrossingSimError, start: Start, folder: Path) -> str:
    """The error as the command line words it; an uploaded file is named by its own name,
    as if it were given to ``crossing-sim run`` in its own folder."""
    text = exc.for_cli(CLI_FLAGS)
    if start.text is not None:
        text = text.replace(str(start.path(folder).parent) + os.sep, "")
    return text


def estimates_of(folder: Path) -> dict[str, Estimate]:
    """Mean and 95 % CI of people crossed and of people safely across (left on a bus)."""
    _, values = stored_measures(load_results(folder).point(0))
    return {name: estimate(values[name]) for name in ("crossed", "left_by_bus")}
