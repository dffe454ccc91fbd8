"""The pieces of ABC-SMC that must give pyabc the same numbers as before: the priors'
densities and draws, the batches of draws sent to workers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("pyabc")
import scipy.stats

from crossing_sim.analysis.smc import PriorRV

#: (name, arguments) as scipy_prior makes them: clock minutes, seconds, shares, whole numbers.
PRIORS = [("uniform", (1250.0, 50.0)), ("uniform", (0.75, 0.25)), ("uniform", (649.5, 201.0)),
          ("uniform", (0.1, 0.2)), ("triang", (0.5, 10.0, 50.0)), ("lognorm", (0.3, 0.0, 40.0))]


@pytest.mark.parametrize(("name", "args"), PRIORS)
def test_density_is_scipys_to_the_bit(name: str, args: tuple[float, ...]) -> None:
    rv, frozen = PriorRV(name, *args), getattr(scipy.stats, name)(*args)
    loc, scale = (args[-2], args[-1])
    rng = np.random.default_rng(7)
    edges = [loc, loc + scale, np.nextafter(loc, -np.inf), np.nextafter(loc + scale, np.inf),
             np.nextafter(loc + scale, -np.inf), np.nan, np.inf, -np.inf, 0.0]
    for x in [*rng.uniform(loc - scale, loc + 2 * scale, 400), *edges]:
        ours, theirs = rv.pdf(np.float64(x)), frozen.pdf(np.float64(x))
        assert np.array_equal(ours, theirs, equal_nan=True), (x, ours, theirs)
        assert type(ours) is type(theirs)


@pytest.mark.parametrize(("name", "args"), PRIORS)
def test_draws_are_scipys_from_numpys_global_generator(name: str, args: tuple[float, ...]
                                                       ) -> None:
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(11)  # noqa: NPY002
        ours = [PriorRV(name, *args).rvs() for _ in range(5)]
        np.random.seed(11)  # noqa: NPY002
        theirs = [getattr(scipy.stats, name)(*args).rvs() for _ in range(5)]
    finally:
        np.random.set_state(state)  # noqa: NPY002
    assert ours == theirs


def test_a_prior_travels_without_its_scipy_distribution() -> None:
    rv = PriorRV("uniform", 0.75, 0.25)
    rv.rvs()
    copy = pickle.loads(pickle.dumps(rv))
    assert copy._frozen is None
    assert (copy.name, copy.args) == ("uniform", (0.75, 0.25))
    assert copy.pdf(0.8) == rv.pdf(0.8) == 4.0
