"""The look of every figure: the style file, the Okabe-Ito palette, the shared lines.

The style file :data:`STYLE` (sizes for a projector, the colours) is the one place the look is
written down; the palette is read from it, so the figures, the analysis figures and the
animation all draw in the same six colours. In a notebook, ``matplotlib.style.use(STYLE)``
gives your own figures the same look.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, Final, ParamSpec

import matplotlib as mpl
from matplotlib import style
from matplotlib.figure import Figure

__all__ = ["BLUE", "GREEN", "GREY", "LIGHT_GREY", "ORANGE", "PALETTE", "PURPLE", "REFERENCE",
           "SKY_BLUE", "STYLE", "VERMILLION", "NotebookFigure", "palette", "styled"]

#: The style of every figure (a matplotlib style file).
STYLE: Final = Path(__file__).with_name("crossing.mplstyle")
#: The Okabe & Ito (2008) colours of the style file, in the order the figures use them.
PALETTE: Final[tuple[str, ...]] = tuple(
    str(c) for c in mpl.rc_params_from_file(STYLE, use_default_template=False)[
        "axes.prop_cycle"].by_key()["color"])
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY_BLUE = PALETTE
#: What is gone or inactive (a bus that left, a closed gate, a family lost on the way).
GREY: Final = "#999999"
#: What lies behind the data (a calibration's prior draws).
LIGHT_GREY: Final = "#b8b8b8"
#: How reference lines (an observed count, seats, capacity) are drawn.
REFERENCE: Final[dict[str, Any]] = {"color": "black", "linestyle": "--", "linewidth": 1.8,
                                    "zorder": 4}

P = ParamSpec("P")


def palette() -> list[str]:
    """The colours of the scenarios in a figure, first to last."""
    return list(PALETTE)


def styled(build: Callable[P, Figure]) -> Callable[P, Figure]:
    """Build a figure inside the package's style."""

    @wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with style.context(STYLE):
            return build(*args, **kwargs)

    return wrapper


class NotebookFigure(Figure):
    """A matplotlib Figure that shows itself as a PNG when it is a notebook cell's value, even
    if pyplot was never imported (with ``%matplotlib inline`` IPython draws it its own way)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        with style.context(STYLE):
            self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()
