"""Ctrl-C in the ``crossing-sim`` program: at any moment, one line and exit code 130.

Python turns Ctrl-C into a KeyboardInterrupt wherever it happens to be. While modules are
still being imported that can end in a traceback, or in another error altogether (an import
interrupted inside ``__set_name__`` becomes a RuntimeError). So the program's entry point
(:mod:`crossing_sim.__main__`) calls :func:`program_starts` before it imports anything
else: from then on a Ctrl-C ends the process at once with one line. For as long as a
command's body runs, :class:`command_runs` (in :func:`crossing_sim.cli.common.friendly`)
gives Ctrl-C back to Python, so that the command stops its workers and says what it kept;
when the body is done, Ctrl-C ends the process at once again.

Only a process started as the program is changed: tests, notebooks and scripts that call
the command line in their own process keep their own handling of Ctrl-C. A Ctrl-C that
comes before Python has put its own handler in place ends the process silently, as for any
program (a shell reports it as 130 too).
"""

from __future__ import annotations

import os

try:  # the built-in module under `signal`, loaded with Python: `signal` itself would first
    # import enum, milliseconds in which a Ctrl-C would still end in a traceback
    import _signal as signal  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - an interpreter without it
    import signal

__all__ = ["command_runs", "program_starts"]


def _starting(signum: int, frame: object) -> None:
    os.write(2, b"interrupted; nothing was started\n")
    os._exit(130)


def _ending(signum: int, frame: object) -> None:
    os.write(2, b"interrupted\n")
    os._exit(130)


def program_starts() -> None:
    """In the program's entry point, first: Ctrl-C ends the process at once with one line
    (unless Ctrl-C is ignored, as in a job started in the background)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _starting)


class command_runs:
    """While a command's body runs, Ctrl-C raises KeyboardInterrupt (in the program; in any
    other process nothing changes)."""

    def __enter__(self) -> None:
        self._ours = signal.getsignal(signal.SIGINT) in (_starting, _ending)
        if self._ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc: object) -> None:
        # left as the body left it if it chose otherwise (ignored while it says goodbye)
        if self._ours and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _ending)
