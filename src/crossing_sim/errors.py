"""Errors meant for people: each names the file, the key, the value and the rule broken."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time


def show_value(value: object, limit: int = 60) -> str:
    """A short, one-line rendering of a value for an error message, as TOML would write it."""
    text = _toml(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # quoted, newlines escaped
    if isinstance(value, time | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value).replace("\n", "\\n")


class CrossingSimError(Exception):
    """A mistake in what a user gave crossing-sim: a file, a value, a folder, an address.

    The command line turns any of these into one line on stderr and exit code 2; library
    callers catch this one class. Messages name the library's own parameters (``samples``);
    only the command line maps them to its flags (``--samples``).
    """


@dataclass
class ScenarioError(CrossingSimError):
    """A scenario that cannot be used: where it is wrong and which rule it breaks."""

    rule: str
    key: str = ""
    value: object = None
    file: str = ""
    has_value: bool = False

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        key = self.key.replace("\n", "\\n")
        if key and self.has_value:
            return f"{where}{key} = {show_value(self.value)}: {self.rule}"
        if key:
            return f"{where}{key}: {self.rule}"
        return f"{where}{self.rule}"


def field_error(key: str, value: object, rule: str) -> ScenarioError:
    """An error about one value (the loader adds the file it came from)."""
    return ScenarioError(rule=rule, key=key, value=value, has_value=True)
