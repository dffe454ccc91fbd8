"""Experiments: seeding, replications, executors, sweeps, precision, statistics."""
