"""Before the gate: the message, departures, the collection points, their routes and hazards.

Times are minutes after the scenario's ``start`` clock, distances km, speeds km/h.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from crossing_sim.scenario.distributions import Distribution
from crossing_sim.scenario.schema import param

__all__ = ["Checkpoint", "Closure", "Guides", "Journey", "Message", "Origin", "RoadCut"]


@dataclass(frozen=True, kw_only=True)
class Closure:
    """A night when a checkpoint shuts for a while: groups reaching it wait until it reopens."""

    p: float = param("prob", doc="probability, each night, that the checkpoint closes")
    after: float = param("clock", doc="the closure starts at a uniform time after this ...")
    within: float = param("duration", "0min", doc="... and within this long of it")
    length: Distribution = param("dist", unit="duration", doc="how long it stays closed")


@dataclass(frozen=True, kw_only=True)
class Guides:
    """Guided groups from a collection point: families gather there and leave together at set
    times, as many as a guide takes; a guided group walks at the pace of its slowest family
    and waits at a checkpoint until all its families are through."""

    first: float = param("clock", doc="when the first guided group leaves")
    every: float = param("duration", doc="time between two guided groups")
    capacity: int = param("int", min=1, max=100_000,
                          doc="people in one guided group at most (a family that does not "
                              "fit waits for the next)")


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    """A checkpoint on a route: it may stop a group for good, or hold it up."""

    at: float = param("distance", doc="distance from the collection point", unit="km")
    p_stop: float = param("prob", 0.0, doc="probability that a group is stopped here for good")
    delay: Distribution = param("dist", "0min", unit="duration",
                                doc="time lost by a group that is let through")
    closure: Closure | None = param("table", "none", cls=Closure, optional=True,
                                    doc="a closure for a while on some nights, if any")


@dataclass(frozen=True, kw_only=True)
class RoadCut:
    """Fighting that cuts a route at a point from a clock time on (groups not past it are lost)."""

    at: float = param("distance", doc="distance from the collection point", unit="km")
    after: float = param("clock", doc="clock time from which the road is cut (the earliest)")
    delay: Distribution = param("dist", "0min", unit="duration",
                                doc="drawn each night: the cut comes this long after `after`")


@dataclass(frozen=True, kw_only=True)
class Origin:
    """A collection point with its share of the people, its route to the gate and its hazards."""

    name: str = param("text", doc="the origin's name (the table's key)")
    share: float = param("prob", doc="share of the groups that set out from here")
    distance: float = param("distance", doc="walking distance to the gate", unit="km")
    speed_factor: float = param("float", 1.0, min=0.05, max=5,
                                doc="walking speed relative to journey.speed (terrain, path)")
    checkpoints: tuple[Checkpoint, ...] = param("list", [], cls=Checkpoint,
                                                doc="checkpoints on the route, by position")
    road_cut: RoadCut | None = param("table", "none", cls=RoadCut, optional=True,
                                     doc="fighting that cuts the route, if any")
    departure_delay: Distribution | None = param(
        "dist", "none", unit="duration", optional=True,
        doc="this origin's own warning.departure_delay (none: the warning's)")
    guides: Guides | None = param("table", "none", cls=Guides, optional=True,
                                  doc="guided groups leaving at set times, if any (else each "
                                      "family sets out on its own)")

    @cached_property
    def hazards(self) -> tuple[Checkpoint | RoadCut, ...]:
        """The route's checkpoints and road cut, in the order a group meets them."""
        cut = (self.road_cut,) if self.road_cut is not None else ()
        return tuple(sorted((*self.checkpoints, *cut), key=lambda h: h.at))


@dataclass(frozen=True, kw_only=True)
class Message:
    """How the message to leave spreads and how groups get ready."""

    lead: float = param("duration", "48h", unit="min",
                        doc="how long before the start clock the message was sent")
    p_reach: float = param("prob", 1.0, doc="probability that the message reaches a group")
    hearing_delay: Distribution = param("dist", "0min", unit="duration",
                                        doc="time from sending until a group hears it")
    p_decline: float = param("prob", 0.0, doc="probability that a group that heard stays")
    preparation: Distribution = param("dist", "0min", unit="duration",
                                      doc="time from hearing until a group can set out")
    earliest_departure: float = param("clock", "19:45",
                                      doc="groups set out no earlier than this (after dark)")
    departure_delay: Distribution = param("dist", "0min", unit="duration",
                                          doc="time from the later of ready and "
                                              "earliest_departure until a group sets out "
                                              "(drawn per group: departures spread out)")


@dataclass(frozen=True, kw_only=True)
class Journey:
    """Walking to the gate."""

    speed: Distribution = param("dist", "2.5km/h", unit="speed", min=0.1,
                                doc="a group's walking speed at night (drawn per group)")
    size_slowdown: float = param("float", 0.0, min=0, max=1,
                                 doc="speed divided by 1 + this x (group size - 1)")
