"""Before the gate: families, the message, departures and the walk, with fixed numbers.

Unless a test says otherwise the message is sent 48 h before the 12:00 start and heard at
once, so every group is ready long before ``earliest_departure`` (20:00 = 480 here) and sets
out then, walking 3 km at 4 km/h (15 minutes a km): 45 minutes, at the gate at 20:45 (525).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from conftest import fates
from crossing_sim import Fate, Outcome, scenario_from_dict, simulate

NAN = math.nan
SET_OUT = 480.0  # 20:00


def night(*, expected: int = 2, group_size: Any = 1, seed: int = 0,
          route: dict[str, Any] | None = None, **sections: Any) -> Outcome:
    raw: dict[str, Any] = {
        "population": {"expected": expected, "group_size": group_size},
        "origins": {"camp": {"share": 1.0, "distance": "3km", **(route or {})}},
        "warning": {"earliest_departure": "20:00", **sections.pop("warning", {})},
        "journey": {"speed": "4km/h", **sections.pop("journey", {})},
        **sections,
    }
    return simulate(scenario_from_dict(raw), np.random.default_rng(seed))



# --- families ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "group_size", "sizes"),
    [
        (10, 3, [3, 3, 3, 1]),  # the last family is cut to fit
        (9, 3, [3, 3, 3]),
        (1, 4, [1]),
        (7, 1, [1] * 7),
    ],
)
def test_fixed_family_size(expected: int, group_size: int, sizes: list[int]) -> None:
    out = night(expected=expected, group_size=group_size)
    assert out.groups.size.tolist() == sizes
    assert out.people_by_fate().sum() == expected


@pytest.mark.parametrize("seed", range(20))
def test_drawn_family_sizes_add_up_to_expected(seed: int) -> None:
    out = night(expected=53, group_size={"dist": "choice", "values": [2, 5, 7]}, seed=seed)
    size = out.groups.size
    assert size.sum() == 53
    assert set(size[:-1].tolist()) <= {2, 5, 7}  # only the last family may be cut
    assert 1 <= size[-1] <= 7


# --- the message -------------------------------------------------------------------------------


def test_nobody_hears_the_message() -> None:
    out = night(expected=3, warning={"p_reach": 0.0, "p_decline": 1.0})
    assert fates(out) == [Fate.NO_MESSAGE] * 3
    assert np.isnan(out.groups.heard).all()
    assert np.isnan(out.groups.depart).all()
    assert np.isnan(out.groups.arrive).all()
    assert out.people_by_fate()[Fate.NO_MESSAGE] == 3


def test_everyone_hears_and_declines() -> None:
    # Sent 48 h before the start (-2880) and heard 30 min later.
    out = night(expected=3, warning={"p_reach": 1.0, "p_decline": 1.0, "hearing_delay": "30min"})
    assert fates(out) == [Fate.DECLINED] * 3
    assert_array_equal(out.groups.heard, [-2850.0] * 3)
    assert np.isnan(out.groups.depart).all()
    assert np.isnan(out.groups.arrive).all()


def test_everyone_hears_and_goes() -> None:
    out = night(expected=3, warning={"p_reach": 1.0, "p_decline": 0.0})
    assert fates(out) == [Fate.CROSSED] * 3
    assert_array_equal(out.groups.depart, [SET_OUT] * 3)


@pytest.mark.parametrize(
    ("preparation", "depart"),
    [
        ("0min", 465.0),  # ready at 19:00, held back until earliest_departure 19:45
        ("1h", 480.0),  # ready at 20:00, after earliest_departure: leaves when ready
    ],
)
def test_earliest_departure(preparation: str, depart: float) -> None:
    # Sent at 10:00 (2 h before the start), heard 9 h later: 19:00 (420).
    out = night(warning={"lead": "2h", "hearing_delay": "9h", "preparation": preparation,
                         "earliest_departure": "19:45"})
    assert_array_equal(out.groups.heard, [420.0, 420.0])
    assert_array_equal(out.groups.depart, [depart, depart])
    assert_array_equal(out.groups.arrive, [depart + 45.0, depart + 45.0])


# --- the walk ----------------------------------------------------------------------------------


def test_travel_time_is_distance_over_speed() -> None:
    out = night()
    assert_array_equal(out.groups.depart, [SET_OUT, SET_OUT])
    assert_array_equal(out.groups.arrive, [525.0, 525.0])


def test_route_speed_factor() -> None:
    # 4 km/h x 1.5 = 6 km/h: 10 minutes a km, 30 minutes for 3 km.
    out = night(route={"speed_factor": 1.5})
    assert_array_equal(out.groups.arrive, [510.0, 510.0])


def test_size_slowdown() -> None:
    # Families of 3 and 1; slowdown 0.5: the family of 3 walks at 4 / (1 + 0.5 x 2) = 2 km/h
    # (90 minutes), the single person at 4 km/h (45 minutes).
    out = night(expected=4, group_size=3, journey={"size_slowdown": 0.5})
    assert out.groups.size.tolist() == [3, 1]
    assert_array_equal(out.groups.arrive, [570.0, 525.0])


def test_checkpoint_delay_is_added() -> None:
    out = night(route={"checkpoints": [{"at": "1km", "p_stop": 0.0, "delay": "12min"}]})
    assert fates(out) == [Fate.CROSSED, Fate.CROSSED]
    assert_array_equal(out.groups.arrive, [537.0, 537.0])


def test_checkpoint_lets_everyone_through_by_default() -> None:
    # p_stop defaults to 0 (the schema writes it "as in files"): only the delay applies.
    out = night(route={"checkpoints": [{"at": "1km", "delay": "12min"}]})
    assert fates(out) == [Fate.CROSSED, Fate.CROSSED]
    assert_array_equal(out.groups.arrive, [537.0, 537.0])


def test_stopped_at_a_checkpoint() -> None:
    out = night(route={"checkpoints": [{"at": "1km", "p_stop": 1.0, "delay": "12min"}]})
    assert fates(out) == [Fate.STOPPED, Fate.STOPPED]
    assert_array_equal(out.groups.depart, [SET_OUT, SET_OUT])
    assert np.isnan(out.groups.arrive).all()
    assert out.people_by_fate()[Fate.STOPPED] == 2


@pytest.mark.parametrize(
    ("after", "fate"),
    [
        ("20:29", Fate.BLOCKED),  # the cut point (2 km) is reached at 20:30 (510)
        ("20:30", Fate.BLOCKED),  # cut as the group gets there
        ("20:31", Fate.CROSSED),  # past it a minute before the fighting
    ],
)
def test_road_cut(after: str, fate: Fate) -> None:
    out = night(route={"road_cut": {"at": "2km", "after": after}})
    assert fates(out) == [fate, fate]
    if fate == Fate.BLOCKED:
        assert np.isnan(out.groups.arrive).all()
    else:
        assert_array_equal(out.groups.arrive, [525.0, 525.0])


@pytest.mark.parametrize(
    ("delay", "fate"),
    [
        ("0min", Fate.CROSSED),  # at the cut (2 km) at 20:30, before it is cut at 20:35
        ("10min", Fate.BLOCKED),  # held 10 min at the checkpoint (1 km): at the cut at 20:40
    ],
)
def test_checkpoint_delay_comes_before_a_road_cut_further_on(delay: str, fate: Fate) -> None:
    out = night(route={"checkpoints": [{"at": "1km", "p_stop": 0.0, "delay": delay}],
                       "road_cut": {"at": "2km", "after": "20:35"}})
    assert fates(out) == [fate, fate]


@pytest.mark.parametrize(
    ("checkpoint_at", "fate"),
    [
        ("0.5km", Fate.STOPPED),  # the checkpoint comes first
        ("2.5km", Fate.BLOCKED),  # the road is cut at 1 km from 20:00: blocked first
    ],
)
def test_hazards_are_met_in_order_of_distance(checkpoint_at: str, fate: Fate) -> None:
    out = night(route={"checkpoints": [{"at": checkpoint_at, "p_stop": 1.0}],
                       "road_cut": {"at": "1km", "after": "20:00"}})
    assert fates(out) == [fate, fate]


def test_checkpoints_listed_out_of_order_are_walked_in_order() -> None:
    # The far checkpoint stops everyone, the near one only delays: the delay still applies
    # before the stop, and nobody reaches the gate.
    out = night(route={"checkpoints": [{"at": "2km", "p_stop": 1.0},
                                       {"at": "1km", "p_stop": 0.0, "delay": "5min"}]})
    assert fates(out) == [Fate.STOPPED, Fate.STOPPED]
    out = night(route={"checkpoints": [{"at": "2km", "p_stop": 0.0, "delay": "7min"},
                                       {"at": "1km", "p_stop": 0.0, "delay": "5min"}]})
    assert_array_equal(out.groups.arrive, [537.0, 537.0])


@pytest.mark.parametrize(
    ("distance", "fate", "arrive"),
    [
        # 2 km/h is 30 minutes a km; set out at 20:00 (480); the gate closes at 04:00 (960),
        # the night ends at 07:00 (1140).
        ("15km", Fate.CROSSED, 930.0),
        ("16km", Fate.TOO_LATE, 960.0),  # arrives exactly at closing
        ("21.5km", Fate.TOO_LATE, 1125.0),
        ("22km", Fate.EN_ROUTE, 1140.0),  # arrives exactly at the end: still on the road
        ("40km", Fate.EN_ROUTE, 1680.0),
    ],
)
def test_arrival_time_decides_the_fate(distance: str, fate: Fate, arrive: float) -> None:
    out = night(route={"distance": distance}, journey={"speed": "2km/h"})
    assert fates(out) == [fate, fate]
    assert_array_equal(out.groups.arrive, [arrive, arrive])
    assert out.people_by_fate()[fate] == 2
