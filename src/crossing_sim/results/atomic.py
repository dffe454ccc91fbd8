"""Files written whole or not at all: to a temporary name beside them, flushed, renamed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["TMP_MARK", "open_atomic", "temporary_name", "write_atomic"]

#: What every temporary file's name holds (a killed writer's leftovers are found by it).
TMP_MARK = ".tmp-"


def temporary_name(path: Path) -> Path:
    """Where ``path`` is written before it is renamed (a killed writer's leftover is cleaned
    by :func:`crossing_sim.results.claim.clean_stale`)."""
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")


@contextmanager
def open_atomic(path: Path, mode: str = "wb", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open ``path`` for writing as a stream; it appears, whole, only when the block ends
    without an error (then it replaces any file there)."""
    tmp = temporary_name(path)
    try:
        with tmp.open(mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all."""
    with open_atomic(path) as handle:
        handle.write(data)
