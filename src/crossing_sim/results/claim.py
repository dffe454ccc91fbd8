"""An exclusive claim on a results folder, and a folder that appears whole or not at all.

One process at a time writes to a results folder: it holds an OS-level lock
(:class:`filelock.FileLock`, released by the system when the process ends, however it ends)
on ``batches/.lock`` for as long as it runs, and says who it is in ``batches/.holder.json``.
A second writer is told the holder's PID and start time instead of writing beside it.

A new folder is built as a hidden sibling (``.NAME.new-PID-RANDOM``: the lock, the manifest,
the resolved scenario, an empty ``batches/``) and renamed into place, so a kill at any instant
leaves either no folder or a whole one that resumes. What a killed writer left behind (its
temporary files, an abandoned sibling) is removed by the next writer that holds the claim.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from crossing_sim.errors import ResultsError, param

__all__ = ["HOLDER_NAME", "LOCK_NAME", "Claim", "claim", "clean_stale", "create",
           "is_leftover"]

#: The lock file and who holds it, inside ``batches/`` (the folder's own listing stays clean).
LOCK_NAME = ".lock"
HOLDER_NAME = ".holder.json"
_TMP = ".tmp-"  # what :func:`crossing_sim.results.store.write_atomic` names its temporary files
_NEW = ".new-"  # a folder being built


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
    tmp = batches / f".{HOLDER_NAME}{_TMP}{os.getpid()}"
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
        for name, data in files.items():
            with (building / name).open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        _fsync_dir(building)
        try:
            os.rename(building, folder)  # replaces an empty folder; fails on any other
        except OSError as exc:
            if folder.exists():
                held.release()
                shutil.rmtree(building, ignore_errors=True)
                return None
            raise ResultsError(f"{folder}: cannot be created: {exc.strerror}") from None
        _fsync_dir(folder.parent)
        return held
    except BaseException:
        if held is not None:
            held.release()
        shutil.rmtree(building, ignore_errors=True)
        raise


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
    return _TMP in path.name or path.name in (LOCK_NAME, HOLDER_NAME)


def clean_stale(folder: Path) -> int:
    """Remove what killed writers left: temporary files in the folder and its ``batches/``,
    and abandoned half-built siblings. Call it holding the folder's claim. Returns how many."""
    removed = 0
    for where in (folder, folder / "batches"):
        if where.is_dir():
            for path in where.iterdir():
                if _TMP in path.name and path.is_file():
                    path.unlink(missing_ok=True)
                    removed += 1
    for sibling in folder.parent.glob(f".{folder.name}{_NEW}*"):
        if sibling.is_dir() and _abandoned(sibling):
            shutil.rmtree(sibling, ignore_errors=True)
            removed += 1
    return removed


def _abandoned(building: Path) -> bool:
    """Whether a half-built folder's writer is gone: its process has ended, or it has let go
    of the folder's lock."""
    try:
        pid = int(building.name.rsplit(_NEW, 1)[1].split("-")[0])
    except (IndexError, ValueError):
        return False  # not a name this module makes: leave it alone
    if not _running(pid):
        return True
    path = building / "batches" / LOCK_NAME
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
