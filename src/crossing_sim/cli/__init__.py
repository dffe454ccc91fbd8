"""The ``crossing-sim`` command: parse, call the library, print."""

from crossing_sim.cli.main import main

__all__ = ["main"]
