"""Fuzz the scenario loader and the command line: every case must end in exit 0 or one clear
line with exit code 2, never a traceback or a hang.

Run on demand (the test suite runs the saved corpus and a short hypothesis fuzz)::

    .venv/bin/python tests/fuzz/fuzz.py [--cases 10000] [--seed 1]

Each case mutates the baseline scenario (a random value at a random key, a deleted or added
key, broken TOML, truncated or non-UTF-8 bytes, circular or missing ``extends``) or draws
random command-line arguments, then runs ``crossing-sim check`` (and for small valid
scenarios ``crossing-sim run --reps 1``) in this process through click's test runner. A
case that ends any other way is printed with a snippet for ``corpus/cases.toml``, the
corpus of nasty cases that ``tests/fuzz/test_corpus.py`` keeps as regression tests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from click.testing import CliRunner

from crossing_sim.cli.main import main as cli

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parents[1] / "scenarios" / "baseline.toml"
TIME_LIMIT = 20.0  # seconds a single case may take before it counts as a hang


def leaves(table: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a nested table (list items included)."""
    if isinstance(table, dict):
        return [path, *(p for k, v in table.items() for p in leaves(v, (*path, k)))]
    if isinstance(table, list):
        return [path, *(p for i, v in enumerate(table) for p in leaves(v, (*path, i)))]
    return [path]


def random_value(rnd: random.Random) -> Any:
    """A value of a random type, nasty ones included."""
    choices = [
        lambda: rnd.choice([0, 1, -1, 2, 10**6, 10**18, -(10**18), 700, 422]),
        lambda: rnd.choice([0.0, -0.5, 0.5, 1.5, 1e-300, 1e300, math.inf, -math.inf, math.nan]),
        lambda: rnd.choice([True, False]),
        lambda: rnd.choice(["", "none", "unlimited", "21:00", "25:00", "24:00", "03:30",
                            "-1:00", "45s", "-45s", "1e999s", "3min", "2h", "0km", "5km",
                            "2.5km/h", "0km/h", "nan", "inf", "finish_queue", "convoy",
                            "x" * 500, "\u00e9\u00e8", "\n", "1..2", "{dist='fixed'}"]),
        lambda: [random_value(rnd) for _ in range(rnd.randint(0, 3))],
        lambda: {rnd.choice(["dist", "mean", "sd", "low", "high", "mode", "value", "values",
                             "weights", "at", "p_stop", "after", "share", "distance",
                             "bogus"]): random_value(rnd) for _ in range(rnd.randint(0, 4))},
        lambda: {"dist": rnd.choice(["fixed", "uniform", "triangular", "exponential",
                                     "lognormal", "choice", "empirical", "normal"]),
                 **{k: random_value(rnd) for k in rnd.sample(
                     ["value", "low", "high", "mode", "mean", "sd", "values", "weights"],
                     rnd.randint(0, 3))}},
    ]
    return rnd.choice(choices)()


def mutate_table(table: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """One to three structural mutations of a scenario table."""
    for _ in range(rnd.randint(1, 3)):
        paths = [p for p in leaves(table) if p]
        path = rnd.choice(paths)
        parent: Any = table
        for part in path[:-1]:
            parent = parent[part]
        action = rnd.random()
        if action < 0.6:
            parent[path[-1]] = random_value(rnd)
        elif action < 0.8 and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[rnd.choice(["bogus", "lanes", "Share", "share ", "expected", "extends"])] = (
                random_value(rnd))
    return table


def to_toml(table: dict[str, Any]) -> bytes:
    """TOML bytes for a table; values TOML cannot hold (NaN keys...) fall back to JSON-ish."""
    try:
        return tomli_w.dumps(table).encode()
    except (TypeError, ValueError):
        return json.dumps(table, default=str).encode()


def make_case(rnd: random.Random, folder: Path) -> tuple[list[str], dict[str, bytes]]:
    """Files to write and the CLI arguments of one case."""
    base_text = BASELINE.read_bytes()
    base = tomllib.loads(base_text.decode())
    kind = rnd.random()
    if kind < 0.55:
        files = {"s.toml": to_toml(mutate_table(base, rnd))}
    elif kind < 0.70:  # text damage
        data = bytearray(base_text)
        for _ in range(rnd.randint(1, 4)):
            if not data:
                break
            where = rnd.randrange(len(data))
            op = rnd.random()
            if op < 0.3:
                del data[where:where + rnd.randint(1, 40)]
            elif op < 0.6:
                data[where:where] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
            else:
                data = data[:where]
        files = {"s.toml": bytes(data)}
    elif kind < 0.78:  # extends chains
        chain = rnd.choice(["self", "cycle", "missing", "deep", "not-a-string"])
        files = {
            "self": {"s.toml": b'extends = "s.toml"\n'},
            "cycle": {"s.toml": b'extends = "t.toml"\n', "t.toml": b'extends = "s.toml"\n'},
            "missing": {"s.toml": b'extends = "nowhere.toml"\n'},
            "deep": {"s.toml": b'extends = "t.toml"\n[gate]\nlanes = 2\n',
                     "t.toml": f'extends = "{BASELINE}"\n'.encode()},
            "not-a-string": {"s.toml": b"extends = 3\n"},
        }[chain]
    elif kind < 0.80:  # a sweep file whose options are random values (checked like flags)
        options = {k: random_value(rnd) for k in rnd.sample(
            ["seed", "reps", "precision", "max_reps", "samples", "reference", "design",
             "independent", "set"], rnd.randint(1, 3))}
        sweep = {"scenario": str(BASELINE), "vary": {"gate.lanes": [1, 2]}, **options}
        files = {"w.toml": to_toml({"sweep": sweep})}
        return ["sweep", str(folder / "w.toml"), "--jobs", "1", "--reps", "2", "--out",
                str(folder / "out")], files
    elif kind < 0.82:
        files = {"s.toml": rnd.choice([b"", b"\xff\xfe\x00", b"[", b"a = 1\na = 2\n",
                                       b"[gate]\n[gate]\n", "\u2603 = 1".encode()])}
    else:  # random arguments on the valid baseline
        files = {"s.toml": base_text}
        return random_args(rnd, folder), files
    command = rnd.choice([["check"], ["run", "--reps", "1", "--jobs", "1"]])
    return [*command, str(folder / "s.toml"), "--out" if command[0] == "run" else "--set",
            str(folder / "out") if command[0] == "run" else "name=fuzz"], files


def random_args(rnd: random.Random, folder: Path) -> list[str]:
    words = ["--reps", "--seed", "--set", "--out", "--json", "--jobs", "--precision",
             "--max-reps", "--vary", "--design", "--samples", "--bogus", "-j", "--scheduler",
             "--group", "--replication", "--csv", "--kind", "--format", "--compare", "--point"]
    values = ["0", "1", "-1", "2", "abc", "1e3", "gate.lanes=2", "gate.lanes=0", "gate=1",
              "=", "gate.open=19:00..20:00/30min", "gate.lanes=1..0/1", "lhs", "grid", "",
              "x=y", "0.5", "99999999999999999999999", "tcp://127.0.0.1:1", "throughput",
              "sweep", "pdf", "gif", "7", "-3"]
    command = rnd.choice(["run", "sweep", "check", "trace", "plot", "nonsense"])
    target = str(folder / ("out" if command == "plot" else "s.toml"))
    args = [command, target]
    for _ in range(rnd.randint(0, 5)):
        args.append(rnd.choice(words))
        if rnd.random() < 0.8:
            args.append(rnd.choice(values))
    if command == "plot":
        return args  # on a folder that may or may not hold results
    if command in ("run", "sweep") and "--out" not in args:
        args += ["--out", str(folder / "out")]
    if command in ("run", "sweep"):
        args += ["--jobs", "1"]  # the last one wins with click: keep cases in-process
    if "--reps" not in args and command in ("run", "sweep"):
        args += ["--reps", "2"]
    return args


def small_enough(args: list[str], files: dict[str, bytes]) -> bool:
    """Skip running the model on valid scenarios that would take long (huge populations)."""
    if args[0] not in ("run", "sweep"):
        return True
    try:
        table = tomllib.loads(files.get("s.toml", b"").decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    expected = table.get("population", {}).get("expected", 100) if isinstance(
        table.get("population"), dict) else 100
    return not (isinstance(expected, int) and expected > 20_000)


OUTCOMES: dict[str, int] = {}


def run_case(args: list[str], files: dict[str, bytes], folder: Path) -> str | None:
    """None if the case ended well, else what went wrong."""
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if not small_enough(args, files):
        args = ["check", *args[1:2]]
    if args[0] == "plot":  # a real results folder to draw from (or a missing one)
        CliRunner().invoke(cli, ["run", str(folder / "s.toml"), "--reps", "2", "--jobs", "1",
                                 "--out", str(folder / "out")])
    started = time.monotonic()
    result = CliRunner().invoke(cli, args)
    took = time.monotonic() - started
    output = result.output
    key = f"{args[0]} exit {result.exit_code}"
    OUTCOMES[key] = OUTCOMES.get(key, 0) + 1
    if took > TIME_LIMIT:
        return f"took {took:.1f} s"
    if result.exit_code == 0:
        return None
    if result.exit_code != 2:
        kind = type(result.exception).__name__ if result.exception else "?"
        return f"exit code {result.exit_code} ({kind}: {result.exception})"
    if "Traceback" in output:
        return "a traceback"
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    if len(errors) != 1:
        return f"{len(errors)} error lines"
    return None


def corpus_entry(case: int, problem: str, args: list[str], files: dict[str, bytes],
                 folder: Path) -> str:
    """A TOML snippet to add the case to corpus/cases.toml once it is fixed."""
    entry = {"name": f"fuzz case {case}: {problem}",
             "files": {k: v.decode("utf-8", "replace") for k, v in files.items()},
             "args": [a.replace(str(folder), "{dir}") for a in args],
             "error": "TODO: the text the error line must contain"}
    return tomli_w.dumps({"case": [entry]}, multiline_strings=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rnd = random.Random(options.seed)
    failures = 0
    started = time.monotonic()
    home = Path.cwd()
    for case in range(options.cases):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            os.chdir(folder)  # relative --out values land in the case's folder
            args, files = make_case(rnd, folder)
            try:
                problem = run_case(args, files, folder)
            finally:
                os.chdir(home)
            if problem is None:
                continue
            failures += 1
            print(f"case {case}: {problem}")
            print(corpus_entry(case, problem, args, files, folder))
    print(", ".join(f"{k}: {v}" for k, v in sorted(OUTCOMES.items())))
    print(f"{options.cases} cases in {time.monotonic() - started:.0f} s: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
