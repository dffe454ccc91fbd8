"""Loading the buses after the night's SimPy run gives exactly what the SimPy loader gives.

With an unlimited holding area the loading is worked out after the run
(:meth:`crossing_sim.model.buses.BusLoader.load_after`); with a capacity the loader is a
SimPy process. A capacity no night can reach leaves the gate as it was, so the two ways must
give the same records to the last bit, on every rule of departure, with split families,
return trips, buses ready late, a night cut short, and fixed times that make events tie, at
one loading point and at several. The several bays' loader
(:class:`crossing_sim.model.bays.BayLoader`) run with one bay must also give exactly what the
one loading point's loader gives, both ways.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import pytest

from conftest import BASELINE
from crossing_sim import Outcome, replication_streams, scenario_from_dict, simulate
from crossing_sim.model import night as night_module
from crossing_sim.model.bays import BayLoader
from crossing_sim.scenario.loading import read_toml

UNREACHABLE = 10**9  # a holding capacity no night comes near: the gate never waits for room

VARIANTS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "when_full_return_trips": {"buses": {"departure": "when_full", "count": 3,
                                         "return_trips": 2, "turnaround": "1h"}},
    "split_when_full": {"buses": {"departure": "when_full", "split_families": True,
                                  "count": 3, "seats": 13, "return_trips": 3,
                                  "turnaround": "30min"}},
    "split_convoy": {"buses": {"split_families": True, "count": 4, "seats": 45}},
    "few_buses_late": {"buses": {"count": 2, "available": "01:00"}},
    # loading slower than the gate: the night ends with a bus half loaded
    "night_ends_while_loading": {"end": "03:05", "gate": {"give_up": "03:02"},
                                 "buses": {"boarding": "50s", "count": 20}},
    "cut_off_two_lanes": {"gate": {"closing": "cut_off", "lanes": 2}},
    "finish_queue": {"gate": {"closing": "finish_queue"}},
    # fixed times on a round grid, so boardings end exactly when families are admitted
    "ties": {"gate": {"screening_per_group": "0s", "screening_per_person": "1min",
                      "pauses": "none"},
             "buses": {"boarding": "1min", "seats": 5, "split_families": True,
                       "departure": "when_full",
                       "return_trips": 3, "turnaround": "10min", "count": 3}},
}
ONE_BAY = list(VARIANTS)
BAYS: dict[str, dict[str, Any]] = {
    "bays_convoy": {"buses": {"loading_points": 3}},
    "bays_when_full_return_trips": {"buses": {"departure": "when_full", "count": 5,
                                              "return_trips": 2, "turnaround": "40min",
                                              "loading_points": 2}},
    "bays_split_when_full": {"buses": {"departure": "when_full", "split_families": True,
                                       "count": 4, "seats": 13, "return_trips": 3,
                                       "turnaround": "30min", "loading_points": 3}},
    "bays_split_convoy": {"buses": {"split_families": True, "count": 6, "seats": 31,
                                    "loading_points": 4}},
    "bays_more_than_buses": {"buses": {"count": 2, "available": "01:00",
                                       "loading_points": 5}},
    "bays_night_ends_while_loading": {"end": "03:05", "gate": {"give_up": "03:02"},
                                      "buses": {"boarding": "50s", "count": 20,
                                                "loading_points": 3}},
    "bays_ties": {**VARIANTS["ties"], "buses": {**VARIANTS["ties"]["buses"],
                                                "loading_points": 2}},
    "bays_ties_instant": {**VARIANTS["ties"], "buses": {**VARIANTS["ties"]["buses"],
                                                        "boarding": "0s", "seats": 7,
                                                        "loading_points": 3}},
}
VARIANTS.update(BAYS)


def scenario(name: str, capacity: int | None) -> Any:
    raw = copy.deepcopy(read_toml(BASELINE))
    raw.pop("observed", None)
    for section, values in VARIANTS[name].items():
        if isinstance(values, dict):
            raw[section] = {**raw.get(section, {}), **values}
        else:
            raw[section] = values
    raw["holding"] = {"capacity": "unlimited" if capacity is None else capacity}
    return scenario_from_dict(raw)


def records(out: Outcome) -> dict[str, np.ndarray]:
    return {f"{part}.{field.name}": getattr(getattr(out, part), field.name)
            for part in ("groups", "trips", "boardings", "series")
            for field in dataclasses.fields(getattr(out, part))}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_after_the_night_matches_the_simpy_loader(name: str) -> None:
    after, during = scenario(name, None), scenario(name, UNREACHABLE)
    boarded = 0
    for night in range(8):
        ours = records(simulate(after, replication_streams(12, night)))
        theirs = records(simulate(during, replication_streams(12, night)))
        assert ours.keys() == theirs.keys()
        for key, value in ours.items():
            assert value.dtype == theirs[key].dtype, key
            assert value.tobytes() == theirs[key].tobytes(), f"night {night}: {key} differs"
        boarded += ours["boardings.people"].sum()
    assert boarded > 0  # the buses did load: the comparison is not of two empty logs


@pytest.mark.parametrize("name", ONE_BAY)
@pytest.mark.parametrize("capacity", [None, UNREACHABLE, 20])
def test_the_bays_loader_with_one_bay_is_the_one_point_loader(
        name: str, capacity: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    # 20 people: a holding area the gate waits for on most of these nights
    s = scenario(name, capacity)
    for night in range(4):
        ours = records(simulate(s, replication_streams(12, night)))
        with monkeypatch.context() as patch:
            patch.setattr(night_module, "BusLoader", BayLoader)
            theirs = records(simulate(s, replication_streams(12, night)))
        for key, value in ours.items():
            assert value.tobytes() == theirs[key].tobytes(), f"night {night}: {key} differs"
