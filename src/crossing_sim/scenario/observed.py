"""What was observed of the real night, as data: a scenario's ``[observed]`` section.

Simulated nights are compared with these facts; a scenario without them (another operation,
a made-up one) reports no comparison. Nothing in the code knows any night's figures: they
live in scenario files, each with its source in a comment.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

from crossing_sim.scenario.facts import Fact
from crossing_sim.scenario.schema import param

__all__ = ["FACT_KEYS", "FACT_LABELS", "Observed"]


@dataclass(frozen=True, kw_only=True)
class Observed:
    """Facts of the real night that simulated nights are compared with (all optional)."""

    label: str = param("text", "Observed", doc="how the output names these facts, e.g. "
                                                "\"Reported in 2018\"")
    crossed: Fact | None = param("fact", "none", unit="count", optional=True,
                                 doc="people who crossed (a whole number, or an interval)")
    volunteers: Fact | None = param("fact", "none", unit="count", optional=True,
                                    doc="volunteers among those who crossed")
    family_members: Fact | None = param("fact", "none", unit="count", optional=True,
                                        doc="family members (not volunteers) who crossed")
    children: Fact | None = param("fact", "none", unit="count", optional=True,
                                  doc="children among those who crossed")
    children_share: Fact | None = param("fact", "none", unit="share", optional=True,
                                        doc="the share of those who crossed who were "
                                            "children, e.g. { from = 0.5 }")
    buses_used: Fact | None = param("fact", "none", unit="count", optional=True,
                                    doc="buses that left with anyone aboard")
    first_crossing: Fact | None = param("fact", "none", unit="clock", optional=True,
                                        doc="when the first family crossed, e.g. "
                                            "{ from = \"21:00\", to = \"21:45\" }")
    busiest_hour: Fact | None = param("fact", "none", unit="clock", optional=True,
                                      doc="when the clock hour with the most crossings began, "
                                          "e.g. { from = \"00:00\", to = \"04:00\" } for "
                                          "after midnight")
    last_crossing: Fact | None = param("fact", "none", unit="clock", optional=True,
                                       doc="when the last family crossed, e.g. "
                                           "{ to = \"04:30\" } for before dawn")
    last_bus_departure: Fact | None = param("fact", "none", unit="clock", optional=True,
                                            doc="when the last bus left")

    def facts(self) -> dict[str, Fact]:
        """The facts given, by key, in the order of the section."""
        return {k: v for k in FACT_KEYS if isinstance(v := getattr(self, k), Fact)}


#: Every fact a scenario may state, in the order reports show them.
FACT_KEYS: Final = tuple(f.name for f in fields(Observed) if f.name != "label")
#: How the output names each fact.
FACT_LABELS: Final = {
    "crossed": "people crossed",
    "volunteers": "volunteers crossed",
    "family_members": "family members crossed",
    "children": "children crossed",
    "children_share": "share of children",
    "buses_used": "buses used",
    "first_crossing": "first crossing",
    "busiest_hour": "busiest hour began",
    "last_crossing": "last crossing",
    "last_bus_departure": "last bus left",
}
