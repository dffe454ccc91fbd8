"""The planner's game: what a setting costs against the budget, and the class's results board.

The budget and the costs are the scenario's ``[game]`` section
(:class:`~crossing_sim.scenario.game.Game`); the page can change them, and they go into the
downloaded scenario file with the levers. The goal: the most people safely across (on a
bus, on average over the nights), within budget.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Final

from crossing_sim.scenario.game import Costs, Game
from crossing_sim.scenario.spec import Scenario

__all__ = ["GAME_KEYS", "Entry", "board_csv", "board_rows", "costs_of", "game_overrides", "ranked"]

#: The game's numbers the page lets a teacher change, with their labels.
GAME_KEYS: Final = {
    "budget": "Budget",
    "per_table": "Cost of a table",
    "per_bus": "Cost of a bus",
    "per_hour_open": "Cost of an hour of opening",
    "per_day_of_warning": "Cost of a day of warning",
}


def costs_of(scenario: Scenario) -> Costs:
    """What the scenario's plan costs in its own game."""
    hours_open = (scenario.gate.close - scenario.gate.open) / 60
    return scenario.game.costs(scenario.gate.lanes, scenario.buses.count, hours_open,
                               scenario.warning.lead / (24 * 60))


def game_overrides(start: Game, chosen: Mapping[str, float]) -> list[str]:
    """``game.KEY=value`` for each of the game's numbers that differs from the start's."""
    return [f"game.{f.name}={float(chosen[f.name]):g}" for f in fields(Game)
            if f.name in chosen and float(chosen[f.name]) != getattr(start, f.name)]


@dataclass(frozen=True)
class Entry:
    """One team's plan on the results board."""

    team: str
    plan: str
    safely_across: float  # people who left on a bus, mean per night
    low: float  # its 95 % confidence interval
    high: float
    cost: float
    budget: float
    nights: int

    @property
    def within_budget(self) -> bool:
        return self.cost <= self.budget + 1e-9


def ranked(entries: Iterable[Entry]) -> list[Entry]:
    """The board in order: plans within budget first, most people safely across first."""
    return sorted(entries, key=lambda e: (not e.within_budget, -e.safely_across, e.cost))


def board_rows(entries: Sequence[Entry]) -> list[dict[str, object]]:
    """The board as table rows, ranked, with the place of each plan within budget."""
    rows: list[dict[str, object]] = []
    place = 0
    for e in ranked(entries):
        place += e.within_budget
        rows.append({"place": place if e.within_budget else "over budget", "team": e.team,
                     "safely across": round(e.safely_across, 1),
                     "95 % CI": f"{e.low:.0f}-{e.high:.0f}", "cost": round(e.cost, 2),
                     "budget": e.budget, "plan": e.plan, "nights": e.nights})
    return rows


def board_csv(entries: Sequence[Entry]) -> str:
    """The ranked board as CSV, every number in full."""
    buffer = io.StringIO()
    names = [f.name for f in fields(Entry)] + ["within_budget"]
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for e in ranked(entries):
        writer.writerow({**asdict(e), "within_budget": e.within_budget})
    return buffer.getvalue()
