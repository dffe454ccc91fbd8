"""The fates: where each of the expected people ends the night, exactly one each."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["FATES", "Fate"]


class Fate(IntEnum):
    """Where a family group ended the night, in the order the night can lose them."""

    NO_MESSAGE = 0
    DECLINED = 1
    STOPPED = 2
    BLOCKED = 3
    EN_ROUTE = 4
    TOO_LATE = 5
    GAVE_UP = 6
    TURNED_AWAY = 7
    AT_GATE = 8
    REFUSED = 9
    CROSSED = 10

    @property
    def label(self) -> str:
        """A short phrase for reports."""
        return _LABELS[self]

    @property
    def key(self) -> str:
        """The lower-case name used in files and JSON."""
        return self.name.lower()


_LABELS = {
    Fate.NO_MESSAGE: "never got the message",
    Fate.DECLINED: "decided to stay",
    Fate.STOPPED: "stopped at a checkpoint",
    Fate.BLOCKED: "road cut by fighting",
    Fate.EN_ROUTE: "still on the way at the end",
    Fate.TOO_LATE: "reached the gate after it closed",
    Fate.GAVE_UP: "gave up at dawn",
    Fate.TURNED_AWAY: "turned away at closing",
    Fate.AT_GATE: "still at the gate at the end",
    Fate.REFUSED: "refused (not on the list)",
    Fate.CROSSED: "crossed",
}

FATES: tuple[Fate, ...] = tuple(Fate)
