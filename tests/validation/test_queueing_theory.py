"""The gate against queueing theory: the model's waits and queues next to exact formulas.

With ``[arrivals] mode = "poisson"``, families of one, exponential screening per group and a
window of almost a day, the gate is an M/M/c queue (c = ``gate.lanes``), first come first
served, that starts empty at opening. Each check runs independent replications (seed
``SEED``, replication ``r`` drawing from ``replication_streams(SEED, r, point)``), discards a
warm-up, and measures over the steady-state part of the window:

* from the per-group records, for the groups that arrive in ``[WARM_UP, close)``: the mean
  wait in the queue (``screen_start - arrive``) and the share that waited at all;
* from the model's own queue time series: the time-average queue length over the grid
  points in ``[WARM_UP, close)``.

The closing rule is ``finish_queue``, so every group that arrives before closing is screened:
a group's wait depends only on those who came before it, and nothing is cut off.

**Tolerance.** For every quantity the 99 % Student-t confidence interval over the
replications must contain the formula's value, and be narrow enough to mean something: its
half-width under ``PRECISION`` of the formula's value. A separate test shows that the same
intervals reject the formula computed with an arrival rate 5 % off.

Checks that need no statistics live elsewhere and are not repeated here: the deterministic
window (everyone at the gate at opening, fixed screening s, c tables, window W: exactly
c * floor(W / s) screened under ``cut_off``, c * ceil(W / s) under ``finish_screening``,
everyone under ``finish_queue``) is ``tests/model/test_gate.py::test_deterministic_window``; that
no more than buses x seats x (1 + return_trips) people leave by bus is checked on every random
night in ``tests/properties/test_invariants.py::check_buses`` and by hand in
``tests/model/test_buses.py::test_seats_times_buses_caps_who_leaves_by_bus``.

See ``docs/validation.md`` for the formulas, sources and the agreement measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from crossing_sim import Outcome, Scenario, replication_streams, scenario_from_dict, simulate

pytestmark = pytest.mark.validation

SEED = 2018
CONFIDENCE = 0.99
WARM_UP = 200.0  # minutes after opening left out of every measurement
WINDOW = 1400.0  # minutes the gate is open (00:00-23:20); the model stops at 23:59
GROUPS = 20_000  # groups expected to arrive while the gate is open, per replication
PRECISION = {"wait": 0.10, "p_wait": 0.03, "queue": 0.10, "holding": 0.05}

FloatArray = NDArray[np.float64]


# --- formulas ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MMc:
    """The M/M/c queue in steady state: arrival rate ``lam``, service rate ``mu`` per table.

    Erlang's C formula for the probability that an arrival has to wait, with a = lam / mu
    and rho = a / c < 1::

        C(c, a) = (a^c / c!) / (1 - rho) / (sum_{k<c} a^k / k! + (a^c / c!) / (1 - rho))

    and from it the mean wait in the queue Wq = C / (c mu - lam) and the mean queue length
    Lq = lam Wq = C rho / (1 - rho). Source: D. Gross, J. F. Shortle, J. M. Thompson and
    C. M. Harris, *Fundamentals of Queueing Theory*, 4th ed., Wiley 2008, section 2.3
    (M/M/c); L. Kleinrock, *Queueing Systems, Volume 1: Theory*, Wiley 1975, section 3.5.
    """

    c: int
    lam: float
    mu: float

    @property
    def rho(self) -> float:
        return self.lam / (self.c * self.mu)

    @property
    def p_wait(self) -> float:
        a, c, rho = self.lam / self.mu, self.c, self.rho
        top = a**c / math.factorial(c) / (1 - rho)
        return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)

    @property
    def wait(self) -> float:
        return self.p_wait / (self.c * self.mu - self.lam)

    @property
    def queue(self) -> float:
        return self.lam * self.wait


@dataclass(frozen=True)
class Interval:
    """A mean over replications with its Student-t confidence interval."""

    mean: float
    half: float
    n: int

    def contains(self, value: float) -> bool:
        return abs(self.mean - value) <= self.half

    def __str__(self) -> str:
        return f"{self.mean:.4g} +/- {self.half:.2g} ({self.n} replications)"


def interval(values: FloatArray, confidence: float = CONFIDENCE) -> Interval:
    n = values.size
    half = stats.t.ppf((1 + confidence) / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
    return Interval(float(values.mean()), float(half), n)


def assert_agrees(name: str, values: FloatArray, formula: float, precision: float) -> None:
    """The 99 % CI of the simulated mean contains the formula; its half-width is small."""
    ci = interval(values)
    assert ci.contains(formula), f"{name}: formula {formula:.4g} outside simulated {ci}"
    assert ci.half < precision * formula, (
        f"{name}: simulated {ci} too wide to test the formula {formula:.4g} "
        f"(half-width must be under {precision:.0%} of it): add replications")


# --- the M/M/c gate ----------------------------------------------------------------------------


def poisson_night(lam: float, gate: dict[str, Any], **sections: Any) -> Scenario:
    """A near-day-long window (00:00-23:20) with Poisson arrivals of ``lam`` groups a minute.

    ``expected`` leaves room for 30 % more groups than the window needs, so arrivals go on
    past closing (those groups are too late or still on the way at the end).
    """
    step = min(1.0, 0.5 / lam)  # two grid points to a mean gap between arrivals, or a minute
    return scenario_from_dict({
        "start": "00:00", "end": "23:59", "series_step": f"{step * 60:.9g}s",
        "population": {"expected": math.ceil(lam * WINDOW * 1.3), "group_size": 1},
        "arrivals": {"mode": "poisson", "rate": f"{lam:.12g}/min"},
        "gate": {"open": "00:00", "close": "23:20", "closing": "finish_queue",
                 "screening_per_person": "0s", **gate},
        **sections,
    })


def mmc_scenario(q: MMc) -> Scenario:
    return poisson_night(q.lam, {"lanes": q.c, "screening_per_group": {
        "dist": "exponential", "mean": f"{60 / q.mu:.12g}s"}},
        # buses play no part: one seat, ready just before the end
        buses={"count": 1, "seats": 1, "available": "23:58"})


def steady(out: Outcome, close: float) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Groups that arrived, and grid points, within the steady-state part of the window."""
    arrive, t = out.groups.arrive, out.series.t
    return (arrive >= WARM_UP) & (arrive < close), (t >= WARM_UP) & (t < close)


# (c, rho, replications): light and heavy load, one to five tables
MMC_CASES = [(1, 0.5, 20), (1, 0.9, 60), (2, 0.8, 30), (3, 0.9, 60), (5, 0.7, 30)]
MMC_IDS = [f"c{c}-rho{rho}" for c, rho, _ in MMC_CASES]


def mmc_queue(c: int, rho: float) -> MMc:
    """The queue of a case: GROUPS arrivals over the window, service rate from the load."""
    lam = GROUPS / WINDOW
    return MMc(c, lam, lam / (c * rho))


@cache
def mmc_measured(c: int, rho: float, replications: int) -> dict[str, FloatArray]:
    """Per replication: mean wait, share who waited, time-average queue, and Little's law."""
    q = mmc_queue(c, rho)
    scenario = mmc_scenario(q)
    close = scenario.gate.close
    point = 10 * c + round(10 * rho)  # each case its own stream
    out: dict[str, list[float]] = {"wait": [], "p_wait": [], "queue": [], "little": []}
    for r in range(replications):
        night = simulate(scenario, replication_streams(SEED, r, point))
        groups, grid = steady(night, close)
        g = night.groups
        wait = g.screen_start[groups] - g.arrive[groups]
        assert not np.isnan(wait).any()  # finish_queue: everyone who came was screened
        queue = night.series.queue[grid].mean()
        out["wait"].append(float(wait.mean()))
        out["p_wait"].append(float((wait > 0).mean()))
        out["queue"].append(float(queue))
        # Little's law on the queue: L = lambda W, with the observed arrival rate
        out["little"].append(float(queue - wait.sum() / (close - WARM_UP)))
    return {name: np.asarray(values) for name, values in out.items()}


@pytest.mark.parametrize(("c", "rho", "replications"), MMC_CASES, ids=MMC_IDS)
def test_mean_wait_in_queue_is_erlang_c(c: int, rho: float, replications: int) -> None:
    q = mmc_queue(c, rho)
    measured = mmc_measured(c, rho, replications)
    assert_agrees("Wq (min)", measured["wait"], q.wait, PRECISION["wait"])


@pytest.mark.parametrize(("c", "rho", "replications"), MMC_CASES, ids=MMC_IDS)
def test_probability_of_waiting_is_erlang_c(c: int, rho: float, replications: int) -> None:
    q = mmc_queue(c, rho)
    measured = mmc_measured(c, rho, replications)
    assert_agrees("P(wait > 0)", measured["p_wait"], q.p_wait, PRECISION["p_wait"])


@pytest.mark.parametrize(("c", "rho", "replications"), MMC_CASES, ids=MMC_IDS)
def test_mean_queue_length_from_the_time_series(c: int, rho: float, replications: int) -> None:
    q = mmc_queue(c, rho)
    measured = mmc_measured(c, rho, replications)
    assert_agrees("Lq (groups)", measured["queue"], q.queue, PRECISION["queue"])


@pytest.mark.parametrize(("c", "rho", "replications"), MMC_CASES, ids=MMC_IDS)
def test_littles_law_links_the_queue_series_and_the_waits(c: int, rho: float,
                                                          replications: int) -> None:
    # Lq (time average of the queue series) - lambda Wq (from the per-group waits) over the
    # same stretch of time is zero up to edge effects that cancel in steady state; the 99 %
    # CI of the difference contains 0 and is within 1 % of Lq.
    q = mmc_queue(c, rho)
    ci = interval(mmc_measured(c, rho, replications)["little"])
    assert ci.contains(0.0), f"Lq - lambda Wq = {ci}"
    assert ci.half < 0.01 * q.queue


@pytest.mark.parametrize(("c", "rho", "replications"), MMC_CASES, ids=MMC_IDS)
def test_the_check_rejects_an_arrival_rate_5_percent_off(c: int, rho: float,
                                                         replications: int) -> None:
    # The same intervals, against the formulas for a rate 5 % higher: each must reject it,
    # or the checks above could not tell such an error from agreement.
    q = mmc_queue(c, rho)
    wrong = MMc(c, 1.05 * q.lam, q.mu)
    measured = mmc_measured(c, rho, replications)
    for name in ("wait", "p_wait", "queue"):
        ci = interval(measured[name])
        assert not ci.contains(getattr(wrong, name)), f"{name}: {ci} also fits a wrong rate"


# --- a finite holding area ---------------------------------------------------------------------
# The model has no M/M/c/K loss system: nobody who reaches the gate is ever turned back for
# want of room. A finite holding area (capacity H) makes the screening tables wait until a
# place is free, and families wait in the unlimited queue in front of the gate. That is
# blocking, not loss, so the M/M/c/K blocking probability does not apply. The closest exact
# check: screen in no time, and let the buses board one person at a time with exponential
# boarding times (mean 1 / mu, the buses never full). Then the people at the gate and in the
# holding area together, N, form an M/M/1 queue served by the boarding point, with
# P(N = n) = (1 - rho) rho^n; the holding area holds min(N, H), the queue max(N - H, 0):
#   P(holding area full) = P(N >= H)       = rho^H
#   mean people in the holding area          = rho (1 - rho^H) / (1 - rho)
#   mean people queued at the gate           = rho^(H + 1) / (1 - rho)
# (Gross et al. 2008, section 2.2, M/M/1). An M/M/1/H loss system would instead turn away
# (1 - rho) rho^H / (1 - rho^(H + 1)) of the arrivals; the test shows the model is not that.

HOLDING_RHO, HOLDING_H, HOLDING_REPS = 0.8, 5, 40


@cache
def holding_measured() -> dict[str, FloatArray]:
    lam = GROUPS / WINDOW
    boarding = 60 * HOLDING_RHO / lam  # seconds a person
    scenario = poisson_night(
        lam, {"screening_per_group": "0s"}, holding={"capacity": HOLDING_H},
        buses={"count": 100, "seats": 1000, "available": "00:00", "departure": "when_full",
               "boarding": {"dist": "exponential", "mean": f"{boarding:.12g}s"}})
    out: dict[str, list[float]] = {"full": [], "holding": [], "queue": []}
    for r in range(HOLDING_REPS):
        night = simulate(scenario, replication_streams(SEED, r, point=100))
        _, grid = steady(night, scenario.gate.close)
        holding = night.series.holding[grid]
        assert holding.max() <= HOLDING_H
        out["full"].append(float((holding == HOLDING_H).mean()))
        out["holding"].append(float(holding.mean()))
        out["queue"].append(float(night.series.queue[grid].mean()))
    return {name: np.asarray(values) for name, values in out.items()}


def test_finite_holding_area_blocks_the_gate_as_an_mm1_queue_says() -> None:
    rho, h = HOLDING_RHO, HOLDING_H
    measured = holding_measured()
    assert_agrees("P(holding area full)", measured["full"], rho**h, PRECISION["holding"])
    assert_agrees("people in the holding area", measured["holding"],
                  rho * (1 - rho**h) / (1 - rho), PRECISION["holding"])
    assert_agrees("people queued at the gate", measured["queue"],
                  rho ** (h + 1) / (1 - rho), PRECISION["queue"])


def test_finite_holding_area_is_not_a_loss_system() -> None:
    rho, h = HOLDING_RHO, HOLDING_H
    loss = (1 - rho) * rho**h / (1 - rho ** (h + 1))  # M/M/1/H: share of arrivals lost
    assert not interval(holding_measured()["full"]).contains(loss)
