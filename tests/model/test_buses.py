"""Buses, boarding by boarding: tiny nights with fixed numbers, every time worked out by hand.

Everyone is at the gate when it opens at 21:00 (540) and one table screens 1 minute a person,
so the family screened k-th (counting people) is in the holding area 1 minute per person
later. The buses are ready at opening unless a test says otherwise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from crossing_sim import Fate, Outcome, scenario_from_dict, simulate

NAN = math.nan


def night(*, expected: int, group_size: int = 1, gate: dict[str, Any] | None = None,
          **buses: Any) -> Outcome:
    raw: dict[str, Any] = {
        "population": {"expected": expected, "group_size": group_size},
        "origins": {"camp": {"share": 1.0, "distance": "3km"}},
        "warning": {"earliest_departure": "20:30"},
        "journey": {"speed": "6km/h"},  # 30 minutes: at the gate at 21:00
        "gate": {"open": "21:00", "screening_per_group": "0s", "screening_per_person": "1min",
                 **(gate or {})},
        "buses": {"available": "21:00", **buses},
    }
    return simulate(scenario_from_dict(raw), np.random.default_rng(0))


def boardings(out: Outcome) -> list[tuple[float, int, int, int]]:
    """The boarding log: (time, group, trip, people)."""
    b = out.boardings
    return list(zip(b.time.tolist(), b.group.tolist(), b.trip.tolist(), b.people.tolist(),
                    strict=True))


def test_bus_leaves_when_full() -> None:
    # Six people cross at 541, 542, ..., 546; two buses of 3 seats; 2 min to board a person.
    # Bus 0 boards 541-543, 543-545, 545-547 and leaves full at 547; bus 1 then boards the
    # next three (already waiting) 547-549, 549-551, 551-553 and leaves at 553.
    out = night(expected=6, count=2, seats=3, boarding="2min", departure="when_full")
    assert boardings(out) == [
        (543.0, 0, 0, 1), (545.0, 1, 0, 1), (547.0, 2, 0, 1),
        (549.0, 3, 1, 1), (551.0, 4, 1, 1), (553.0, 5, 1, 1),
    ]
    t = out.trips
    assert t.bus.tolist() == [0, 1]
    assert_array_equal(t.load_start, [541.0, 547.0])
    assert_array_equal(t.depart, [547.0, 553.0])
    assert t.people.tolist() == [3, 3]
    assert out.left_by_bus == 6
    assert out.left_waiting == 0
    assert out.buses_used == 2


def test_convoy_waits_until_every_bus_is_full() -> None:
    # The same night as a convoy: bus 0 is full at 547 but waits for bus 1 (full at 553).
    out = night(expected=6, count=2, seats=3, boarding="2min", departure="convoy")
    assert_array_equal(out.groups.boarded, [543.0, 545.0, 547.0, 549.0, 551.0, 553.0])
    assert_array_equal(out.trips.depart, [553.0, 553.0])
    assert out.trips.people.tolist() == [3, 3]


def test_convoy_leaves_together_when_the_gate_is_done() -> None:
    # Five people for 6 seats: bus 1 boards 547-549, 549-551 and waits. The gate closes at
    # 22:00 (600) with nobody queued; the table stops, the gate is done and the convoy leaves.
    out = night(expected=5, count=2, seats=3, boarding="2min", departure="convoy",
                gate={"close": "22:00"})
    assert_array_equal(out.groups.boarded, [543.0, 545.0, 547.0, 549.0, 551.0])
    assert_array_equal(out.trips.load_start, [541.0, 547.0])
    assert_array_equal(out.trips.depart, [600.0, 600.0])
    assert out.trips.people.tolist() == [3, 2]
    s = out.series
    assert s.departed[s.t == 595.0].item() == 0
    assert s.departed[s.t == 600.0].item() == 5


@pytest.mark.parametrize(
    ("closing", "gate_done"),
    [
        # Five people, 3 min each, closing at 21:08 (548): see test_gate's closing tests.
        ("finish_queue", 555.0),  # the last screening ends at 555
        ("finish_screening", 549.0),  # the one at the table at closing ends at 549
        ("cut_off", 548.0),  # the table stops at closing
    ],
)
def test_convoy_leaves_when_the_closing_rule_has_run(closing: str, gate_done: float) -> None:
    out = night(expected=5, count=2, seats=10, boarding="0s",
                gate={"close": "21:08", "screening_per_person": "3min", "closing": closing})
    assert_array_equal(out.trips.depart, [gate_done])


def test_a_family_that_does_not_fit_waits_for_the_next_bus() -> None:
    # Three families of 3 screened 540-543, 543-546, 546-549; buses of 5 seats, 1 min a person.
    # Bus 0 boards family 0 (543-546); family 1 (3) does not fit the 2 seats left, so bus 0 leaves
    # at 546 with 3. Bus 1 boards family 1 (546-549) and leaves at 549 without family 2.
    out = night(expected=9, group_size=3, count=2, seats=5, boarding="1min",
                departure="when_full", split_families=False)
    assert boardings(out) == [(546.0, 0, 0, 3), (549.0, 1, 1, 3)]
    assert_array_equal(out.trips.depart, [546.0, 549.0])
    assert_array_equal(out.groups.boarded, [546.0, 549.0, NAN])
    assert out.groups.trip.tolist() == [0, 1, -1]
    assert out.crossed == 9
    assert out.left_by_bus == 6
    assert out.left_waiting == 3


def test_families_split_when_allowed() -> None:
    # As above with split_families: two of family 1 fill bus 0 (546-548), which leaves at 548;
    # the third boards bus 1 (548-549), then family 2 (549-552). Bus 1 has a seat left and
    # waits for the gate, done at closing (22:00 = 600).
    out = night(expected=9, group_size=3, count=2, seats=5, boarding="1min",
                departure="when_full", split_families=True, gate={"close": "22:00"})
    assert boardings(out) == [
        (546.0, 0, 0, 3), (548.0, 1, 0, 2), (549.0, 1, 1, 1), (552.0, 2, 1, 3),
    ]
    assert_array_equal(out.trips.depart, [548.0, 600.0])
    assert out.trips.people.tolist() == [5, 4]
    assert_array_equal(out.groups.boarded, [546.0, 549.0, 552.0])
    assert out.groups.trip.tolist() == [0, 1, 1]
    assert out.left_by_bus == 9


@pytest.mark.parametrize("departure", ["when_full", "convoy"])
def test_seats_times_buses_caps_who_leaves_by_bus(departure: str) -> None:
    # 7 people, 2 buses of 2 seats: 4 leave, 3 are left waiting in the holding area.
    out = night(expected=7, count=2, seats=2, boarding="1min", departure=departure)
    assert out.crossed == 7
    assert out.left_by_bus == 4
    assert out.left_waiting == 3
    assert out.buses_used == 2
    assert out.groups.fate.tolist() == [Fate.CROSSED] * 7
    assert_array_equal(out.groups.boarded, [542.0, 543.0, 544.0, 545.0, NAN, NAN, NAN])
    assert out.series.holding[-1] == 3
    assert out.series.departed[-1] == 4


def test_a_bus_comes_back_after_its_turnaround() -> None:
    # One bus of 2 seats, one return trip, 30 min turnaround, 1 min a person. Trip 0 boards
    # 541-542, 542-543 and leaves at 543; back at 573, trip 1 boards 573-575 and leaves at 575.
    out = night(expected=5, count=1, seats=2, boarding="1min", departure="when_full",
                return_trips=1, turnaround="30min")
    t = out.trips
    assert t.bus.tolist() == [0, 0]
    assert_array_equal(t.load_start, [541.0, 573.0])
    assert_array_equal(t.depart, [543.0, 575.0])
    assert t.people.tolist() == [2, 2]
    assert_array_equal(out.groups.boarded, [542.0, 543.0, 574.0, 575.0, NAN])
    assert out.left_by_bus == 4
    assert out.left_waiting == 1
    assert out.buses_used == 1


def test_a_convoy_comes_back_after_its_turnaround() -> None:
    # Two buses of 2 seats, one return trip each. First convoy: bus 0 boards 541-543, bus 1
    # 543-545; both leave at 545, are back at 575 and board 575-579, leaving at 579.
    out = night(expected=10, count=2, seats=2, boarding="1min", departure="convoy",
                return_trips=1, turnaround="30min")
    t = out.trips
    assert t.bus.tolist() == [0, 1, 0, 1]
    assert_array_equal(t.load_start, [541.0, 543.0, 575.0, 577.0])
    assert_array_equal(t.depart, [545.0, 545.0, 579.0, 579.0])
    assert t.people.tolist() == [2, 2, 2, 2]
    assert out.left_by_bus == 8
    assert out.left_waiting == 2


def test_buses_load_only_once_available() -> None:
    # The bus is ready at 21:30 (570): both people (in since 541, 542) board 570-571, 571-572.
    out = night(expected=2, count=1, seats=2, boarding="1min", departure="when_full",
                available="21:30")
    assert_array_equal(out.groups.boarded, [571.0, 572.0])
    assert_array_equal(out.trips.load_start, [570.0])
    assert_array_equal(out.trips.depart, [572.0])


def test_a_split_family_partly_left_behind_has_not_boarded() -> None:
    # One bus of 2 seats for a family of 3 (screened 540-543), split allowed: two board 543-545
    # and the bus leaves full; the third is left waiting. Outcome.groups documents ``boarded``
    # as "when its last member got on a bus" and ``trip`` as "the trip its last member
    # boarded, -1 if none": the family's last member never got on.
    out = night(expected=3, group_size=3, count=1, seats=2, boarding="1min",
                departure="when_full", split_families=True)
    assert boardings(out) == [(545.0, 0, 0, 2)]
    assert out.left_by_bus == 2
    assert out.left_waiting == 1
    assert_array_equal(out.groups.boarded, [NAN])
    assert out.groups.trip.tolist() == [-1]


def test_a_trip_that_carried_nobody_by_the_end_is_not_recorded() -> None:
    # The bus is ready at 06:59 (1139) and boarding one person takes 2 min: nobody is aboard
    # when the night ends at 07:00. Outcome.trips is documented as "one entry per bus trip
    # that carried anyone".
    out = night(expected=1, count=1, seats=2, boarding="2min", available="06:59")
    assert out.crossed == 1
    assert out.boardings.time.size == 0
    assert out.trips.people.tolist() == []
    assert out.left_by_bus == 0
    assert out.left_waiting == 1
