"""Scenario files: quantities, distributions, the schema, the frozen spec, reading files."""

__all__ = ["distributions", "loading", "observed", "replay", "schema", "spec", "units"]
