"""Seeding: every replication's random numbers, made from one ``SeedSequence``.

Replication ``i`` of sweep point ``p`` with seed ``s`` draws from
``SeedSequence(s, spawn_key=(p, i))``: any replication can be re-run alone and gets the same
numbers, whatever batch, process, executor or machine runs it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_SEED", "replication_rng"]

#: The seed of every command and function that is not given one.
DEFAULT_SEED = 2018


def replication_rng(seed: int, replication: int, point: int = 0) -> np.random.Generator:
    """The Generator of one replication of one sweep point."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(point, replication)))
