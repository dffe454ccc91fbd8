"""The narrated night: events in time order, each family's story, and the trace command."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from conftest import BASELINE
from crossing_sim import Fate, scenario_from_dict, simulate
from crossing_sim.cli.main import main
from crossing_sim.report.trace import events, narrate


def tiny_night() -> tuple[object, object]:
    raw = {
        "population": {"expected": 3, "group_size": 1},
        "origins": {"camp": {"share": 1.0, "distance": "3km"}},
        "warning": {"earliest_departure": "20:30"},
        "journey": {"speed": "6km/h"},
        "gate": {"open": "21:00", "close": "21:02", "screening_per_person": "1min",
                 "closing": "finish_screening"},
        "buses": {"count": 1, "seats": 5, "boarding": "0s"},
    }
    scenario = scenario_from_dict(raw)
    return scenario, simulate(scenario, np.random.default_rng(0))


def test_a_tiny_night_told_minute_by_minute() -> None:
    scenario, outcome = tiny_night()
    lines = narrate(events(scenario, outcome), scenario.start_clock)  # type: ignore[attr-defined]
    # three people reach the gate at 21:00; two are screened (21:00-21:01, 21:01-21:02),
    # the third is turned away at closing; the bus leaves when the gate is done
    assert [line for line in lines if "21:0" in line[:10]] == [
        "    21:00  -- gate opens: 1 table(s) --",
        "    21:00  family 0 (1 person) reaches the gate; nobody ahead",
        "    21:00  family 1 (1 person) reaches the gate; 1 family ahead",
        "    21:00  family 2 (1 person) reaches the gate; 2 families ahead",
        "    21:00  family 0 (1 person) reaches a table",
        "    21:01  family 0 (1 person) crosses",
        "    21:01  family 0 (1 person) boards bus 1",
        "    21:01  family 1 (1 person) reaches a table",
        "    21:02  family 1 (1 person) crosses",
        "    21:02  family 1 (1 person) boards bus 1",
        "    21:02  family 2 (1 person) is turned away at closing",
        "    21:02  -- gate closes: finish_screening --",
        "    21:02  -- bus leaves (2 people): bus 1 --",
        "    21:02  family 0 (1 person) leaves on bus 1",
        "    21:02  family 1 (1 person) leaves on bus 1",
    ]
    assert [Fate(f) for f in outcome.groups.fate] == [  # type: ignore[attr-defined]
        Fate.CROSSED, Fate.CROSSED, Fate.TURNED_AWAY]


def test_events_are_in_time_order_and_every_family_appears() -> None:
    from crossing_sim import load_scenario, replication_streams

    scenario = load_scenario(BASELINE)
    outcome = simulate(scenario, replication_streams(2018, 0))
    log = events(scenario, outcome)
    times = [e.minutes for e in log]
    assert times == sorted(times)
    assert {e.group for e in log if e.group >= 0} == set(range(outcome.groups.size.size))
    assert all(e.minutes <= scenario.end for e in log)
    crossed = {e.group for e in log if e.event == "crosses"}
    assert sum(int(outcome.groups.size[g]) for g in crossed) == outcome.crossed


def test_trace_command() -> None:
    runner = CliRunner()
    told = runner.invoke(main, ["trace", str(BASELINE)])
    assert told.exit_code == 0
    assert told.output.startswith("baseline, seed 2018, replication 0: ")
    assert "Before 19:45" in told.output
    assert "-- gate opens: 1 table(s) --" in told.output
    one = runner.invoke(main, ["trace", str(BASELINE), "--group", "0"])
    assert one.exit_code == 0
    assert all("family 0 " in line for line in one.output.splitlines()[2:])
    raw = runner.invoke(main, ["trace", str(BASELINE), "--csv"])
    assert raw.output.splitlines()[0] == "minutes,clock,group,people,event,detail"
    bad = runner.invoke(main, ["trace", str(BASELINE), "--group", "100000"])
    assert bad.exit_code == 2
    assert "this night has families 0 to" in bad.output


def test_a_family_cut_off_at_the_table_is_turned_away_at_closing() -> None:
    raw = {
        "population": {"expected": 1, "group_size": 1},
        "origins": {"camp": {"share": 1.0, "distance": "3km"}},
        "warning": {"earliest_departure": "20:30"},
        "journey": {"speed": "6km/h"},
        "gate": {"open": "21:00", "close": "21:02", "screening_per_person": "5min",
                 "closing": "cut_off"},
    }
    scenario = scenario_from_dict(raw)
    outcome = simulate(scenario, np.random.default_rng(0))
    story = narrate(events(scenario, outcome), scenario.start_clock)
    assert "    21:00  family 0 (1 person) reaches a table" in story
    assert ("    21:02  family 0 (1 person) is turned away at closing; screening cut off"
            in story)


def test_a_family_that_never_set_out_is_told_so_and_counted_on_the_way() -> None:
    """It heard the message too late to leave before the end: its story and its fate agree."""
    from crossing_sim import replication_streams

    scenario = scenario_from_dict({
        "population": {"expected": 1, "group_size": 1},
        "origins": {"camp": {"share": 1.0, "distance": "3km"}},
        "warning": {"lead": "0h", "hearing_delay": "30h"},  # hears at 18:00 the next day
    })
    outcome = simulate(scenario, replication_streams(1, 0))
    assert Fate(int(outcome.groups.fate[0])) is Fate.EN_ROUTE
    story = "\n".join(narrate([e for e in events(scenario, outcome) if e.group == 0],
                               scenario.start_clock))
    assert "has not set out yet; still on the way at the end" in story
    assert "sets out" not in story
    assert Fate.EN_ROUTE.label == "still on the way at the end"
