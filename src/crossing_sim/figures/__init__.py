"""Figures (matplotlib) drawn from stored results, and the animated night.

Each figure is one function that takes loaded results and returns a matplotlib ``Figure``
(no pyplot, no backend chosen for you); none of them runs the model.
"""

from crossing_sim.figures.plots import (
    STYLE,
    buses,
    distribution,
    fates,
    queue,
    sweep,
    throughput,
    write_figures,
)

__all__ = ["STYLE", "buses", "distribution", "fates", "queue", "sweep", "throughput",
           "write_figures"]
