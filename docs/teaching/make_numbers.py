"""The numbers the debrief guide quotes: python docs/teaching/make_numbers.py

Runs each plan as the app does (the baseline plus the levers, 200 nights, seed 2018, paired
with the baseline) and prints the tables of docs/teaching/debrief.md, in Markdown, with the
baseline's fates over 500 nights. Run it again when the baseline changes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from crossing_sim.app import planner, runs
from crossing_sim.model.fates import FATES
from crossing_sim.results.reader import load_results

NIGHTS, SEED = 200, 2018
ONE_LEVER = {
    "as reported": [],
    "2 screening tables": ["gate.lanes=2"],
    "gate closes at 04:30": ['gate.close="04:30"'],
    "gate opens at 19:15": ['gate.open="19:15"'],
    "warning 64 h ahead, reaching 100 %": ['warning.lead="64h"', "warning.p_reach=1"],
    "12 buses": ["buses.count=12"],
}
GAME = {
    "as reported": [],
    "2 tables": ["gate.lanes=2"],
    "close 04:30": ['gate.close="04:30"'],
    "close 04:00, 12 buses": ['gate.close="04:00"', "buses.count=12"],
    "close 04:30, 12 buses": ['gate.close="04:30"', "buses.count=12"],
    "2 tables, close 03:30, 12 buses": ["gate.lanes=2", 'gate.close="03:30"', "buses.count=12"],
    "2 tables, 12 buses": ["gate.lanes=2", "buses.count=12"],
}


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="crossing-sim-teaching-"))
    start = runs.Start("baseline")

    def run(changes: list[str], nights: int = NIGHTS) -> tuple[Path, runs.Setting]:
        setting = runs.prepare_setting(start, changes, root, SEED)
        return runs.run_setting(setting, nights, SEED, root), setting

    base, _ = run([])
    print("| lever (alone) | change in people crossed (95 % interval) | safely across |")
    print("| --- | --- | --- |")
    for label, changes in ONE_LEVER.items():
        folder, _ = run(changes)
        safe = runs.estimates_of(folder)["left_by_bus"].mean
        print(f"| {label} | {runs.in_words(runs.paired(base, folder))} | {safe:.1f} |")
    print("\n| plan | cost | safely across (95 % interval) |")
    print("| --- | --- | --- |")
    for label, changes in GAME.items():
        folder, setting = run(changes)
        safe = runs.estimates_of(folder)["left_by_bus"]
        cost = planner.costs_of(setting.scenario).total
        over = "" if cost <= setting.scenario.game.budget else " (over budget)"
        print(f"| {label} | {cost:g}{over} | {safe.mean:.1f} ({safe.ci_low:.1f}-"
              f"{safe.ci_high:.1f}) |")
    folder, _ = run([], 500)
    summary = load_results(folder).point(0).summary
    print("\nbaseline, 500 nights: where the expected went (mean per night)")
    for fate in FATES:
        print(f"  {fate.label:<36}{summary['fates'][fate.key]['mean']:7.1f}")
    busy = summary["gate"]["table_utilisation"]
    if busy:
        print(f"  tables busy in the open window: {busy['mean']:.1%}")


if __name__ == "__main__":
    main()
