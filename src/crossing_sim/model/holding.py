"""The holding area behind the gate: people who crossed wait here for a bus.

It may have a capacity: a screening table reserves room for a family before it starts, so
the gate stops while the area is full and starts again as people board buses.
"""

from __future__ import annotations

from collections import deque

import simpy

__all__ = ["HoldingArea"]


class HoldingArea:
    """Families waiting for buses, first come first served, with the people still to board."""

    def __init__(self, env: simpy.Environment, capacity: int | None) -> None:
        self.env = env
        self.capacity = capacity
        self.occupied = 0  # people inside, plus room held for families being screened
        self.waiting: deque[int] = deque()
        self.to_board: dict[int, int] = {}
        self.room_waiter: simpy.Event | None = None  # a table waiting for room, if any
        self.loader_waiter: simpy.Event | None = None  # the bus loader waiting for people

    def has_room(self, people: int) -> bool:
        return self.capacity is None or self.occupied + people <= self.capacity

    def release(self, people: int) -> None:
        """Give back room (a family refused, turned away, or gone onto a bus)."""
        self.occupied -= people
        if self.room_waiter is not None:
            self.wake_gate()

    def admit(self, group: int, people: int) -> None:
        """A screened family enters (its room was reserved before screening)."""
        self.waiting.append(group)
        self.to_board[group] = people
        if self.loader_waiter is not None:
            self.loader_waiter.succeed()
            self.loader_waiter = None

    def wake_loader(self) -> None:
        """Wake the bus loader if it is waiting for people."""
        if self.loader_waiter is not None:
            self.loader_waiter.succeed()
            self.loader_waiter = None

    def room_event(self) -> simpy.Event:
        """An event that fires when room may have been freed."""
        if self.room_waiter is None:
            self.room_waiter = self.env.event()
        return self.room_waiter

    def arrival_event(self) -> simpy.Event:
        """An event that fires when the next family enters (or the gate has finished)."""
        if self.loader_waiter is None:
            self.loader_waiter = self.env.event()
        return self.loader_waiter

    def wake_gate(self) -> None:
        if self.room_waiter is not None:
            self.room_waiter.succeed()
            self.room_waiter = None
