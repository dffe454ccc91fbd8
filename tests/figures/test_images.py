"""Image regression: every figure kind drawn from the stored results folders matches its
stored reference image (regenerate both with ``python tests/figures/figure_gallery.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from figure_gallery import GALLERY, REFERENCES, TEST_DPI, Entry, folders, save
from matplotlib.testing.compare import compare_images

from crossing_sim.results.reader import Results

#: Root-mean-square difference (0-255 grey levels) tolerated: font rendering, not content.
TOLERANCE = 2.0


@pytest.fixture(scope="module")
def stored() -> dict[str, Results]:
    return folders()


@pytest.mark.parametrize("entry", GALLERY, ids=[e.name for e in GALLERY])
def test_figure_matches_its_reference(entry: Entry, stored: dict[str, Results],
                                      tmp_path: Path) -> None:
    actual = tmp_path / f"{entry.name}.png"
    save(entry.draw(stored), actual, TEST_DPI)
    reference = REFERENCES / f"{entry.name}.png"
    assert reference.is_file(), f"no reference image {reference}: run figure_gallery.py"
    failed = compare_images(str(reference), str(actual), tol=TOLERANCE)
    assert failed is None, failed


def test_every_figure_kind_is_in_the_gallery() -> None:
    from crossing_sim.figures.files import KINDS

    drawn = {e.name.split("-")[0] for e in GALLERY}
    assert set(KINDS) <= drawn
    assert drawn - set(KINDS) == {"calibration", "sensitivity"}  # the analyses' figures


def test_the_plot_command_offers_every_figure_kind() -> None:
    from crossing_sim.cli.plot import KINDS as OFFERED
    from crossing_sim.figures.files import KINDS

    assert OFFERED == KINDS
