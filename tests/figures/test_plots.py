"""Figures: each is rendered with Agg from small stored results and its content checked."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection, QuadMesh
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from conftest import invoke
from crossing_sim import figures
from crossing_sim.errors import ResultsError
from crossing_sim.figures.axes import DAY0
from crossing_sim.figures.style import PALETTE, STYLE
from crossing_sim.model.fates import Fate
from crossing_sim.results.reader import Results, load_results, read_table

#: The what-if's label: its name, and what --set changed (the new name shows itself).
WHATIF = "two_lanes (gate.lanes=2)"

SMALL = """\
name = "small"
description = "a small night for figure tests"
[population]
expected = 40
group_size = { dist = "choice", values = [1, 2, 3], weights = [1, 1, 1] }
[origins.camp]
share = 1.0
distance = "2km"
[warning]
p_reach = 0.9
[gate]
open = "21:00"
close = "23:00"
give_up = "23:30"
screening_per_person = "1min"
[buses]
count = 3
seats = 12
[observed]
label = "Seen"
crossed = 24
"""
REPS = 30
#: The small scenario's observed count, and its share of the 40 expected (%).
OBSERVED, OBSERVED_SHARE = 24, 60.0



@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small results folders: a run, a what-if run and sweeps over one, two and three keys."""
    root = tmp_path_factory.mktemp("plots")
    scenario = root / "small.toml"
    scenario.write_text(SMALL, encoding="utf-8")
    commands = {
        "run": ["run", str(scenario), "--reps", str(REPS)],
        "whatif": ["run", str(scenario), "--reps", str(REPS), "--set", "gate.lanes=2",
                   "--set", 'name="two_lanes"'],
        "sweep1": ["sweep", str(scenario), "--vary", "gate.lanes=1,2,3", "--reps", "10"],
        # a short window (few cross) and a long one (all cross) straddle the observed 60 %
        "sweep2": ["sweep", str(scenario), "--vary", "gate.lanes=1,2",
                   "--vary", "gate.close=21:10,23:00", "--reps", "10"],
        "sweep3": ["sweep", str(scenario), "--vary", "gate.lanes=1", "--vary",
                   "buses.count=3", "--vary", "buses.seats=12", "--reps", "5"],
        "sweep7": ["sweep", str(scenario), "--vary", "buses.seats=12..18/1", "--reps", "5"],
        "unobserved": ["run", str(scenario), "--reps", "5", "--set", "observed.crossed=none"],
    }
    out = {}
    for name, args in commands.items():
        out[name] = root / name
        code, _, err = invoke(*args, "--out", str(out[name]))
        assert code == 0, err
    return out


@pytest.fixture(scope="module")
def run(folders: dict[str, Path]) -> Results:
    return load_results(folders["run"])


@pytest.fixture(scope="module")
def whatif(folders: dict[str, Path]) -> Results:
    return load_results(folders["whatif"])


def render(fig: Figure) -> Figure:
    """Draw the figure with Agg, as saving a PNG does."""
    assert isinstance(fig, Figure)
    FigureCanvasAgg(fig).draw()
    return fig


def legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def lines_at(ax: Axes, y: float | None = None, x: float | None = None) -> list[Line2D]:
    """Straight reference lines (axhline/axvline) at y or x."""
    found = []
    for line in ax.get_lines():
        xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if (y is not None and np.all(ys == y)) or (x is not None and np.all(xs == x)):
            found.append(line)
    return found


def clock_labels(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]


# --- reading results back -------------------------------------------------------------------

def test_reader_reads_a_run(run: Results) -> None:
    assert run.kind == "run"
    assert run.factors == ()
    point = run.point(0)
    assert point.label == "small"
    assert point.replications == REPS
    assert point.crossed.shape == (REPS,)
    assert point.crossed.mean() == pytest.approx(point.summary["crossed"]["mean"])
    bands = point.series
    assert bands.quantiles.shape == (len(bands.names), 5, bands.t.size)
    assert np.all(bands.quantile("crossed", 0.05) <= bands.quantile("crossed", 0.95))
    assert point.scenario.gate.lanes == 1
    assert point.trips.people.sum() == point.column("left_by_bus").sum() + sum(
        # trips that had not left by the end carry people counted as left_waiting
        point.trips.people[np.isnan(point.trips.depart)])


def test_reader_reads_a_sweep(folders: dict[str, Path]) -> None:
    sweep = load_results(folders["sweep2"])
    assert sweep.kind == "sweep"
    assert sweep.factors == ("gate.lanes", "gate.close")
    assert [p.label for p in sweep.points] == [
        "lanes=1, close=21:10", "lanes=1, close=23:00", "lanes=2, close=21:10",
        "lanes=2, close=23:00"]
    assert [p.scenario.gate.lanes for p in sweep.points] == [1, 1, 2, 2]
    assert sweep.point(3).crossed.shape == (10,)
    with pytest.raises(ResultsError, match="there is no point 4"):
        sweep.point(4)


def test_read_table_reads_empty_fields_as_nan(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,,3\n4,5,\n", encoding="utf-8")
    table = read_table(path)
    assert table["a"].tolist() == [1, 4]
    assert np.isnan(table["b"][0])
    assert np.isnan(table["c"][1])
    path.write_text("a,b\n", encoding="utf-8")
    assert read_table(path)["a"].size == 0


@pytest.mark.parametrize(("damage", "message"), [
    ("missing", "no such folder"),
    ("file", "is a file, not a results folder"),
    ("no_manifest", "is not a results folder"),
    ("running", "is unfinished"),
    ("no_series", "has no series.npz"),
    ("bad_manifest", "cannot be read"),
])
def test_reader_refuses_what_is_not_a_finished_results_folder(
        folders: dict[str, Path], tmp_path: Path, damage: str, message: str) -> None:
    target = tmp_path / "r"
    if damage == "file":
        target.write_text("x", encoding="utf-8")
    elif damage == "no_manifest":
        target.mkdir()
        (target / "notes.txt").write_text("x", encoding="utf-8")
    elif damage != "missing":
        shutil.copytree(folders["run"], target)
        manifest = target / "manifest.json"
        if damage == "running":
            data = json.loads(manifest.read_text(encoding="utf-8"))
            manifest.write_text(json.dumps({**data, "status": "running"}), encoding="utf-8")
        elif damage == "no_series":
            (target / "series.npz").unlink()
        else:
            manifest.write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultsError, match=message):
        load_results(target)


# --- the figures ---------------------------------------------------------------------------

def test_throughput_shows_mean_band_window_dawn_and_the_observed_count(run: Results) -> None:
    fig = render(figures.throughput(run))
    ax = fig.axes[0]
    bands = run.point(0).series
    mean = [line for line in ax.get_lines() if line.get_label() == "small"]
    assert len(mean) == 1
    assert np.array_equal(mean[0].get_ydata(), bands.mean[bands.names.index("crossed")])
    # the observed count: a mark at closing (23:00), not a line across the night
    (mark,) = [line for line in ax.get_lines() if "Seen" in str(line.get_label())]
    assert list(mark.get_ydata()) == [OBSERVED]
    assert list(mark.get_xdata()) == pytest.approx([DAY0 + 23 / 24])
    assert ax.get_ylim()[1] > max(OBSERVED, bands.quantile("crossed", 0.95).max())
    assert "people" in ax.get_ylabel()
    assert "clock time" in ax.get_xlabel()
    labels = clock_labels(ax)
    assert labels
    assert all(re.fullmatch(r"\d\d:\d\d", text) for text in labels)
    assert "21:00" in labels
    assert "23:00" in labels
    texts = legend_texts(fig)
    assert "gate open 21:00-23:00" in texts
    assert "dawn 23:30: those waiting leave" in texts
    assert "Seen: 24 crossed (at closing)" in texts
    assert "small" in fig.get_suptitle()
    # the gate's window is shaded: a span from 21:00 to 23:00 on the clock axis
    low, high = ax.get_xlim()
    assert low <= DAY0 + 21 / 24 < DAY0 + 23.5 / 24 <= high


def test_flow_draws_arrivals_and_crossings_with_the_observed_count_at_closing(
        run: Results) -> None:
    fig = render(figures.flow(run))
    ax = fig.axes[0]
    bands = run.point(0).series
    lines = {str(line.get_label()).split(":")[0]: line for line in ax.get_lines()}
    for label, name in (("reached the gate", "arrived"), ("crossed", "crossed"),
                        ("on buses that had left", "departed")):
        assert np.array_equal(lines[label].get_ydata(), bands.mean[bands.names.index(name)])
    assert len(ax.collections) >= 2  # the 5-95 % bands of arrivals and crossings
    mark = lines["Seen"]
    assert list(mark.get_ydata()) == [run.point(0).summary["observed"]["crossed"]]
    assert list(mark.get_xdata()) == pytest.approx([DAY0 + 23 / 24])  # at closing
    crossed = run.point(0).summary["crossed"]
    assert f"crossed: mean {crossed['mean']:.1f} (95 % CI {crossed['ci95_low']:.1f}-" \
           f"{crossed['ci95_high']:.1f})" in legend_texts(fig)
    turned = run.point(0).column("turned_away").mean()
    notes = [t.get_text() for t in ax.texts]
    if turned >= 0.5:
        assert any(t.startswith(f"turned away at closing:\n{turned:.0f}") for t in notes)


def test_flow_draws_no_observed_count_when_the_scenario_states_none(
        folders: dict[str, Path]) -> None:
    fig = render(figures.flow(load_results(folders["unobserved"])))
    assert not [t for t in legend_texts(fig) if t.startswith("Seen")]
    assert not [line for line in fig.axes[0].get_lines() if line.get_marker() == "D"]


def test_flow_of_several_scenarios_draws_a_panel_each(run: Results, whatif: Results) -> None:
    fig = render(figures.flow(run, whatif))
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert len(panels) == 2
    assert panels[0].get_ylim() == panels[1].get_ylim()  # the same axes, side by side
    assert [t.get_text() for ax in panels for t in ax.texts if t.get_text() in
            ("small", WHATIF)] == ["small", WHATIF]


def test_throughput_overlays_scenarios(run: Results, whatif: Results) -> None:
    fig = render(figures.throughput(run, whatif))
    ax = fig.axes[0]
    medians = {line.get_label(): line for line in ax.get_lines()}
    assert {"small", WHATIF} <= set(medians)  # the legend says what --set changed
    assert medians["small"].get_color() != medians[WHATIF].get_color()
    assert f"small vs {WHATIF}" in fig.get_suptitle()
    assert "each" in ax.get_title(loc="left")


def test_the_palette_is_the_style_files_and_the_figures_draw_in_it(run: Results,
                                                                  whatif: Results) -> None:
    cycle = mpl.rc_params_from_file(STYLE, use_default_template=False)["axes.prop_cycle"]
    assert tuple(cycle.by_key()["color"]) == PALETTE
    assert PALETTE[0] == "#0072B2"  # Okabe-Ito blue first
    medians = {line.get_label(): line.get_color()
               for line in render(figures.throughput(run, whatif)).axes[0].get_lines()}
    assert (medians["small"], medians[WHATIF]) == PALETTE[:2]


def test_the_package_exports_the_figures() -> None:
    assert figures.__all__ == ["STYLE", "buses", "difference", "distribution", "fates", "flow",
                               "queue", "sweep", "throughput", "waits", "write_figures"]
    assert callable(figures.sweep)
    assert figures.STYLE.is_file()


def test_two_runs_of_one_scenario_are_told_apart_by_folder(
        run: Results, folders: dict[str, Path], tmp_path: Path) -> None:
    shutil.copytree(folders["run"], tmp_path / "again")
    fig = render(figures.queue(run, load_results(tmp_path / "again")))
    assert legend_texts(fig)[:2] == ["small (run)", "small (again)"]


def test_bands_come_from_arrays_not_one_line_per_replication(run: Results) -> None:
    ax = render(figures.throughput(run)).axes[0]
    assert len(ax.get_lines()) <= 4  # mean, observed count, dawn (and nothing per replication)
    assert len(ax.collections) == 1  # the 5-95 % band


def test_queue_shows_the_gate_and_those_not_yet_on_a_bus_that_left(run: Results) -> None:
    fig = render(figures.queue(run))
    top, bottom = fig.axes[:2]
    bands = run.point(0).series
    mean = dict(zip(bands.names, bands.mean, strict=True))
    for ax, expected in ((top, mean["queue"]), (bottom, mean["crossed"] - mean["departed"])):
        line = next(line for line in ax.get_lines() if line.get_label() == "small")
        assert np.allclose(line.get_ydata(), expected)
        assert ax.get_ylim()[1] >= expected.max()
        assert "(people)" in ax.get_ylabel()
    assert top.get_ylim()[1] >= bands.quantile("queue", 0.95).max()
    assert len(top.collections) == 1  # a band only where it is known
    assert not bottom.collections
    assert "gate" in top.get_ylabel()
    assert "not yet on a" in bottom.get_ylabel()
    assert "clock time" in bottom.get_xlabel()
    assert all(re.fullmatch(r"\d\d:\d\d", t) for t in clock_labels(bottom))


def test_fates_waterfall_goes_from_expected_to_crossed(run: Results) -> None:
    fig = render(figures.fates(run))
    ax = fig.axes[0]
    summary = run.point(0).summary
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    widths = {round(b.get_y() + b.get_height() / 2): b.get_width() for b in bars}
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows[0] == "expected"
    assert widths[0] == 40
    assert widths[rows.index("crossed")] == pytest.approx(summary["fates"]["crossed"]["mean"])
    losses = sum(widths[i] for i, row in enumerate(rows)
                 if row not in ("expected", "crossed") and not row.startswith("crossed:"))
    assert losses + widths[rows.index("crossed")] == pytest.approx(40, abs=0.05 * len(rows))
    assert widths[rows.index("crossed: on buses that left")] == pytest.approx(
        summary["buses"]["left_by_bus_mean"])
    assert Fate.NO_MESSAGE.label in rows
    assert Fate.GAVE_UP.label not in rows  # none on average: named under the title instead
    assert Fate.GAVE_UP.label in ax.get_title(loc="left")
    assert lines_at(ax, x=OBSERVED)
    assert "people" in ax.get_xlabel()


def test_distribution_marks_the_observed_count_and_its_percentile(run: Results,
                                                                 whatif: Results) -> None:
    fig = render(figures.distribution(run, whatif))
    ax = fig.axes[0]
    assert lines_at(ax, x=OBSERVED)
    crossed = run.point(0).crossed
    low, high = ax.get_xlim()
    assert low <= crossed.min()
    assert max(crossed.max(), OBSERVED) <= high
    step = ax.patches[1].get_xy()  # the first scenario's outline: up and along each bin
    bins = np.unique(step[:, 0]).size - 1
    assert step[1:2 * bins:2, 1].sum() == pytest.approx(100)  # % of its nights
    assert step[0, 0] <= crossed.min() <= crossed.max() <= step[:, 0].max()
    texts = legend_texts(fig)
    assert any(t.startswith("small: ") and str(OBSERVED) in t for t in texts)
    assert any(t.startswith(f"{WHATIF}: ") for t in texts)
    assert "(%)" in ax.get_ylabel()
    assert "(people)" in ax.get_xlabel()


def test_buses_timeline_and_seats(run: Results) -> None:
    fig = render(figures.buses(run))
    timeline, seats = fig.axes[:2]
    rows = [t.get_text() for t in timeline.get_yticklabels()]
    assert rows[0] == "bus 1"
    assert set(rows) <= {"bus 1", "bus 2", "bus 3"}
    assert lines_at(seats, x=12), "the seats per bus are a reference line"
    trips = run.point(0).trips
    first = [b for b in seats.patches if isinstance(b, Rectangle) and round(b.get_y() + 0.4) == 0]
    assert first[0].get_width() == np.median(trips.people[trips.bus == 0])
    assert "clock time" in timeline.get_xlabel()
    assert "people" in seats.get_xlabel()


def test_sweep_over_two_factors_is_a_heat_map_outlining_cells_like_the_observed(
        folders: dict[str, Path]) -> None:
    results = load_results(folders["sweep2"])
    fig = render(figures.sweep(results))
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    means = sorted(100 * p.summary["crossed_share"]["mean"] for p in results.points)
    assert sorted(np.asarray(mesh.get_array()).ravel().tolist()) == pytest.approx(means)
    assert min(means) < OBSERVED_SHARE < max(means)
    # no contour interpolated between whole-number table counts: the cells whose 95 % CI
    # holds the observed share are outlined, each cell says its mean and CI
    assert not [c for c in ax.collections if isinstance(c, ContourSet)]
    like = [p for p in results.points if 100 * p.summary["crossed_share"]["ci95_low"]
            <= OBSERVED_SHARE <= 100 * p.summary["crossed_share"]["ci95_high"]]
    outlined = [r for r in ax.patches if isinstance(r, Rectangle) and not r.get_fill()]
    assert len(outlined) == len(like)
    share = results.point(0).summary["crossed_share"]
    assert any(t.get_text().startswith(f"{100 * share['mean']:.1f} %\n("
                                       f"{100 * share['ci95_low']:.1f}-")
               for t in ax.texts)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"] or [
        t.get_text() for t in ax.get_yticklabels()] == ["1", "2"]
    assert "gate.close" in ax.get_xlabel() + ax.get_ylabel()
    assert "(% of those expected)" in fig.axes[1].get_ylabel()  # the colour bar
    assert bool(like) == any("contains the observed 60.0 %" in t for t in legend_texts(fig))


def test_sweep_over_a_whole_number_factor_draws_each_value_with_its_intervals(
        folders: dict[str, Path]) -> None:
    results = load_results(folders["sweep1"])
    fig = render(figures.sweep(results))
    ax = fig.axes[0]
    (mean,) = [c for c in ax.containers
               if c.get_label() == "mean, with its 95 % confidence interval"]
    assert mean.lines[0].get_xdata().tolist() == [1, 2, 3]
    assert np.asarray(mean.lines[0].get_ydata()) == pytest.approx(
        [100 * p.summary["crossed_share"]["mean"] for p in results.points])
    assert lines_at(ax, y=OBSERVED_SHARE)
    # nothing drawn between 1, 2 and 3 tables: no bands, no line joining the means
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert mean.lines[0].get_linestyle() == "None"
    assert ax.get_xlabel().endswith("(gate.lanes)")
    assert "%" in ax.get_ylabel()


def test_sweep_over_two_sampled_factors_is_a_scatter(tmp_path: Path) -> None:
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL, encoding="utf-8")
    code, _, err = invoke("sweep", str(scenario), "--vary", "gate.close=21:10..23:00",
                          "--vary", "warning.p_reach=0.5..1.0", "--design", "lhs",
                          "--samples", "8", "--reps", "3", "--out", str(tmp_path / "s"))
    assert code == 0, err
    results = load_results(tmp_path / "s")
    ax = render(figures.sweep(results)).axes[0]
    dots = ax.collections[0]
    assert len(dots.get_offsets()) == 8
    assert np.asarray(dots.get_array()) == pytest.approx(
        [100 * p.summary["crossed_share"]["mean"] for p in results.points])
    assert "(gate.close)" in ax.get_ylabel() + ax.get_xlabel()


def test_sweep_over_scenario_files_names_them(tmp_path: Path) -> None:
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "wide.toml").write_text('extends = "small.toml"\nname = "wide"\n'
                                        "[gate]\nlanes = 3\n", encoding="utf-8")
    files = f"scenario={tmp_path / 'small.toml'},{tmp_path / 'wide.toml'}"
    code, _, err = invoke("sweep", str(tmp_path / "small.toml"), "--vary", files, "--reps", "3",
                          "--out", str(tmp_path / "s"))
    assert code == 0, err
    fig = render(figures.sweep(load_results(tmp_path / "s")))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["small", "wide"]
    assert lines_at(fig.axes[0], y=OBSERVED_SHARE)


def test_sweep_figure_refuses_a_run_and_three_factors(run: Results,
                                                      folders: dict[str, Path]) -> None:
    with pytest.raises(ResultsError, match="holds a run, not a sweep"):
        figures.sweep(run)
    with pytest.raises(ResultsError, match="varies 3 factors"):
        figures.sweep(load_results(folders["sweep3"]))


def test_too_many_scenarios_in_one_figure_is_refused(folders: dict[str, Path]) -> None:
    with pytest.raises(ResultsError, match="7 scenarios in one figure"):
        figures.throughput(load_results(folders["sweep7"]))


def test_figures_leave_pyplot_and_the_global_style_alone(run: Results) -> None:
    before = dict(mpl.rcParams)
    render(figures.fates(run))
    assert dict(mpl.rcParams) == before
    assert "matplotlib.pyplot" not in sys.modules or not __import__(
        "matplotlib.pyplot").pyplot.get_fignums()


def test_a_figure_shows_itself_in_a_notebook_without_pyplot(run: Results) -> None:
    png = figures.distribution(run)._repr_png_()  # what IPython calls for a cell's value
    assert png[:4] == b"\x89PNG"


# --- the command line -----------------------------------------------------------------------

def test_plot_writes_every_figure_of_a_run(folders: dict[str, Path], tmp_path: Path) -> None:
    code, out, err = invoke("plot", str(folders["run"]), "--figures", str(tmp_path / "f"))
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "f").iterdir())
    assert names == ["buses.png", "distribution.png", "fates.png", "flow.png", "queue.png",
                     "throughput.png", "waits.png"]
    assert (tmp_path / "f" / "flow.png").read_bytes()[:4] == b"\x89PNG"
    assert "Figures:" in out


def test_plot_one_kind_as_svg_with_a_comparison(folders: dict[str, Path]) -> None:
    code, _, err = invoke("plot", str(folders["run"]), "--kind", "throughput", "--format",
                          "svg", "--compare", str(folders["whatif"]))
    assert code == 0, err
    written = folders["run"] / "figures" / "throughput-vs-whatif.svg"
    assert "<svg" in written.read_text(encoding="utf-8")


def test_plot_sweep_chooses_points_and_says_so(folders: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = invoke("plot", str(folders["sweep7"]), "--figures", str(tmp_path / "f"))
    assert code == 0, err
    assert "points 0, 3, 6" in err
    assert (tmp_path / "f" / "sweep.png").exists()
    code, _, err = invoke("plot", str(folders["sweep7"]), "--kind", "queue", "--point", "2",
                          "--out", str(tmp_path / "g"))
    assert code == 0, err
    assert [p.name for p in (tmp_path / "g").iterdir()] == ["queue-points-2.png"]


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "sweep"], "holds a run, not a sweep"),
    (["--point", "3"], "there is no point 3"),
])
def test_plot_bad_requests_are_one_line_and_exit_2(folders: dict[str, Path], args: list[str],
                                                   message: str) -> None:
    code, _, err = invoke("plot", str(folders["run"]), *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_plot_all_of_a_three_factor_sweep_explains_the_missing_sweep_figure(
        folders: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = invoke("plot", str(folders["sweep3"]), "--figures", str(tmp_path / "f"))
    assert code == 0, err
    assert "no sweep figure" in err
    assert (tmp_path / "f" / "throughput.png").exists()
    code, _, err = invoke("plot", str(folders["sweep3"]), "--kind", "sweep")
    assert code == 2
    assert "varies 3 factors" in err


def test_plot_a_folder_that_is_not_results(tmp_path: Path) -> None:
    code, _, err = invoke("plot", str(tmp_path))
    assert code == 2
    assert "is not a results folder" in err


def test_run_with_plot_writes_figures_next_to_results(tmp_path: Path) -> None:
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL, encoding="utf-8")
    code, out, err = invoke("run", str(scenario), "--reps", "5", "--out", str(tmp_path / "r"),
                            "--plot")
    assert code == 0, err
    assert (tmp_path / "r" / "figures" / "throughput.png").exists()
    assert f"Figures: {tmp_path / 'r' / 'figures'}/" in out
    code, out, err = invoke("sweep", str(scenario), "--vary", "gate.lanes=1,2", "--reps", "3",
                            "--out", str(tmp_path / "s"), "--plot", "--json")
    assert code == 0, err
    assert str(tmp_path / "s" / "figures" / "sweep.png") in json.loads(out)["figures"]


def test_cli_does_not_import_matplotlib_until_plotting() -> None:
    code = "import sys, crossing_sim.cli.main; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_a_scenario_without_an_observed_count_draws_no_reference(
        folders: dict[str, Path]) -> None:
    results = load_results(folders["unobserved"])
    for kind, vertical in ((figures.throughput, False), (figures.distribution, True),
                           (figures.fates, True)):
        fig = render(kind(results))
        ax = fig.axes[0]
        assert not (lines_at(ax, x=OBSERVED) if vertical else lines_at(ax, y=OBSERVED)), kind
        assert not any("Seen" in t for t in legend_texts(fig)), kind
