"""The planner's game, for teaching: a budget and what each lever costs (``[game]``).

A class plays it in the app (``crossing-sim app``): each team spends a budget on tables, buses,
hours of opening and days of warning, and the team whose plan gets the most people safely
across, within budget, wins. The costs are made-up units, not the real operation's: they are
there to make the levers compete. The model itself never reads this section.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossing_sim.scenario.schema import param

__all__ = ["Costs", "Game"]


@dataclass(frozen=True)
class Costs:
    """What a plan costs, lever by lever, in the game's units."""

    tables: float
    buses: float
    hours_open: float
    warning: float

    @property
    def total(self) -> float:
        return self.tables + self.buses + self.hours_open + self.warning


@dataclass(frozen=True, kw_only=True)
class Game:
    """The planner's game: a budget and the cost of each table, bus, hour and day."""

    budget: float = param("float", 100, min=0, max=1e9,
                          doc="what a team may spend on the levers below (game units)")
    per_table: float = param("float", 15, min=0, max=1e9, doc="cost of one screening table")
    per_bus: float = param("float", 4, min=0, max=1e9, doc="cost of one bus")
    per_hour_open: float = param("float", 3, min=0, max=1e9,
                                 doc="cost of one hour of the gate's window (open to close)")
    per_day_of_warning: float = param("float", 6, min=0, max=1e9,
                                      doc="cost of one day of warning (warning.lead, in days)")

    def costs(self, tables: int, buses: int, hours_open: float,
              days_of_warning: float) -> Costs:
        """What a plan with these levers costs."""
        return Costs(tables * self.per_table, buses * self.per_bus,
                     hours_open * self.per_hour_open, days_of_warning * self.per_day_of_warning)
