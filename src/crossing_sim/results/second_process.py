"""Work done in a second process while this one goes on: a finishing study writes its tables
there while it computes and encodes its summaries, so that both halves use a core each.

The second process is forked, where that is safe (Linux, this process running no other
thread and not itself a daemon): it starts in milliseconds with everything this process
holds, and needs nothing sent to it. Elsewhere the work is done here, when it is waited for.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from crossing_sim.errors import ResultsError

__all__ = ["SecondProcess", "can_fork", "end_with_parent"]

_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """Whether this process may be forked safely: Linux, no other thread running (a fork
    copies only the calling thread, so another one's locks would stay held in the copy)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def end_with_parent() -> None:
    """In a child process on Linux: be killed when its parent ends, however that ends (no
    orphan left writing or computing, nor holding the results folder's lock)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover - exotic libc
            pass


class SecondProcess:
    """``work()`` run in a forked process from now on, or here when :meth:`wait` is called
    (where forking is not safe); :meth:`wait` raises what ``work`` raised, as it would have
    been raised here. Use it as a context manager: leaving the block by an error stops the
    work (its files are cleaned as they would be on Ctrl-C); if this process is killed, the
    second one is killed with it."""

    #: Seconds the work is given to clean up after a Ctrl-C before it is terminated.
    GRACE = 5.0

    def __init__(self, work: Callable[[], None]) -> None:
        self._work: Callable[[], None] | None = work
        self._process: Any = None
        self._receive: Connection | None = None
        if can_fork() and not multiprocessing.current_process().daemon:
            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(target=_run, args=(work, send, os.getpid()),
                                            daemon=True)
            self._process.start()
            send.close()
            self._work = None

    def __enter__(self) -> SecondProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None:
            self.stop()

    @property
    def forked(self) -> bool:
        """Whether the work runs in a process of its own."""
        return self._process is not None

    def wait(self) -> None:
        """Return when the work is done; raise what it raised."""
        if self._work is not None:
            work, self._work = self._work, None
            work()
            return
        if self._process is None:
            return
        assert self._receive is not None
        try:
            outcome = self._receive.recv()
        except EOFError:  # it ended without a word: killed, or out of memory
            outcome = ResultsError(f"the process writing the result tables ended "
                                   f"(exit code {self._end()})")
        self._end()
        if isinstance(outcome, BaseException):
            raise outcome

    def stop(self) -> None:
        """Stop the work (a Ctrl-C to it, then, if it does not end, termination)."""
        self._work = None
        if self._process is None:
            return
        self._process.join(0.5)  # a Ctrl-C at the terminal reached it too
        if self._process.is_alive():
            os.kill(self._process.pid, signal.SIGINT)
            self._process.join(self.GRACE)
        if self._process.is_alive():
            self._process.terminate()
        self._end()

    def _end(self) -> int:
        process, self._process = self._process, None
        if process is None:
            return 0
        process.join()
        if self._receive is not None:
            self._receive.close()
            self._receive = None
        return int(process.exitcode or 0)


def _run(work: Callable[[], None], send: Connection, parent: int) -> None:
    """In the second process: the work, then its outcome to the first (None when it
    succeeded, else the exception, or its traceback's text when it cannot be sent)."""
    end_with_parent()
    if os.getppid() != parent:  # the first ended before that was set
        os._exit(1)
    try:
        work()
    except BaseException as exc:  # everything goes back to the first process
        try:
            send.send(exc)
        except Exception:  # not picklable
            send.send(RuntimeError("".join(traceback.format_exception(exc))))
    else:
        send.send(None)
    finally:
        send.close()
