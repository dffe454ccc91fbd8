"""A replication is fixed by its Generator alone: same seed, same night; other seed, other night."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pytest

from crossing_sim import (
    Outcome,
    Scenario,
    replication_streams,
    run_replications,
    scenario_from_dict,
    simulate,
)

# Randomness everywhere: family sizes, two origins, the message, the walk, the checkpoint,
# screening, the list, boarding.
RANDOM_NIGHT: dict[str, Any] = {
    "population": {"expected": 120,
                   "group_size": {"dist": "choice", "values": [1, 2, 3, 4]}},
    "origins": {
        "near": {"share": 0.6, "distance": "2km",
                 "checkpoints": [{"at": "1km", "p_stop": 0.1,
                                  "delay": {"dist": "uniform", "low": "0min", "high": "20min"}}]},
        "far": {"share": 0.4, "distance": "6km"},
    },
    "warning": {"p_reach": 0.9, "p_decline": 0.05,
                "hearing_delay": {"dist": "exponential", "mean": "10h"},
                "preparation": {"dist": "triangular", "low": "0h", "mode": "1h", "high": "3h"}},
    "journey": {"speed": {"dist": "uniform", "low": "1.5km/h", "high": "3km/h"}},
    "gate": {"open": "21:00", "close": "01:00", "lanes": 2, "p_not_on_list": 0.05,
             "screening_per_person": {"dist": "lognormal", "mean": "2min", "sd": "1min"}},
    "buses": {"count": 2, "seats": 30, "return_trips": 1, "turnaround": "2h",
              "boarding": {"dist": "uniform", "low": "2s", "high": "8s"}},
}


def arrays(out: Outcome) -> dict[str, np.ndarray]:
    """Every array of an outcome, by name."""
    found = {}
    for part in ("groups", "trips", "boardings", "series"):
        record = getattr(out, part)
        for f in fields(record):
            found[f"{part}.{f.name}"] = getattr(record, f.name)
    return found


def assert_same(a: Outcome, b: Outcome) -> None:
    left, right = arrays(a), arrays(b)
    assert left.keys() == right.keys()
    for name in left:
        np.testing.assert_array_equal(left[name], right[name], err_msg=name)
        assert left[name].dtype == right[name].dtype, name


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return scenario_from_dict(RANDOM_NIGHT)


def test_same_seed_same_night(scenario: Scenario) -> None:
    a = simulate(scenario, np.random.default_rng(12345))
    b = simulate(scenario, np.random.default_rng(12345))
    assert_same(a, b)
    assert a.crossed > 0  # the night is not trivially empty
    assert a.trips.bus.size > 0


def test_different_seeds_different_nights(scenario: Scenario) -> None:
    a = simulate(scenario, np.random.default_rng(1))
    b = simulate(scenario, np.random.default_rng(2))
    assert not np.array_equal(a.groups.size, b.groups.size) or not np.array_equal(
        a.groups.arrive, b.groups.arrive, equal_nan=True)
    assert not np.array_equal(a.groups.screen_end, b.groups.screen_end, equal_nan=True)


def test_a_replication_can_be_rerun_alone(scenario: Scenario) -> None:
    # Replication 3 of a run of 5 is the same night as replication 3 run by itself, and as
    # simulate() with its own Generator.
    five = run_replications(scenario, 5, seed=7)
    alone = run_replications(scenario, 1, seed=7, first=3)
    assert alone.replication.tolist() == [3]
    np.testing.assert_array_equal(alone.fates[0], five.fates[3])
    np.testing.assert_array_equal(alone.series[0], five.series[3])
    direct = simulate(scenario, replication_streams(7, 3))
    np.testing.assert_array_equal(direct.people_by_fate(), five.fates[3])
    assert direct.left_by_bus == five.left_by_bus[3]
    # The five replications are not copies of one another.
    assert len({tuple(row) for row in five.fates.tolist()}) > 1


def test_seed_and_point_both_matter(scenario: Scenario) -> None:
    base = simulate(scenario, replication_streams(7, 0, point=0)).groups.arrive
    other_seed = simulate(scenario, replication_streams(8, 0, point=0)).groups.arrive
    other_point = simulate(scenario, replication_streams(7, 0, point=1)).groups.arrive
    assert not np.array_equal(base, other_seed, equal_nan=True)
    assert not np.array_equal(base, other_point, equal_nan=True)
