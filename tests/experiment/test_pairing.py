"""Common random numbers: the same replication sees the same draws for every shared component.

Streams are keyed by (replication, component) (crossing_sim.model.streams): comparisons
between scenarios, sweep points and design points are paired, and a structural change
leaves the other components' draws alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from conftest import BASELINE, SCENARIOS
from crossing_sim import Streams, load_scenario, replication_streams, run_replications, simulate
from crossing_sim.experiment.seeding import replication_seed


class RecordingStreams(Streams):
    """Streams that keep every component's draws, to compare two nights component by
    component."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        super().__init__(seed)
        self.drawn: dict[str, np.ndarray[Any, Any]] = {}

    def draw(self, component: str, sample: Callable[[np.random.Generator, int], Any],
             n: int) -> Any:
        values = super().draw(component, sample, n)
        self.drawn[component] = np.array(values, copy=True)
        return values

    def uniform(self, component: str, n: int) -> Any:
        values = super().uniform(component, n)
        self.drawn[component] = values.copy()
        return values

    def multinomial(self, component: str, n: int, shares: Any) -> Any:
        values = super().multinomial(component, n, shares)
        self.drawn[component] = values.copy()
        return values


def recorded(name: str, replication: int) -> RecordingStreams:
    streams = RecordingStreams(replication_seed(2018, replication))
    simulate(load_scenario(SCENARIOS / f"{name}.toml"), streams)
    return streams


@pytest.mark.parametrize("replication", [0, 1, 7])
def test_removing_a_checkpoint_leaves_every_other_draw_unchanged(replication: int) -> None:
    base, fewer = recorded("baseline", replication), recorded("fewer_checkpoints", replication)
    removed = {c for c in base.drawn if c.startswith("origin/tripoint/checkpoint/8km")}
    assert removed, "the baseline's second southern checkpoint draws from its own streams"
    assert set(fewer.drawn) == set(base.drawn) - removed
    for component, values in fewer.drawn.items():
        np.testing.assert_array_equal(values, base.drawn[component], err_msg=component)
    # in particular every family's screening times and every person's boarding time
    for component in ("gate/screening_per_group", "gate/screening_per_person",
                      "buses/boarding", "gate/list"):
        assert component in fewer.drawn


def test_one_more_table_changes_no_draw() -> None:
    base, two = recorded("baseline", 3), recorded("two_tables", 3)
    assert set(base.drawn) == set(two.drawn)
    for component, values in two.drawn.items():
        np.testing.assert_array_equal(values, base.drawn[component], err_msg=component)


def test_components_do_not_share_numbers() -> None:
    streams = replication_streams(2018, 0)
    a = streams.uniform("gate/list", 1000)
    b = streams.uniform("buses/boarding", 1000)
    assert not np.intersect1d(a, b).size
    assert np.array_equal(streams.uniform("gate/list", 1000), a)  # from its start each time


def test_a_factor_that_cannot_matter_changes_no_night() -> None:
    """More seats while the holding area is unlimited: the same crossings, night by night."""
    scenario = load_scenario(BASELINE)
    more_seats = load_scenario(BASELINE, ["buses.seats=57"])
    a = run_replications(scenario, 60, seed=11, point=0)
    b = run_replications(more_seats, 60, seed=11, point=1)
    np.testing.assert_array_equal(a.crossed, b.crossed)


def test_independent_points_draw_their_own_numbers() -> None:
    scenario = load_scenario(BASELINE)
    a = run_replications(scenario, 30, seed=11, point=0, paired=False)
    b = run_replications(scenario, 30, seed=11, point=1, paired=False)
    assert not np.array_equal(a.crossed, b.crossed)


def test_pairing_sharpens_the_fewer_checkpoints_comparison() -> None:
    """The variance of the paired difference against that of independent estimates."""
    base = run_replications(load_scenario(BASELINE), 300, seed=2018).crossed.astype(float)
    fewer = run_replications(load_scenario(SCENARIOS / "fewer_checkpoints.toml"), 300,
                             seed=2018).crossed.astype(float)
    gain = (base.var(ddof=1) + fewer.var(ddof=1)) / (fewer - base).var(ddof=1)
    assert gain > 2.5


def test_a_sweep_over_seats_crosses_the_same_people_night_by_night(tmp_path: Any) -> None:
    from conftest import invoke

    code, _, err = invoke("sweep", str(BASELINE), "--vary", "buses.seats=45,50,57", "--reps",
                          "40", "--out", str(tmp_path / "s"))
    assert code == 0, err
    rows = (tmp_path / "s" / "replications.csv").read_text(encoding="utf-8").splitlines()[1:]
    by_point: dict[str, list[str]] = {}
    for row in rows:
        point, _, crossed = row.split(",")[:3]
        by_point.setdefault(point, []).append(crossed)
    assert by_point["0"] == by_point["1"] == by_point["2"]
    summary = (tmp_path / "s" / "summary.csv").read_text(encoding="utf-8").splitlines()
    header = summary[0].split(",")
    column = header.index("crossed_difference_mean")
    assert [float(line.split(",")[column]) for line in summary[1:]] == [0.0, 0.0, 0.0]
