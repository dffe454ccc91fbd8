"""crossing-sim: one night at a single humanitarian border crossing, as a discrete-event model.

The package's rooms follow the data's one-way walk (docs/architecture.md):
:mod:`~crossing_sim.scenario` -> :mod:`~crossing_sim.model` -> :mod:`~crossing_sim.results`
-> :mod:`~crossing_sim.experiment` -> :mod:`~crossing_sim.analysis` ->
:mod:`~crossing_sim.report` -> :mod:`~crossing_sim.figures` -> :mod:`~crossing_sim.cli`.
The names below are the public API; each is imported on first use, so ``import crossing_sim``
stays cheap and brings in neither scipy nor matplotlib.

>>> from crossing_sim import load_scenario, simulate
>>> import numpy as np
>>> outcome = simulate(load_scenario("scenarios/baseline.toml"), np.random.default_rng(1))
"""

# Nothing is imported here at run time (not even typing for TYPE_CHECKING): the program's
# start-up passes through this module before it can handle Ctrl-C (crossing_sim.interrupt).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from crossing_sim import figures
    from crossing_sim.errors import CrossingSimError, ScenarioError
    from crossing_sim.experiment.replications import Replications, run_replications
    from crossing_sim.experiment.seeding import DEFAULT_SEED, replication_streams
    from crossing_sim.experiment.statistics import Estimate, estimate
    from crossing_sim.experiment.summary import summarize
    from crossing_sim.experiment.sweep import StudyResult, run_sweep
    from crossing_sim.model.fates import Fate
    from crossing_sim.model.night import simulate
    from crossing_sim.model.outcome import Outcome
    from crossing_sim.model.streams import Streams
    from crossing_sim.report import trace
    from crossing_sim.report.summary import render_summary
    from crossing_sim.results.reader import Results, load_results
    from crossing_sim.scenario.catalog import builtin_folder
    from crossing_sim.scenario.facts import Fact
    from crossing_sim.scenario.loading import load_scenario, resolve
    from crossing_sim.scenario.observed import Observed
    from crossing_sim.scenario.spec import Scenario, scenario_from_dict

#: Where each public name lives (a name that is itself a module maps to ``None``).
_PUBLIC: dict[str, tuple[str, str | None]] = {
    "CrossingSimError": ("crossing_sim.errors", "CrossingSimError"),
    "ScenarioError": ("crossing_sim.errors", "ScenarioError"),
    "Scenario": ("crossing_sim.scenario.spec", "Scenario"),
    "scenario_from_dict": ("crossing_sim.scenario.spec", "scenario_from_dict"),
    "load_scenario": ("crossing_sim.scenario.loading", "load_scenario"),
    "builtin_folder": ("crossing_sim.scenario.catalog", "builtin_folder"),
    "resolve": ("crossing_sim.scenario.loading", "resolve"),
    "Observed": ("crossing_sim.scenario.observed", "Observed"),
    "Fact": ("crossing_sim.scenario.facts", "Fact"),
    "Fate": ("crossing_sim.model.fates", "Fate"),
    "Outcome": ("crossing_sim.model.outcome", "Outcome"),
    "simulate": ("crossing_sim.model.night", "simulate"),
    "DEFAULT_SEED": ("crossing_sim.experiment.seeding", "DEFAULT_SEED"),
    "replication_streams": ("crossing_sim.experiment.seeding", "replication_streams"),
    "Streams": ("crossing_sim.model.streams", "Streams"),
    "Replications": ("crossing_sim.experiment.replications", "Replications"),
    "run_replications": ("crossing_sim.experiment.replications", "run_replications"),
    "StudyResult": ("crossing_sim.experiment.sweep", "StudyResult"),
    "run_sweep": ("crossing_sim.experiment.sweep", "run_sweep"),
    "Estimate": ("crossing_sim.experiment.statistics", "Estimate"),
    "estimate": ("crossing_sim.experiment.statistics", "estimate"),
    "Results": ("crossing_sim.results.reader", "Results"),
    "load_results": ("crossing_sim.results.reader", "load_results"),
    "summarize": ("crossing_sim.experiment.summary", "summarize"),
    "render_summary": ("crossing_sim.report.summary", "render_summary"),
    "trace": ("crossing_sim.report.trace", None),
    "figures": ("crossing_sim.figures", None),
}

__all__ = [
    "DEFAULT_SEED",
    "CrossingSimError",
    "Estimate",
    "Fact",
    "Fate",
    "Observed",
    "Outcome",
    "Replications",
    "Results",
    "Scenario",
    "ScenarioError",
    "Streams",
    "StudyResult",
    "__version__",
    "builtin_folder",
    "estimate",
    "figures",
    "load_results",
    "load_scenario",
    "render_summary",
    "replication_streams",
    "resolve",
    "run_replications",
    "run_sweep",
    "scenario_from_dict",
    "simulate",
    "summarize",
    "trace",
]


def __getattr__(name: str) -> "Any":
    """Import a public name on first use (PEP 562)."""
    value: Any
    if name == "__version__":
        from crossing_sim.version import package_version

        value = package_version()
    elif name in _PUBLIC:
        from importlib import import_module

        module, attribute = _PUBLIC[name]
        value = import_module(module)
        if attribute is not None:
            value = getattr(value, attribute)
    else:
        raise AttributeError(f"module 'crossing_sim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
