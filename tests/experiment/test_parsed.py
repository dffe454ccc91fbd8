"""A scenario parsed once, with drawn values set (calibration, sensitivity, posterior rows):
only what the values name is parsed again, and the result is the scenario a full build of
the same table gives, mistakes included."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from conftest import SCENARIOS
from crossing_sim.analysis.parameters import read_priors, read_ranges
from crossing_sim.errors import ScenarioError
from crossing_sim.experiment.parsed import Parsed
from crossing_sim.scenario.loading import build_scenario, resolve

PRIORS = read_priors(SCENARIOS / "priors.toml")
RANGES = read_ranges(SCENARIOS / "ranges.toml")
NAMES = sorted(p.stem for p in SCENARIOS.glob("*.toml") if p.stem not in ("priors", "ranges"))


def draws(seed: int, n: int) -> list[dict[str, object]]:
    """Values of the priors and of the ranges, as calibrate and sensitivity set them."""
    rng = np.random.default_rng(seed)
    out: list[dict[str, object]] = []
    for _ in range(n):
        out.append({p.key: p.value(float(p.sample(rng, 1)[0])) for p in PRIORS})
        out.append({r.key: r.value(float(rng.uniform(*r.bounds))) for r in RANGES})
    return out


def full(path: Path, values: dict[str, object]) -> object:
    """The scenario with ``values`` set, from the file read again and built whole."""
    return build_scenario(resolve(path, (), values, "drawn"))


@pytest.mark.parametrize("name", NAMES)
def test_a_draw_gives_the_scenario_a_full_build_gives(name: str) -> None:
    path = SCENARIOS / f"{name}.toml"
    parsed = Parsed.read(path, (), "drawn")
    before = copy.deepcopy(parsed.resolved.table)
    for values in draws(len(name), 15):
        assert parsed.build(values) == full(path, values), values
    assert parsed.resolved.table == before  # nothing set leaked into the parsed table


@pytest.mark.parametrize("values", [
    {"start": "13:00"},  # the start clock: every clock is read again
    {"end": "06:00", "gate.lanes": 2},  # a top-level value beside a section's
    {"arrivals.mode": "poisson", "arrivals.rate": "120/h"},  # arrivals: built whole
    {"origins.tripoint.checkpoints": [{"at": "2km"}]},  # a list of tables
    {"origins.tripoint.road_cut.at": "5km"},  # inside a table inside a named one
    {"origins.extra": {"share": 0.05, "distance": "1km"}, "origins.quneitra.share": 0.5},
    {"gate.screening_per_person": {"dist": "fixed", "value": "20s"}},  # a whole distribution
    {"gate.screening_per_person.sd": "9s", "gate.open": "21:00", "gate.close": "02:30"},
    {"warning.departure_delay.high": "4h",
     "population.group_size.weights": [1, 1, 1, 1, 1, 1, 1, 1]},
])
def test_keys_of_every_kind_give_the_full_build(values: dict[str, object]) -> None:
    path = SCENARIOS / "baseline.toml"
    assert Parsed.read(path, (), "drawn").build(values) == full(path, values)


@pytest.mark.parametrize("values", [
    {"warning.p_reach": 1.5},  # a value its field rejects
    {"origins.tripoint.distance": "2km"},  # a rule tying fields: checkpoints at 3 and 8 km
    {"gate.close": "21:00"},  # a night that cannot work (a sense check)
    {"gate.no_such_key": 3},  # an unknown key
    {"buses.seats": "many"},
    {"origins.tripoint.guides.capacity": 12},  # a table the origin lacks, half given
])
def test_a_mistake_reads_as_from_a_full_build(values: dict[str, object]) -> None:
    path = SCENARIOS / "baseline.toml"
    with pytest.raises(ScenarioError) as whole:
        full(path, values)
    with pytest.raises(ScenarioError) as drawn:
        Parsed.read(path, (), "drawn").build(values)
    assert drawn.value.rule == f"{whole.value.rule} (a value drawn from its prior)"
    assert (drawn.value.key, drawn.value.value, drawn.value.file) == (
        whole.value.key, whole.value.value, whole.value.file)


def test_an_invalid_base_still_builds_each_draw(tmp_path: Path) -> None:
    """A file that is valid only with a drawn value (here the origins' shares)."""
    text = (SCENARIOS / "baseline.toml").read_text(encoding="utf-8")
    path = tmp_path / "base.toml"
    path.write_text(text.replace("share = 0.45", "share = 7", 1), encoding="utf-8")
    parsed = Parsed.read(path, (), "drawn")
    assert parsed.base is None
    share = {"origins.tripoint.share": 0.45}
    assert parsed.build(share) == full(path, share) == full(SCENARIOS / "baseline.toml", {})
