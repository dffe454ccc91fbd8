"""The night's own events, by hand: spread departures, guided groups from a collection point,
a checkpoint closed for a while, a road cut at its time of the night, pauses at the gate.

Model times are minutes after the 12:00 start clock: 19:45 is 465, 21:00 is 540. Families
walk at 6 km/h (10 minutes a km) unless a test says otherwise.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import simpy
from numpy.testing import assert_array_equal

from crossing_sim import Fate, Outcome, scenario_from_dict, simulate
from crossing_sim.model.gate import GateQueue
from crossing_sim.model.holding import HoldingArea
from crossing_sim.model.log import Log
from crossing_sim.model.night import _pauses
from crossing_sim.model.streams import Streams


def night(origin: dict[str, Any], *, expected: int = 2, group_size: int = 2,
          warning: dict[str, Any] | None = None, journey: dict[str, Any] | None = None,
          gate: dict[str, Any] | None = None, seed: int = 0) -> Outcome:
    raw: dict[str, Any] = {
        "population": {"expected": expected, "group_size": group_size},
        "origins": {"camp": {"share": 1.0, **origin}},
        "warning": {"earliest_departure": "19:45", **(warning or {})},
        "journey": {"speed": "6km/h", **(journey or {})},
        "gate": {"open": "21:00", "screening_per_person": "1min", **(gate or {})},
    }
    return simulate(scenario_from_dict(raw), np.random.default_rng(seed))


def test_departures_spread_after_dark_by_the_departure_delay() -> None:
    out = night({"distance": "1km"}, warning={"departure_delay": "25min"})
    assert_array_equal(out.groups.depart, [490.0])  # 19:45 + 25 min
    assert_array_equal(out.groups.arrive, [500.0])


def test_guided_groups_leave_at_set_times_with_what_a_guide_takes() -> None:
    # five families of 2 gather at 19:45; a guide takes 6 people at 20:00, 20:30, ...
    out = night({"distance": "3km", "guides": {"first": "20:00", "every": "30min",
                                               "capacity": 6}}, expected=10)
    assert_array_equal(out.groups.depart, [480.0] * 3 + [510.0] * 2)
    assert_array_equal(out.groups.arrive, [510.0] * 3 + [540.0] * 2)


def test_a_family_gathering_after_a_guide_left_waits_for_the_next() -> None:
    out = night({"distance": "3km", "guides": {"first": "19:30", "every": "1h",
                                               "capacity": 100}},
                warning={"departure_delay": "0min"})
    assert_array_equal(out.groups.depart, [510.0])  # 19:45 is after 19:30: the 20:30 guide


def test_a_guided_group_walks_at_its_slowest_familys_pace() -> None:
    speed = {"dist": "uniform", "low": "2km/h", "high": "6km/h"}
    out = night({"distance": "3km", "guides": {"first": "20:00", "every": "1h",
                                               "capacity": 100}},
                expected=12, journey={"speed": speed})
    arrive = out.groups.arrive
    assert np.unique(arrive).size == 1  # they arrive together
    alone = night({"distance": "3km"}, expected=12, journey={"speed": speed},
                  warning={"earliest_departure": "20:00"})
    assert arrive[0] == alone.groups.arrive.max()  # the same draws: the slowest family's time


def test_a_guided_group_waits_at_a_checkpoint_for_its_last_family() -> None:
    delay = {"dist": "uniform", "low": "0min", "high": "30min"}
    checkpoint = {"at": "1km", "delay": delay}
    out = night({"distance": "3km", "checkpoints": [checkpoint],
                 "guides": {"first": "20:00", "every": "1h", "capacity": 100}}, expected=12)
    alone = night({"distance": "3km", "checkpoints": [checkpoint]}, expected=12,
                  warning={"earliest_departure": "20:00"})
    assert np.unique(out.groups.arrive).size == 1
    assert out.groups.arrive[0] == alone.groups.arrive.max()


def test_a_closed_checkpoint_holds_families_until_it_reopens() -> None:
    closed = {"p": 1.0, "after": "20:00", "length": "1h"}  # closed 20:00-21:00 tonight
    route = {"distance": "2km", "checkpoints": [{"at": "1km", "closure": closed}]}
    before = night(route)  # sets out 19:45, at the checkpoint 19:55: through
    assert_array_equal(before.groups.arrive, [485.0])
    held = night(route, warning={"earliest_departure": "19:55"})  # there at 20:05: held
    assert_array_equal(held.groups.arrive, [550.0])  # reopens 21:00, 10 min more to the gate
    never = night({**route, "checkpoints": [{"at": "1km", "closure": {**closed, "p": 0.0}}]},
                  warning={"earliest_departure": "19:55"})
    assert_array_equal(never.groups.arrive, [495.0])


def test_the_road_is_cut_at_its_time_of_the_night() -> None:
    cut = {"at": "2km", "after": "20:00", "delay": "30min"}  # cut at 20:30 tonight
    through = night({"distance": "3km", "road_cut": cut}, warning={"earliest_departure": "20:05"})
    assert through.groups.fate.tolist() == [int(Fate.CROSSED)]  # at the cut 20:25
    blocked = night({"distance": "3km", "road_cut": cut},
                    warning={"earliest_departure": "20:15"})  # at the cut 20:35
    assert blocked.groups.fate.tolist() == [int(Fate.BLOCKED)]
    assert_array_equal(blocked.groups.lost, [515.0])


def test_no_family_is_called_to_the_table_during_a_pause() -> None:
    # six single people queued at 21:00, 1 min each; a pause from 21:05 to 21:20
    env = simpy.Environment()
    spec = scenario_from_dict({"gate": {"open": "21:00", "close": "23:00"},
                               "origins": {"camp": {"share": 1.0, "distance": "1km"}}}).gate
    log = Log(6, np.full(6, -1))
    holding = HoldingArea(env, None)
    gate = GateQueue(env, spec, [1] * 6, [1.0] * 6, [True] * 6, holding, log,
                     [(545.0, 560.0)])
    gate.wait_for_opening(list(range(6)), [540.0] * 6)
    env.run(until=600)
    assert list(log.screen_start) == [540.0, 541.0, 542.0, 543.0, 544.0, 560.0]


def test_pauses_come_while_the_gate_is_open_and_do_not_overlap() -> None:
    spec = scenario_from_dict({"gate": {"open": "21:00", "close": "03:00", "pauses": "2/h",
                                        "pause_length": {"dist": "uniform", "low": "5min",
                                                         "high": "40min"}},
                               "origins": {"camp": {"share": 1.0, "distance": "1km"}}}).gate
    counts = []
    for seed in range(200):
        pauses = _pauses(spec, Streams(np.random.SeedSequence(seed)))
        counts.append(len(pauses))
        assert all(a < spec.close and b > spec.open for a, b in pauses)  # in the window
        assert all(b1 < a2 for (_, b1), (a2, _) in pairwise(pauses))
    # 12 starts expected in 6 h; merging overlaps leaves fewer, but still many
    assert 5 < np.mean(counts) < 13


def test_a_night_keeps_its_threats_at_the_same_clock_times_whatever_the_gate_hours() -> None:
    def spec(open_: str, close: str) -> Any:
        return scenario_from_dict({"gate": {"open": open_, "close": close, "pauses": "1/h"},
                                   "origins": {"camp": {"share": 1.0, "distance": "1km"}}}).gate

    wide, narrow = spec("19:00", "05:00"), spec("21:00", "02:00")
    for seed in range(50):
        a = _pauses(wide, Streams(np.random.SeedSequence(seed)))
        b = _pauses(narrow, Streams(np.random.SeedSequence(seed)))
        # every pause of the narrow window is, clipped to it, a pause of the wide one
        inside = [(s, e) for s, e in a if s < narrow.close and e > narrow.open]
        assert [max(s, narrow.open) for s, _ in inside] == [max(s, narrow.open) for s, _ in b]


def test_the_number_who_set_out_is_drawn_each_night() -> None:
    turnout = {"dist": "choice", "values": [8, 12], "weights": [1, 1]}
    raw: dict[str, Any] = {
        "population": {"expected": 10, "group_size": 2, "turnout": turnout},
        "origins": {"camp": {"share": 1.0, "distance": "1km"}},
    }
    scenario = scenario_from_dict(raw)
    nights = [simulate(scenario, np.random.default_rng(seed)) for seed in range(40)]
    people = {out.expected for out in nights}
    assert people == {8, 12}  # both values come up over 40 nights
    for out in nights:
        assert out.groups.size.sum() == out.expected
        assert out.people_by_fate().sum() == out.expected
    fixed = simulate(scenario_from_dict({**raw, "population": {
        "expected": 10, "group_size": 2, "turnout": 6}}), np.random.default_rng(0))
    assert fixed.groups.size.tolist() == [2, 2, 2]
