"""Quantities as written in scenario files: durations, distances, speeds and clock times."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossing_sim.scenario.units import (
    MINUTES_PER_DAY,
    clock_to_minutes,
    format_clock,
    format_duration,
    parse_clock,
    parse_quantity,
)

# --- parse_quantity: accepted ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45s", 0.75),
        ("30sec", 0.5),
        ("3min", 3.0),
        ("2h", 120.0),
        ("1.5d", 2160.0),
        ("0min", 0.0),
        (".5h", 30.0),
        ("1e1min", 10.0),
        (" 90s ", 1.5),
    ],
)
def test_durations_are_read_in_minutes(text: str, minutes: float) -> None:
    assert parse_quantity(text, "duration") == pytest.approx(minutes, rel=1e-12)


@pytest.mark.parametrize(("text", "km"), [("800m", 0.8), ("6km", 6.0), ("12.5km", 12.5)])
def test_distances_are_read_in_km(text: str, km: float) -> None:
    assert parse_quantity(text, "distance") == pytest.approx(km, rel=1e-12)


@pytest.mark.parametrize(("text", "kmh"), [("2.5km/h", 2.5), ("1.3m/s", 4.68), ("1m/s", 3.6)])
def test_speeds_are_read_in_km_per_hour(text: str, kmh: float) -> None:
    assert parse_quantity(text, "speed") == pytest.approx(kmh, rel=1e-12)


# --- parse_quantity: rejected ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (45, "duration"),
        (4.5, "duration"),
        (800, "distance"),
        (2.5, "speed"),
        (True, "duration"),
        (False, "distance"),
        (None, "duration"),
        (["45s"], "duration"),
    ],
)
def test_a_value_without_a_unit_is_rejected(value: object, kind: str) -> None:
    with pytest.raises(ValueError, match="needs a unit"):
        parse_quantity(value, kind)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("45", "duration"),  # a bare number, even as a string
        ("", "duration"),
        ("min", "duration"),
        ("3km", "duration"),  # a unit of the wrong kind
        ("45s", "distance"),
        ("2.5km/h", "distance"),
        ("6km", "speed"),
        ("3 parsecs", "distance"),
        ("3mins", "duration"),
        ("nan", "duration"),
        ("inf", "duration"),
        ("-inf", "duration"),
        ("nanmin", "duration"),
        ("infh", "duration"),
        ("NaN s", "duration"),
        ("3min 20s", "duration"),
        ("1,5h", "duration"),
    ],
)
def test_a_string_that_is_not_a_quantity_of_that_kind_is_rejected(text: str, kind: str) -> None:
    with pytest.raises(ValueError, match=f"not a {kind}"):
        parse_quantity(text, kind)


@pytest.mark.parametrize(("text", "kind"), [("1e999s", "duration"), ("1e400km", "distance"),
                                            ("-1e999min", "duration"), ("1e308d", "duration")])
def test_an_infinite_quantity_is_rejected(text: str, kind: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        parse_quantity(text, kind)


def test_the_rejection_lists_the_units_of_that_kind() -> None:
    with pytest.raises(ValueError, match="not a distance") as info:
        parse_quantity("3h", "distance")
    message = str(info.value)
    assert "km" in message
    assert "min" not in message  # the units of the kind asked for, not of another


# --- clock times -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "minute_of_day"),
    [
        ("00:00", 0),
        ("03:30", 210),
        ("3:30", 210),
        ("12:00", 720),
        ("21:15", 1275),
        ("23:59", 1439),
        (datetime.time(21, 15), 1275),
        (datetime.time(0, 0), 0),
    ],
)
def test_clock_times_are_minutes_after_midnight(value: object, minute_of_day: int) -> None:
    assert parse_clock(value) == minute_of_day


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("25:00", "00:00 to 23:59"),
        ("24:00", "00:00 to 23:59"),
        ("12:60", "00:00 to 23:59"),
        ("21.15", "HH:MM"),
        ("2115", "HH:MM"),
        ("9pm", "HH:MM"),
        ("21:15:00", "HH:MM"),
        ("-1:00", "HH:MM"),
        ("", "HH:MM"),
        (2115, "HH:MM"),
        (21.25, "HH:MM"),
        (None, "HH:MM"),
        (True, "HH:MM"),
        (datetime.time(21, 15, 30), "whole minutes"),
        (datetime.datetime(2018, 7, 21, 21, 15), "HH:MM"),
    ],
)
def test_impossible_clock_times_are_rejected(value: object, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        parse_clock(value)


@pytest.mark.parametrize(
    ("clock", "start", "minutes"),
    [
        ("12:00", "12:00", 0.0),
        ("13:00", "12:00", 60.0),
        ("21:15", "12:00", 555.0),
        ("23:59", "12:00", 719.0),
        ("00:00", "12:00", 720.0),  # midnight after a noon start is the next day
        ("03:00", "12:00", 900.0),
        ("11:59", "12:00", 1439.0),  # just before the start clock: almost a day later
        ("07:00", "00:00", 420.0),
    ],
)
def test_a_clock_before_the_start_is_the_next_day(clock: str, start: str, minutes: float) -> None:
    assert clock_to_minutes(parse_clock(clock), parse_clock(start)) == minutes


@pytest.mark.parametrize(
    ("minutes", "start", "clock"),
    [
        (0.0, "12:00", "12:00"),
        (555.0, "12:00", "21:15"),
        (900.0, "12:00", "03:00"),
        (1440.0 + 5, "00:00", "00:05"),
        (0.4, "00:00", "00:00"),
        (0.6, "00:00", "00:01"),
        (59.5, "23:00", "00:00"),
    ],
)
def test_format_clock(minutes: float, start: str, clock: str) -> None:
    assert format_clock(minutes, parse_clock(start)) == clock


@given(clock_minute=st.integers(0, MINUTES_PER_DAY - 1), start=st.integers(0, MINUTES_PER_DAY - 1))
def test_clock_round_trip(clock_minute: int, start: int) -> None:
    text = f"{clock_minute // 60:02d}:{clock_minute % 60:02d}"
    minutes = clock_to_minutes(parse_clock(text), start)
    assert 0 <= minutes < MINUTES_PER_DAY
    assert format_clock(minutes, start) == text


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0.75, "45s"), (12.0, "12min"), (12.5, "12.5min"), (120.0, "2h"), (150.0, "2h30min")],
)
def test_format_duration(minutes: float, text: str) -> None:
    assert format_duration(minutes) == text
