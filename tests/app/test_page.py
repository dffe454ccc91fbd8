"""The page, run by Streamlit's own test driver (no browser): each control changes the
scenario key it should, a run shows the paired result and fills the log, the game's board
ranks the plan, and a bad upload shows the command line's one message, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crossing_sim import load_scenario

testing = pytest.importorskip("streamlit.testing.v1", reason="pip install -e '.[app]'")
import streamlit as st  # noqa: E402

from crossing_sim.app import page as page_module  # noqa: E402

PAGE = str(Path(page_module.__file__))
TIMEOUT = 60


@pytest.fixture
def at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[testing.AppTest]:
    monkeypatch.setenv(page_module.WORK_ENV, str(tmp_path / "work"))
    st.cache_data.clear()
    st.cache_resource.clear()
    app = testing.AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    yield app
    st.cache_resource.clear()


def _scenario(app: testing.AppTest) -> object:
    return load_scenario("baseline", list(app.session_state["overrides"]))


def test_the_page_opens_on_the_baseline_with_no_changes(at: testing.AppTest) -> None:
    assert at.title[0].value == "One night at the gate"
    assert at.session_state["overrides"] == ()
    assert at.slider(key="tables").value == 1
    assert at.select_slider(key="gate_open").value == "21:15"
    assert not at.error


CONTROLS = [
    ("slider", "tables", 3, lambda s: s.gate.lanes == 3),
    ("select_slider", "gate_open", "19:00", lambda s: s.gate.open == 7 * 60),
    ("select_slider", "gate_close", "05:00", lambda s: s.gate.close == 17 * 60),
    ("selectbox", "closing", "cut_off", lambda s: s.gate.closing == "cut_off"),
    ("slider", "lead", 88.0, lambda s: s.warning.lead == 88 * 60),
    ("slider", "reach", 99, lambda s: s.warning.p_reach == 0.99),
    ("select_slider", "departure", "18:00", lambda s: s.warning.earliest_departure == 6 * 60),
    ("slider", "buses", 12, lambda s: s.buses.count == 12),
    ("slider", "seats", 45, lambda s: s.buses.seats == 45),
    ("selectbox", "bus_rule", "when_full", lambda s: s.buses.departure == "when_full"),
    ("number_input", "game_budget", 150.0, lambda s: s.game.budget == 150),
    ("number_input", "game_per_table", 20.0, lambda s: s.game.per_table == 20),
    ("number_input", "game_per_bus", 5.0, lambda s: s.game.per_bus == 5),
    ("number_input", "game_per_hour_open", 2.0, lambda s: s.game.per_hour_open == 2),
    ("number_input", "game_per_day_of_warning", 9.0,
     lambda s: s.game.per_day_of_warning == 9),
]


def test_each_control_changes_its_key_and_only_that(at: testing.AppTest) -> None:
    for kind, key, value, holds in CONTROLS:
        control = getattr(at, kind)(key=key)
        before = control.value
        control.set_value(value).run()
        assert not at.exception, key
        scenario = _scenario(at)
        assert holds(scenario), (key, at.session_state["overrides"])
        changed = [o for o in at.session_state["overrides"] if not o.startswith("name=")]
        assert len(changed) == 1, (key, changed)
        getattr(at, kind)(key=key).set_value(before).run()
        assert at.session_state["overrides"] == (), key


def test_a_two_table_round_from_run_to_board(at: testing.AppTest) -> None:
    at.slider(key="nights").set_value(40).run()
    at.slider(key="tables").set_value(2).run()
    at.button(key="run").click().run()
    assert not at.exception
    assert not at.error
    words = [m.value for m in at.markdown if "Compared with the start" in m.value]
    assert words
    assert "more people crossed a night, between" in words[0]
    crossed, _, cost = (m.value for m in at.metric)
    assert cost.startswith("97.2 of 100")
    log = at.session_state["log"]
    assert [t.changes for t in log] == [("gate.lanes=2",)]
    assert log[0].difference > 0
    assert f"{log[0].crossed:.0f} of 700" == crossed
    # back to the start and again: the log keeps one entry per setting
    at.slider(key="tables").set_value(1).run()
    at.button(key="run").click().run()
    at.slider(key="tables").set_value(2).run()
    at.button(key="run").click().run()
    assert [t.changes for t in at.session_state["log"]] == [("gate.lanes=2",), ()]
    at.text_input(key="team").input("Team Quneitra").run()
    at.button(key="to_board").click().run()
    assert not at.exception
    board = at.session_state["board"]
    assert [(e.team, e.plan, e.within_budget) for e in board] == [
        ("Team Quneitra", "gate.lanes=2", True)]
    assert board[0].low < board[0].safely_across < board[0].high


def test_an_impossible_combination_shows_the_message(at: testing.AppTest) -> None:
    at.select_slider(key="gate_close").set_value("20:00").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        '--set: gate.close = "20:00": must be after gate.open (on the scenario\'s clock)']


def test_a_bad_upload_shows_the_command_lines_message(at: testing.AppTest) -> None:
    at.radio(key="source").set_value("my own file").run()
    assert not at.error
    at.text_area(key="pasted").input("[gate]\nlanes = 0\n").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "pasted.toml: gate.lanes = 0: the value must be between 1 and 1000"]
    at.text_area(key="pasted").input("not a scenario at all").run()
    assert not at.exception
    assert at.error[0].value.startswith("pasted.toml: is not valid TOML:")


def test_an_uploaded_scenario_is_the_new_start(at: testing.AppTest) -> None:
    at.radio(key="source").set_value("my own file").run()
    text = 'extends = "baseline"\nname = "mine"\n[gate]\nlanes = 3\n'
    at.text_area(key="pasted").input(text).run()
    assert not at.exception
    assert not at.error
    assert at.slider(key="tables").value == 3
    assert at.session_state["overrides"] == ()


def test_one_night_plays_in_the_page(at: testing.AppTest) -> None:
    at.radio(key="source").set_value("my own file").run()
    at.text_area(key="pasted").input(
        'extends = "baseline"\n[gate]\nopen = "21:00"\nclose = "22:00"\n').run()
    at.select_slider(key="frame_step").set_value(30).run()
    at.button(key="animate").click().run()
    assert not at.exception
    assert not at.error
    frames = at.session_state["animation_frames"]
    assert frames >= 4
    assert any(f"{frames} frames, 30 minutes each" in c.value for c in at.caption)


@pytest.mark.parametrize(("content", "shown"), [
    (b"[gate]\nlanes = 0\n", "night.toml: gate.lanes = 0: the value must be between 1 and 1000"),
    (b'extends = "nowhere"\n', 'night.toml: extends = "nowhere": no such file: nowhere'),
    (b"\xff\xfe not text", "night.toml: is not UTF-8 text (byte 0)"),
])
def test_an_uploaded_file_that_is_not_a_scenario(at: testing.AppTest, content: bytes,
                                                 shown: str) -> None:
    at.radio(key="source").set_value("my own file").run()
    at.file_uploader(key="upload").upload("night.toml", content, "application/toml").run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith(shown)


def test_a_start_outside_the_sliders_ranges_still_opens(at: testing.AppTest) -> None:
    at.radio(key="source").set_value("my own file").run()
    text = ('extends = "baseline"\n[buses]\ncount = 60\nseats = 5\nsplit_families = true\n'
            "[warning]\np_reach = 0.3\n")
    at.text_area(key="pasted").input(text).run()
    assert not at.exception
    assert not at.error
    assert (at.slider(key="buses").value, at.slider(key="seats").value) == (60, 5)
    assert at.slider(key="reach").value == 30
    assert at.session_state["overrides"] == ()
