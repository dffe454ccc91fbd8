"""Monotone sanity in deterministic mode: one more screening table, or a gate that closes
later, never lowers the number who cross.

Why it must hold: with first-come-first-served queueing and screening times fixed per
family, each family starts screening no later with c + 1 tables than with c (by induction
over the families in arrival order: the earliest free table is free no later), and a later
closing only lets more families start. The holding area is unlimited here: a full holding
area couples the gate to the buses, where no such ordering is guaranteed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import clock
from crossing_sim import scenario_from_dict, simulate
from crossing_sim.scenario.replay import ArrivalsFile
from crossing_sim.scenario.spec import CLOSING_RULES

OPEN = 9 * 60  # 21:00, minutes after the 12:00 start


@st.composite
def deterministic_nights(draw: st.DrawFn) -> tuple[dict[str, Any], ArrivalsFile]:
    """A replayed list of families, fixed screening times, and a gate."""
    # arrivals bunched around the opening, so that queues form and tables matter
    groups = draw(st.lists(st.tuples(st.integers(0, 90), st.integers(1, 6)), min_size=1,
                           max_size=40))
    groups.sort()
    text = "minutes,size\n" + "".join(f"{OPEN - 30 + t},{s}\n" for t, s in groups)
    close = draw(st.integers(10, 240))
    table = {
        "population": {"expected": sum(s for _, s in groups)},
        "arrivals": {"mode": "replay", "file": "arrivals.csv"},
        "gate": {
            "open": "21:00",
            "close": clock(OPEN + close),
            "lanes": draw(st.integers(1, 4)),
            "screening_per_group": f"{draw(st.integers(0, 120))}s",
            "screening_per_person": f"{draw(st.integers(10, 300))}s",
            "closing": draw(st.sampled_from(CLOSING_RULES)),
        },
        "buses": {"count": 2, "seats": 50},
    }
    if draw(st.booleans()):
        table["gate"]["give_up"] = clock(OPEN + close + draw(st.integers(1, 60)))
    return table, ArrivalsFile("arrivals.csv", text)



def crossed(table: dict[str, Any], replay: ArrivalsFile) -> int:
    return simulate(scenario_from_dict(table, replay), np.random.default_rng(0)).crossed


@settings(max_examples=150, deadline=None)
@given(night=deterministic_nights())
def test_one_more_table_never_lowers_the_crossings(night: tuple[dict[str, Any],
                                                                ArrivalsFile]) -> None:
    table, replay = night
    more = {**table, "gate": {**table["gate"], "lanes": table["gate"]["lanes"] + 1}}
    assert crossed(more, replay) >= crossed(table, replay)


@settings(max_examples=150, deadline=None)
@given(night=deterministic_nights(), later=st.integers(1, 120))
def test_a_longer_window_never_lowers_the_crossings(night: tuple[dict[str, Any],
                                                                 ArrivalsFile],
                                                    later: int) -> None:
    table, replay = night
    close = int(table["gate"]["close"][:2]) * 60 + int(table["gate"]["close"][3:]) - 12 * 60
    close %= 24 * 60
    # only the closing moves; dawn (give_up) stays where it was
    longer = {**table, "gate": {**table["gate"], "close": clock(close + later)}}
    assert crossed(longer, replay) >= crossed(table, replay)
