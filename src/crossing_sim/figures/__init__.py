"""Figures (matplotlib) drawn from stored results, and the animated night.

Each figure is one function that takes loaded results and returns a matplotlib ``Figure``
(no pyplot, no backend chosen for you); none of them runs the model. In a notebook::

    from crossing_sim import figures, load_results
    base, two = load_results("results/baseline-..."), load_results("results/two_tables-...")
    figures.flow(base, two)                  # the last value of a cell is shown
    sweep = load_results("results/baseline-sweep-...")
    figures.sweep(sweep)
    figures.throughput(sweep.point(0), sweep.point(8))      # some points of a sweep

A notebook shows the figure that is a cell's value, and ``fig.savefig(path)`` saves one. The
look (sizes for a projector, the Okabe-Ito colours) is the style file :data:`STYLE`.

The modules: :mod:`~crossing_sim.figures.style` (the style, the palette),
:mod:`~crossing_sim.figures.axes` (titles, legends, clock axes),
:mod:`~crossing_sim.figures.flow` (the cumulative flow diagram),
:mod:`~crossing_sim.figures.night` (throughput, queue, fates, distribution),
:mod:`~crossing_sim.figures.buses` (the buses),
:mod:`~crossing_sim.figures.paired` (paired differences, waiting times),
:mod:`~crossing_sim.figures.sweeps` (the sweep figure), :mod:`~crossing_sim.figures.files`
(the figures of a folder, saved), :mod:`~crossing_sim.figures.analysis` (calibration and
sensitivity) and :mod:`~crossing_sim.figures.animation` (the animated night).
"""

from crossing_sim.figures.buses import buses
from crossing_sim.figures.files import write_figures
from crossing_sim.figures.flow import flow
from crossing_sim.figures.night import distribution, fates, queue, throughput
from crossing_sim.figures.paired import difference, waits
from crossing_sim.figures.style import STYLE
from crossing_sim.figures.sweeps import sweep

__all__ = ["STYLE", "buses", "difference", "distribution", "fates", "flow", "queue", "sweep",
           "throughput", "waits", "write_figures"]
