"""Scenario files: quantities, distributions, the schema, the frozen spec, reading files."""
