"""The per-replication record is defined once; batches, tables and summaries follow it."""

from __future__ import annotations

import csv
import io
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import invoke
from crossing_sim import (
    load_scenario,
    replication_streams,
    run_replications,
    scenario_from_dict,
    simulate,
)
from crossing_sim.model.fates import FATES, Fate
from crossing_sim.results.batches import Batch, pack
from crossing_sim.results.record import (
    MEASURED,
    RECORD,
    REPLICATION_COLUMNS,
    ROW_FIELDS,
    measure,
    replication_lines,
    trip_lines,
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
    values = measure(outcome, scenario)
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


def one_night(**gate: object) -> dict[str, float | int]:
    """Three people who all reach the gate at 21:00 (30 minutes' walk from 20:30), screened
    a minute each at one table."""
    scenario = scenario_from_dict({
        "population": {"expected": 3, "group_size": 1},
        "origins": {"camp": {"share": 1.0, "distance": "3km"}},
        "warning": {"earliest_departure": "20:30"},
        "journey": {"speed": "6km/h"},
        "gate": {"open": "21:00", "screening_per_group": "0s", "screening_per_person": "1min",
                 **gate},
    })
    return measure(simulate(scenario, np.random.default_rng(0)), scenario)


def test_the_gate_s_numbers_of_a_night_worked_by_hand() -> None:
    m = one_night(close="21:10")
    assert (m["first_crossing"], m["last_crossing"]) == (541.0, 543.0)  # 21:01 and 21:03
    assert (m["wait_mean"], m["wait_max"]) == (1.0, 2.0)  # waits 0, 1 and 2 minutes
    assert m["wait_p90"] == pytest.approx(1.8)
    assert m["utilisation"] == pytest.approx(3 / 10)  # 3 busy minutes of a 10-minute window
    assert m["queued_at_closing"] == 0
    assert m["busiest_hour"] == 540.0  # 21:00-22:00


def test_people_still_queued_when_the_gate_closes() -> None:
    m = one_night(close="21:02", closing="cut_off")
    assert m["queued_at_closing"] == 1  # the third person had not reached the table
    assert m["utilisation"] == pytest.approx(1.0)  # busy the whole two minutes


def _csv_of(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _cell(value: float, kind: str) -> str:
    """How replications.csv writes a number of each kind (NaN: an empty cell)."""
    if kind == "count":
        return str(int(value))
    return "" if np.isnan(value) else f"{value:.{6 if kind == 'share' else 3}f}"


maybe_nan = st.floats(-1e5, 1e5) | st.just(float("nan"))


@settings(max_examples=50)
@given(st.integers(1, 6), st.integers(1, 1000), st.data())
def test_the_lines_are_what_csv_writes_cell_by_cell(nights: int, expected: int,
                                                     data: st.DataObject) -> None:
    """replication_lines and trip_lines format a line in one step: the same text as
    csv.writer over each cell formatted alone, NaN as an empty cell."""
    ints = st.integers(0, expected)
    fates = np.array(data.draw(st.lists(st.lists(ints, min_size=len(FATES),
                                                 max_size=len(FATES)),
                                        min_size=nights, max_size=nights)), dtype=np.int64)
    batch: dict[str, object] = {"replication": np.arange(nights), "fates": fates}
    for c in MEASURED:
        values = data.draw(st.lists(ints if c.kind == "count" else maybe_nan,
                                    min_size=nights, max_size=nights))
        batch[c.name] = np.array(values, dtype=np.int64 if c.kind == "count" else float)
    crossed = fates[:, int(Fate.CROSSED)]
    expected_rows = []
    for i in range(nights):
        row: list[object] = [3, i, int(crossed[i]), f"{crossed[i] / expected:.6f}",
                             *fates[i].tolist()]
        for c in RECORD:
            value = c.derive(int(crossed[i]), {k: v[i] for k, v in batch.items()
                                               if k != "fates"}) if c.derive else \
                batch[c.name][i]  # type: ignore[index]
            row.append(_cell(float(value), c.kind))
        expected_rows.append(row)
    assert "".join(replication_lines(3, batch, expected)) == _csv_of(expected_rows)
    trips = np.array(data.draw(st.lists(st.tuples(st.integers(0, nights), st.integers(0, 9),
                                                  st.floats(0, 1e4), maybe_nan,
                                                  st.integers(0, 60)), max_size=8)),
                     dtype=float).reshape(-1, 5)
    assert "".join(trip_lines(3, trips)) == _csv_of(
        [[3, int(t[0]), int(t[1]), _cell(t[2], "time"), _cell(t[3], "time"), int(t[4])]
         for t in trips])
