"""What happens to each group during the night, recorded as it happens (plain lists, fast)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

NAN = math.nan


@dataclass
class Log:
    """Mutable per-group and per-bus records filled in by the SimPy processes."""

    n_groups: int
    fate: list[int] = field(default_factory=list)
    queued: list[float] = field(default_factory=list)
    left_queue: list[float] = field(default_factory=list)
    screen_start: list[float] = field(default_factory=list)
    screen_end: list[float] = field(default_factory=list)
    boarded: list[float] = field(default_factory=list)
    trip_of: list[int] = field(default_factory=list)
    # one row per boarding (a group, or part of a split group, getting on one bus)
    board_time: list[float] = field(default_factory=list)
    board_group: list[int] = field(default_factory=list)
    board_trip: list[int] = field(default_factory=list)
    board_people: list[int] = field(default_factory=list)
    # one row per bus trip
    trip_bus: list[int] = field(default_factory=list)
    trip_load_start: list[float] = field(default_factory=list)
    trip_depart: list[float] = field(default_factory=list)
    trip_people: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = self.n_groups
        for name in ("queued", "left_queue", "screen_start", "screen_end", "boarded"):
            setattr(self, name, [NAN] * n)
        self.fate = [-1] * n
        self.trip_of = [-1] * n

    def new_trip(self, bus: int, now: float) -> int:
        """Open a trip for ``bus`` whose loading starts ``now``; return its index."""
        self.trip_bus.append(bus)
        self.trip_load_start.append(now)
        self.trip_depart.append(NAN)
        self.trip_people.append(0)
        return len(self.trip_bus) - 1

    def board(self, now: float, group: int, trip: int, people: int) -> None:
        """``people`` of ``group`` got on ``trip`` at ``now``."""
        self.board_time.append(now)
        self.board_group.append(group)
        self.board_trip.append(trip)
        self.board_people.append(people)
        self.trip_people[trip] += people
        self.boarded[group] = now
        self.trip_of[group] = trip
