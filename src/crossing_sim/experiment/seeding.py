"""Seeding: every replication's random numbers, made from one ``SeedSequence``.

Replication ``i`` of sweep point ``p`` with seed ``s`` draws from
``SeedSequence(s, spawn_key=(p, i))``: any replication can be re-run alone and gets the same
numbers, whatever batch, process, executor or machine runs it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CALIBRATION_PRIORS", "DEFAULT_SEED", "SENSITIVITY_ANALYSIS", "SENSITIVITY_DESIGN",
           "latin_hypercube_seed", "replication_rng", "stream_rng", "stream_state"]

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


def replication_rng(seed: int, replication: int, point: int = 0) -> np.random.Generator:
    """The Generator of one replication of one sweep point."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(point, replication)))


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
