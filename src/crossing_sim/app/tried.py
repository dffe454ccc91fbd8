"""The scenario log: every setting tried in a session, with its result, side by side.

Each entry keeps the setting's self-contained scenario file, so any row can be downloaded and
run again with ``crossing-sim run`` for the same numbers; the whole log downloads as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Tried", "log_csv", "log_rows"]


@dataclass(frozen=True)
class Tried:
    """One setting tried, and what it gave."""

    number: int
    start: str
    changes: tuple[str, ...]
    nights: int
    seed: int
    crossed: float  # mean per night
    crossed_low: float  # its 95 % CI
    crossed_high: float
    safely_across: float  # left on a bus, mean per night
    difference: float  # crossed, paired difference from the start (mean per night)
    difference_low: float
    difference_high: float
    in_words: str
    cost: float
    budget: float
    toml: str  # the setting as a scenario file

    @property
    def label(self) -> str:
        return f"#{self.number}: {', '.join(self.changes) or 'as ' + self.start}"

    @property
    def file_name(self) -> str:
        return f"{self.start}-tried-{self.number}.toml"

    def row(self) -> dict[str, object]:
        """The entry as one row of the log (what the page shows and the CSV holds)."""
        return {"#": self.number, "start": self.start,
                "changes": "; ".join(self.changes) or "(none)", "nights": self.nights,
                "seed": self.seed, "crossed": round(self.crossed, 1),
                "crossed 95 % CI": f"{self.crossed_low:.1f}-{self.crossed_high:.1f}",
                "safely across": round(self.safely_across, 1),
                "change from start": round(self.difference, 1),
                "change 95 % CI": f"{self.difference_low:+.1f} to {self.difference_high:+.1f}",
                "cost": round(self.cost, 2), "budget": self.budget,
                "within budget": self.cost <= self.budget + 1e-9}


def log_rows(log: Sequence[Tried]) -> list[dict[str, object]]:
    """The log as table rows, the first tried first."""
    return [t.row() for t in log]


def log_csv(log: Sequence[Tried]) -> str:
    """The log as CSV."""
    buffer = io.StringIO()
    rows = log_rows(log)
    if not rows:
        return ""
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
