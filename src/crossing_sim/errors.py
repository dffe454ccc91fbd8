"""Errors meant for people: each names the file, the key, the value and the rule broken.

Every error a user's input can cause is a :class:`CrossingSimError`: a scenario
(:class:`ScenarioError`), a results folder (:class:`ResultsError`), where the work runs
(:class:`ExecutorError`) or an analysis's settings (:class:`AnalysisError`). Messages name
the library's own parameters with :func:`param` (``samples``); the command line shows them
as its flags (``--samples``) through :meth:`CrossingSimError.for_cli`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time

__all__ = ["AnalysisError", "CrossingSimError", "ExecutorError", "ResultsError",
           "ScenarioError", "field_error", "param", "show_value"]

_MARK = "\x1f"
_PARAM = re.compile(f"{_MARK}(\\w+){_MARK}")


def param(name: str) -> str:
    """A library parameter named in a message: ``samples`` here, ``--samples`` on the CLI."""
    return f"{_MARK}{name}{_MARK}"


def _python_name(name: str) -> str:
    return f"`{name}`"


class CrossingSimError(Exception):
    """A mistake in what a user gave crossing-sim: a file, a value, a folder, an address.

    The command line turns any of these into one line on stderr and exit code 2; library
    callers catch this one class.
    """

    def message(self) -> str:
        """The message, with parameters still marked by :func:`param`."""
        return super().__str__()

    def __str__(self) -> str:
        return self.render(_python_name)

    def render(self, name: Callable[[str], str]) -> str:
        """The message with each marked parameter written by ``name``."""
        return _PARAM.sub(lambda m: name(m.group(1)), self.message())

    def for_cli(self, flags: Mapping[str, str]) -> str:
        """The message as the command line shows it: parameters as flags."""
        return self.render(lambda p: flags.get(p, "--" + p.replace("_", "-")))


class ResultsError(CrossingSimError):
    """A results folder that cannot be used as asked."""


class ExecutorError(CrossingSimError):
    """An executor that cannot be used as asked (e.g. no scheduler at the address)."""


class AnalysisError(CrossingSimError):
    """An analysis (calibration, sensitivity) whose settings cannot work."""


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


@dataclass
class ScenarioError(CrossingSimError):
    """A scenario that cannot be used: where it is wrong and which rule it breaks.

    ``file`` is the file the value came from, or the parameter (:func:`param`) that gave it.
    """

    rule: str
    key: str = ""
    value: object = None
    file: str = ""
    has_value: bool = False

    def message(self) -> str:
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
