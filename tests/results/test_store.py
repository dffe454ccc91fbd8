"""Results folders: one writer at a time, folders that appear whole, batches held once each."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import crossing_sim.results.second_process as second_process
import crossing_sim.results.store as store_module
from conftest import BASELINE, TINY
from crossing_sim.errors import ResultsError
from crossing_sim.experiment.design import Design, parse_vary
from crossing_sim.experiment.executors import SerialExecutor
from crossing_sim.experiment.replications import Task, run_batch
from crossing_sim.experiment.run import Plan
from crossing_sim.experiment.sweep import execute, prepare, spec_of
from crossing_sim.results.batches import Packed, pack, read_arrays
from crossing_sim.results.reader import load_results
from crossing_sim.results.record import ROW_FIELDS
from crossing_sim.results.store import LONG_LIST, Store, batch_name, json_text


@pytest.fixture
def study(tmp_path: Path) -> tuple[list, Plan, dict]:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    prepared = prepare(tmp_path / "tiny.toml", seed=5)
    plan = Plan([p.scenario for p in prepared], 5, 20)
    return prepared, plan, spec_of("run", prepared, plan, [], Design())


def test_a_second_writer_is_told_who_holds_the_folder(tmp_path: Path, study: tuple) -> None:
    prepared, plan, spec = study
    folder = tmp_path / "out"
    with Store(folder) as first:
        assert first.open(spec, {}) == "new"
        with pytest.raises(ResultsError, match=rf"in use by another crossing-sim \(PID "
                                               rf"{os.getpid()} on .*, started 20\d\d-"):
            Store(folder).open(spec, {})
        # another process, through the command line: one line, exit code 2
        done = subprocess.run([sys.executable, "-m", "crossing_sim", "run",
                               str(tmp_path / "tiny.toml"), "--seed", "5", "--reps", "20",
                               "--out", str(folder)], capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1
        assert f"is in use by another crossing-sim (PID {os.getpid()} " in done.stderr
    # once let go, the same study resumes and completes there
    resumed = execute(prepared, plan, spec, SerialExecutor(), folder)
    assert resumed.state == "resume"
    assert len(resumed.replications[0]) == 20


def test_a_new_folder_appears_with_its_manifest_and_scenario(tmp_path: Path,
                                                             study: tuple) -> None:
    _, _, spec = study
    with Store(tmp_path / "out") as store:
        store.open(spec, {"points": []}, {"scenario.toml": b"name = 'x'\n"})
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "batches", "manifest.json", "scenario.toml"]
        assert json.loads((tmp_path / "out" / "manifest.json").read_text())["status"] == \
            "running"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny.toml"]  # nothing aside


def test_leftovers_of_a_killed_start_are_cleaned_and_the_folder_is_used(
        tmp_path: Path, study: tuple) -> None:
    """What older versions left when killed before the manifest: an empty batches/ and
    temporary files; and a half-built sibling whose writer is gone."""
    prepared, plan, spec = study
    folder = tmp_path / "out"
    (folder / "batches").mkdir(parents=True)
    (folder / ".manifest.json.tmp-99999").write_bytes(b"{")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    sibling = tmp_path / f".out.new-{dead}-abcd"
    (sibling / "batches").mkdir(parents=True)
    assert execute(prepared, plan, spec, SerialExecutor(), folder).state == "new"
    assert not sibling.exists()
    assert not list(folder.rglob("*.tmp-*"))


def test_a_folder_holding_anything_else_is_never_touched(tmp_path: Path, study: tuple) -> None:
    _, _, spec = study
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(ResultsError, match="already exists and is not empty"):
        Store(tmp_path / "out").open(spec, {})
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_overlapping_batches_are_refused(tmp_path: Path, study: tuple) -> None:
    _, plan, spec = study
    with Store(tmp_path / "out") as store:
        store.open(spec, {})
        store.save(run_batch(plan.scenarios[0], 5, Task(0, 0, 10)))
        store.save(run_batch(plan.scenarios[0], 5, Task(0, 10, 5)))  # adjacent: fine
        with pytest.raises(ResultsError, match="both hold replication 12 of point 0"):
            store.save(run_batch(plan.scenarios[0], 5, Task(0, 12, 8)))
        assert len(list((tmp_path / "out" / "batches").glob("*.npz"))) == 2


def test_a_folder_whose_batches_overlap_is_damaged(tmp_path: Path, study: tuple) -> None:
    """Batches as two writers without a lock left them (sizes 10 and 8): refused on resume,
    and the reader proves each replication is held once."""
    _, plan, spec = study
    folder = tmp_path / "out"
    with Store(folder) as store:
        store.open(spec, {})
    for first, count in ((0, 10), (4, 8)):
        packed = pack(run_batch(plan.scenarios[0], 5, Task(0, first, count)))
        (folder / "batches" / batch_name(0, first, count)).write_bytes(packed.data)
    with pytest.raises(ResultsError, match="both hold replication 4 of point 0"):
        Store(folder).open(spec, {})
    with pytest.raises(ResultsError, match="replication 4 of point 0 is in both"):
        list(Store(folder).saved())


def test_a_batch_under_another_points_name_is_damage(tmp_path: Path, study: tuple) -> None:
    """The file's name says which point it holds (finishing reads a point's grid from its
    first file only): a file holding another point is refused, not read as that one."""
    _, plan, spec = study
    folder = tmp_path / "out"
    with Store(folder) as store:
        store.open(spec, {})
    packed = pack(run_batch(plan.scenarios[0], 5, Task(0, 0, 10)))
    (folder / "batches" / batch_name(1, 0, 10)).write_bytes(packed.data)
    with pytest.raises(ResultsError, match=r"holds point 0, not the one its name says"):
        list(Store(folder).saved(with_series=True))


def test_the_reader_proves_each_replication_appears_once(tmp_path: Path, study: tuple) -> None:
    prepared, plan, spec = study
    folder = tmp_path / "out"
    execute(prepared, plan, spec, SerialExecutor(), folder)
    assert np.array_equal(np.sort(load_results(folder).replications["replication"]),
                          np.arange(20))
    lines = (folder / "replications.csv").read_text().splitlines(keepends=True)
    (folder / "replications.csv").write_text("".join([*lines, lines[3]]))
    with pytest.raises(ResultsError, match="holds replication 2 twice"):
        _ = load_results(folder).replications
    (folder / "replications.csv").write_text("".join(lines[:-1]))
    with pytest.raises(ResultsError, match="but holds 19 replications"):
        _ = load_results(folder).replications


def test_the_tables_are_written_in_one_pass_over_the_batches(
        tmp_path: Path, study: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finishing reads each batch file once (so it takes time linear in the points), and
    its streamed tables hold what the batches hold."""
    prepared, _, _ = study
    points = prepare(prepared[0].base, factors=[parse_vary("gate.lanes=1,2,3,4")], seed=5)
    plan = Plan([p.scenario for p in points], 5, 12)
    spec = spec_of("sweep", points, plan, [parse_vary("gate.lanes=1,2,3,4")], Design())
    folder = tmp_path / "out"
    with Store(folder) as store:
        store.open(spec, {})
        for point in range(4):
            for first, count in ((0, 5), (5, 7)):
                store.save(run_batch(plan.scenarios[point], 5, Task(point, first, count)))
        reads: list[str] = []
        real_open = store_module.NpzEntries
        monkeypatch.setattr(store_module, "NpzEntries", lambda path: (reads.append(str(path)),
                                                                     real_open(path))[1])
        monkeypatch.setattr(second_process, "can_fork", lambda: False)  # reads seen here
        store.finish(4, lambda: [{"point": i} for i in range(4)], dict, [5] * 4, 0, [12] * 4)
    monkeypatch.undo()
    assert sorted(reads) == sorted(str(p) for p in (folder / "batches").glob("*.npz"))
    table = np.loadtxt(folder / "replications.csv", delimiter=",", skiprows=1, usecols=(0, 1))
    assert sorted(map(tuple, table.astype(int).tolist())) == [(p, r) for p in range(4)
                                                              for r in range(12)]
    series = np.concatenate([b["series"] for b in Store(folder).saved(with_series=True)
                             if int(b["point"]) == 2])
    with np.load(folder / "series.npz") as data:
        assert np.array_equal(data["bands"][2], np.quantile(
            series, (0.05, 0.25, 0.5, 0.75, 0.95), axis=0).transpose(1, 0, 2))
        assert np.array_equal(data["mean"][2], series.mean(axis=0))
        assert data["band_width"].tolist() == [1, 1, 1, 1]  # exact
    assert not list(folder.rglob("*.tmp-*"))


def test_batch_files_of_earlier_versions_are_still_read(tmp_path: Path, study: tuple) -> None:
    """Before one ``record`` entry, each column was an entry of its own: such a folder
    resumes and finishes with the same numbers."""
    _, plan, _ = study
    batch = run_batch(plan.scenarios[0], 5, Task(0, 0, 6))
    old = tmp_path / "old.npz"
    np.savez_compressed(old, point=np.int64(0), series_t=batch.series_t, series=batch.series,
                        trips=batch.trips, **{n: getattr(batch, n) for n in ROW_FIELDS})
    with np.load(old) as data:
        arrays = read_arrays(data, series=True)
    for name in ROW_FIELDS:
        assert np.array_equal(arrays[name], getattr(batch, name))
    assert np.array_equal(arrays["series"], batch.series)
    assert np.array_equal(Packed(0, 0, 6, old.read_bytes()).batch().fates, batch.fates)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(json_values)
def test_json_is_python_s_indented_json_while_no_list_is_long(data: object) -> None:
    assert json_text(data) == json.dumps(data, indent=2, ensure_ascii=False)


@given(st.lists(st.dictionaries(st.text(max_size=3), st.integers() | st.none(), max_size=2),
                min_size=LONG_LIST + 1, max_size=LONG_LIST + 3))
def test_a_long_list_has_one_item_a_line_and_reads_back(items: list) -> None:
    data = {"kind": "sweep", "points": items, "spec": {"points": items, "seed": 1}}
    text = json_text(data)
    assert json.loads(text) == data
    lines = text.split("\n")
    assert f'    {json.dumps(items[0], ensure_ascii=False)},' in lines
    assert len(lines) == 2 * len(items) + 10  # an item a line, and the frame around them


@given(st.lists(st.dictionaries(st.text(max_size=3), st.integers() | st.none(), max_size=2),
                min_size=LONG_LIST - 1, max_size=LONG_LIST + 2), st.booleans())
def test_json_of_what_was_written_is_json_of_what_is_read_back(items: list,
                                                               tuples: bool) -> None:
    """A store finishes with the manifest it wrote (tuples where JSON has lists, keys
    as given): its text is the text of the manifest read back from the file."""
    data = {"points": tuple(items) if tuples else items, "spec": {"points": items, "n": 1}}
    text = json_text(data)
    assert text == json_text(json.loads(text))


def test_series_round_trip_whatever_their_counts(study: tuple) -> None:
    """Series are stored as two-byte counts when they fit, as they are when not: read back,
    they are the same int32 numbers."""
    _, plan, _ = study
    batch = run_batch(plan.scenarios[0], 5, Task(0, 0, 3))
    for top in (0, 65_535, 70_000):
        series = batch.series.copy()
        series[0, 0, -1] = top
        back = pack(dataclasses.replace(batch, series=series)).batch().series
        assert back.dtype == np.int32
        assert np.array_equal(back, series)


def test_the_rows_kept_of_a_batch_hold_no_series(study: tuple) -> None:
    """What the main process keeps of every batch during a run: the per-replication numbers
    and the trips, not the series nor their grid (half a megabyte a batch on a 1 s grid)."""
    _, plan, _ = study
    rows = pack(run_batch(plan.scenarios[0], 5, Task(0, 0, 3))).rows()
    assert set(rows) == {*ROW_FIELDS, "point", "trips"}


def test_a_fine_grid_s_bands_say_how_far_off_they_may_be(tmp_path: Path) -> None:
    """On a 1 s grid the counts no longer fit the counters' budget: the bands are binned,
    series.npz says the bin width, and every band is within half a bin of numpy's."""
    prepared = prepare(BASELINE, ["series_step=1s"], seed=3)
    plan = Plan([prepared[0].scenario], 3, 16)
    folder = tmp_path / "fine"
    execute(prepared, plan, spec_of("run", prepared, plan, [], Design()), SerialExecutor(),
            folder)
    series = np.concatenate([b["series"] for b in Store(folder).saved(with_series=True)])
    with np.load(folder / "series.npz") as data:
        (width,) = data["band_width"].tolist()
        exact = np.quantile(series, (0.05, 0.25, 0.5, 0.75, 0.95), axis=0).transpose(1, 0, 2)
        assert width > 1
        assert np.abs(data["bands"][0] - exact).max() <= (width - 1) / 2 + 1e-9
        assert np.array_equal(data["mean"][0], series.mean(axis=0))
