"""The gate, event by event: tiny nights with fixed numbers, every time worked out by hand.

Every group sets out at ``set_out`` and walks 3 km at 6 km/h (10 minutes a km), so it reaches
the gate exactly 30 minutes later; groups that arrive together queue in the order they were
drawn. Model times are minutes after the 12:00 start clock: 21:00 is 540.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from conftest import clock, fates
from crossing_sim import Fate, Outcome, scenario_from_dict, simulate

NAN = math.nan
CROSSED, TURNED_AWAY, GAVE_UP = Fate.CROSSED, Fate.TURNED_AWAY, Fate.GAVE_UP
OPEN = 540.0  # 21:00



def night(*, expected: int = 1, group_size: int = 1, set_out: str = "20:30",
          gate: dict[str, Any] | None = None, **sections: Any) -> Outcome:
    """Run one night where every group reaches the gate 30 minutes after ``set_out``."""
    raw: dict[str, Any] = {
        "population": {"expected": expected, "group_size": group_size},
        "origins": {"camp": {"share": 1.0, "distance": "3km"}},
        "warning": {"earliest_departure": set_out},
        "journey": {"speed": "6km/h"},
        "gate": {"open": "21:00", "screening_per_group": "0s", "screening_per_person": "1min",
                 **(gate or {})},
        **sections,
    }
    return simulate(scenario_from_dict(raw), np.random.default_rng(0))



# --- screening ---------------------------------------------------------------------------------


def test_one_group_one_lane() -> None:
    # A family of 3 reaches the gate at 21:22 (562); 2 min for the family + 3 x 1 min.
    out = night(expected=3, group_size=3, set_out="20:52",
                gate={"screening_per_group": "2min", "screening_per_person": "1min"})
    g = out.groups
    assert g.size.tolist() == [3]
    assert_array_equal(g.arrive, [562.0])
    assert_array_equal(g.left_queue, [562.0])
    assert_array_equal(g.screen_start, [562.0])
    assert_array_equal(g.screen_end, [567.0])
    assert fates(out) == [CROSSED]
    assert out.crossed == 3


def test_groups_queue_first_come_first_served() -> None:
    # 10 people in families of 3 -> sizes 3, 3, 3, 1, all at the gate at opening, 1 min a person.
    out = night(expected=10, group_size=3)
    g = out.groups
    assert g.size.tolist() == [3, 3, 3, 1]
    assert_array_equal(g.arrive, [OPEN] * 4)
    assert_array_equal(g.screen_start, [540.0, 543.0, 546.0, 549.0])
    assert_array_equal(g.screen_end, [543.0, 546.0, 549.0, 550.0])
    assert fates(out) == [CROSSED] * 4


def test_queue_order_is_arrival_order() -> None:
    # Sizes 2, 2, 1. With size_slowdown 0.5 a pair walks at 6 / 1.5 = 4 km/h (45 min for 3 km),
    # the single person at 6 km/h (30 min). All set out at 21:00 (540): the single arrives at
    # 570 and is screened first, 570-590 (20 min a person); the pairs arrive at 585, and wait.
    out = night(expected=5, group_size=2, set_out="21:00",
                journey={"speed": "6km/h", "size_slowdown": 0.5},
                gate={"screening_per_person": "20min"})
    g = out.groups
    assert g.size.tolist() == [2, 2, 1]
    assert_array_equal(g.arrive, [585.0, 585.0, 570.0])
    assert_array_equal(g.screen_start, [590.0, 630.0, 570.0])
    assert_array_equal(g.screen_end, [630.0, 670.0, 590.0])
    assert fates(out) == [CROSSED] * 3


def test_two_lanes_screen_side_by_side() -> None:
    # Sizes 3, 3, 3, 1 at opening, two tables: the first two families together, then the next
    # two as tables come free at 543.
    out = night(expected=10, group_size=3, gate={"lanes": 2})
    g = out.groups
    assert_array_equal(g.screen_start, [540.0, 540.0, 543.0, 543.0])
    assert_array_equal(g.screen_end, [543.0, 543.0, 546.0, 544.0])
    assert fates(out) == [CROSSED] * 4


def test_groups_arriving_before_opening_wait_for_it() -> None:
    # Two people at the gate at 20:30 (510); the gate opens at 21:00; 4 min a person.
    out = night(expected=2, set_out="20:00", series_step="5min",
                gate={"screening_per_person": "4min"})
    g = out.groups
    assert_array_equal(g.arrive, [510.0, 510.0])
    assert_array_equal(g.left_queue, [540.0, 544.0])
    assert_array_equal(g.screen_start, [540.0, 544.0])
    assert_array_equal(g.screen_end, [544.0, 548.0])
    s = out.series
    at = {float(t): i for i, t in enumerate(s.t)}
    assert s.queue[at[505.0]] == 0
    assert s.queue[at[510.0]] == 2  # waiting before opening counts as queueing
    assert s.queue[at[535.0]] == 2
    assert s.queue[at[540.0]] == 1
    assert s.queue[at[545.0]] == 0
    assert s.crossed[at[540.0]] == 0
    assert s.crossed[at[545.0]] == 1
    assert s.crossed[at[550.0]] == 2


def test_refused_when_not_on_the_list() -> None:
    # Refused families still take their screening time, but do not cross or board.
    out = night(expected=2, gate={"p_not_on_list": 1.0})
    g = out.groups
    assert fates(out) == [Fate.REFUSED, Fate.REFUSED]
    assert_array_equal(g.screen_start, [540.0, 541.0])
    assert_array_equal(g.screen_end, [541.0, 542.0])
    assert out.crossed == 0
    assert out.boardings.time.size == 0
    assert out.left_by_bus == 0
    assert out.series.crossed.max() == 0
    assert out.series.holding.max() == 0


# --- closing -----------------------------------------------------------------------------------
# Five people at the gate at opening, 3 min each, one table, the gate closes at 21:08 (548):
# 540-543 and 543-546 finish before closing; the third person is at the table 546-549 when it
# closes; two are still queued.


def closing_night(rule: str, **gate: Any) -> Outcome:
    return night(expected=5, gate={"close": "21:08", "screening_per_person": "3min",
                                   "closing": rule, **gate})


def test_finish_queue_screens_everyone_queued() -> None:
    out = closing_night("finish_queue")
    g = out.groups
    assert fates(out) == [CROSSED] * 5
    assert_array_equal(g.screen_start, [540.0, 543.0, 546.0, 549.0, 552.0])
    assert_array_equal(g.screen_end, [543.0, 546.0, 549.0, 552.0, 555.0])


def test_finish_screening_finishes_the_table_and_turns_the_queue_away() -> None:
    out = closing_night("finish_screening")
    g = out.groups
    assert fates(out) == [CROSSED, CROSSED, CROSSED, TURNED_AWAY, TURNED_AWAY]
    assert_array_equal(g.left_queue, [540.0, 543.0, 546.0, 548.0, 548.0])
    assert_array_equal(g.screen_start, [540.0, 543.0, 546.0, NAN, NAN])
    assert_array_equal(g.screen_end, [543.0, 546.0, 549.0, NAN, NAN])


def test_cut_off_stops_at_once() -> None:
    # The third person's screening would end at 549, after closing: it is stopped at 548.
    out = closing_night("cut_off")
    g = out.groups
    assert fates(out) == [CROSSED, CROSSED, TURNED_AWAY, TURNED_AWAY, TURNED_AWAY]
    assert_array_equal(g.left_queue, [540.0, 543.0, 546.0, 548.0, 548.0])
    assert_array_equal(g.screen_start, [540.0, 543.0, 546.0, NAN, NAN])
    assert_array_equal(g.screen_end, [543.0, 546.0, NAN, NAN, NAN])
    assert out.crossed == 2


def test_cut_off_lets_a_screening_that_ends_at_closing_finish() -> None:
    # Closing at 21:09 (549): the third screening ends exactly at closing, so it counts.
    out = closing_night("cut_off", close="21:09")
    assert fates(out) == [CROSSED, CROSSED, CROSSED, TURNED_AWAY, TURNED_AWAY]
    assert_array_equal(out.groups.screen_end, [543.0, 546.0, 549.0, NAN, NAN])


@pytest.mark.parametrize("rule", ["finish_queue", "finish_screening", "cut_off"])
def test_arrivals_after_closing_are_too_late(rule: str) -> None:
    # The gate closes at 21:20 (560); arriving exactly then is already too late.
    for set_out in ("20:50", "21:00"):
        out = night(expected=2, set_out=set_out, gate={"close": "21:20", "closing": rule})
        assert fates(out) == [Fate.TOO_LATE, Fate.TOO_LATE]
        assert np.isnan(out.groups.left_queue).all()
        assert np.isnan(out.groups.screen_start).all()
        assert out.series.queue.max() == 0
    # One minute earlier one person is in time (screened 559-560, ending as the gate closes).
    out = night(expected=1, set_out="20:49", gate={"close": "21:20", "closing": rule})
    assert fates(out) == [CROSSED]
    assert_array_equal(out.groups.screen_end, [560.0])


# --- dawn --------------------------------------------------------------------------------------


def test_dawn_clears_the_queue_left_after_closing() -> None:
    # finish_queue keeps screening after 21:08; at dawn (21:10 = 550) the fifth person, still
    # queued, leaves; the fourth, at the table since 549, finishes at 552.
    out = closing_night("finish_queue", give_up="21:10")
    g = out.groups
    assert fates(out) == [CROSSED, CROSSED, CROSSED, CROSSED, GAVE_UP]
    assert_array_equal(g.left_queue, [540.0, 543.0, 546.0, 549.0, 550.0])
    assert_array_equal(g.screen_end, [543.0, 546.0, 549.0, 552.0, NAN])


def test_dawn_before_closing_clears_the_queue() -> None:
    # Dawn at 21:05 (545), closing at 22:00: the second person is at the table (543-546).
    out = closing_night("finish_screening", close="22:00", give_up="21:05")
    g = out.groups
    assert fates(out) == [CROSSED, CROSSED, GAVE_UP, GAVE_UP, GAVE_UP]
    assert_array_equal(g.left_queue, [540.0, 543.0, 545.0, 545.0, 545.0])
    assert_array_equal(g.screen_end, [543.0, 546.0, NAN, NAN, NAN])


def test_groups_arriving_after_dawn_do_not_queue() -> None:
    # Dawn at 21:10, closing at 22:00; both arrive at 21:30 (570).
    out = night(expected=2, set_out="21:00", gate={"close": "22:00", "give_up": "21:10"})
    assert fates(out) == [GAVE_UP, GAVE_UP]
    assert np.isnan(out.groups.left_queue).all()
    assert out.series.queue.max() == 0


# --- holding area ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "starts", "ends"),
    [
        # No limit: four people screened back to back, 1 min each.
        ("unlimited", [540.0, 541.0, 542.0, 543.0], [541.0, 542.0, 543.0, 544.0]),
        # Room for 2: the gate stops at 542 with two inside. The bus comes at 21:30 (570) and
        # boards 2 min a person: one seat taken at 572 frees room for the third (572-573), the
        # next at 574 for the fourth (574-575).
        (2, [540.0, 541.0, 572.0, 574.0], [541.0, 542.0, 573.0, 575.0]),
    ],
)
def test_full_holding_area_stops_the_gate(capacity: object, starts: list[float],
                                          ends: list[float]) -> None:
    out = night(expected=4, holding={"capacity": capacity}, series_step="1min",
                buses={"count": 1, "seats": 10, "boarding": "2min", "available": "21:30"})
    g = out.groups
    assert fates(out) == [CROSSED] * 4
    assert_array_equal(g.screen_start, starts)
    assert_array_equal(g.screen_end, ends)
    # Either way the bus boards them one after another from 21:30.
    assert_array_equal(g.boarded, [572.0, 574.0, 576.0, 578.0])
    if capacity == 2:
        assert out.series.holding.max() == 2


def test_holding_area_with_a_bus_already_loading() -> None:
    # Room for 2, the bus is ready at opening and boards 2 min a person. 541: first person in,
    # boards 541-543. 542: second in; the third must wait for room until 543 (543-544), the
    # fourth until 545 (545-546).
    out = night(expected=4, holding={"capacity": 2}, gate={"close": "22:00"},
                buses={"count": 1, "seats": 10, "boarding": "2min"})
    g = out.groups
    assert_array_equal(g.screen_start, [540.0, 541.0, 543.0, 545.0])
    assert_array_equal(g.screen_end, [541.0, 542.0, 544.0, 546.0])
    assert_array_equal(g.boarded, [543.0, 545.0, 547.0, 549.0])
    # The gate is done at closing (22:00 = 600); the part-full bus then leaves.
    assert_array_equal(out.trips.depart, [600.0])


def test_refused_families_give_back_their_room() -> None:
    # Room for 1 and nobody on the list: each refusal frees the room for the next person, so
    # the gate never stops (no bus is needed).
    out = night(expected=3, holding={"capacity": 1}, gate={"p_not_on_list": 1.0})
    assert fates(out) == [Fate.REFUSED] * 3
    assert_array_equal(out.groups.screen_start, [540.0, 541.0, 542.0])


# --- the deterministic window ------------------------------------------------------------------
# Everyone (groups of 1) is at the gate at opening, each takes s minutes, c tables work for a
# window of W minutes. The tables move in step: person i starts at open + (i // c) * s. Under
# cut_off a person crosses only if their screening ends by closing, (i // c + 1) * s <= W, so
# c * floor(W / s) cross - not floor(c * W / s): a table cannot pool its leftover minutes with
# another's. Under finish_screening everyone who starts before closing (k * s < W) crosses:
# c * ceil(W / s). Under finish_queue everyone does.


def window_night(lanes: int, window: int, s: int, people: int, rule: str) -> Outcome:
    return night(expected=people, gate={"lanes": lanes, "close": clock(OPEN + window),
                                        "screening_per_person": f"{s}min", "closing": rule})


@pytest.mark.parametrize(
    ("lanes", "window", "s", "crossed"),
    [
        (1, 10, 3, 3),
        (2, 10, 4, 4),  # floor(2 * 10 / 4) would be 5
        (3, 10, 4, 6),  # floor(3 * 10 / 4) would be 7
        (2, 12, 4, 6),  # the window ends exactly as the third round ends
        (3, 5, 7, 0),  # nobody can be screened in time
    ],
)
def test_cut_off_window_worked_examples(lanes: int, window: int, s: int, crossed: int) -> None:
    out = window_night(lanes, window, s, 20, "cut_off")
    assert out.crossed == crossed
    assert out.people_by_fate()[TURNED_AWAY] == 20 - crossed


@settings(max_examples=60, deadline=None)
@given(lanes=st.integers(1, 3), window=st.integers(1, 90), s=st.integers(1, 15),
       people=st.integers(1, 30),
       rule=st.sampled_from(["finish_queue", "finish_screening", "cut_off"]))
def test_deterministic_window(lanes: int, window: int, s: int, people: int, rule: str) -> None:
    out = window_night(lanes, window, s, people, rule)
    full_rounds, started_rounds = window // s, -(-window // s)
    if rule == "cut_off":
        crossed, started = min(people, lanes * full_rounds), min(people, lanes * started_rounds)
    elif rule == "finish_screening":
        crossed = started = min(people, lanes * started_rounds)
    else:
        crossed = started = people
    assert out.crossed == crossed
    assert out.people_by_fate()[TURNED_AWAY] == people - crossed
    i = np.arange(people)
    start = np.where(i < started, OPEN + (i // lanes) * s, NAN)
    assert_array_equal(out.groups.screen_start, start)
    assert_array_equal(out.groups.screen_end, np.where(i < crossed, start + s, NAN))
