"""Seeding: every random stream of an experiment, made from its one seed.

Replication ``i`` with seed ``s`` draws from ``SeedSequence(s, spawn_key=(i,))``, split into
one stream per component of the night (:mod:`crossing_sim.model.streams`). The same
replication index sees the same numbers at every sweep point, what-if and design point:
comparisons are paired (common random numbers). Asked for independent points, point ``p``'s
replication ``i`` draws from ``SeedSequence(s, spawn_key=(p, i))`` instead. Either way any
replication can be re-run alone and gets the same numbers, whatever batch, process, executor
or machine runs it.
"""

from __future__ import annotations

import numpy as np

from crossing_sim.model.streams import Streams

__all__ = ["CALIBRATION_PRIORS", "DEFAULT_SEED", "SENSITIVITY_ANALYSIS", "SENSITIVITY_DESIGN",
           "latin_hypercube_seed", "replication_seed", "replication_streams", "stream_rng",
           "stream_state"]

#: The seed of every command and function that is not given one.
DEFAULT_SEED = 2018

# Streams outside the (point, replication) space of the nights, each keyed by one number far
# above any point index: the draws of an analysis never overlap a night's.
#: The calibration's draws from its priors.
CALIBRATION_PRIORS = 2**31 - 1
#: A sensitivity analysis's design (Morris trajectories or Sobol samples).
SENSITIVITY_DESIGN = 2**31 - 2
#: A sensitivity analysis's bootstrap of its indices.
SENSITIVITY_ANALYSIS = 2**31 - 3


def replication_seed(seed: int, replication: int,
                     point: int | None = None) -> np.random.SeedSequence:
    """The SeedSequence of replication ``replication``: shared by every point (paired), or
    its point's own when ``point`` is given (independent points)."""
    key = (replication,) if point is None else (point, replication)
    return np.random.SeedSequence(seed, spawn_key=key)


def replication_streams(seed: int, replication: int, point: int | None = None) -> Streams:
    """The component streams of one replication (see :func:`replication_seed`)."""
    return Streams(replication_seed(seed, replication, point))


def stream_rng(seed: int, stream: int) -> np.random.Generator:
    """The Generator of one of the analysis streams above."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))


def stream_state(seed: int, stream: int) -> np.random.SeedSequence:
    """The SeedSequence of one of the analysis streams (for libraries that take a seed)."""
    return np.random.SeedSequence(seed, spawn_key=(stream,))


def latin_hypercube_seed(seed: int) -> int:
    """The seed of a sweep's Latin hypercube: the experiment's seed itself (so a design
    depends on the seed and its factors only, as its points' nights do)."""
    return seed
