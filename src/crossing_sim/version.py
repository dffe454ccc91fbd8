"""The installed version of crossing-sim, read once and only when asked for."""

from __future__ import annotations

from functools import cache

__all__ = ["package_version"]


@cache
def package_version() -> str:
    """The version of the installed distribution, or ``0.0.0+unknown`` in a bare source tree."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crossing-sim")
    except PackageNotFoundError:
        return "0.0.0+unknown"
