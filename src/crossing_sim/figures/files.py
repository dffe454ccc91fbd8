"""The figures as files: what ``crossing-sim plot`` draws from a results folder, and saving.

:func:`figures` chooses and draws the figures of a folder (with notes for the reader, e.g.
which points of a large sweep were drawn); :func:`write_figures` saves them, by default in
``FOLDER/figures/``; :func:`pngs` and :func:`write_pngs` save figures drawn elsewhere (the
analyses') as PNG.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from matplotlib import style
from matplotlib.figure import Figure

from crossing_sim.errors import ResultsError, param
from crossing_sim.figures.axes import MAX_CURVES
from crossing_sim.figures.buses import buses
from crossing_sim.figures.flow import flow
from crossing_sim.figures.night import distribution, fates, queue, throughput
from crossing_sim.figures.paired import difference, waits
from crossing_sim.figures.style import STYLE
from crossing_sim.figures.sweeps import factor_axis, sweep, value_key
from crossing_sim.results.reader import FORMATS, PointResult, Results, load_results
from crossing_sim.results.store import safe_name, write_atomic

__all__ = ["KINDS", "PNG_DPI", "SCENARIO_KINDS", "figures", "pngs", "write_figures",
           "write_pngs"]

#: The figures of one or more scenarios (a folder's points, overlaid or side by side).
SCENARIO_KINDS: Final[dict[str, Callable[..., Figure]]] = {
    "flow": flow, "throughput": throughput, "queue": queue, "fates": fates,
    "distribution": distribution, "waits": waits, "buses": buses}
#: The figures ``crossing-sim plot`` draws: the scenarios' ones, then those of a whole folder.
KINDS: Final = (*SCENARIO_KINDS, "difference", "sweep")

#: The resolution of the PNG files :func:`write_pngs` writes (the analyses' figures).
PNG_DPI: Final = 110


def figures(results: Results, kind: str = "all", compare: Sequence[Results] = (),
            points: Sequence[int] = ()) -> tuple[dict[str, Figure], list[str]]:
    """The figures ``crossing-sim plot`` draws, by file name, and notes for the reader.

    ``kind`` is one of :data:`KINDS` or ``"all"``; ``compare`` overlays more folders' points;
    ``points`` chooses a sweep's points (default: all, or a few that span a large sweep).
    """
    if kind not in (*KINDS, "all"):
        raise ResultsError(f"no figure kind {kind!r}; choose one of {', '.join(KINDS)} or all")
    notes: list[str] = []
    out: dict[str, Figure] = {}
    if compare and kind == "difference":
        raise ResultsError("the difference figure shows one folder's paired differences; "
                           f"leave out {param('compare')}")
    suffix = "".join(f"-vs-{safe_name(c.folder.name)}" for c in compare)
    if points:
        suffix += "-points-" + "-".join(str(p) for p in points)
    if kind == "sweep" or (kind == "all" and results.kind == "sweep"):
        if compare and kind == "sweep":
            raise ResultsError("the sweep figure shows one sweep; leave out "
                               f"{param('compare')}")
        _draw(out, notes, "sweep", "sweep", kind == "sweep", lambda: sweep(results))
    if kind == "difference" or (kind == "all" and not compare and any(
            p.summary.get("difference") for p in results.points)):
        _draw(out, notes, "difference", "difference", kind == "difference",
              lambda: difference(results))
    if kind in ("sweep", "difference"):
        return out, notes
    cases, note = _selection(results, points)
    notes += [note] if note else []
    cases += [p for other in compare for p in other.points]
    for name, function in SCENARIO_KINDS.items():
        if kind in (name, "all"):
            _draw(out, notes, name + suffix, name, kind == name,
                  functools.partial(function, *cases))
    return out, notes


def _draw(out: dict[str, Figure], notes: list[str], key: str, name: str, asked: bool,
          draw: Callable[[], Figure]) -> None:
    """Draw one figure into ``out[key]``. One asked for by name fails with its reason; one
    of ``all`` that cannot be drawn (e.g. no bus carried anyone) becomes a note, and the
    others are drawn."""
    try:
        out[key] = draw()
    except ResultsError as exc:
        if asked:
            raise
        notes.append(f"no {name} figure: {exc}")


def write_figures(folder: str | Path, kind: str = "all", fmt: str = "png",
                  out: str | Path | None = None, compare: Sequence[str | Path] = (),
                  points: Sequence[int] = ()) -> tuple[list[Path], list[str]]:
    """Draw the figures of a results folder and save them (default: ``FOLDER/figures/``)."""
    if fmt not in FORMATS:
        raise ResultsError(f"no figure format {fmt!r}; choose one of {', '.join(FORMATS)}")
    results = load_results(folder)
    others = [load_results(c) for c in compare]
    drawn, notes = figures(results, kind, others, points)
    target = Path(out) if out is not None else results.folder / "figures"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"{target}: cannot write figures here: {exc.strerror}") from None
    written = []
    with style.context(STYLE):
        for name, fig in drawn.items():
            path = target / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, metadata=_metadata(fmt))
            written.append(path)
    return written, notes


def _metadata(fmt: str) -> dict[str, Any]:
    """No creation date in vector files, so the same results give the same file."""
    return {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(fmt, {})


def _selection(results: Results, points: Sequence[int]) -> tuple[list[PointResult], str]:
    """The points of a folder to draw, and a note if the choice was made for the reader."""
    if points:
        return [results.point(i) for i in points], ""
    if len(results.points) <= MAX_CURVES:
        return list(results.points), ""
    axes = [factor_axis(results, key) for key in results.factors]
    if results.design == "grid" and 2 ** len(axes) <= MAX_CURVES:
        middle = 3 ** len(axes) <= MAX_CURVES  # one factor: its first, middle and last value
        ends = [{a.ordered[0], a.ordered[-1], *([a.ordered[len(a.ordered) // 2]] if middle
                                                 else [])} for a in axes]
        chosen = [p for p in results.points
                  if all(value_key(p.values[a.key]) in e
                         for a, e in zip(axes, ends, strict=True))]
        why = "its first, middle and last values" if middle else "the corners of the grid"
    else:
        by_mean = sorted(results.points, key=lambda p: p.summary["crossed"]["mean"])
        chosen = sorted({by_mean[0], by_mean[len(by_mean) // 2], by_mean[-1]},
                        key=lambda p: p.index)
        why = "the lowest, middle and highest mean crossed"
    listed = ", ".join(str(p.index) for p in chosen)
    return chosen, (f"{results.folder} has {len(results.points)} points, too many to tell "
                    f"apart in one figure: the scenario figures show points {listed} ({why}); "
                    "choose others with --point N")


def pngs(drawn: Mapping[str, Figure], dpi: int = PNG_DPI) -> dict[str, bytes]:
    """Each figure as the bytes of ``NAME.png``, by file name, in the order given."""
    files = {}
    for name, fig in drawn.items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        files[f"{name}.png"] = buffer.getvalue()
    return files


def write_pngs(drawn: Mapping[str, Figure], folder: Path, dpi: int = PNG_DPI) -> list[Path]:
    """Save each figure as ``folder/NAME.png`` (written whole or not at all); the folder
    exists already. Returns the files, in the order given."""
    written = []
    for name, data in pngs(drawn, dpi).items():
        write_atomic(folder / name, data)
        written.append(folder / name)
    return written
