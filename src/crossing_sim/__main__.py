"""``python -m crossing_sim`` runs the command line."""

import sys

try:
    from crossing_sim.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while Python is still starting: one line, no traceback
    sys.stderr.write("interrupted; nothing was started\n")
    sys.exit(130)

__all__: list[str] = []

main()
