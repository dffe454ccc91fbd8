"""``python -m crossing_sim`` runs the command line."""

from crossing_sim.cli.main import main

__all__: list[str] = []

main()
