"""Provenance: what every manifest records about how its results were made."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from typing import Any

__all__ = ["INDEPENDENT_SEEDING", "REPLICATION_SEEDING", "provenance"]

#: How the nights of a run or sweep are seeded (see :mod:`crossing_sim.experiment.seeding`).
REPLICATION_SEEDING = ("numpy SeedSequence(seed, spawn_key=(replication,)) shared by every "
                       "point, one PCG64 stream per component of the night")
#: How the nights are seeded when the points are independent.
INDEPENDENT_SEEDING = ("numpy SeedSequence(seed, spawn_key=(point, replication)), one PCG64 "
                       "stream per component of the night")


def provenance(seeding: str = REPLICATION_SEEDING) -> dict[str, Any]:
    """The tool, its version, the time, the versions it ran on and the seeding scheme."""
    import numpy as np
    import simpy

    from crossing_sim.version import package_version

    return {"tool": "crossing-sim", "version": package_version(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(), "numpy": np.__version__,
            "simpy": simpy.__version__, "seeding": seeding,
            "time_unit": "minutes after the scenario's start clock"}
