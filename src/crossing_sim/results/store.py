"""Results folders: written as work completes, resumable, never corrupt, never overwritten.

A folder holds one experiment: a ``run`` (one scenario) or a ``sweep`` (many points). While
it runs, each finished batch of replications is saved as ``batches/*.npz``; when all are
done the tables are written: ``replications.csv``, ``trips.csv``, ``summary.csv``,
``series.npz`` and ``summary.json``. Every file is written to a temporary name and renamed,
so a folder killed at any moment holds only whole files, and running the same experiment
again into it resumes where it stopped. ``manifest.json`` says what the experiment is; a
folder holding a different or finished experiment is never written to.
"""

from __future__ import annotations

import csv
import errno
import functools
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crossing_sim.errors import ResultsError, param
from crossing_sim.results.atomic import write_atomic
from crossing_sim.results.batches import Batch, Packed, pack, read_arrays
from crossing_sim.results.claim import Claim, claim, clean_stale, create, is_leftover
from crossing_sim.results.npz import NpzEntries
from crossing_sim.results.provenance import INDEPENDENT_SEEDING, REPLICATION_SEEDING, provenance
from crossing_sim.results.second_process import SecondProcess
from crossing_sim.results.tables import BAND_LEVELS, write_tables

__all__ = [
    "BAND_LEVELS",
    "RESULTS_ROOT",
    "Store",
    "batch_name",
    "default_run_dir",
    "json_bytes",
    "named_with",
    "safe_name",
    "write_atomic",
    "write_json",
]

RESULTS_ROOT = Path("results")



def default_run_dir(name: str, root: Path = RESULTS_ROOT, now: datetime | None = None) -> Path:
    """A new folder name under ``root``: ``NAME-YYYYMMDD-HHMMSS`` (with ``-2``... if taken)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = root / f"{safe_name(name)}-{stamp}"
    k = 2
    while candidate.exists():
        candidate = root / f"{safe_name(name)}-{stamp}-{k}"
        k += 1
    return candidate


def named_with(name: str, overrides: Sequence[str], limit: int = 40) -> str:
    """A run's name with a short trace of its overrides: ``--set gate.close=04:00`` makes
    ``baseline-close_04.00``, so folders of different runs tell them apart."""
    if not overrides:
        return name
    parts = [f"{o.split('=', 1)[0].rsplit('.', 1)[-1]}_{o.split('=', 1)[-1]}"
             for o in overrides]
    suffix = "-".join(p.replace(":", ".").replace('"', "") for p in parts)
    return f"{name}-{suffix[:limit]}"


def safe_name(name: str) -> str:
    """A name usable as a folder name."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "run"




def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json_bytes(data))


def json_bytes(data: Any) -> bytes:
    """``data`` as the JSON files of a results folder hold it (see :func:`json_text`)."""
    return (json_text(data) + "\n").encode()


#: Lists longer than this (a sweep's points) are written one compact item per line.
LONG_LIST = 100
#: ``json.dumps(item, ensure_ascii=False)``, with one encoder for every item.
_COMPACT = json.JSONEncoder(ensure_ascii=False).encode


def json_text(data: Any, indent: str = "") -> str:
    """``json.dumps(data, indent=2)``, except that a long list (a sweep's points) has each
    item on one line: Python's indenting encoder is pure Python, its compact one C, and a
    10,000-point summary takes seconds the one way and a fraction the other."""
    if isinstance(data, list | tuple) and len(data) > LONG_LIST:
        inner = indent + "  "
        items = ",\n".join(inner + _COMPACT(item) for item in data)
        return f"[\n{items}\n{indent}]"
    if isinstance(data, dict) and _holds_long_list(data):
        inner = indent + "  "
        items = ",\n".join(f"{inner}{json.dumps(str(key))}: {json_text(value, inner)}"
                           for key, value in data.items())
        return f"{{\n{items}\n{indent}}}"
    return json.dumps(data, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def _holds_long_list(data: Any) -> bool:
    if isinstance(data, list | tuple):
        return len(data) > LONG_LIST or any(_holds_long_list(item) for item in data)
    if isinstance(data, dict):
        return any(_holds_long_list(value) for value in data.values())
    return False


_BATCH = re.compile(r"p(\d{5,})-r(\d{9,})-n(\d{7,})\.npz")


def batch_name(point: int, first: int, count: int) -> str:
    """The file of replications ``first .. first + count - 1`` of ``point``: the name says
    which replications it holds, and a store never saves two whose ranges overlap."""
    return f"p{point:05d}-r{first:09d}-n{count:07d}.npz"


def _only_leftovers(folder: Path) -> bool:
    """Whether a folder without a manifest holds only what a writer leaves while it runs
    (an empty ``batches/``, the lock, temporary files): nothing anyone would miss."""
    for path in folder.iterdir():
        if path.name == "batches" and path.is_dir():
            if not all(is_leftover(p) and p.is_file() for p in path.iterdir()):
                return False
        elif not (is_leftover(path) and path.is_file()):
            return False
    return True


class Store:
    """One experiment's folder on disk, claimed by this process from :meth:`open` to
    :meth:`close` (also a context manager)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.batches = folder / "batches"
        self._claim: Claim | None = None
        self._ranges: dict[int, list[tuple[int, int, str]]] = {}  # point: (first, end, file)
        self._manifest: dict[str, Any] | None = None  # what manifest.json holds, once known

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the folder (another writer may claim it)."""
        if self._claim is not None:
            self._claim.release()
            self._claim = None

    # --- opening -------------------------------------------------------------------------

    def open(self, spec: dict[str, Any], manifest: dict[str, Any],
             files: Mapping[str, bytes] | None = None) -> str:
        """Claim the folder for the experiment ``spec``: ``"new"``, ``"resume"`` or
        ``"complete"``. A new folder appears whole, with its manifest and ``files``; one in
        use by another process, or holding anything else, raises ResultsError."""
        entry = {**manifest, "spec": spec, "status": "running",
                 **provenance(REPLICATION_SEEDING if spec.get("paired", True)
                              else INDEPENDENT_SEEDING)}
        contents = {"manifest.json": json_bytes(entry), **(files or {})}
        try:
            for _ in range(5):  # another writer may make or empty the folder meanwhile
                if self.folder.exists() or self.folder.is_symlink():
                    state = self._claim_existing(spec)
                    if state != "empty":
                        return state
                held = create(self.folder, contents)
                if held is not None:
                    self._claim = held
                    self._manifest = entry
                    clean_stale(self.folder)
                    return "new"
            raise ResultsError(f"{self.folder}: other processes keep making and removing it; "
                               f"choose another {param('out')}")
        except OSError as exc:
            self.close()
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and \
                    self._finished(spec):
                return "complete"  # a finished folder on a read-only disk is still read
            raise ResultsError(f"{self.folder}: cannot be used for results: {exc.strerror}"
                               f"{self._kept()}") from None
        except BaseException:
            self.close()
            raise

    def _claim_existing(self, spec: dict[str, Any]) -> str:
        if not self.folder.is_dir():
            raise ResultsError(f"{self.folder} exists and is not a folder; "
                               f"choose another {param('out')}")
        if not (self.folder / "manifest.json").exists() and not _only_leftovers(self.folder):
            raise ResultsError(f"{self.folder} already exists and is not empty; an earlier "
                               f"result is never overwritten: choose another {param('out')}")
        self._claim = claim(self.folder)
        try:
            state = self._state(spec)
            if state == "empty":  # made by hand, or left by an older version: start afresh
                self.close()
                for path in sorted(self.folder.rglob("*"), reverse=True):
                    path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
                self.folder.rmdir()
                return state
            clean_stale(self.folder)
            self._index()
        except BaseException:
            self.close()
            raise
        return state

    def _state(self, spec: dict[str, Any]) -> str:
        folder = self.folder
        manifest_path = folder / "manifest.json"
        if not manifest_path.exists():
            if not _only_leftovers(folder):
                raise ResultsError(f"{folder} already exists and is not empty; an earlier "
                                   f"run is never overwritten: choose another {param('out')}")
            return "empty"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            raise ResultsError(f"{manifest_path} cannot be read; this folder is not "
                               f"resumable: choose another {param('out')}") from None
        if not isinstance(manifest, dict) or \
                manifest.get("spec") != json.loads(json.dumps(spec)):
            raise ResultsError(f"{folder} already holds a different experiment; an earlier "
                               f"run is never overwritten: choose another {param('out')}")
        self._manifest = manifest
        return "complete" if manifest.get("status") == "complete" else "resume"

    def _finished(self, spec: dict[str, Any]) -> bool:
        try:
            manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(manifest, dict) and manifest.get("status") == "complete" and \
            manifest.get("spec") == json.loads(json.dumps(spec))

    def _kept(self) -> str:
        """What a failed write leaves, and how to go on."""
        if (self.folder / "manifest.json").exists():
            return ("; the batches finished so far are kept: fix that, then run the same "
                    "command again to resume")
        return ""

    # --- batches -------------------------------------------------------------------------

    def _index(self) -> None:
        """Read the saved batches' replication ranges (names only); overlaps are damage."""
        self._ranges = {}
        for path in sorted(self.batches.glob("p*-r*-n*.npz")):
            match = _BATCH.fullmatch(path.name)
            if match is None:
                raise ResultsError(f"{path}: not a batch file name; the folder is damaged: "
                                   f"run the experiment again into a new {param('out')}")
            point, first, count = (int(g) for g in match.groups())
            self._claim_range(point, first, first + count, path.name)

    def _claim_range(self, point: int, first: int, end: int, name: str) -> None:
        for low, high, other in self._ranges.get(point, []):
            if first < high and low < end:
                raise ResultsError(
                    f"{self.batches}: {name} and {other} both hold replication "
                    f"{max(first, low)} of point {point}; the folder is damaged: run the "
                    f"experiment again into a new {param('out')}")
        self._ranges.setdefault(point, []).append((first, end, name))

    def save(self, batch: Batch | Packed) -> None:
        """Save one finished batch (atomically); one that overlaps a saved batch is refused."""
        packed = batch if isinstance(batch, Packed) else pack(batch)
        name = batch_name(packed.point, packed.first, packed.count)
        self._claim_range(packed.point, packed.first, packed.first + packed.count, name)
        try:
            write_atomic(self.batches / name, packed.data)
        except OSError as exc:
            self._ranges[packed.point].pop()
            raise ResultsError(f"{self.folder}: cannot save results: {exc.strerror}"
                               f"{self._kept()}") from None

    def saved(self, with_series: bool = False, rows: bool = True) -> Iterator[dict[str, Any]]:
        """Every saved batch as a dict of arrays (without the series unless asked, of its
        rows only the replication numbers unless ``rows``); a replication held twice is
        damage (ResultsError)."""
        if not self.batches.is_dir():
            return
        seen: dict[int, dict[int, str]] = {}
        for path in sorted(self.batches.glob("p*-r*-n*.npz")):
            named = _BATCH.fullmatch(path.name)
            point = int(named.group(1)) if named else -1
            try:
                with NpzEntries(path) as data:  # the grid once a point: the same in each
                    batch = read_arrays(data, with_series, point not in seen, rows)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                raise ResultsError(f"{path} cannot be read ({exc}); the folder is damaged: "
                                   f"run the experiment again into a new {param('out')}"
                                   ) from None
            if int(batch["point"]) != point:
                raise ResultsError(f"{path} holds point {int(batch['point'])}, not the one "
                                   "its name says; the folder is damaged: run the experiment "
                                   f"again into a new {param('out')}")
            mine = seen.setdefault(point, {})
            for index in batch["replication"].tolist():
                if index in mine:
                    raise ResultsError(
                        f"{self.batches}: replication {index} of point {int(batch['point'])} "
                        f"is in both {mine[index]} and {path.name}; the folder is damaged: "
                        f"run the experiment again into a new {param('out')}")
                mine[index] = path.name
            yield batch

    # --- the tables at the end -----------------------------------------------------------

    def finish(self, n_points: int, summaries: Callable[[], list[dict[str, Any]]],
               row: Callable[[dict[str, Any]], dict[str, Any]], expected: Sequence[int],
               start_clock: int, counts: Sequence[int] | None = None,
               rows: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Write the tables from the saved batches and the summary files from
        ``summaries()`` (each point's, computed meanwhile: the tables are written in a
        second process where one can be forked), then mark the manifest complete; return
        the summaries. ``row``: a summary's row of ``summary.csv``.

        ``counts``: the replications each point must have; the saved batches must hold
        exactly replications ``0 .. count - 1`` of each, every one once. ``rows``: each
        point's numbers as read from the batches (see :func:`write_tables`), not read again.
        """
        try:
            with SecondProcess(functools.partial(
                    write_tables, self.folder, self.saved(with_series=True, rows=rows is None),
                    n_points, expected, start_clock, counts, rows)) as tables:
                made = summaries()
                table = _csv([row(s) for s in made])
                summary = json_bytes(made if n_points > 1 else made[0])
                tables.wait()
            write_atomic(self.folder / "summary.csv", table)
            write_atomic(self.folder / "summary.json", summary)
            manifest_path = self.folder / "manifest.json"
            written = self._manifest if self._manifest is not None else json.loads(
                manifest_path.read_text(encoding="utf-8"))  # (as written or read at open)
            write_json(manifest_path, {
                **written, "status": "complete",
                "finished": datetime.now(UTC).isoformat(timespec="seconds")})
        except OSError as exc:
            raise ResultsError(f"{self.folder}: cannot write the result tables: "
                               f"{exc.strerror}{self._kept()}") from None
        return made


def _csv(rows: Sequence[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue().encode()
