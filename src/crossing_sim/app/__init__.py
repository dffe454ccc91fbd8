"""The classroom app (``crossing-sim app``): a Streamlit page over the library.

The page itself is :mod:`crossing_sim.app.page` (the script Streamlit runs); everything it
does that is not drawing widgets lives in plain modules that need no Streamlit:
:mod:`~crossing_sim.app.levers` (the sliders and the scenario keys they set),
:mod:`~crossing_sim.app.runs` (running a setting paired with its start, in words),
:mod:`~crossing_sim.app.tried` (the scenario log and its downloads),
:mod:`~crossing_sim.app.planner` (the planner's game and its results board) and
:mod:`~crossing_sim.app.player` (the animated night's player, offline).
"""
