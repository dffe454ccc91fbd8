"""The per-replication record is defined once; batches, tables and summaries follow it."""

from __future__ import annotations

import csv
from dataclasses import fields
from pathlib import Path

import numpy as np

from conftest import invoke
from crossing_sim import load_scenario, replication_streams, run_replications, simulate
from crossing_sim.model.fates import FATES
from crossing_sim.results.batches import Batch, pack
from crossing_sim.results.record import (
    MEASURED,
    RECORD,
    REPLICATION_COLUMNS,
    ROW_FIELDS,
    measure,
)


def test_a_batch_holds_exactly_the_record_s_measured_columns() -> None:
    arrays = {f.name for f in fields(Batch)} - {"point", "series_t", "series", "trips"}
    assert arrays == set(ROW_FIELDS)
    assert {c.name for c in MEASURED} <= arrays


def test_the_table_header_follows_the_record() -> None:
    assert REPLICATION_COLUMNS[4:4 + len(FATES)] == tuple(f.key for f in FATES)
    assert REPLICATION_COLUMNS[4 + len(FATES):] == tuple(c.csv for c in RECORD)


def test_measure_agrees_with_the_outcome(tiny_file: Path) -> None:
    scenario = load_scenario(tiny_file)
    outcome = simulate(scenario, replication_streams(5, 0))
    values = measure(outcome)
    assert values["left_by_bus"] == outcome.left_by_bus
    assert values["buses_used"] == outcome.buses_used
    departures = outcome.trips.depart[~np.isnan(outcome.trips.depart)]
    assert values["last_departure"] == departures.max()


def test_packing_keeps_every_column(tiny_file: Path) -> None:
    reps = run_replications(load_scenario(tiny_file), 3, seed=5)
    batch = Batch(0, reps.replication, reps.fates, series_t=reps.series_t,
                  series=np.zeros((3, 4, reps.series_t.size), dtype=np.int32),
                  trips=np.zeros((0, 5)), **{c.name: getattr(reps, c.name) for c in MEASURED})
    again = pack(batch).batch()
    for name in ROW_FIELDS:
        np.testing.assert_array_equal(getattr(again, name), getattr(batch, name))


def test_the_written_table_has_the_derived_columns(tiny_file: Path, tmp_path: Path) -> None:
    code, _, err = invoke("run", str(tiny_file), "--reps", "4", "--out", str(tmp_path / "r"))
    assert code == 0, err
    with (tmp_path / "r" / "replications.csv").open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    assert len(rows) == 4
    for row in rows:
        assert int(row["left_waiting"]) == int(row["crossed"]) - int(row["left_by_bus"])
