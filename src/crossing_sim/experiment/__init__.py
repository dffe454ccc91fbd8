"""Experiments: seeding, replications, executors, sweeps, precision, statistics."""

__all__ = ["design", "executors", "replications", "run", "seeding", "statistics", "summary",
           "sweep"]
