"""The classroom page: the script ``crossing-sim app`` hands to Streamlit.

Levers in the sidebar, a run of N nights paired with the starting scenario, the figures, the
difference in words, the scenario log with its downloads, the planner's game with the class's
results board, and one night animated. The work is done by the plain modules beside this one;
this script only draws widgets and keeps the session's log.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import streamlit as st

from crossing_sim.app import levers, planner, player, runs, tried
from crossing_sim.errors import CrossingSimError
from crossing_sim.experiment.compare import Difference
from crossing_sim.experiment.seeding import DEFAULT_SEED
from crossing_sim.experiment.statistics import Estimate
from crossing_sim.scenario.game import Game

#: Nights a run has unless the page is told otherwise: a few seconds for start and setting.
DEFAULT_NIGHTS = 200
#: The name a setting with changes gets (in the figures' legends and its file).
PLAN_NAME = "your plan"


#: The environment variable that names the folder for uploads and results (tests set it).
WORK_ENV = "CROSSING_SIM_APP_WORK"


@st.cache_resource
def work_folder() -> Path:
    """Where this server keeps uploads and results folders (one per server process)."""
    chosen = os.environ.get(WORK_ENV)
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return Path(tempfile.mkdtemp(prefix="crossing-sim-app-"))


@st.cache_resource
def class_board() -> list[planner.Entry]:
    """The results board, shared by every browser connected to this server."""
    return []


def run_nights(start: runs.Start, overrides: tuple[str, ...], nights: int, seed: int,
               on_progress: runs.Progress) -> str:
    """Run a setting's nights; its results folder. A setting tried before has its finished
    folder already, so nothing runs again, and its numbers and figures come from the caches
    below at once."""
    setting = runs.prepare_setting(start, overrides, work_folder(), seed)
    return str(runs.run_setting(setting, nights, seed, work_folder() / "results", on_progress))


@st.cache_data(show_spinner=False, max_entries=500)
def numbers_of(base: str, folder: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A setting's estimates and its paired difference from the start (cached)."""
    estimates = {k: asdict(v) for k, v in runs.estimates_of(Path(folder)).items()}
    return estimates, runs.paired(Path(base), Path(folder)).as_dict()


@st.cache_data(show_spinner=False, max_entries=200)
def figure_png(kind: str, folders: tuple[str, ...]) -> bytes:
    """A figure of stored results as PNG bytes (cached)."""
    from crossing_sim import figures
    from crossing_sim.results.reader import load_results

    fig = getattr(figures, kind)(*(load_results(f) for f in folders))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=20)
def night_player(name: str, text: str | None, overrides: tuple[str, ...], seed: int,
                 step: float) -> tuple[str, int]:
    """Night 0 of a setting, animated, as an HTML player with its frame count (cached)."""
    import matplotlib

    matplotlib.use("Agg")
    from crossing_sim.experiment.seeding import replication_streams
    from crossing_sim.figures import animation
    from crossing_sim.model.night import simulate

    setting = runs.prepare_setting(runs.Start(name, text), overrides, work_folder(), seed)
    outcome = simulate(setting.scenario, replication_streams(seed, 0))
    movie = animation.animation(setting.scenario, outcome, step=step, fps=4)
    with matplotlib.rc_context({"savefig.dpi": 60}):
        html = movie.to_jshtml(fps=4, default_mode="once")
    return player.offline(html), animation.frame_count(setting.scenario, outcome, step)


def fail(exc: CrossingSimError, start: runs.Start) -> None:
    """Show the one clear line the command line would print, and stop the page here."""
    st.error(runs.message(exc, start, work_folder()))
    st.stop()


def choose_start() -> runs.Start:
    """The starting point: a built-in scenario, or a file the user uploads."""
    st.sidebar.header("Start from")
    names = runs.builtin_names()
    source = st.sidebar.radio("Starting scenario", ["a built-in scenario", "my own file"],
                              key="source", horizontal=True)
    if source == "my own file":
        upload = st.sidebar.file_uploader("A scenario file (.toml)", type=["toml"],
                                          key="upload")
        pasted = st.sidebar.text_area("... or paste one here", key="pasted", height=120)
        if upload is not None:
            try:
                return runs.Start(upload.name, upload.getvalue().decode("utf-8"))
            except UnicodeDecodeError as exc:  # worded as the command line words it
                st.error(f"{upload.name}: is not UTF-8 text (byte {exc.start})")
                st.stop()
        if pasted.strip():
            return runs.Start("pasted.toml", pasted)
        st.info("Upload a scenario file, or paste one, to start from it (it may say "
                "`extends = \"baseline\"` and change a few keys).")
        st.stop()
    name = st.sidebar.selectbox("Built-in scenario", names, key="builtin")
    return runs.Start(str(name))


def reset_when_start_changes(start: runs.Start, values: dict[str, Any], game: Game) -> None:
    """Give every control the new start's value when the start changes."""
    identity = (start.name, start.text)
    if st.session_state.get("start_identity") == identity:
        return
    st.session_state["start_identity"] = identity
    for name, value in values.items():
        st.session_state[name] = value
    for key in planner.GAME_KEYS:
        st.session_state[f"game_{key}"] = float(getattr(game, key))


def lever_controls(scenario: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Every lever's control in the sidebar; the values chosen."""
    chosen: dict[str, Any] = {}
    group = ""
    for x in levers.LEVERS:
        if x.group != group:
            group = x.group
            st.sidebar.subheader(group)
        if x.kind in ("int", "percent"):
            chosen[x.name] = st.sidebar.slider(x.label, min(x.low, int(values[x.name])),
                                               max(x.high, int(values[x.name])), step=x.step,
                                               key=x.name, help=x.help or None)
        elif x.kind == "hours":
            chosen[x.name] = st.sidebar.slider(x.label, float(min(x.low, values[x.name])),
                                               float(max(x.high, values[x.name])),
                                               step=float(x.step), key=x.name,
                                               help=x.help or None)
        elif x.kind == "clock":
            options = levers.clock_options(scenario, str(values[x.name]))
            if st.session_state.get(x.name) not in options:
                st.session_state[x.name] = values[x.name]
            chosen[x.name] = st.sidebar.select_slider(x.label, options, key=x.name,
                                                      help=x.help or None)
        else:
            chosen[x.name] = st.sidebar.selectbox(x.label, x.options, key=x.name,
                                                  help=x.help or None)
    return chosen


def game_controls() -> dict[str, float]:
    """The game's budget and costs (editable by the teacher)."""
    with st.sidebar.expander("The planner's game: budget and costs"):
        return {key: st.number_input(label, min_value=0.0, step=1.0, key=f"game_{key}")
                for key, label in planner.GAME_KEYS.items()}


def record(start: runs.Start, setting: runs.Setting, changes: tuple[str, ...], nights: int,
           seed: int, base: str, folder: str) -> tried.Tried:
    """The run as an entry of the scenario log (kept in the session)."""
    numbers, paired = numbers_of(base, folder)
    difference = Difference(**paired)
    crossed = Estimate(**numbers["crossed"])
    costs = planner.costs_of(setting.scenario)
    log: list[tried.Tried] = st.session_state.setdefault("log", [])
    for earlier in log:  # the same setting again: the entry it already has
        if (earlier.start, earlier.changes, earlier.nights, earlier.seed) == (
                start.name, changes, nights, seed):
            return earlier
    entry = tried.Tried(len(log) + 1, start.name, changes, nights, seed,
                        crossed.mean, crossed.ci_low, crossed.ci_high,
                        numbers["left_by_bus"]["mean"], difference.mean, difference.ci95_low,
                        difference.ci95_high, runs.in_words(difference), costs.total,
                        setting.scenario.game.budget, setting.toml(nights, seed))
    log.append(entry)
    return entry


def show_result(entry: tried.Tried, base: str, folder: str, expected: int) -> None:
    """The last run: the numbers, the difference in words, the two figures."""
    left, middle, right = st.columns(3)
    left.metric("Crossed, mean per night", f"{entry.crossed:.0f} of {expected}",
                f"{entry.difference:+.1f} vs the start")
    middle.metric("Safely across (left on a bus)", f"{entry.safely_across:.0f}")
    right.metric("Cost in the game", f"{entry.cost:.1f} of {entry.budget:g}",
                 "within budget" if entry.cost <= entry.budget + 1e-9 else "over budget",
                 delta_color="normal" if entry.cost <= entry.budget + 1e-9 else "inverse")
    st.markdown(f"**Compared with the start, on the same {entry.nights} nights:** "
                f"{entry.in_words}.", help="the paired difference: night i of your plan "
                "has the same families, walking speeds and screening times as night i of "
                "the start")
    folders = (base, folder) if folder != base else (base,)
    st.image(figure_png("flow", folders),
             caption="Reaching the gate and crossing it over the night (the cumulative flow "
                     "diagram: the gap between the curves is the queue; mean, 5-95 % of "
                     "nights), the start and your plan side by side")
    st.image(figure_png("fates", folders), caption="Where the people expected went")


def log_tab() -> None:
    log: list[tried.Tried] = st.session_state.get("log", [])
    if not log:
        st.write("Every setting you run appears here, side by side.")
        return
    st.dataframe(tried.log_rows(log), hide_index=True, key="log_table",
                 column_config={"changes": st.column_config.TextColumn(width="large")})
    st.download_button("Download the log (CSV)", tried.log_csv(log), "scenario-log.csv",
                       "text/csv", key="log_csv")
    labels = {t.label: t for t in log}
    which = st.selectbox("A setting to download as a scenario file", list(labels),
                         index=len(labels) - 1)  # no key: a new entry is chosen at once
    chosen = labels[str(which)]
    st.download_button(f"Download {chosen.file_name}", chosen.toml, chosen.file_name,
                       "application/toml", key="log_toml")
    st.caption(f"`crossing-sim run {chosen.file_name} --reps {chosen.nights} --seed "
               f"{chosen.seed}` gives the same numbers.")


def game_tab(entry: tried.Tried | None, setting: runs.Setting) -> None:
    game = setting.scenario.game
    costs = planner.costs_of(setting.scenario)
    st.markdown(
        f"**Goal:** the most people safely across (on a bus), within a budget of "
        f"**{game.budget:g}**. A table costs {game.per_table:g}, a bus {game.per_bus:g}, an "
        f"hour of opening {game.per_hour_open:g}, a day of warning "
        f"{game.per_day_of_warning:g}.")
    st.table([{"lever": "tables", "cost": costs.tables}, {"lever": "buses", "cost": costs.buses},
              {"lever": "hours open", "cost": round(costs.hours_open, 2)},
              {"lever": "days of warning", "cost": round(costs.warning, 2)},
              {"lever": "total", "cost": round(costs.total, 2)}])
    team = st.text_input("Team name", key="team")
    if entry is None:
        st.write("Run your plan first, then put it on the board.")
    elif st.button("Put my last run on the board", key="to_board", disabled=not team.strip()):
        class_board().append(planner.Entry(
            team.strip(), "; ".join(entry.changes) or f"as {entry.start}",
            entry.safely_across, *_safe_interval(entry), entry.cost, entry.budget,
            entry.nights))
    board = class_board()
    st.session_state["board"] = list(board)
    if board:
        st.subheader("The class's results board")
        st.dataframe(planner.board_rows(board), hide_index=True, key="board_table",
                     column_config={"plan": st.column_config.TextColumn(width="large")})
        st.download_button("Download the board (CSV)", planner.board_csv(board),
                           "results-board.csv", "text/csv", key="board_csv")


def _safe_interval(entry: tried.Tried) -> tuple[float, float]:
    last = st.session_state["last"]
    safe = numbers_of(last["base"], last["folder"])[0]["left_by_bus"]
    return safe["ci_low"], safe["ci_high"]


def main() -> None:
    st.set_page_config(page_title="crossing-sim: the night at the gate", layout="wide")
    st.title("One night at the gate")
    start = choose_start()
    try:
        base_setting = runs.prepare_setting(start, (), work_folder(), DEFAULT_SEED)
    except CrossingSimError as exc:
        fail(exc, start)
    scenario = base_setting.scenario
    st.caption(f"{scenario.population.expected} people expected at one gate, "
               f"{scenario.gate.lanes} screening table(s), {scenario.buses.count} buses "
               "waiting behind it (the starting scenario). Change the plan, run many "
               "simulated nights, and see who gets through.")
    values = levers.values_of(scenario)
    reset_when_start_changes(start, values, scenario.game)
    chosen = lever_controls(scenario, values)
    game = game_controls()
    st.sidebar.header("Nights")
    nights = st.sidebar.slider("Simulated nights", 20, 1000, DEFAULT_NIGHTS, step=20,
                               key="nights")
    seed = st.sidebar.number_input("Seed", 0, 2**31 - 1, DEFAULT_SEED, key="seed")
    changes = (*levers.overrides(scenario, chosen),
               *planner.game_overrides(scenario.game, game))
    overrides = tuple([f'name="{PLAN_NAME}"', *changes] if changes else [])
    st.session_state["overrides"] = overrides
    try:
        setting = runs.prepare_setting(start, overrides, work_folder(), int(seed))
    except CrossingSimError as exc:
        fail(exc, start)
    st.write(f"**Start:** {start.name}: {scenario.description}  \n**Your changes:** "
             f"{levers.describe(changes)}")
    results, log, game_view, night = st.tabs(["Results", "Scenario log", "Planner's game",
                                              "One night, animated"])
    with results:
        if st.button(f"Run {nights} nights", type="primary", key="run"):
            bar = st.progress(0.0, text="the start's nights")
            try:
                base = run_nights(start, (), nights, int(seed),
                                  lambda share: bar.progress(share / 2, text="the start's nights"))
                folder = run_nights(start, overrides, nights, int(seed),
                                    lambda share: bar.progress(0.5 + share / 2,
                                                               text="your plan's nights"))
            except CrossingSimError as exc:
                fail(exc, start)
            bar.empty()
            entry = record(start, setting, changes, nights, int(seed), base, folder)
            st.session_state["last"] = {"entry": entry, "base": base, "folder": folder,
                                        "expected": setting.scenario.population.expected}
        last = st.session_state.get("last")
        if last is None:
            st.write("Move the levers, then run.")
        else:
            if last["entry"].changes != changes or last["entry"].nights != nights:
                st.info("The levers have moved since this run: press Run to see them.")
            show_result(last["entry"], last["base"], last["folder"], last["expected"])
    with log:
        log_tab()
    with game_view:
        game_tab(last["entry"] if last else None, setting)
    with night:
        night_tab(start, overrides, int(seed))


def night_tab(start: runs.Start, overrides: tuple[str, ...], seed: int) -> None:
    """Night 0 of the plan as a player: play, pause, step through the frames."""
    st.write("Night 0 of your plan: families walking to the gate, the queue, the tables, "
             "the buses.")
    step = st.select_slider("Minutes of the night per frame", [10, 15, 20, 30], value=20,
                            key="frame_step")
    if st.button("Animate the night", key="animate"):
        with st.spinner("drawing the night, frame by frame (about ten seconds)..."):
            try:
                html, frames = night_player(start.name, start.text, overrides, seed,
                                            float(step))
            except (CrossingSimError, ValueError) as exc:
                st.error(str(exc))
                st.stop()
        st.session_state["animation_frames"] = frames
        st.iframe(html, height=560)
        st.caption(f"{frames} frames, {step} minutes each: press play, or step through.")


if __name__ == "__main__":  # as Streamlit runs it
    main()
