"""The scenario: everything that describes one night, validated and frozen.

Times are minutes after the scenario's ``start`` clock, distances km, speeds km/h. Build a
:class:`Scenario` from a file with :func:`crossing_sim.scenario.loading.load_scenario`, or from a
table with :func:`scenario_from_dict`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crossing_sim.errors import ScenarioError, field_error
from crossing_sim.scenario.distributions import Choice, Distribution, Fixed, highest
from crossing_sim.scenario.game import Game
from crossing_sim.scenario.journey import Checkpoint, Journey, Message, Origin, RoadCut
from crossing_sim.scenario.observed import Observed
from crossing_sim.scenario.replay import Arrival, ArrivalsFile, parse_replay
from crossing_sim.scenario.schema import Context, build, param, parse_value
from crossing_sim.scenario.units import parse_clock

__all__ = [
    "ARRIVAL_MODES",
    "CLOSING_RULES",
    "DEPARTURE_RULES",
    "SECTIONS",
    "Arrivals",
    "Buses",
    "Checkpoint",
    "GateRules",
    "Holding",
    "Journey",
    "Message",
    "NotAlone",
    "Origin",
    "Population",
    "RoadCut",
    "Scenario",
    "check_consistency",
    "lookup",
    "scenario_from_dict",
    "with_values",
]

CLOSING_RULES = ("finish_queue", "finish_screening", "cut_off")
DEPARTURE_RULES = ("when_full", "convoy")
ARRIVAL_MODES = ("journey", "poisson", "replay")

@dataclass(frozen=True, kw_only=True)
class Population:
    """Who is expected at the gate and how they move: as family groups."""

    expected: int = param("int", 100, min=1, max=1_000_000,
                          doc="people expected to cross (the list)")
    group_size: Distribution = param(
        "dist", {"dist": "choice", "values": [1, 2, 3, 4, 5], "weights": [1, 1, 1, 1, 1]},
        unit="count", min=1, dists=("fixed", "choice", "empirical"),
        dists_rule="must be a fixed size or a choice of whole numbers (dist = \"choice\", "
                   "\"empirical\" or \"fixed\")",
        doc="people in a family group: a fixed size or a choice of whole numbers >= 1")
    turnout: Distribution | None = param(
        "dist", "none", unit="count", min=1, optional=True, dists=("fixed", "choice", "empirical"),
        dists_rule="must be a fixed number or a choice of whole numbers (dist = \"choice\", "
                   "\"empirical\" or \"fixed\")",
        doc="people who make for the gate, drawn each night, e.g. a choice of several "
            "reported counts (none: expected); shares stay shares of expected")
    volunteers_per_group: int = param("int", 0, min=0, max=1000,
                                      doc="volunteers in each family group (a smaller group "
                                          "is all volunteers); the others are family members")
    p_child: float = param("prob", 0.0, doc="probability that each family member (not a "
                                            "volunteer) is a child")


@dataclass(frozen=True, kw_only=True)
class GateRules:
    """The one gate: its window, its screening tables and what happens at closing."""

    open: float = param("clock", "21:00", doc="clock time the gate opens")
    close: float = param("clock", "04:00", doc="clock time the gate closes to new groups")
    lanes: int = param("int", 1, min=1, max=1000, doc="screening tables working in parallel")
    screening_per_group: Distribution = param("dist", "0s", unit="duration",
                                              doc="screening time for a group as a whole")
    screening_per_person: Distribution = param("dist", "45s", unit="duration",
                                               doc="screening time added per person")
    screening_per_child: Distribution | None = param(
        "dist", "none", unit="duration", optional=True,
        doc="screening time added per child instead of screening_per_person (none: a child "
            "takes as long as anyone)")
    p_not_on_list: float = param("prob", 0.0, doc="probability a group is refused (not listed)")
    closing: str = param("option", "finish_screening", options=CLOSING_RULES,
                         doc="at closing: finish_queue (screen all queued), finish_screening "
                             "(finish those at a table, turn the queue away), cut_off "
                             "(stop at once, turn everyone away)")
    give_up: float | None = param("clock", "none", optional=True,
                                  doc="dawn: groups still queued leave, later ones do not queue")
    pauses: float | None = param("rate", "none", optional=True, unit="/min",
                                 doc="screening pauses while the site is under threat: how "
                                     "often they start while the gate is open, e.g. \"0.5/h\" "
                                     "(drawn each night as a Poisson process)")
    pause_length: Distribution = param("dist", "10min", unit="duration",
                                       doc="how long a pause lasts: no new family is called "
                                           "to a table (one at a table is finished)")


@dataclass(frozen=True, kw_only=True)
class Holding:
    """The area behind the gate where people who crossed wait for buses."""

    capacity: int | None = param("int", "unlimited", min=1, optional=True,
                                 doc="people it can hold; the gate stops while it is full")


@dataclass(frozen=True, kw_only=True)
class Buses:
    """The buses that take people on from the holding area."""

    count: int = param("int", 10, min=1, max=10_000, doc="buses")
    seats: int = param("int", 50, min=1, max=1000, doc="seats per bus")
    boarding: Distribution = param("dist", "3s", unit="duration",
                                   doc="boarding time per person")
    available: float = param("clock", "21:00", doc="clock time the buses are ready to load")
    departure: str = param("option", "convoy", options=DEPARTURE_RULES,
                           doc="when_full: each bus leaves when full; convoy: all leave together "
                               "when all are full or the gate has finished")
    split_families: bool = param("bool", False, doc="may a family be split across buses")
    return_trips: int = param("int", 0, min=0, max=100, doc="extra trips each bus may make")
    turnaround: float = param("duration", "3h", doc="time for a bus to come back for a trip")
    loading_points: int = param("int", 1, min=1, max=10_000,
                                doc="bays where buses load side by side, each boarding one "
                                    "family at a time: the family at the head of the holding "
                                    "area goes to the lowest-numbered bay not boarding; a "
                                    "convoy's buses take the bays in turn (1: one bus loads "
                                    "at a time)")


@dataclass(frozen=True, kw_only=True)
class Arrivals:
    """How groups reach the gate: by the night's journey, or (to validate the gate against
    queueing theory, and for teaching) as a Poisson process or a replayed list of arrivals.

    In the poisson and replay modes nobody is lost before the gate: the message, the origins
    and the journey are not used. Every one of ``population.expected`` is still accounted for.
    """

    mode: str = param("option", "journey", options=ARRIVAL_MODES,
                      doc="journey: groups walk from their origins (the night's model); "
                          "poisson: groups arrive as a Poisson process at `rate`, family "
                          "sizes from population.group_size, until all `expected` people "
                          "have come (the last family cut to fit; those due after end are "
                          "still en route); replay: the groups listed in `file`")
    rate: float | None = param("rate", "none", optional=True, unit="/min",
                               doc="poisson: mean arrival rate of family groups, a number per "
                                   "unit of time: \"30/h\" is 30 groups an hour on average "
                                   "(a mean of 2 min between groups), also \"0.5/min\"")
    begin: float | None = param("clock", "none", optional=True,
                                doc="poisson: clock time the arrivals start (the first comes "
                                    "a random gap later); none: when the gate opens")
    file: str | None = param("text", "none", optional=True,
                             doc="replay: CSV file of the groups, a path relative to the "
                                 "scenario file that names it (to the scenario file loaded, "
                                 "for --set); header \"clock,size\" (times \"HH:MM\" or "
                                 "\"HH:MM:SS\") or \"minutes,size\" (minutes after start), "
                                 "one line per group in order of arrival; the sizes must add "
                                 "up to population.expected")
    groups: tuple[Arrival, ...] = ()  # replay: (minutes after start, size), read from `file`


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One night: who is expected, how they hear and travel, the gate, the buses."""

    name: str = param("text", "scenario", doc="a short name, used for results folders")
    description: str = param("text", "", doc="what this scenario says, in one line")
    start: float = param("clock", "12:00", doc="the clock time the model's day starts")
    end: float = param("clock", "07:00", doc="the clock time the model stops")
    series_step: float = param("duration", "5min", doc="grid step of the recorded time series")
    population: Population = param("table", {}, cls=Population, doc="who is expected")
    arrivals: Arrivals = param("table", {}, cls=Arrivals,
                               doc="how groups reach the gate (journey, poisson or replay)")
    origins: tuple[Origin, ...] = param("named", {}, cls=Origin, allow_empty=True,
                                        doc="collection points, one table each (at least one "
                                            "when arrivals.mode = \"journey\")")
    warning: Message = param("table", {}, cls=Message, doc="the message and departures")
    journey: Journey = param("table", {}, cls=Journey, doc="walking to the gate")
    gate: GateRules = param("table", {}, cls=GateRules, doc="the gate and screening")
    holding: Holding = param("table", {}, cls=Holding, doc="the holding area")
    buses: Buses = param("table", {}, cls=Buses, doc="the buses")
    observed: Observed = param("table", {}, cls=Observed,
                               doc="what was observed on the real night, to compare with")
    game: Game = param("table", {}, cls=Game, doc="the planner's game: budget and costs (app)")
    start_clock: int = 0

    @cached_property
    def origin_shares(self) -> NDArray[np.float64]:
        """The origins' shares as probabilities (summing to exactly 1)."""
        shares = np.array([o.share for o in self.origins], dtype=np.float64)
        return shares / shares.sum() if shares.size else shares

    @property
    def max_group_size(self) -> int:
        """The largest family group the scenario can draw (or replays)."""
        if self.arrivals.mode == "replay" and self.arrivals.groups:
            return max(size for _, size in self.arrivals.groups)
        return int(highest(self.population.group_size))


def scenario_from_dict(raw: Mapping[str, Any], replay: ArrivalsFile | None = None) -> Scenario:
    """Build and check a scenario from a table (as read from TOML); raises ScenarioError.

    ``replay`` is the text of the file named by ``arrivals.file``, which a scenario in replay
    mode needs: :func:`crossing_sim.scenario.loading.load_scenario` reads it next to the
    scenario file.
    """
    start_raw = raw.get("start", "12:00") if isinstance(raw, Mapping) else "12:00"
    try:
        start_clock = parse_clock(start_raw)
    except ValueError as exc:
        raise field_error("start", start_raw, str(exc)) from None
    scenario = build(Scenario, raw, "", Context(start_clock))
    scenario = replace(scenario, start_clock=start_clock)
    try:
        scenario = _with_replay(scenario, replay)
        check_consistency(scenario)
    except ScenarioError as exc:
        found, value = lookup(raw, exc.key)
        is_table = isinstance(value, Mapping) and "dist" not in value  # a section, not a value
        if found and not exc.has_value and not is_table:
            exc.value, exc.has_value = value, True
        raise
    return scenario


#: The sections :func:`with_values` can build again on their own: every table of a scenario
#: but ``arrivals`` (a replayed file is read into it after it is built).
SECTIONS = frozenset(f.name for f in fields(Scenario)
                     if f.metadata.get("kind") in ("table", "named") and f.name != "arrivals")


class NotAlone(Exception):
    """A key :func:`with_values` cannot build on its own: build the whole table."""


def with_values(base: Scenario, raw: Mapping[str, Any], keys: Iterable[str]) -> Scenario:
    """:func:`scenario_from_dict` of ``raw`` when it differs from the table ``base`` was built
    from only at the dotted ``keys`` (in :data:`SECTIONS`): the field each key names is
    parsed again (a distribution whole), the sections holding it rebuilt around it, the rest
    kept from ``base``, and every rule tying fields together checked again. Raises NotAlone
    for a key it cannot follow (an unknown or listed one, a missing table); a ScenarioError
    here may lack the value :func:`scenario_from_dict` adds: build the whole table for it."""
    tree: _Tree = {}
    for key in keys:
        parts = key.split(".")
        if parts[0] not in SECTIONS:
            raise NotAlone(key)
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    scenario: Scenario = _rebuilt(base, raw, tree, "", Context(base.start_clock))
    check_consistency(scenario)
    return scenario


_Tree = dict[str, "_Tree"]


def _rebuilt(node: Any, raw: object, tree: _Tree, path: str, ctx: Context) -> Any:
    """``node`` (a section, built from the table ``raw``) with each field in ``tree`` parsed
    again from ``raw``, or, for a table named in ``tree`` with fields below it, rebuilt
    around those."""
    if not isinstance(raw, Mapping):
        raise NotAlone(path)
    known = {f.name: f for f in fields(node) if "kind" in f.metadata}
    changes = {}
    for name, below in tree.items():
        f = known.get(name)
        key = f"{path}.{name}" if path else name
        if f is None or name not in raw:
            raise NotAlone(key)
        value, current, kind = raw[name], getattr(node, name), f.metadata["kind"]
        if below and kind == "table" and is_dataclass(current):
            changes[name] = _rebuilt(current, value, below, key, ctx)
        elif below and kind == "named" and all(below.values()):
            items = list(current)
            names = [getattr(item, "name", None) for item in items]
            for entry, inside in below.items():
                if entry not in names or not isinstance(value, Mapping) or not isinstance(
                        value.get(entry), Mapping):
                    raise NotAlone(f"{key}.{entry}")
                i = names.index(entry)
                items[i] = _rebuilt(items[i], {**value[entry], "name": entry}, inside,
                                    f"{key}.{entry}", ctx)
            changes[name] = tuple(items)
        else:
            changes[name] = parse_value(f, value, key, ctx)
    return replace(node, **changes)


def lookup(table: Mapping[str, Any], key: str) -> tuple[bool, object]:
    """The value at a dotted key such as ``origins.a.checkpoints[0].at``, if the table has it."""
    node: object = table
    for part in key.replace("[", ".[").split("."):
        if part.startswith("[") and isinstance(node, list):
            index = int(part[1:-1])
            if index >= len(node):
                return False, None
            node = node[index]
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def _with_replay(s: Scenario, replay: ArrivalsFile | None) -> Scenario:
    """The scenario with the replayed groups read from ``replay`` (in replay mode)."""
    a = s.arrivals
    if a.mode != "replay" or a.file is None:
        return s  # check_consistency names what is missing or not used
    if replay is None:
        raise ScenarioError(key="arrivals.file",
                            rule="was not read: load the scenario with load_scenario(), which "
                                 "reads the file next to the scenario file (or pass its text "
                                 "to scenario_from_dict as replay=ArrivalsFile(path, text))")
    return replace(s, arrivals=replace(a, groups=parse_replay(replay, s.start_clock)))


def check_consistency(s: Scenario) -> None:
    """Rules that tie several fields together; raise ScenarioError naming the key at fault."""
    if s.end <= 0:
        _fail("end", "must be later than start (a clock time earlier than start is next day)")
    _check_arrivals(s)
    total = math.fsum(o.share for o in s.origins)
    if s.origins and abs(total - 1) > 1e-6:
        shares = ", ".join(f"{o.name} {o.share:g}" for o in s.origins)
        _fail("origins", f"the shares must sum to 1 (they sum to {total:g}: {shares})")
    for o in s.origins:
        for i, cp in enumerate(o.checkpoints):
            if cp.at > o.distance:
                _fail(f"origins.{o.name}.checkpoints[{i}].at",
                      f"must be within the route's distance ({o.distance:g} km)")
        if o.road_cut is not None and o.road_cut.at > o.distance:
            _fail(f"origins.{o.name}.road_cut.at",
                  f"must be within the route's distance ({o.distance:g} km)")
        if o.guides is not None and o.guides.every <= 0:
            _fail(f"origins.{o.name}.guides.every", "must be longer than 0 (the time between "
                                                    "two guided groups)")
    _check_group_sizes(s)
    g = s.gate
    if g.close <= g.open:
        _fail("gate.close", "must be after gate.open (on the scenario's clock)")
    if g.close >= s.end:
        _fail("gate.close", "must be before end (the model stops at end)")
    if g.give_up is not None and not g.open < g.give_up < s.end:
        _fail("gate.give_up", "must be after gate.open and before end")
    if s.warning.earliest_departure >= s.end:
        _fail("warning.earliest_departure", "must be before end")
    if s.series_step <= 0 or s.end / s.series_step > 100_000:
        _fail("series_step", "must be positive and give at most 100000 points up to end")
    largest = s.max_group_size
    if not s.buses.split_families and s.buses.seats < largest:
        _fail("buses.seats", f"is smaller than the largest family ({largest}); such a family "
                             "could never board: add seats or set buses.split_families = true")
    if s.holding.capacity is not None and s.holding.capacity < largest:
        _fail("holding.capacity", f"is smaller than the largest family ({largest}), "
                                  "which could never pass the gate")
    crossed = s.observed.crossed
    if crossed is not None and crossed.low > s.population.expected:
        _fail("observed.crossed", f"is more than population.expected "
                                  f"({s.population.expected}): set observed.crossed = \"none\" "
                                  "to drop the comparison, or correct one of them")


def _check_arrivals(s: Scenario) -> None:
    a = s.arrivals
    used = {"poisson": ("rate", "begin"), "replay": ("file",)}
    for mode, keys in used.items():
        for key in keys:
            if a.mode != mode and getattr(a, key) is not None:
                _fail(f"arrivals.{key}", f"is only used when arrivals.mode = \"{mode}\" (the "
                                         f"mode is \"{a.mode}\"): set the mode, or remove it")
    if a.mode == "journey" and not s.origins:
        _fail("origins", "is required when arrivals.mode = \"journey\": at least one "
                         "collection point, e.g. [origins.camp] share = 1.0, distance = \"3km\"")
    if a.mode == "poisson":
        if a.rate is None:
            _fail("arrivals.rate", "is required when arrivals.mode = \"poisson\": the mean "
                                   "arrival rate of groups, e.g. rate = \"30/h\"")
        if a.begin is not None and a.begin >= s.end:
            _fail("arrivals.begin", "must be before end (the model stops at end)")
    if a.mode == "replay":
        if a.file is None:
            _fail("arrivals.file", "is required when arrivals.mode = \"replay\": a CSV file "
                                   "of arrival times and group sizes, e.g. file = "
                                   "\"arrivals.csv\"")
        people = sum(size for _, size in a.groups)
        if people != s.population.expected:
            _fail("population.expected",
                  f"must equal the people in arrivals.file \"{a.file}\" in replay mode: "
                  f"the group sizes in the file add up to {people}; set expected = "
                  f"{people}, or change the file")


def _check_group_sizes(s: Scenario) -> None:
    for key, dist, what in (("group_size", s.population.group_size, "family sizes"),
                            ("turnout", s.population.turnout, "the people who set out")):
        if dist is None:
            continue
        assert isinstance(dist, Choice | Fixed)  # the schema allows no other kind
        values = dist.values if isinstance(dist, Choice) else (dist.value,)
        if any(v != int(v) or not 1 <= v <= 1_000_000 for v in values):
            _fail(f"population.{key}", f"{what} must be whole numbers from 1 to 1000000")
    if s.population.turnout is not None and s.arrivals.mode == "replay":
        _fail("population.turnout", "must be \"none\" in replay mode: the file lists the "
                                    "groups of the night")


def _fail(key: str, rule: str) -> None:
    raise ScenarioError(rule=rule, key=key)
