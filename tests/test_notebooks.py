"""The teaching notebooks run from top to bottom, cleanly, and are committed without outputs.

Each notebook in ``notebooks/`` is copied to a temporary folder, and the copy is executed by a
fresh ``python3`` kernel (ipykernel, from the ``notebooks`` extra, which ``test`` includes)
with the working directory set to ``notebooks/``, as when a student opens it in Jupyter. The
executed copy is saved in the temporary folder, for a look when a test fails: outputs never
reach the repository. A notebook fails the test if a cell raises, if it prints to stderr (a
warning a student would see), if a cell takes longer than ``TIMEOUT``, or if it leaves a file
behind in the repository.

Run them alone with ``pytest -m notebooks``; leave them out with ``-m "not notebooks"``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
TIMEOUT = 300  # seconds per cell; each notebook takes well under a minute
WATCHED = ("notebooks", "scenarios", "results")  # folders a notebook must not write to

pytestmark = [
    pytest.mark.notebooks,
    # The suite turns warnings into errors. These two come from Jupyter's own start-up in this
    # test process, not from the notebooks, so they are let through here only: IPython falls
    # back to a temporary folder when HOME is not writable (as in some CI containers), and
    # jupyter_core announces its move to platformdirs. A warning raised inside a notebook
    # still fails it, as output on stderr.
    pytest.mark.filterwarnings("ignore:IPython parent .* is not a writable location:UserWarning"),
    pytest.mark.filterwarnings("ignore:Jupyter is migrating its paths:DeprecationWarning"),
]

nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[notebooks]'")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[notebooks]'")


def test_there_are_numbered_notebooks() -> None:
    names = [p.name for p in PATHS]
    assert [n for n in names if n[:2].isdigit()] == [
        "01_the_night.ipynb", "02_capacity_and_windows.ipynb", "03_what_if.ipynb",
        "04_uncertainty.ipynb"]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} hold outputs; clear them before committing "
                       "(Jupyter: Edit > Clear Outputs of All Cells)")


def _snapshot() -> dict[str, int]:
    """Every file in the watched folders, with its modification time."""
    return {str(p.relative_to(ROOT)): p.stat().st_mtime_ns for name in WATCHED
            for p in (ROOT / name).rglob("*") if p.is_file()}


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_runs_cleanly(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    # the kernel inherits this: the notebook's temporary results folders land in tmp_path
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    notebook = nbformat.read(copy, as_version=4)
    before = _snapshot()
    client = nbclient.NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    finally:
        nbformat.write(notebook, copy)  # the executed copy, for a look when a test fails
    stderr = [(i, out.get("text", "")) for i, cell in enumerate(notebook.cells)
              if cell.cell_type == "code" for out in cell.outputs
              if out.output_type == "stream" and out.name == "stderr"]
    assert not stderr, f"{path.name} printed to stderr (cell, text): {stderr}; see {copy}"
    changed = {k for k, v in _snapshot().items() if before.get(k) != v}
    assert not changed, f"{path.name} wrote into the repository: {sorted(changed)}"
