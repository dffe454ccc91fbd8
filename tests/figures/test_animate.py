"""The animated night: frames drawn from an outcome, a GIF written, clear errors."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from conftest import SCENARIOS
from crossing_sim import load_scenario, replication_streams, simulate
from crossing_sim.cli.main import main

matplotlib.use("Agg")



def test_frames_show_the_night(tmp_path: Path) -> None:
    from crossing_sim.figures.animation import animation, frame_count, save

    scenario = load_scenario(SCENARIOS / "baseline.toml")
    outcome = simulate(scenario, replication_streams(2018, 0))
    anim = animation(scenario, outcome, step=60)
    save(anim, tmp_path / "night.gif", fps=2)  # draws every frame; the last one stays
    with Image.open(tmp_path / "night.gif") as gif:
        assert gif.n_frames == frame_count(scenario, outcome, step=60)
    fig = anim._fig
    title = fig._suptitle.get_text()
    assert f"crossed {outcome.crossed} of 700 (reported in 2018: 422)" in title
    road, _gate, buses = fig.axes
    assert road.get_xlabel() == "distance from the gate (km)"
    assert [t.get_text() for t in road.get_yticklabels()] == ["quneitra", "tripoint"]
    # each route is drawn to its length: from its collection point to the gate at 0 km
    routes = [line for line in road.get_lines() if len(line.get_xdata()) == 2
              and line.get_xdata()[1] == 0 < line.get_xdata()[0]]
    assert sorted(line.get_xdata()[0] for line in routes) == sorted(
        o.distance for o in scenario.origins)
    gate = fig.axes[1]
    labels = [t.get_text() for t in gate.get_yticklabels()]
    assert "turned away or\ntoo late" in labels
    assert "crossed so far" in labels
    mark = f"{scenario.observed.label.lower()}: {scenario.observed.crossed.describe()}"
    assert mark in [t.get_text() for t in gate.texts]  # the running count's reference
    # the bus bars add up to the people on buses at the last frame
    aboard = sum(p.get_width() for p in buses.patches if p.get_fill())
    assert aboard == outcome.boardings.people.sum()


def test_animate_command_writes_a_gif(tmp_path: Path) -> None:
    out = tmp_path / "night.gif"
    result = CliRunner().invoke(main, ["animate", str(SCENARIOS / "baseline.toml"), "--file",
                                       str(out), "--step", "60", "--fps", "2"])
    assert result.exit_code == 0, result.output
    assert "frames (60 min each at 2 a second)" in result.output
    with Image.open(out) as gif:
        assert gif.size == (1280, 720)
        assert gif.n_frames >= 8  # from before 21:15 to after the last bus, one an hour
    again = CliRunner().invoke(main, ["animate", str(SCENARIOS / "baseline.toml"), "--file",
                                      str(out)])
    assert again.exit_code == 2
    assert "never overwritten" in again.output


@pytest.mark.parametrize("name", ["night.png", "night"])
def test_animate_needs_gif_or_mp4(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(main, ["animate", str(SCENARIOS / "baseline.toml"), "--file",
                                       str(tmp_path / name)])
    assert result.exit_code == 2
    assert "write a .gif or an .mp4 file" in result.output


def test_every_group_on_the_road_is_between_origin_and_gate() -> None:
    from crossing_sim.figures.animation import prepare_night

    scenario = load_scenario(SCENARIOS / "baseline.toml")
    night = prepare_night(scenario, simulate(scenario, replication_streams(1, 3)), 5.0)
    shown = night.position[~np.isnan(night.position)]
    assert ((shown >= 0) & (shown <= 1)).all()


def test_the_old_name_of_file_still_works_with_a_note(tmp_path: Path) -> None:
    out = tmp_path / "night.gif"
    result = CliRunner().invoke(main, ["animate", str(SCENARIOS / "baseline.toml"), "--out",
                                       str(out), "--step", "60", "--fps", "2"])
    assert result.exit_code == 0, result.output
    assert "note: --out is now --file; the old name still works" in result.stderr
    assert out.exists()
