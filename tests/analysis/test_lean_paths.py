"""The calibration's lean paths give, bit for bit, what the general ones give: a draw's
scenario built by a plan (:meth:`Parsed.build`) and from the table (:meth:`Parsed.slow_build`),
the few measures the facts read (:func:`measure_columns`) and :func:`measure`'s, one night's
fact values and excesses in plain Python and in numpy, a whole evaluation of
:class:`NightModel` and the way it was computed before, and the sampler's batches."""

from __future__ import annotations

import math
import pickle
import struct
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS
from crossing_sim.analysis.distance import (
    excess,
    fact_values,
    facts_of,
    night_excess,
    night_fact_values,
    record_columns,
)
from crossing_sim.analysis.parameters import read_priors, read_ranges
from crossing_sim.errors import ScenarioError
from crossing_sim.experiment.parsed import Parsed
from crossing_sim.model.night import simulate
from crossing_sim.model.streams import Streams
from crossing_sim.results.record import LEAN, measure, measure_columns
from crossing_sim.scenario.facts import Fact
from crossing_sim.scenario.loading import load_scenario
from crossing_sim.scenario.observed import FACT_KEYS

BASELINE = SCENARIOS / "baseline.toml"
PRIORS = read_priors(SCENARIOS / "priors.toml")
RANGES = read_ranges(SCENARIOS / "ranges.toml")
#: every key the analyses' files name, with a number to draw it from (low, high)
KEYS = {**{p.key: (p, float(p.dist.low), float(p.dist.high)) for p in PRIORS},
        **{r.key: (r, r.low, r.high) for r in RANGES}}
NAMES = sorted(p.stem for p in SCENARIOS.glob("*.toml") if p.stem not in ("priors", "ranges"))
_PARSED: dict[str, Parsed] = {}  # one per file: later examples reuse the plans of earlier ones


def parsed_of(name: str) -> Parsed:
    if name not in _PARSED:
        _PARSED[name] = Parsed.read(SCENARIOS / f"{name}.toml", (), "drawn")
    return _PARSED[name]


def same_bits(a: object, b: object) -> bool:
    """Equal values of equal types (floats by their bits, NaN included)."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    return type(a) is type(b) and a == b


@st.composite
def drawn_values(draw: st.DrawFn) -> dict[str, object]:
    """Values of some of the keys, in any order, mostly in their range, some far out of it
    (a value its field rejects, a night that cannot work), some not numbers at all."""
    keys = draw(st.lists(st.sampled_from(sorted(KEYS)), min_size=1, max_size=len(KEYS),
                         unique=True))
    values: dict[str, object] = {}
    for key in keys:
        space, low, high = KEYS[key]
        span = high - low
        x = draw(st.floats(low - 2 * span, high + 2 * span) | st.floats(low, high))
        values[key] = draw(st.sampled_from([space.value(x), space.value(x), "none", -1, True]))
    return values


def build_or_error(parsed: Parsed, values: dict[str, object], slow: bool) -> object:
    try:
        return parsed.slow_build(values) if slow else parsed.build(values)
    except ScenarioError as exc:
        return ("error", str(exc), exc.rule, exc.key, exc.value, exc.file)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), values=drawn_values())
def test_a_planned_draw_is_the_table_built(name: str, values: dict[str, object]) -> None:
    """The same scenario to the bit (its pickle, its fields in their order), or the same
    mistake, as parsing the table with the values set gives."""
    parsed = parsed_of(name)
    with patch.object(Parsed, "slow_build", autospec=True,
                      side_effect=Parsed.slow_build) as slow:
        planned = build_or_error(parsed, values, False)
    built = build_or_error(parsed, values, True)
    assert pickle.dumps(planned) == pickle.dumps(built), values
    assert planned == built
    if parsed._plans[tuple(values)] is not None and not isinstance(planned, tuple):
        assert not slow.called  # a valid draw the plan follows is the plan's own


def test_a_plan_is_made_once_for_the_draws_of_the_same_keys() -> None:
    parsed = Parsed.read(BASELINE, (), "drawn")
    rng = np.random.default_rng(3)
    for _ in range(20):
        parsed.build({p.key: p.value(float(p.sample(rng, 1)[0])) for p in PRIORS})
    plans = parsed._plans
    assert list(plans) == [tuple(p.key for p in PRIORS)]
    assert next(iter(plans.values())) is not None  # the priors' keys all go by the plan


def test_a_parsed_file_travels_without_its_plans() -> None:
    """To a worker (calibrate with workers): pickled after its first draws, it builds the
    same scenarios there."""
    parsed = Parsed.read(BASELINE, (), "drawn")
    values = {p.key: p.value(float(p.dist.low)) for p in PRIORS}
    built = parsed.build(values)
    there = pickle.loads(pickle.dumps(parsed))
    assert "_plans" not in vars(there)
    again = there.build(values)  # (equal objects; which of them are one object may differ)
    assert again == built
    assert repr(again) == repr(built)


# --- a night's few measures ---------------------------------------------------------------------

@st.composite
def nights(draw: st.DrawFn) -> tuple[Any, Any]:
    """A night of the baseline with some values changed, nobody crossing, no bus leaving and
    a bus not gone by the end included."""
    values = {
        "warning.p_reach": draw(st.sampled_from([0.93, 0.0, 0.02, 0.5, 1.0])),
        "population.expected": draw(st.integers(1, 900)),
        "gate.close": draw(st.sampled_from(["03:00", "21:20", "23:00", "04:00"])),
        "buses.seats": draw(st.sampled_from([8, 50, 300])),
        "gate.screening_per_person.mean": draw(st.sampled_from(["5s", "28s", "5min"])),
        "buses.count": draw(st.integers(1, 12)),
        "buses.boarding": draw(st.sampled_from(["3s", "3min"])),  # 3min: a bus still loading
        "observed.crossed": "none",  # (more than a small night's people)
    }
    scenario = _NIGHTS.build(values)
    seed = np.random.SeedSequence(draw(st.integers(0, 2**32 - 1)))
    return scenario, simulate(scenario, Streams(seed))


_NIGHTS = Parsed.read(BASELINE, (), "drawn")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(night=nights(), columns=st.sets(st.sampled_from(sorted(LEAN))))
def test_the_few_measures_are_measures(night: tuple[Any, Any], columns: set[str]) -> None:
    scenario, outcome = night
    whole, lean = measure(outcome, scenario), measure_columns(outcome, scenario, columns)
    for name in columns | set(LEAN):
        assert same_bits(lean[name], whole[name]), (name, lean[name], whole[name])


def test_columns_beyond_the_lean_ones_are_all_of_measure() -> None:
    scenario = load_scenario(BASELINE)
    outcome = simulate(scenario, Streams(np.random.SeedSequence(5)))
    got = measure_columns(outcome, scenario, {"wait_p90", "crossed_children"})
    assert pickle.dumps(got) == pickle.dumps(measure(outcome, scenario))


# --- one night's fact values and excesses --------------------------------------------------------

FACT_NAMES = sorted(FACT_KEYS)
numbers = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, math.nan, math.inf, -math.inf, 422.0, 1.5])


@settings(max_examples=300, deadline=None)
@given(crossed=st.integers(0, 10_000) | st.sampled_from([0, 1, 2]),
       volunteers=st.integers(0, 10_000), children=st.integers(0, 10_000),
       others=st.lists(numbers, min_size=6, max_size=6),
       names=st.lists(st.sampled_from(FACT_NAMES), min_size=1, unique=True))
def test_a_nights_fact_values_are_fact_values(crossed: int, volunteers: int, children: int,
                                              others: list[float], names: list[str]) -> None:
    from crossing_sim.model.fates import FATES, Fate

    record: dict[str, float | int] = dict(zip(
        ["buses_used", "first_crossing", "busiest_hour", "last_crossing", "last_departure",
         "left_by_bus"], others, strict=True))
    record.update(crossed_volunteers=volunteers, crossed_children=children)
    fates = np.zeros((1, len(FATES)), dtype=np.int64)
    fates[0, int(Fate.CROSSED)] = crossed
    night = SimpleNamespace(fates=fates, **{k: np.array([v], dtype=np.float64)
                                             for k, v in record.items()})
    ours = night_fact_values(crossed, record, names)
    theirs = fact_values(night, names)[0].tolist()
    assert all(same_bits(a, b) for a, b in zip(ours, theirs, strict=True)), (ours, theirs)
    assert record_columns(names) <= set(record)


ends = st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, math.inf, -math.inf, 422.0])


@settings(max_examples=500, deadline=None)
@given(rows=st.lists(st.tuples(numbers, ends, ends, st.booleans()), min_size=1, max_size=10))
def test_a_nights_excess_is_excess(rows: list[tuple[float, float, float, bool]]) -> None:
    values = [v for v, _, _, _ in rows]
    facts = [Fact("count", int(a) if whole and math.isfinite(a) and abs(a) < 2**53 else a,
                  b) for _, a, b, whole in rows]
    ours = night_excess(values, facts)
    # (infinite values, and gaps beyond the largest float: no night measures either)
    with np.errstate(invalid="ignore", over="ignore"):
        theirs = excess(np.array([values]), facts)[0].tolist()
    assert all(same_bits(a, b) for a, b in zip(ours, theirs, strict=True)), (ours, theirs)


# --- a whole evaluation ------------------------------------------------------------------------


def before(model: Any, pars: dict[str, float]) -> dict[str, float]:
    """An evaluation as NightModel made it before its lean paths: the scenario from the
    table, the whole record, numpy's fact values and excess."""
    from crossing_sim.analysis.smc import night_seed

    x = np.array([pars[f"p{j}"] for j in range(len(model.priors))], dtype=np.float64)
    scenario = model.parsed.slow_build(model.values(x.tolist()))
    outcome = simulate(scenario, Streams(night_seed(model.seed, x)))
    record = measure(outcome, scenario)
    night = SimpleNamespace(fates=outcome.people_by_fate()[None, :],
                            **{k: np.array([v], dtype=np.float64) for k, v in record.items()})
    values = fact_values(night, model.names)[0]
    gaps = excess(values[None, :], list(model.facts.values()))[0]
    return {name: float(g) for name, g in zip(model.names, gaps, strict=True)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(u=st.lists(st.floats(0, 1), min_size=len(PRIORS), max_size=len(PRIORS)))
def test_an_evaluation_is_what_it_was(u: list[float]) -> None:
    from crossing_sim.analysis.smc import NightModel, scipy_prior

    model = _model()
    bounds = [scipy_prior(p)[1] for p in PRIORS]
    pars = {f"p{j}": loc + scale * x for j, ((loc, scale), x) in enumerate(zip(bounds, u,
                                                                                strict=True))}
    assert isinstance(model, NightModel)
    assert pickle.dumps(model(pars)) == pickle.dumps(before(model, pars))


def _model() -> Any:
    from crossing_sim.analysis.smc import NightModel

    facts = facts_of(load_scenario(BASELINE).observed.facts())
    return NightModel(Parsed.read(BASELINE, (), "priors"), PRIORS, facts, 2018)


# --- the sampler's batches ---------------------------------------------------------------------


def test_batches_are_seeded_each_and_leave_the_global_generator_as_it_was() -> None:
    pytest.importorskip("pyabc")
    from crossing_sim.analysis.sampler import PROPOSALS_STREAM, BatchSampler

    draws: list[float] = []

    def one() -> Any:
        x = float(np.random.random_sample())  # noqa: NPY002 (as pyabc draws)
        draws.append(x)
        return SimpleNamespace(accepted=x < 0.5, preliminary=False)

    np.random.seed(99)  # noqa: NPY002
    state = pickle.dumps(np.random.get_state())  # noqa: NPY002
    sampler = BatchSampler(7)
    sample = sampler.sample_until_n_accepted(40, one, 3)
    assert pickle.dumps(np.random.get_state()) == state  # noqa: NPY002
    assert sample.n_accepted == 40
    expected = []
    for b in range(len(draws) // 2):  # batches of 2 draws (40 / 20)
        ss = np.random.SeedSequence(7, spawn_key=(PROPOSALS_STREAM, 4, b))
        expected += np.random.RandomState(ss.generate_state(4)).random_sample(2).tolist()
    assert draws == expected[: len(draws)]


def test_the_lean_paths_serve_a_scenario_the_plan_cannot(tmp_path: Path) -> None:
    """A key outside the sections (``start``): the draw goes the slow way, the same night."""
    values = {"start": "13:00", "gate.open": "21:00"}
    parsed = Parsed.read(BASELINE, (), "drawn")
    assert pickle.dumps(parsed.build(values)) == pickle.dumps(parsed.slow_build(values))
    assert parsed._plans[tuple(values)] is None
