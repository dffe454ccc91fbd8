"""The program: ``crossing-sim`` (the console script in pyproject.toml) and
``python -m crossing_sim``. Ctrl-C is handled from its first instant
(:mod:`crossing_sim.interrupt`), before the command line is imported."""

import sys

try:
    from crossing_sim.interrupt import program_starts
except KeyboardInterrupt:  # Ctrl-C while that module loads (a fraction of a millisecond)
    sys.stderr.write("interrupted; nothing was started\n")
    sys.exit(130)

__all__ = ["run"]


def run() -> None:
    """Run the command line."""
    program_starts()
    from crossing_sim.cli.main import main

    main()


if __name__ == "__main__":
    run()
