"""The app's plain logic: levers to overrides, runs paired with the start, the difference in
words, the game's costs and board, and the downloaded file that ``crossing-sim run`` accepts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import invoke
from crossing_sim import load_scenario
from crossing_sim.app import levers, planner, player, runs, tried
from crossing_sim.errors import CrossingSimError
from crossing_sim.experiment.compare import Difference


def test_no_change_gives_no_override() -> None:
    base = load_scenario("baseline")
    assert levers.overrides(base, levers.values_of(base)) == []


@pytest.mark.parametrize(("name", "value", "key", "expected"), [
    ("tables", 2, ("gate", "lanes"), 2),
    ("gate_open", "19:00", ("gate", "open"), 7 * 60),
    ("gate_close", "04:30", ("gate", "close"), 16 * 60 + 30),
    ("closing", "finish_queue", ("gate", "closing"), "finish_queue"),
    ("lead", 64.0, ("warning", "lead"), 64 * 60),
    ("reach", 100, ("warning", "p_reach"), 1.0),
    ("departure", "18:30", ("warning", "earliest_departure"), 6 * 60 + 30),
    ("buses", 14, ("buses", "count"), 14),
    ("seats", 60, ("buses", "seats"), 60),
    ("bus_rule", "when_full", ("buses", "departure"), "when_full"),
])
def test_each_lever_sets_its_key(name: str, value: object, key: tuple[str, str],
                                 expected: object) -> None:
    base = load_scenario("baseline")
    chosen = {**levers.values_of(base), name: value}
    changes = levers.overrides(base, chosen)
    assert len(changes) == 1
    changed = load_scenario("baseline", changes)
    assert getattr(getattr(changed, key[0]), key[1]) == expected
    assert levers.values_of(changed)[name] == value


def test_clock_options_follow_the_scenario_day_and_hold_its_value() -> None:
    base = load_scenario("baseline")
    options = levers.clock_options(base, "21:15")
    assert options[0] == "12:00"
    assert options.index("23:45") < options.index("00:00") < options.index("06:45")
    assert levers.clock_options(base, "21:10").index("21:10") == options.index("21:15")


def _difference(mean: float, low: float, high: float) -> Difference:
    return Difference("crossed", 200, mean, low, high, 0, 0, 0, 0, 0, 0)


def test_the_difference_in_plain_words() -> None:
    assert runs.in_words(_difference(45.2, 41.3, 48.9)).startswith(
        "about 45 more people crossed a night, between 41 and 49")
    assert runs.in_words(_difference(-7.4, -9.6, -5.1)).startswith(
        "about 7 fewer people crossed a night, between 5 and 10")
    assert runs.in_words(_difference(1.3, -0.8, 4.0)).startswith(
        "about 1 more person crossed a night, between 1 fewer and 4 more, so it could go "
        "either way (95 % confidence, 200 paired nights)")
    assert runs.in_words(_difference(0.3, -3.2, 3.9)).startswith(
        "about the same number crossed a night: between 3 fewer and 4 more")
    assert runs.in_words(_difference(0, 0, 0)).startswith("exactly the same")


def test_game_costs_and_board_order() -> None:
    base = load_scenario("baseline")
    costs = planner.costs_of(base)  # 1 table, 10 buses, 21:15-03:00, 40 h of warning
    assert costs.tables == 15
    assert costs.buses == 40
    assert costs.hours_open == pytest.approx(5.75 * 3)
    assert costs.warning == pytest.approx(40 / 24 * 6)
    two = planner.costs_of(load_scenario("baseline", ["gate.lanes=2"]))
    assert two.total == pytest.approx(costs.total + 15)
    assert planner.game_overrides(base.game, {"budget": 120, "per_bus": 4}) == ["game.budget=120"]
    entries = [planner.Entry("a", "x", 470, 465, 475, 97, 100, 200),
               planner.Entry("b", "y", 520, 515, 525, 130, 100, 200),
               planner.Entry("c", "z", 480, 470, 490, 99, 100, 200)]
    assert [e.team for e in planner.ranked(entries)] == ["c", "a", "b"]
    rows = planner.board_rows(entries)
    assert [r["place"] for r in rows] == [1, 2, "over budget"]
    assert planner.board_csv(entries).splitlines()[1].startswith("c,z,480")


def test_a_game_section_is_checked_like_any_other(tmp_path: Path) -> None:
    path = tmp_path / "game.toml"
    path.write_text('extends = "baseline"\n[game]\nbudget = -1\n', encoding="utf-8")
    code, _, err = invoke("check", str(path))
    assert code == 2
    assert "game.budget = -1" in err


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / "work"


def test_a_downloaded_setting_gives_the_same_numbers_with_run(work: Path,
                                                              tmp_path: Path) -> None:
    start = runs.Start("baseline")
    base = runs.prepare_setting(start, [], work, 7)
    changes = ("gate.lanes=2", 'gate.close="03:30"', "game.budget=120")
    setting = runs.prepare_setting(start, ('name="your plan"', *changes), work, 7)
    shares: list[float] = []
    base_folder = runs.run_setting(base, 40, 7, work / "results")
    folder = runs.run_setting(setting, 40, 7, work / "results", shares.append)
    assert shares[-1] == 1.0
    assert shares == sorted(shares)
    page = runs.estimates_of(folder)
    difference = runs.paired(base_folder, folder)
    entry = tried.Tried(1, "baseline", changes, 40, 7, page["crossed"].mean,
                        page["crossed"].ci_low, page["crossed"].ci_high,
                        page["left_by_bus"].mean, difference.mean, difference.ci95_low,
                        difference.ci95_high, runs.in_words(difference), 100.0, 120.0,
                        setting.toml(40, 7))
    downloaded = tmp_path / entry.file_name
    downloaded.write_text(entry.toml, encoding="utf-8")
    code, out, err = invoke("run", str(downloaded), "--reps", "40", "--seed", "7", "--json",
                            "--out", str(tmp_path / "again"))
    assert code == 0, err
    again = json.loads(out)
    assert again["crossed"]["mean"] == page["crossed"].mean
    assert again["buses"]["left_by_bus_mean"] == page["left_by_bus"].mean
    assert load_scenario(downloaded).game.budget == 120
    assert difference.base_mean == runs.estimates_of(base_folder)["crossed"].mean
    assert "crossing-sim run THIS_FILE --reps 40 --seed 7" in entry.toml
    row = tried.log_csv([entry]).splitlines()[1]
    assert row.startswith('1,baseline,"gate.lanes=2; gate.close=""03:30""')


@pytest.mark.parametrize("text", ["[gate]\nlanes = 0\n", "this is not toml", "[nothing]\n",
                                  'extends = "baseline"\n[gate]\nclose = "20:00"\n'])
def test_a_bad_upload_gives_the_command_lines_message(text: str, work: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    start = runs.Start("bad.toml", text)
    with pytest.raises(CrossingSimError) as caught:
        runs.prepare_setting(start, [], work, 2018)
    shown = runs.message(caught.value, start, work)
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("run", "bad.toml", "--reps", "2")
    assert code == 2
    assert err.strip() == f"Error: {shown}"
    assert str(work) not in shown
    assert shown.startswith("bad.toml")
    assert os.sep not in shown.split(":")[0]


def test_the_night_player_needs_nothing_from_the_internet() -> None:
    from matplotlib import _animation_data as template

    page = template.JS_INCLUDE + template.DISPLAY_TEMPLATE
    assert "font-awesome" in page
    shown = player.offline(page)
    assert "https://" not in shown
    assert '<i class="fa' not in shown
    assert "\u25b6" in shown
