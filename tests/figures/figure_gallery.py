"""The figure gallery: every figure kind drawn from small STORED results folders, as the
reference images of the image tests (tests/figures/test_images.py) and as docs/figures.md.

Regenerate after a deliberate change to a figure (then look at the images, and commit them)::

    .venv/bin/python tests/figures/figure_gallery.py           # references, docs/images, docs
    .venv/bin/python tests/figures/figure_gallery.py --rerun   # first run the stored folders again

The stored folders (tests/figures/data/) are kept without their batch files; they change only
with ``--rerun``, so a change to the model elsewhere does not move the images.
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from matplotlib import style
from matplotlib.figure import Figure

from crossing_sim import figures
from crossing_sim.figures.analysis import pairs_figure, predictive_figure, ranking_figure
from crossing_sim.figures.style import STYLE
from crossing_sim.results.reader import load_results

HERE: Final = Path(__file__).resolve().parent
ROOT: Final = HERE.parents[1]
DATA: Final = HERE / "data"
REFERENCES: Final = HERE / "references"
DOCS: Final = ROOT / "docs"
IMAGES: Final = DOCS / "images"
#: The resolution of the reference images (small: fast to draw and compare).
TEST_DPI: Final = 40
#: The gallery's images are this many pixels wide (what a projector shows).
DOCS_WIDTH: Final = 1500
COMMAND: Final = ".venv/bin/python tests/figures/figure_gallery.py"

#: The stored results folders, and the commands that made them (from the repository root).
FOLDERS: Final = {
    "run": ["run", "scenarios/baseline.toml", "--reps", "40"],
    "compare": ["compare", "scenarios/baseline.toml", "scenarios/two_tables.toml",
                "scenarios/gate_earlier.toml", "--reps", "40"],
    "sweep1": ["sweep", "scenarios/baseline.toml", "--vary", "gate.lanes=1,2,3", "--reps", "20"],
    "sweep2": ["sweep", "scenarios/baseline.toml", "--vary", "gate.lanes=1,2",
               "--vary", "gate.close=01:00,02:00,03:00,04:00", "--reps", "20"],
}


#: The analyses, as Python objects pickled by ``--rerun`` (they have no reader of their own).
ANALYSES: Final = ("calibration", "morris", "sobol")


@dataclass(frozen=True)
class Entry:
    """One figure of the gallery: its name, how it is drawn, and how to read it."""

    name: str
    title: str
    command: str
    draw: Callable[[dict[str, Any]], Figure]
    text: str


GALLERY: Final = (
    Entry("flow", "The cumulative flow diagram", "crossing-sim plot RUN --kind flow",
          lambda r: figures.flow(r["run"]),
          "Two rising curves over clock time: the people who had reached the gate (orange) and "
          "those who had crossed it (blue), each the mean over the simulated nights with the "
          "5-95 % of nights as a band. The **vertical gap** between them is the queue at that "
          "moment, the **horizontal gap** how long someone arriving then waited (first come, "
          "first served); both are drawn once, where the queue is longest. The grey span is "
          "the gate's window; the green curve counts people on buses that had left (the gap "
          "to the blue curve is the holding area), a triangle on the time axis marks each "
          "bus's median departure. At closing, the bracket between the curves is the people "
          "turned away, and the rise of the orange curve after closing (bracket on the right) "
          "those who came too late, each with its mean and 95 % CI. The diamond is the "
          "observed count, at closing, when it was counted (none if the scenario states none)."),
    Entry("flow-compare", "Flow diagrams side by side", "crossing-sim plot COMPARE --kind flow",
          lambda r: figures.flow(r["compare"]),
          "The same diagram for each scenario of a comparison (or `--compare` folders, or some "
          "points of a sweep), one panel each on the same axes so no curve hides another. "
          "Read across: where the blue curve bends flat (the table keeps up with arrivals), "
          "how large the gap at closing is, and where each ends against the diamond."),
    Entry("throughput", "Crossings only, overlaid", "crossing-sim plot RUN --kind throughput",
          lambda r: figures.throughput(r["compare"]),
          "Cumulative crossings of several scenarios on one axis (mean lines, 5-95 % bands), "
          "each in its colour and line style so that lines that coincide stay visible. Each "
          "scenario's gate window is marked by lines in its colour when the windows differ."),
    Entry("queue", "At the gate and behind it", "crossing-sim plot RUN --kind queue",
          lambda r: figures.queue(r["compare"]),
          "Top: people waiting at the gate (mean, 5-95 % band). Bottom: people who had "
          "crossed but were not yet on a bus that had left (the mean; a band of a difference "
          "cannot be read from the stored bands), i.e. the holding area plus buses loading."),
    Entry("fates", "Where the expected people went", "crossing-sim plot RUN --kind fates",
          lambda r: figures.fates(r["run"]),
          "A waterfall from those expected to those who crossed: each bar below the first "
          "is what one step of the night lost (mean people per night), grouped by where it "
          "happened (before setting out, on the way, at the gate); the last bars split those "
          "who crossed into those on buses that left and those still waiting."),
    Entry("distribution", "People who crossed, night by night",
          "crossing-sim plot RUN --kind distribution",
          lambda r: figures.distribution(r["run"]),
          "A histogram of the crossed count over the simulated nights (the bars add up to "
          "100 %), the mean with its 95 % CI, and the observed count with where it falls "
          "among the nights (its percentile)."),
    Entry("waits", "How long people waited", "crossing-sim plot RUN --kind waits",
          lambda r: figures.waits(r["run"]),
          "The waiting time from reaching the gate to screening, of those who crossed. The "
          "results hold three numbers per night (the mean wait, the 90th percentile and the "
          "longest wait), not every person's wait, so each panel is a histogram over nights "
          "of one of them, with its mean and 95 % CI. The wait of a person arriving at a "
          "given time is the horizontal gap of the flow diagram."),
    Entry("buses", "The buses", "crossing-sim plot RUN --kind buses",
          lambda r: figures.buses(r["run"]),
          "Each bus: when it started loading, when it was full and when it left (medians "
          "over the nights it was used, the departure with its 5-95 % of nights), and the "
          "people aboard, against the seats."),
    Entry("difference", "What a change gains, night by night",
          "crossing-sim plot COMPARE --kind difference",
          lambda r: figures.difference(r["compare"]),
          "A compare folder (or a sweep with a reference point): each scenario's crossings "
          "minus the reference's on the same simulated night (the same random numbers). "
          "Left: the mean difference with its 95 % CI (the numbers written), over the 5-95 % "
          "of the nights' differences (the light bar). Right: the share of nights on which "
          "more crossed, the same, and fewer. A CI clear of zero is a real effect; the right "
          "panel says how reliably it shows on a single night."),
    Entry("difference-sweep", "A sweep's differences from its reference point",
          "crossing-sim plot SWEEP --kind difference",
          lambda r: figures.difference(r["sweep2"]),
          "The same for a sweep: every point against the sweep's reference point."),
    Entry("sweep-line", "A sweep over one factor", "crossing-sim plot SWEEP --kind sweep",
          lambda r: figures.sweep(r["sweep1"]),
          "The share of the expected who crossed against the factor: the mean with its 95 % "
          "CI and the 5-95 % of nights, next to the observed share (a dashed line)."),
    Entry("sweep-map", "A sweep over two factors", "crossing-sim plot SWEEP --kind sweep",
          lambda r: figures.sweep(r["sweep2"]),
          "A heat map of the mean share crossed over two factors, each cell with its mean and "
          "95 % CI written in it; cells whose CI contains the observed share are outlined "
          "(none drawn when the scenario states no observed count). Whole-number factors are "
          "cells, not interpolated between."),
    Entry("calibration-pairs", "What a calibration learned",
          "crossing-sim calibrate SCENARIO --priors PRIORS",
          lambda r: pairs_figure(r["calibration"]),
          "Approximate Bayesian computation: parameter sets drawn from the priors (grey), one "
          "night each, and those kept because their night came closest to the observed count "
          "(blue). On the diagonal each key's prior and posterior as densities (the prior's "
          "outline stays visible); below it the pairs. A posterior narrower than its prior "
          "means the observation says something about that key; the cross and the red line "
          "are the calibrated value (the posterior median). Here from a small run (few "
          "draws), so the histograms are rough."),
    Entry("calibration-predictive", "Does the calibrated model reproduce the night?",
          "crossing-sim calibrate SCENARIO --priors PRIORS",
          lambda r: predictive_figure(r["calibration"]),
          "New nights of the kept parameter sets (the posterior predictive, blue, with its "
          "90 % interval shaded), the calibrated scenario's own nights (black outline) and "
          "the observed value (dashed). The observed value should sit well inside the "
          "interval."),
    Entry("sensitivity-morris", "What drives the share crossed: Morris",
          "crossing-sim sensitivity SCENARIO --ranges RANGES",
          lambda r: ranking_figure(r["morris"]),
          "Morris elementary effects: for each key, the mean absolute change of the crossed "
          "share (in percentage points) when the key takes one step across its range, with "
          "its 95 % CI. The dummy key changes nothing: its bar is the noise floor, and keys "
          "no longer than it have no effect the analysis can see."),
    Entry("sensitivity-sobol", "What drives the share crossed: Sobol",
          "crossing-sim sensitivity SCENARIO --ranges RANGES --method sobol",
          lambda r: ranking_figure(r["sobol"]),
          "Sobol indices: the share of the crossed share's variance due to each key, alone "
          "(first order S1, light) and with its interactions (total order ST, dark), each "
          "with its 95 % CI. With few samples, as here, the intervals are wide."),
)


def folders() -> dict[str, Any]:
    """The stored results folders, read, and the stored analyses."""
    stored: dict[str, Any] = {name: load_results(DATA / name) for name in FOLDERS}
    for name in ANALYSES:
        with (DATA / f"{name}.pickle").open("rb") as file:
            stored[name] = pickle.load(file)  # written by rerun() below
    return stored


def save(fig: Figure, path: Path, dpi: float) -> None:
    with style.context(STYLE):
        fig.savefig(path, dpi=dpi, metadata={"Software": None})


def rerun() -> None:
    """Run the stored folders again (without their batch files)."""
    for name, args in FOLDERS.items():
        target = DATA / name
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "crossing_sim", *args, "--out", str(target)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(target / "batches", ignore_errors=True)
    from crossing_sim.analysis.calibration import Settings, calibrate
    from crossing_sim.analysis.parameters import read_priors, read_ranges
    from crossing_sim.analysis.sensitivity import sensitivity
    from crossing_sim.scenario.loading import load_scenario

    base = ROOT / "scenarios" / "baseline.toml"
    made = {
        "calibration": calibrate(base, read_priors(ROOT / "scenarios" / "priors.toml"),
                                 load_scenario(base).observed.facts(),
                                 Settings(population=60, generations=2, rows=200,
                                          predictive=200)),
        "morris": sensitivity(base, read_ranges(ROOT / "scenarios" / "ranges.toml"), "morris",
                              samples=8, reps=4),
        "sobol": sensitivity(base, read_ranges(ROOT / "scenarios" / "ranges.toml"), "sobol",
                             samples=32, reps=2),
    }
    for name, result in made.items():
        (DATA / f"{name}.pickle").write_bytes(pickle.dumps(result))


#: The animation's frames shown in the gallery (clock times of the baseline night).
FRAMES: Final = ("21:40", "02:30", "03:35")


def animation_frames() -> list[Path]:
    """Three frames of the animated night (replication 0 of the baseline): the model runs,
    so these are in the gallery only, not among the image tests' references."""
    from crossing_sim import load_scenario, replication_streams, simulate
    from crossing_sim.figures.animation import animation, prepare_night

    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    outcome = simulate(scenario, replication_streams(2018, 0))
    anim = animation(scenario, outcome, step=5)
    clocks = (scenario.start_clock + prepare_night(scenario, outcome, 5).frames) % 1440
    written = []
    for text in FRAMES:
        hours, minutes = (int(part) for part in text.split(":"))
        frame = int(abs(clocks - (60 * hours + minutes)).argmin())
        anim._func(frame)  # type: ignore[attr-defined]  # draw that frame
        path = IMAGES / f"animation-{hours:02d}{minutes:02d}.png"
        save(anim._fig, path, 100)  # type: ignore[attr-defined]
        written.append(path)
    anim._draw_was_started = True  # type: ignore[attr-defined]  # no warning: it was drawn
    return written


def gallery_markdown() -> str:
    lines = ["# The figures", "",
             "Every figure `crossing-sim plot` draws, from small results folders stored with "
             "the tests (tests/figures/data/: the baseline, a comparison, two sweeps, few "
             "nights each, so the bands are wider than in a real run). In Python each is a "
             "function of `crossing_sim.figures` of the same name (`figures.flow(results)`).",
             "", f"This page and its images are generated by `{COMMAND}` (add `--rerun` to run "
             "the stored folders again); the same images, smaller, are the references of the "
             "image tests (tests/figures/test_images.py).", ""]
    lines += [f"- [{e.title}](#{e.name})" for e in GALLERY]
    lines.append("- [The animated night](#animation)")
    for e in GALLERY:
        lines += ["", f'<a id="{e.name}"></a>', "", f"## {e.title}", "", f"`{e.command}`", "",
                  e.text, "", f"![{e.title}](images/figure-{e.name}.png)"]
    lines += ["", '<a id="animation"></a>', "", "## The animated night", "",
              "`crossing-sim animate scenarios/baseline.toml --file night.gif`", "",
              "One simulated night (not a summary of many): on the left every family on its "
              "route, drawn to its length in km from the gate, a dot sized by the family, "
              "hollow once the gate has closed (it will arrive too late), a cross where one "
              "was stopped or its road cut; top right the people waiting, at the table, "
              "crossed and waiting for a bus, turned away or too late, and the running count "
              "of crossings against the observed count (the dashed mark); bottom right the "
              "buses filling and, grey, gone. Three frames of the baseline's first night:", ""]
    lines += [f"![the night at {t}](images/animation-{t.replace(':', '')}.png)"
              for t in FRAMES]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    if "--rerun" in argv:
        rerun()
    results = folders()
    REFERENCES.mkdir(exist_ok=True)
    IMAGES.mkdir(exist_ok=True)
    for e in GALLERY:
        fig = e.draw(results)
        save(fig, REFERENCES / f"{e.name}.png", TEST_DPI)
        save(fig, IMAGES / f"figure-{e.name}.png", DOCS_WIDTH / fig.get_figwidth())
        print(f"{e.name}: {REFERENCES / e.name}.png, {IMAGES}/figure-{e.name}.png")
    for path in animation_frames():
        print(f"animation: {path}")
    (DOCS / "figures.md").write_text(gallery_markdown(), encoding="utf-8")
    print(f"gallery: {DOCS / 'figures.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
