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
    boarded: list[float] = field(default_factory=list)  # when its last member boarded
    trip_of: list[int] = field(default_factory=list)  # the trip its last member boarded
    # one row per boarding: a family, or part of a split one, getting on one trip
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
        self.queued, self.left_queue = [NAN] * n, [NAN] * n
        self.screen_start, self.screen_end, self.boarded = [NAN] * n, [NAN] * n, [NAN] * n
        self.fate, self.trip_of = [-1] * n, [-1] * n

    def new_trip(self, bus: int, now: float) -> int:
        """Open a trip for ``bus`` whose loading starts ``now``; return its index."""
        self.trip_bus.append(bus)
        self.trip_load_start.append(now)
        self.trip_depart.append(NAN)
        self.trip_people.append(0)
        return len(self.trip_bus) - 1
