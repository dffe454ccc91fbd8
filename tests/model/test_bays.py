"""Several loading points (``buses.loading_points``): tiny nights worked out by hand.

As in test_buses: everyone is at the gate when it opens at 21:00 (540) and one table screens
1 minute a person, so the family screened k-th (counting people) is in the holding area
1 minute per person later; the buses are ready at 540. Every night runs both ways (loaded
after the night, and by the SimPy loader with a holding capacity no night reaches), which
must give the same records.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from crossing_sim import Outcome, scenario_from_dict, simulate

NAN = math.nan


def nights(*, expected: int, group_size: int = 1, gate: dict[str, Any] | None = None,
           **buses: Any) -> Outcome:
    """The night loaded after the run, checked equal to the SimPy loader's night."""
    outs = []
    for capacity in ("unlimited", 10**6):
        raw: dict[str, Any] = {
            "population": {"expected": expected, "group_size": group_size},
            "origins": {"camp": {"share": 1.0, "distance": "3km"}},
            "warning": {"earliest_departure": "20:30"},
            "journey": {"speed": "6km/h"},  # 30 minutes: at the gate at 21:00
            "gate": {"open": "21:00", "screening_per_group": "0s",
                     "screening_per_person": "1min", **(gate or {})},
            "holding": {"capacity": capacity},
            "buses": {"available": "21:00", **buses},
        }
        outs.append(simulate(scenario_from_dict(raw), np.random.default_rng(0)))
    after, during = outs
    for part in ("boardings", "trips", "groups"):
        for name, value in vars(getattr(after, part)).items():
            assert_array_equal(value, getattr(getattr(during, part), name), err_msg=name)
    return after


def boardings(out: Outcome) -> list[tuple[float, int, int, int]]:
    """The boarding log: (time, group, trip, people)."""
    b = out.boardings
    return list(zip(b.time.tolist(), b.group.tolist(), b.trip.tolist(), b.people.tolist(),
                    strict=True))


def test_two_bays_board_two_people_at_once() -> None:
    # Six people cross at 541..546; three buses of 2 seats, 3 min to board a person. Bay 0
    # boards 541-544, bay 1 542-545; the third (in at 543) takes bay 0 when it is free at 544,
    # the fourth bay 1 at 545. Bus 0 is full at 547 and leaves; bus 2 takes bay 0 and boards
    # the fifth (waiting since 545) 547-550. Bus 1 is full at 548 and leaves; no bus is left
    # for bay 1. The sixth boards bus 2 550-553. (One bay would have taken until 559.)
    out = nights(expected=6, count=3, seats=2, boarding="3min", departure="when_full",
                 loading_points=2)
    assert boardings(out) == [
        (544.0, 0, 0, 1), (545.0, 1, 1, 1), (547.0, 2, 0, 1),
        (548.0, 3, 1, 1), (550.0, 4, 2, 1), (553.0, 5, 2, 1),
    ]
    t = out.trips
    assert t.bus.tolist() == [0, 1, 2]
    assert_array_equal(t.load_start, [541.0, 542.0, 547.0])
    assert_array_equal(t.depart, [547.0, 548.0, 553.0])
    assert t.people.tolist() == [2, 2, 2]
    assert out.left_by_bus == 6


def test_a_convoy_bus_that_is_full_gives_its_bay_to_the_next() -> None:
    # The same six people (2 min to board) for a convoy of three buses of 2 seats at two bays.
    # Buses 0 and 1 take the bays at 540. Bay 0 boards 541-543 and 543-545, bay 1 542-544 and
    # 544-546; bus 0 is full at 545 and parks, bus 2 takes bay 0 and boards 545-547; bus 1 is
    # full at 546 (nothing is left for bay 1); the sixth, in at 546, boards bus 2 547-549.
    # Bus 2 is the last to fill: the convoy leaves at 549.
    out = nights(expected=6, count=3, seats=2, boarding="2min", departure="convoy",
                 loading_points=2)
    assert boardings(out) == [
        (543.0, 0, 0, 1), (544.0, 1, 1, 1), (545.0, 2, 0, 1),
        (546.0, 3, 1, 1), (547.0, 4, 2, 1), (549.0, 5, 2, 1),
    ]
    t = out.trips
    assert t.bus.tolist() == [0, 1, 2]
    assert_array_equal(t.load_start, [541.0, 542.0, 545.0])
    assert_array_equal(t.depart, [549.0] * 3)


@pytest.mark.parametrize(("departure", "depart"), [("convoy", [561.0, 561.0]),
                                                   ("when_full", [561.0, 552.0])])
def test_once_the_gate_is_done_a_bus_leaves_when_its_boarding_ends(
        departure: str, depart: list[float]) -> None:
    # Three people in at 541, 542, 543; 10 min to board a person; two buses of 5 seats at two
    # bays. The gate closes at 21:04 (544) with nobody queued: it is done. Bay 0 boards
    # 541-551, bay 1 542-552; the third waits for bay 0 and boards 551-561. At 552 nobody is
    # waiting and the gate is done: bus 1 has taken its last (when_full: it leaves at 552),
    # bus 0 at 561; a convoy leaves when the last boarding ends, at 561.
    out = nights(expected=3, count=2, seats=5, boarding="10min", departure=departure,
                 loading_points=2, gate={"close": "21:04"})
    assert boardings(out) == [(551.0, 0, 0, 1), (552.0, 1, 1, 1), (561.0, 2, 0, 1)]
    assert out.trips.bus.tolist() == [0, 1]
    assert out.trips.people.tolist() == [2, 1]
    assert_array_equal(out.trips.depart, depart)


def test_a_family_that_does_not_fit_closes_the_bus_it_is_offered() -> None:
    # Families of 3 in at 543, 546, 549, 552; three buses of 5 seats at two bays, 1 min a
    # person. While they come slowly bay 0 takes them all: family 0 boards bus 0 543-546;
    # family 1 does not fit its 2 seats, so bus 0 leaves at 546 and bus 2 takes bay 0 for
    # family 1 (546-549); family 2 does not fit bus 2 (which leaves at 549) and goes to bay 1,
    # bus 1 (549-552); family 3 does not fit bus 1, which leaves at 552; no bus is left.
    out = nights(expected=12, group_size=3, count=3, seats=5, boarding="1min",
                 departure="when_full", loading_points=2)
    assert boardings(out) == [(546.0, 0, 0, 3), (549.0, 1, 1, 3), (552.0, 2, 2, 3)]
    t = out.trips
    assert t.bus.tolist() == [0, 2, 1]
    assert_array_equal(t.load_start, [543.0, 546.0, 549.0])
    assert_array_equal(t.depart, [546.0, 549.0, 552.0])
    assert out.groups.trip.tolist() == [0, 1, 2, -1]
    assert out.left_waiting == 3


def test_a_split_family_boards_two_buses_at_once() -> None:
    # One family of 5, in at 545; buses of 3 seats at two bays, split allowed, 1 min a person.
    # Three board bus 0 at bay 0 (545-548) while the other two board bus 1 at bay 1 (545-547).
    # The family has boarded when the last of it got on: at 548, on bus 0's trip (trip 1, as
    # bus 1's trip was recorded first, at 547). Bus 0 is full and leaves at 548; bus 1 waits
    # for the gate, done at closing (22:00 = 600).
    out = nights(expected=5, group_size=5, count=2, seats=3, boarding="1min",
                 departure="when_full", split_families=True, loading_points=2,
                 gate={"close": "22:00"})
    assert boardings(out) == [(547.0, 0, 0, 2), (548.0, 0, 1, 3)]
    t = out.trips
    assert t.bus.tolist() == [1, 0]
    assert_array_equal(t.load_start, [545.0, 545.0])
    assert_array_equal(t.depart, [600.0, 548.0])
    assert_array_equal(out.groups.boarded, [548.0])
    assert out.groups.trip.tolist() == [1]


def test_a_bus_back_from_its_turnaround_takes_the_free_bay() -> None:
    # One bus of 2 seats with a return trip (30 min), another of 2 seats, two bays, 1 min a
    # person, when_full; five people in at 541..545. Bay 0: bus 0 boards 541-542, 542-543 and
    # leaves at 543 (back at 573); bay 0 then waits for the bus ready first: bus 0 at 573, as
    # bus 1 is at bay 1. Bay 1: bus 1 boards the third 543-544 and the fourth 544-545 and
    # leaves at 545; the fifth waits until bus 0 is back at bay 0 and boards 573-574.
    out = nights(expected=5, count=2, seats=2, boarding="1min", departure="when_full",
                 return_trips=1, turnaround="30min", loading_points=2,
                 gate={"close": "22:00"})
    t = out.trips
    assert t.bus.tolist() == [0, 1, 0]
    assert_array_equal(t.load_start, [541.0, 543.0, 573.0])
    assert_array_equal(t.depart, [543.0, 545.0, 600.0])
    assert_array_equal(out.groups.boarded, [542.0, 543.0, 544.0, 545.0, 574.0])


def test_a_convoy_comes_back_and_loads_at_both_bays() -> None:
    # Two buses of 2 seats at two bays, one return trip each (30 min), 1 min a person; ten
    # people in at 541..550. First convoy: while they come one a minute bay 0 takes them
    # (bus 0: 541-542, 542-543, full) and then bay 1 (bus 1: 543-544, 544-545): it leaves at
    # 545. Back at 575 with six waiting, both bays board at once: 575-576 and 576-577 each,
    # so the convoy leaves at 577 (one bay would take until 579); two are left waiting.
    out = nights(expected=10, count=2, seats=2, boarding="1min", departure="convoy",
                 return_trips=1, turnaround="30min", loading_points=2)
    t = out.trips
    assert t.bus.tolist() == [0, 1, 0, 1]
    assert_array_equal(t.load_start, [541.0, 543.0, 575.0, 575.0])
    assert_array_equal(t.depart, [545.0, 545.0, 577.0, 577.0])
    assert_array_equal(out.groups.boarded,
                       [542.0, 543.0, 544.0, 545.0, 576.0, 576.0, 577.0, 577.0, NAN, NAN])
    assert out.left_by_bus == 8
    assert out.left_waiting == 2
