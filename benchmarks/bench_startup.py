"""How fast crossing-sim starts: ``--help``, and ``run baseline`` (500 nights) end to end.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 7]

Each command runs as a real process, ``--repeat`` times, interleaved with the reference in
the same run: ``python -c pass``, the interpreter's own start. Prints the medians, the ratio
to the reference, and each against its target (``--help`` under 0.15 s, ``run baseline``
under 1.0 s on this 2-core machine). It always exits with status 0.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TARGETS = {"--help": 0.15, "run baseline": 1.0}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "--help": [str(BIN / "crossing-sim"), "--help"],
            "run baseline": [str(BIN / "crossing-sim"), "run", "baseline", "--out", ""],
        }
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.repeat):
            for name, command in commands.items():
                if name == "run baseline":
                    command = [*command[:-1], str(Path(tmp) / f"r{i}")]
                seconds[name].append(timed(command))
    reference = statistics.median(seconds["python -c pass"])
    print(f"median of {args.repeat} runs each, interleaved; Python {sys.version.split()[0]}")
    for name, values in seconds.items():
        median = statistics.median(values)
        line = f"{name:<16} {median:7.3f} s  {median / reference:6.1f}x python -c pass"
        if name in TARGETS:
            verdict = "within" if median <= TARGETS[name] else "OVER"
            line += f"   target {TARGETS[name]:.2f} s: {verdict}"
        print(line)


if __name__ == "__main__":
    main()
