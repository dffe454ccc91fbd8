"""crossing-sim: one night at a single humanitarian border crossing, as a discrete-event model.

>>> from crossing_sim import load_scenario, simulate
>>> import numpy as np
>>> outcome = simulate(load_scenario("scenarios/baseline.toml"), np.random.default_rng(1))
"""

from importlib.metadata import PackageNotFoundError, version

from crossing_sim.errors import ScenarioError
from crossing_sim.experiment import Replications, replication_rng, run_replications
from crossing_sim.fates import Fate
from crossing_sim.loading import load_scenario, resolve
from crossing_sim.model import simulate
from crossing_sim.outcome import Outcome
from crossing_sim.scenario import Scenario, scenario_from_dict

try:
    __version__ = version("crossing-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "Fate",
    "Outcome",
    "Replications",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "replication_rng",
    "resolve",
    "run_replications",
    "scenario_from_dict",
    "simulate",
]
