"""Nights over a posterior sample: each night draws its scenario's uncertain values from a
calibration's sample, so input uncertainty and the night's chance both reach the answer.

A posterior sample is a CSV file written by ``crossing-sim calibrate``: a header of dotted
scenario keys, one row per equally likely draw, values written as in a scenario file
(``0.912``, ``41.3s``, ``21:40``). A scenario names it with ``posterior = "FILE.csv"`` (or
``run``, ``sweep`` and ``compare`` take ``--posterior FILE``). Night ``i`` takes row
``SeedSequence(seed, spawn_key=(POSTERIOR_STREAM, i))``'s draw from ``0 .. rows - 1``: it
depends on the replication index alone, so night ``i`` of every compared scenario has the
same inputs and their difference stays paired.

A compared scenario's own changes win over the sample: where a what-if sets a key of the
sample otherwise than the base scenario (``gate.close = "04:00"``), or a sweep varies it, its
value is used on every night, and the sample sets the rest. In a comparison or a sweep, the
base scenario's sample (``--posterior``, or the base's ``posterior`` key) is every point's.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Final

import numpy as np

from crossing_sim.errors import ScenarioError
from crossing_sim.experiment.parsed import Parsed
from crossing_sim.scenario.loading import Resolved
from crossing_sim.scenario.spec import Scenario

__all__ = ["POSTERIOR_STREAM", "OverPosterior", "PosteriorSample", "over_posterior",
           "own_keys", "posterior_csv", "read_posterior", "row_of", "value_at"]

#: The spawn key of the stream that picks each night's row (far above any point index).
POSTERIOR_STREAM: Final = 2**31 - 4
MAX_ROWS: Final = 100_000


@dataclass(frozen=True)
class PosteriorSample:
    """The rows of a posterior sample file."""

    path: str
    keys: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    @property
    def digest(self) -> str:
        return hashlib.sha256(posterior_csv(self.keys, self.rows).encode()).hexdigest()

    def values(self, row: int) -> dict[str, object]:
        return dict(zip(self.keys, self.rows[row], strict=True))


def _cell(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_posterior(path: str | Path) -> PosteriorSample:
    """Read a posterior sample file; ScenarioError naming the file and the rule if it is not
    one."""
    here = str(path)

    def fail(rule: str, key: str = "") -> ScenarioError:
        return ScenarioError(rule=rule, key=key or "posterior", file=here)

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("no such file (a posterior sample written by crossing-sim calibrate)"
                   ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot be read as UTF-8 text: {exc}") from None
    lines = [row for row in csv.reader(io.StringIO(text)) if row]
    if len(lines) < 2 or not all(k.strip() for k in lines[0]):
        raise fail("a posterior sample is a CSV file: a header of scenario keys, then at "
                   "least one row")
    keys = tuple(k.strip() for k in lines[0])
    if len(set(keys)) != len(keys):
        raise fail("a key is named twice in the header", keys[0])
    if len(lines) - 1 > MAX_ROWS:
        raise fail(f"has more than {MAX_ROWS} rows")
    for number, row in enumerate(lines[1:], start=2):
        if len(row) != len(keys):
            raise fail(f"line {number} has {len(row)} values for {len(keys)} keys")
    rows = tuple(tuple(_cell(v.strip()) for v in row) for row in lines[1:])
    return PosteriorSample(here, keys, rows)


def posterior_csv(keys: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A posterior sample as the CSV text :func:`read_posterior` reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(keys)
    writer.writerows(rows)
    return buffer.getvalue()


def value_at(resolved: Resolved, key: str) -> object:
    """The value a resolved scenario gives a dotted key (None if it gives none)."""
    node: object = resolved.table
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def own_keys(resolved: Resolved, reference: Resolved, keys: Iterable[str]) -> set[str]:
    """The ``keys`` a scenario sets otherwise than the reference (a compared scenario's
    lever): over a posterior, its own value wins there."""
    return {k for k in keys if value_at(resolved, k) != value_at(reference, k)}


def row_of(seed: int, replication: int, rows: int) -> int:
    """The sample row night ``replication`` takes (the same in every scenario)."""
    ss = np.random.SeedSequence(seed, spawn_key=(POSTERIOR_STREAM, replication))
    return int(np.random.default_rng(ss).integers(rows))


@dataclass(frozen=True, kw_only=True)
class OverPosterior(Scenario):
    """A scenario whose nights each take their uncertain values from a posterior sample.

    As a Scenario it is the file's own values (its name, expected, observed facts); each
    night is :meth:`night`'s scenario, built when first needed in each process.
    """

    parsed: Parsed | None = None
    sample: PosteriorSample | None = None
    own: frozenset[str] = frozenset()  # the sample's keys this scenario keeps its own value of
    token: str = ""  # the scenario's and the sample's digests: what the cache knows it by

    def night(self, seed: int, replication: int) -> Scenario:
        assert self.parsed is not None
        assert self.sample is not None
        row = row_of(seed, replication, len(self.sample.rows))
        return _built(self.token, row, self)


_BUILT: dict[tuple[str, int], Scenario] = {}


def _built(token: str, row: int, over: OverPosterior) -> Scenario:
    """Row ``row``'s scenario, built once per process (a few thousand are kept)."""
    found = _BUILT.get((token, row))
    if found is None:
        assert over.parsed is not None
        assert over.sample is not None
        if len(_BUILT) >= 8192:
            _BUILT.clear()
        values = {k: v for k, v in over.sample.values(row).items() if k not in over.own}
        found = _BUILT[token, row] = over.parsed.build(values)
    return found


def over_posterior(scenario: Scenario, resolved: Resolved, sample: PosteriorSample,
                   own: Iterable[str] = ()) -> OverPosterior:
    """``scenario`` (built from ``resolved``) with each night's values from ``sample``, but
    for the keys in ``own`` (a what-if's lever, a swept key: the scenario's value wins).
    Every row is built once here, so a value the scenario rejects fails before any work."""
    parsed = Parsed(resolved, sample.path)
    kept = frozenset(own) & set(sample.keys)
    token = f"{resolved.digest}:{sample.digest}:{','.join(sorted(kept))}"
    over = OverPosterior(**{f.name: getattr(scenario, f.name) for f in fields(Scenario)},
                         parsed=parsed, sample=sample, own=kept, token=token)
    for row in range(len(sample.rows)):
        _built(token, row, over)
    return over
