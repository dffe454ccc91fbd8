"""Who the people are: volunteers, family members and children, counted and screened.

Tiny nights worked out by hand: families of fixed size walk 3 km at 6 km/h from 20:30 and
reach the gate at 21:00 (540 minutes after the 12:00 start), when it opens.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.testing import assert_array_equal

from crossing_sim import Fate, Outcome, Scenario, scenario_from_dict, simulate
from crossing_sim.results.record import measure


def scenario_of(population: dict[str, Any], gate: dict[str, Any] | None = None) -> Scenario:
    return scenario_from_dict({
        "population": population,
        "origins": {"camp": {"share": 1.0, "distance": "3km"}},
        "warning": {"earliest_departure": "20:30"},
        "journey": {"speed": "6km/h"},
        "gate": {"open": "21:00", "screening_per_group": "0s", "screening_per_person": "1min",
                 **(gate or {})},
    })


def night(population: dict[str, Any], gate: dict[str, Any] | None = None) -> Outcome:
    return simulate(scenario_of(population, gate), np.random.default_rng(0))


def test_one_volunteer_a_family_and_every_other_member_a_child() -> None:
    # 10 people in families of 4: 4, 4 and the last cut to 2
    scenario = scenario_of({"expected": 10, "group_size": 4, "volunteers_per_group": 1,
                            "p_child": 1.0})
    out = simulate(scenario, np.random.default_rng(0))
    g = out.groups
    assert g.size.tolist() == [4, 4, 2]
    assert g.volunteers.tolist() == [1, 1, 1]
    assert g.children.tolist() == [3, 3, 1]
    m = measure(out, scenario)
    assert (m["crossed_families"], m["crossed_volunteers"], m["crossed_children"]) == (3, 3, 7)


def test_a_group_smaller_than_its_volunteers_is_all_volunteers() -> None:
    out = night({"expected": 5, "group_size": 2, "volunteers_per_group": 3, "p_child": 1.0})
    assert out.groups.size.tolist() == [2, 2, 1]
    assert out.groups.volunteers.tolist() == [2, 2, 1]
    assert not out.groups.children.any()


def test_children_are_screened_at_their_own_pace() -> None:
    # one family of 4 at 21:00: the volunteer 1 min, three children 10 s each: 1.5 min
    out = night({"expected": 4, "group_size": 4, "volunteers_per_group": 1, "p_child": 1.0},
                {"screening_per_child": "10s"})
    assert_array_equal(out.groups.screen_start, [540.0])
    assert_array_equal(out.groups.screen_end, [541.5])
    assert out.groups.fate.tolist() == [int(Fate.CROSSED)]
    # without the rule a child takes as long as anyone: 4 min
    plain = night({"expected": 4, "group_size": 4, "volunteers_per_group": 1, "p_child": 1.0})
    assert_array_equal(plain.groups.screen_end, [544.0])


def test_without_composition_nobody_is_a_volunteer_or_a_child() -> None:
    out = night({"expected": 6, "group_size": 3})
    assert not out.groups.volunteers.any()
    assert not out.groups.children.any()


def test_children_drawn_with_a_probability_are_about_that_share() -> None:
    out = night({"expected": 20_000, "group_size": 5, "volunteers_per_group": 1, "p_child": 0.6})
    members = out.groups.size - out.groups.volunteers
    share = out.groups.children.sum() / members.sum()
    assert abs(share - 0.6) < 4 * np.sqrt(0.6 * 0.4 / members.sum())  # 4 standard errors
