"""Scenario files: quantities, distributions, the schema, the frozen spec, reading files."""

__all__ = ["distributions", "facts", "loading", "observed", "replay", "schema", "spec", "units"]
