"""Errors meant for people: each names the file, the key, the value and the rule broken."""

from __future__ import annotations

from dataclasses import dataclass


def show_value(value: object, limit: int = 60) -> str:
    """A short TOML-like rendering of a value for an error message."""
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class ScenarioError(Exception):
    """A scenario that cannot be used: where it is wrong and which rule it breaks."""

    rule: str
    key: str = ""
    value: object = None
    file: str = ""
    has_value: bool = False

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        if self.key and self.has_value:
            return f"{where}{self.key} = {show_value(self.value)}: {self.rule}"
        if self.key:
            return f"{where}{self.key}: {self.rule}"
        return f"{where}{self.rule}"


def field_error(key: str, value: object, rule: str) -> ScenarioError:
    """An error about one value (the loader adds the file it came from)."""
    return ScenarioError(rule=rule, key=key, value=value, has_value=True)
