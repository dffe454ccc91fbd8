"""An exclusive claim on a results folder, and a folder that appears whole or not at all.

One process at a time writes to a results folder: it holds an OS-level lock
(:class:`filelock.FileLock`, released by the system when the process ends, however it ends)
on ``batches/.lock`` for as long as it runs, and says who it is in ``batches/.holder.json``.
A second writer is told the holder's PID and start time instead of writing beside it.

A new folder is built as a hidden sibling (``.NAME.new-PID-RANDOM``: the lock, the manifest,
the resolved scenario, an empty ``batches/``) and renamed into place, so a kill at any instant
leaves either no folder or a whole one that resumes. What a killed writer left behind (its
temporary files, an abandoned sibling) is removed by the next writer that holds the claim.

A folder written all at the end (an analysis's: :func:`build`) is built the same way, for as
long as its work lasts, in ``.NAME.new``: one name per folder, so that its lock
(``.NAME.new/.lock``) is the claim a second writer of the folder finds held.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from crossing_sim.errors import ResultsError, param
from crossing_sim.results.atomic import TMP_MARK, temporary_name

__all__ = ["HOLDER_NAME", "LOCK_NAME", "Build", "Claim", "build", "claim", "clean_stale",
           "create", "is_leftover"]

#: The lock file and who holds it, inside ``batches/`` (the folder's own listing stays clean).
LOCK_NAME = ".lock"
HOLDER_NAME = ".holder.json"
_NEW = ".new-"  # a folder being built
_BUILD = ".new"  # a folder being built for as long as its work lasts (:func:`build`)


class Claim:
    """The lock on one results folder, held until :meth:`release` (or the process ends)."""

    def __init__(self, lock: FileLock) -> None:
        self._lock = lock

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()


def _lock(batches: Path, folder: Path) -> Claim:
    """Take the lock in ``batches``; ResultsError naming the holder if someone has it."""
    path = batches / LOCK_NAME
    # open it once ourselves: a folder that cannot be written says so (the lock library
    # would report a read-only folder as one that is in use)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
    lock = FileLock(str(path), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise ResultsError(f"{folder} is in use by another crossing-sim "
                           f"({_holder(batches)}): wait for it to finish, or choose another "
                           f"{param('out')}") from None
    _say_who(batches)
    return Claim(lock)


def _say_who(batches: Path) -> None:
    data = {"pid": os.getpid(), "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds")}
    tmp = temporary_name(batches / HOLDER_NAME)
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(tmp, batches / HOLDER_NAME)


def _holder(batches: Path) -> str:
    """The holder as people read it: ``PID 4121 on host, started 2026-12-01 23:10:05 UTC``."""
    try:
        data = json.loads((batches / HOLDER_NAME).read_text(encoding="utf-8"))
        started = datetime.fromisoformat(str(data["started"])).strftime("%Y-%m-%d %H:%M:%S %Z")
        return f"PID {int(data['pid'])} on {data['host']}, started {started}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its PID and start time are not recorded"


def claim(folder: Path) -> Claim:
    """Claim an existing folder (its ``batches/`` made if missing)."""
    batches = folder / "batches"
    batches.mkdir(exist_ok=True)
    return _lock(batches, folder)


def create(folder: Path, files: Mapping[str, bytes]) -> Claim | None:
    """Make ``folder`` holding ``files`` and an empty ``batches/``, claimed, in one rename.

    Returns None when another writer made the folder first (claim it instead).
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = folder.parent / f".{folder.name}{_NEW}{os.getpid()}-{secrets.token_hex(4)}"
    building.mkdir()
    held: Claim | None = None
    try:
        (building / "batches").mkdir()
        held = _lock(building / "batches", folder)
        _write_files(building, files)
        if not _rename(building, folder):
            held.release()
            shutil.rmtree(building, ignore_errors=True)
            return None
        return held
    except BaseException:
        if held is not None:
            held.release()
        shutil.rmtree(building, ignore_errors=True)
        raise


def _write_files(where: Path, files: Mapping[str, bytes]) -> None:
    for name, data in files.items():
        with (where / name).open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())


def _rename(building: Path, folder: Path) -> bool:
    """Rename a whole folder into place: False if ``folder`` exists and holds something."""
    _fsync_dir(building)
    try:
        os.rename(building, folder)  # replaces an empty folder; fails on any other
    except OSError as exc:
        if folder.exists():
            return False
        raise ResultsError(f"{folder}: cannot be created: {exc.strerror}") from None
    _fsync_dir(folder.parent)
    return True


def _refuse_taken(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ResultsError(f"{folder} already exists and is not empty; an earlier result is "
                           f"never overwritten: choose another {param('out')}")


class Build:
    """A folder being built in its hidden sibling :attr:`path` (``.NAME.new``), claimed, until
    :meth:`place` renames it into place whole; leaving the ``with`` block without placing it
    (an error, Ctrl-C) removes it. Made by :func:`build`."""

    def __init__(self, folder: Path, path: Path, held: Claim) -> None:
        self.folder = folder
        self.path = path
        self._claim = held
        self._open = True

    def __enter__(self) -> Build:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._open:
            self.abandon()

    def write(self, files: Mapping[str, bytes]) -> None:
        """Add ``files`` (name: contents); a full or read-only disk is a ResultsError."""
        try:
            _write_files(self.path, files)
        except OSError as exc:
            raise ResultsError(f"{self.folder}: cannot save results: {exc.strerror}; "
                               "nothing was kept: fix that, then run the same command "
                               "again") from None

    def place(self) -> None:
        """Rename the folder into place, whole, and let go of it."""
        try:
            if not _rename(self.path, self.folder):
                raise ResultsError(
                    f"{self.folder} was made by another process meanwhile; an earlier result "
                    f"is never overwritten: choose another {param('out')}")
        except BaseException:
            self.abandon()
            raise
        self._open = False
        for name in (LOCK_NAME, HOLDER_NAME):  # what only the building needed
            (self.folder / name).unlink(missing_ok=True)
        self._claim.release()

    def abandon(self) -> None:
        """Remove the unfinished folder and let go of it."""
        self._open = False
        shutil.rmtree(self.path, ignore_errors=True)
        self._claim.release()


def build(folder: Path) -> Build:
    """Claim ``folder``, to be written all at once at the end (:class:`Build`).

    ResultsError, before any work is done, if the folder holds anything, another process is
    building it (naming that process), or it cannot be made. What killed builders left (of
    this folder, or abandoned ``.*.new`` siblings beside it) is removed.
    """
    building = folder.parent / f".{folder.name}{_BUILD}"
    try:
        for _ in range(5):  # its holder may place or remove it meanwhile
            _refuse_taken(folder)
            folder.parent.mkdir(parents=True, exist_ok=True)
            building.mkdir(exist_ok=True)
            try:
                held = _lock(building, folder)
            except FileNotFoundError:
                continue
            try:
                _refuse_taken(folder)  # placed by the writer we waited for
                for path in building.iterdir():  # a killed builder's files
                    if path.name not in (LOCK_NAME, HOLDER_NAME):
                        shutil.rmtree(path) if path.is_dir() else path.unlink()
                _remove_abandoned(p for p in folder.parent.glob(f".*{_BUILD}")
                                  if p != building)
            except BaseException:
                held.release()
                raise
            return Build(folder, building, held)
    except OSError as exc:
        raise ResultsError(f"{folder}: cannot be used for results: {exc.strerror}") from None
    raise ResultsError(f"{folder}: other processes keep making and removing it; "
                       f"choose another {param('out')}")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - a platform without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def is_leftover(path: Path) -> bool:
    """Whether ``path`` is something a writer leaves only while it runs (a temporary file,
    the lock, the holder note): what a killed writer may leave in a folder of its own."""
    return TMP_MARK in path.name or path.name in (LOCK_NAME, HOLDER_NAME)


def clean_stale(folder: Path) -> int:
    """Remove what killed writers left: temporary files in the folder and its ``batches/``,
    and abandoned half-built siblings. Call it holding the folder's claim. Returns how many."""
    removed = 0
    for where in (folder, folder / "batches"):
        if where.is_dir():
            for path in where.iterdir():
                if TMP_MARK in path.name and path.is_file():
                    path.unlink(missing_ok=True)
                    removed += 1
    return removed + _remove_abandoned(folder.parent.glob(f".{folder.name}{_BUILD}*"))


def _remove_abandoned(siblings: Iterable[Path]) -> int:
    removed = 0
    for sibling in siblings:
        if sibling.is_dir() and _abandoned(sibling):
            shutil.rmtree(sibling, ignore_errors=True)
            removed += 1
    return removed


def _abandoned(building: Path) -> bool:
    """Whether a half-built folder's writer is gone: its process has ended, or it has let go
    of the folder's lock."""
    if building.name.endswith(_BUILD):  # built by :func:`build`: only its lock tells
        return _free(building / LOCK_NAME)
    try:
        pid = int(building.name.rsplit(_NEW, 1)[1].split("-")[0])
    except (IndexError, ValueError):
        return False  # not a name this module makes: leave it alone
    return not _running(pid) or _free(building / "batches" / LOCK_NAME)


def _free(path: Path) -> bool:
    """Whether the lock file ``path`` exists and nobody holds it."""
    if not path.exists():
        return False  # still being built
    lock = FileLock(str(path), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except (Timeout, OSError):
        return False
    lock.release()
    return True


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True
