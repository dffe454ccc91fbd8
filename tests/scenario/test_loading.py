"""Reading scenario files: ``extends`` chains, ``--set`` overrides, unreadable files, digests.

Every mistake must come back as one ScenarioError that names the file that must change (or
``--set`` for an override), never as another exception.
"""

from __future__ import annotations

import copy
import datetime
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASELINE
from crossing_sim import Scenario, ScenarioError, load_scenario, resolve
from crossing_sim.cli.common import FLAGS
from crossing_sim.scenario.distributions import Fixed, Uniform


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A copy of the baseline as ``base.toml`` in a fresh folder."""
    path = tmp_path / "base.toml"
    shutil.copy(BASELINE, path)
    return path


def error_of(path: Path | str, overrides: list[str] | None = None) -> str:
    """The error as the command line shows it (parameters as flags: ``--set``)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides or [])
    message = info.value.for_cli(FLAGS)
    assert "\n" not in message
    return message


# --- extends ---------------------------------------------------------------------------------


def test_child_overrides_a_few_keys_and_inherits_the_rest(base: Path) -> None:
    child = write(base.parent / "child.toml", """
extends = "base.toml"
name = "two tables"

[gate]
lanes = 2

[buses]
count = 12
""")
    s = load_scenario(child)
    b = load_scenario(base)
    assert s.name == "two tables"
    assert s.gate.lanes == 2
    assert s.buses.count == 12
    # tables merge key by key: the rest of [gate] and [buses] comes from the base
    assert s.gate.open == b.gate.open
    assert s.gate.close == b.gate.close
    assert s.gate.screening_per_person == b.gate.screening_per_person
    assert s.buses.seats == b.buses.seats
    # untouched sections are the base's
    assert s.origins == b.origins
    assert s.population == b.population
    assert s.warning == b.warning


def test_nested_tables_merge_key_by_key(base: Path) -> None:
    child = write(base.parent / "child.toml", """
extends = "base.toml"
[origins.quneitra]
share = 0.6
[origins.tripoint]
share = 0.4
""")
    s = load_scenario(child)
    b = {o.name: o for o in load_scenario(base).origins}
    for o in s.origins:
        assert o.distance == b[o.name].distance
        assert o.checkpoints == b[o.name].checkpoints
        assert o.road_cut == b[o.name].road_cut
    assert {o.name: o.share for o in s.origins} == {"quneitra": 0.6, "tripoint": 0.4}


def test_a_child_can_add_an_origin(base: Path) -> None:
    child = write(base.parent / "child.toml", """
extends = "base.toml"
[origins.quneitra]
share = 0.5
[origins.north]
share = 0.05
distance = "1km"
""")
    s = load_scenario(child)
    assert [o.name for o in s.origins] == ["quneitra", "tripoint", "north"]


def test_arrays_replace_rather_than_merge(base: Path) -> None:
    child = write(base.parent / "child.toml", """
extends = "base.toml"
[origins.tripoint]
checkpoints = [{ at = "1km", p_stop = 0.5 }]
[population]
group_size = { dist = "choice", values = [1, 2], weights = [3, 1] }
""")
    s = load_scenario(child)
    tripoint = next(o for o in s.origins if o.name == "tripoint")
    assert len(tripoint.checkpoints) == 1
    assert tripoint.checkpoints[0].at == pytest.approx(1.0)
    assert tripoint.checkpoints[0].p_stop == 0.5
    assert tripoint.checkpoints[0].delay == Fixed(0.0)  # the default, not the base's delay
    assert s.population.group_size.values == (1.0, 2.0)  # type: ignore[attr-defined]
    assert s.population.group_size.weights == (3.0, 1.0)  # type: ignore[attr-defined]


def test_a_child_replaces_a_distribution_with_one_of_another_kind(base: Path) -> None:
    """A distribution is one value: a child that gives another kind replaces it whole.

    The base's screening_per_person is {dist = "lognormal", mean, sd}; the child's uniform
    must not be merged with the base's mean and sd.
    """
    child = write(base.parent / "child.toml", """
extends = "base.toml"
[gate]
screening_per_person = { dist = "uniform", low = "30s", high = "60s" }
""")
    assert load_scenario(child).gate.screening_per_person == Uniform(0.5, 1.0)


def test_an_override_replaces_a_distribution_with_one_of_another_kind(base: Path) -> None:
    s = load_scenario(
        base, ['gate.screening_per_person={dist = "uniform", low = "30s", high = "60s"}'])
    assert s.gate.screening_per_person == Uniform(0.5, 1.0)


def test_an_override_replaces_a_distribution_with_a_plain_value(base: Path) -> None:
    s = load_scenario(base, ["gate.screening_per_person=45s"])
    assert s.gate.screening_per_person.mean == pytest.approx(0.75)
    assert s.gate.screening_per_person.variance == 0


def test_nested_extends(base: Path) -> None:
    write(base.parent / "middle.toml", """
extends = "base.toml"
[gate]
lanes = 2
[buses]
count = 12
""")
    top = write(base.parent / "top.toml", """
extends = "middle.toml"
[gate]
lanes = 3
""")
    s = load_scenario(top)
    assert s.gate.lanes == 3  # the top file wins
    assert s.buses.count == 12  # from the middle
    assert s.buses.seats == 50  # from the base
    assert s.name == "top"  # a file without a name is named after itself, not its base


def test_extends_is_relative_to_the_file_not_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "scenarios"
    root.mkdir()
    shutil.copy(BASELINE, root / "baseline.toml")
    write(root / "variants" / "child.toml", 'extends = "../baseline.toml"\n[gate]\nlanes = 2\n')
    grand = write(root / "variants" / "more" / "grand.toml",
                  'extends = "../child.toml"\n[buses]\ncount = 3\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    s = load_scenario(grand)
    assert (s.gate.lanes, s.buses.count, s.buses.seats) == (2, 3, 50)
    relative = Path(os.path.relpath(grand, elsewhere))
    assert load_scenario(relative) == s


def test_a_missing_base_file(base: Path) -> None:
    child = write(base.parent / "child.toml", 'extends = "nowhere.toml"\n')
    message = error_of(child)
    assert message.startswith(f"{child}: ")
    assert "extends" in message
    assert "nowhere.toml" in message
    assert "no such file" in message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("3", "3", id="a-number"),
        pytest.param('""', '""', id="empty"),
        pytest.param('["base.toml"]', "base.toml", id="a-list"),
        pytest.param('"."', ".", id="a-folder"),
        pytest.param('"sub"', "sub", id="a-subfolder"),
        pytest.param('"base.toml/x.toml"', "x.toml", id="through-a-file"),
        pytest.param('"' + "x" * 300 + '.toml"', "xxxx", id="a-name-too-long"),
    ],
)
def test_extends_that_is_not_a_scenario_file(base: Path, value: str, shown: str) -> None:
    (base.parent / "sub").mkdir()
    child = write(base.parent / "child.toml", f"extends = {value}\n")
    message = error_of(child)
    assert message.startswith(f"{child}: ")
    assert "extends" in message
    assert shown in message


def test_a_broken_base_file_is_named_not_the_child(base: Path) -> None:
    broken = write(base.parent / "broken.toml", "[gate\nlanes = 1\n")
    child = write(base.parent / "child.toml", 'extends = "broken.toml"\n')
    message = error_of(child)
    assert message.startswith(f"{broken}: ")
    assert "TOML" in message


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"a.toml": "b.toml", "b.toml": "a.toml"}, id="a-b-a"),
        pytest.param({"a.toml": "a.toml"}, id="a-a"),
        pytest.param({"a.toml": "./a.toml"}, id="a-dot-a"),
        pytest.param({"a.toml": "b.toml", "b.toml": "c.toml", "c.toml": "b.toml"}, id="a-b-c-b"),
    ],
)
def test_circular_extends(tmp_path: Path, files: dict[str, str]) -> None:
    for name, parent in files.items():
        write(tmp_path / name, f'extends = "{parent}"\n[gate]\nlanes = 2\n')
    message = error_of(tmp_path / "a.toml")
    assert "circular" in message
    assert "extends" in message
    for name in files:
        assert name in message


# --- overrides -------------------------------------------------------------------------------


def test_overrides_as_documented(base: Path) -> None:
    s = load_scenario(base, ["gate.lanes=2", "gate.open=19:00", "buses.split_families=true"])
    assert s.gate.lanes == 2
    assert s.gate.open == 7 * 60  # 19:00 is 7 h after the noon start
    assert s.buses.split_families is True


@pytest.mark.parametrize(
    ("override", "key", "value"),
    [
        pytest.param("gate.lanes=2", ("gate", "lanes"), 2, id="int"),
        pytest.param("gate.lanes = 2", ("gate", "lanes"), 2, id="spaces"),
        pytest.param("warning.p_reach=0.5", ("warning", "p_reach"), 0.5, id="float"),
        pytest.param("buses.split_families=true", ("buses", "split_families"), True, id="bool"),
        pytest.param('gate.open="19:00"', ("gate", "open"), "19:00", id="quoted-string"),
        pytest.param("gate.open=19:00", ("gate", "open"), "19:00", id="bare-string"),
        pytest.param("gate.open=19:00:00", ("gate", "open"), datetime.time(19), id="toml-time"),
        pytest.param("name=my night", ("name",), "my night", id="bare-words"),
        pytest.param('name="a=b"', ("name",), "a=b", id="equals-in-value"),
        pytest.param("description=", ("description",), "", id="empty-value"),
        pytest.param("origins.tripoint.checkpoints=[]", ("origins", "tripoint", "checkpoints"),
                     [], id="array"),
        pytest.param("gate.screening_per_group=10s", ("gate", "screening_per_group"), "10s",
                     id="quantity"),
    ],
)
def test_override_values_are_toml_else_a_bare_string(
    base: Path, override: str, key: tuple[str, ...], value: object
) -> None:
    node: Any = resolve(base, [override]).table
    for part in key:
        node = node[part]
    assert node == value
    assert type(node) is type(value)
    assert isinstance(load_scenario(base, [override]), Scenario)


def test_later_overrides_win_and_overrides_beat_the_files(base: Path) -> None:
    child = write(base.parent / "child.toml", 'extends = "base.toml"\n[gate]\nlanes = 4\n')
    assert load_scenario(child, ["gate.lanes=2", "gate.lanes=3"]).gate.lanes == 3
    assert load_scenario(child, ["gate.lanes=2"]).gate.lanes == 2


@pytest.mark.parametrize(
    "override",
    ["gate.lanes", "=3", "gate..lanes=2", ".lanes=2", "gate.=2", " . =2", "", "gate lanes 2"],
)
def test_malformed_overrides(base: Path, override: str) -> None:
    message = error_of(base, [override])
    assert message.startswith("--set: ")
    assert "key=value" in message
    if override.strip():
        assert override in message


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("gate.lanes.max=2", "gate.lanes"),
        ("name.first=night", "name"),
        ("origins.quneitra.checkpoints.at=1km", "origins.quneitra.checkpoints"),
        ("population.group_size.values.x=1", "population.group_size.values"),
    ],
)
def test_setting_a_key_under_a_non_table(base: Path, override: str, key: str) -> None:
    message = error_of(base, [override])
    assert message.startswith("--set: ")
    assert key in message
    assert "not a table" in message


# --- which file an error names ---------------------------------------------------------------

# base.toml adds base_text to the baseline, child.toml extends it with child_text, then overrides
SOURCES = [
    pytest.param("[gate]\nlanes = 0\n", "[buses]\ncount = 3\n", [], "base.toml",
                 id="bad-value-in-base"),
    pytest.param("", "[gate]\nlanes = 0\n", [], "child.toml", id="bad-value-in-child"),
    pytest.param("[gate]\nlanes = 0\n", "[gate]\nlanes = -1\n", [], "child.toml",
                 id="child-overrides-bad-base-value-with-bad-value"),
    pytest.param("", "[gate]\nlanes = 2\n", ["gate.lanes=0"], "--set", id="bad-value-set"),
    pytest.param("[gate]\nlanes = 0\n", "", ["gate.lanes=0"], "--set",
                 id="set-repeats-bad-base-value"),
    pytest.param("[gate]\nlnaes = 2\n", "", [], "base.toml", id="unknown-key-in-base"),
    pytest.param("", "[gate]\nlnaes = 2\n", [], "child.toml", id="unknown-key-in-child"),
    pytest.param("", "[gaet]\nlanes = 2\n", [], "child.toml", id="unknown-table-in-child"),
    pytest.param("", "", ["gate.lnaes=2"], "--set", id="unknown-key-set"),
    pytest.param("", "", ["gaet.lanes=2"], "--set", id="unknown-table-set"),
    pytest.param("", "", ["gaet=2"], "--set", id="unknown-top-level-key-set"),
    pytest.param("", "[origins.quneitra]\nshare = 0.5\n", [], "child.toml",
                 id="share-broken-in-child"),
    pytest.param("", "", ['origins.tripoint.road_cut.after="25:00"'], "--set",
                 id="bad-clock-set"),
    pytest.param("", "[origins.tripoint.road_cut]\nafter = \"25:00\"\n", [], "child.toml",
                 id="bad-clock-in-child"),
    pytest.param("[origins.tripoint]\ncheckpoints = [{ at = \"-1km\" }]\n", "", [], "base.toml",
                 id="bad-array-item-in-base"),
]


@pytest.mark.parametrize(("base_text", "child_text", "overrides", "culprit"), SOURCES)
def test_error_names_the_file_that_set_the_faulty_value(
    base: Path, base_text: str, child_text: str, overrides: list[str], culprit: str
) -> None:
    base.write_text(_baseline_with(base_text), encoding="utf-8")
    child = write(base.parent / "child.toml", 'extends = "base.toml"\n' + child_text)
    message = error_of(child, overrides)
    where = culprit if culprit == "--set" else str(base.parent / culprit)
    assert message.startswith(f"{where}: "), message
    for other in {"base.toml", "child.toml", "--set"} - {culprit}:
        assert other not in message


def _baseline_with(text: str) -> str:
    """The baseline with extra TOML folded into its tables (a table may be defined only once)."""
    table = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    _deep_update(table, tomllib.loads(text))
    return tomli_w.dumps(table)


def _deep_update(table: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(table.get(key), dict):
            _deep_update(table[key], value)
        else:
            table[key] = value


def test_errors_in_a_chain_name_the_right_file(base: Path) -> None:
    write(base.parent / "middle.toml", 'extends = "base.toml"\n[buses]\nseats = 0\n')
    top = write(base.parent / "top.toml", 'extends = "middle.toml"\n[gate]\nlanes = 2\n')
    message = error_of(top)
    assert message.startswith(f"{base.parent / 'middle.toml'}: ")
    assert "buses.seats" in message


# --- files that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        pytest.param(b"gate = [\n", "TOML", id="unclosed-array"),
        pytest.param(b"[gate\nlanes = 1\n", "TOML", id="unclosed-table"),
        pytest.param(b"[gate]\nlanes = 1\nlanes = 2\n", "TOML", id="duplicate-key"),
        pytest.param(b"[gate]\n[gate]\n", "TOML", id="duplicate-table"),
        pytest.param(b"lanes = = 2\n", "TOML", id="double-equals"),
        pytest.param(b'name = "unterminated\n', "TOML", id="unterminated-string"),
        pytest.param(b"", "origins", id="empty"),
        pytest.param(b"# only a comment\n", "origins", id="only-comments"),
        pytest.param(b'name = "caf\xe9"\n', "UTF-8", id="latin-1"),
        pytest.param(b"\xff\xfe[\x00g\x00", "UTF-8", id="utf-16"),
        pytest.param(b"\x00\x01\x02", "TOML", id="binary"),
        pytest.param(b"# " + b"x" * 1_100_000 + b"\n", "larger than", id="too-large"),
    ],
)
def test_a_file_that_is_not_a_scenario(tmp_path: Path, content: bytes, rule: str) -> None:
    path = tmp_path / "night.toml"
    path.write_bytes(content)
    message = error_of(path)
    assert message.startswith(f"{path}: ")
    assert rule in message


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "night.toml"
    folder.mkdir()
    message = error_of(folder)
    assert message.startswith(f"{folder}: ")
    assert "folder" in message


def test_a_file_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    message = error_of(path)
    assert message.startswith(f"{path}: ")
    assert "no such" in message


def test_a_path_through_a_file(base: Path) -> None:
    path = base / "night.toml"
    message = error_of(path)
    assert message.startswith(f"{path}: ")


# --- writing back and digests ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("child_text", "overrides"),
    [
        pytest.param(None, [], id="baseline"),
        pytest.param("[gate]\nlanes = 2\n", ["buses.count=3", "gate.open=19:00"],
                     id="child-and-overrides"),
        pytest.param("[gate]\nopen = 21:15:00\ngive_up = \"none\"\n[holding]\ncapacity = 900\n",
                     [], id="toml-time-and-optionals"),
        pytest.param('[population]\ngroup_size = 4\n[origins.tripoint]\nroad_cut = "none"\n',
                     ["origins.quneitra.checkpoints=[]"], id="plain-values"),
    ],
)
def test_to_toml_round_trips_to_the_same_scenario(
    base: Path, child_text: str | None, overrides: list[str]
) -> None:
    path = base
    if child_text is not None:
        path = write(base.parent / "child.toml", 'extends = "base.toml"\n' + child_text)
    resolved = resolve(path, overrides)
    text = resolved.to_toml()
    again = write(base.parent / "again.toml", text)
    assert load_scenario(again) == load_scenario(path, overrides)
    assert resolve(again).to_toml() == text
    assert resolve(again).digest == resolved.digest


def test_digest_is_a_stable_sha256(base: Path) -> None:
    digest = resolve(base).digest
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert resolve(base).digest == digest
    assert resolve(BASELINE).digest == digest  # where the file lives does not matter
    script = "import sys; from crossing_sim import resolve; print(resolve(sys.argv[1]).digest)"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script, str(base)], capture_output=True,
                         text=True, check=True, env=env)
    assert out.stdout.strip() == digest


def test_digest_changes_with_the_scenario(base: Path) -> None:
    digest = resolve(base).digest
    assert resolve(base, ["gate.lanes=2"]).digest != digest
    assert resolve(base, ["gate.lanes=1"]).digest == digest  # the same value again


def test_same_scenario_written_differently_has_the_same_digest(base: Path) -> None:
    digest = resolve(base).digest
    table = tomllib.loads(base.read_text(encoding="utf-8"))
    reordered = {k: table[k] for k in reversed(list(table))}
    reordered["gate"] = {k: table["gate"][k] for k in reversed(list(table["gate"]))}
    assert resolve(write(base.parent / "baseline.toml", tomli_w.dumps(reordered))).digest == digest
    child = write(base.parent / "same.toml", 'extends = "base.toml"\nname = "baseline"\n')
    assert resolve(child).digest == digest


def test_leaving_out_a_default_gives_the_same_digest(base: Path) -> None:
    table = tomllib.loads(base.read_text(encoding="utf-8"))
    assert table["holding"]["capacity"] == "unlimited"  # the default, written out
    assert table["gate"]["lanes"] == 1  # also the default
    del table["holding"]
    del table["gate"]["lanes"]
    short = write(base.parent / "sub" / "base.toml", tomli_w.dumps(table))
    assert load_scenario(short) == load_scenario(base)
    assert resolve(short).digest == resolve(base).digest


# --- fuzzing ---------------------------------------------------------------------------------

BASE_TABLE = tomllib.loads(BASELINE.read_text(encoding="utf-8"))

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.booleans(),
    _text,
    st.sampled_from(["0s", "-1min", "45s", "1e999s", "1e300h", "3km", "-2km", "800m", "25:00",
                     "21:00", "03:00", "12:00", "none", "unlimited", "never", "2.5km/h",
                     "0km/h", "nan", "inf", "", "convoy", "cut_off", "choice", "lognormal"]),
    st.times(),
    st.dates(),
    st.datetimes(),
)
_dist_tables = st.fixed_dictionaries(
    {"dist": st.one_of(st.sampled_from(["fixed", "uniform", "triangular", "exponential",
                                        "lognormal", "choice", "empirical"]), _scalars)},
    optional={k: _scalars for k in ("value", "low", "mode", "high", "mean", "sd")}
    | {"values": st.lists(_scalars, max_size=4), "weights": st.lists(_scalars, max_size=4)},
)
_values = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.booleans(),
    _text,
    _scalars.filter(lambda v: isinstance(v, str)),
    st.one_of(st.times(), st.dates(), st.datetimes()),
    st.lists(_scalars, max_size=3),
    st.dictionaries(_text, _scalars, max_size=3),
    _dist_tables,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in items:
        out.append((*prefix, key))
        if isinstance(child, dict | list):
            out.extend(_paths(child, (*prefix, key)))
    return out


def _tables(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if isinstance(node, dict) else []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in items:
        if isinstance(child, dict | list):
            out.extend(_tables(child, (*prefix, key)))
    return out


def _at(table: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        table = table[part]
    return table


@st.composite
def mutated_baselines(draw: st.DrawFn) -> dict[str, Any]:
    table = copy.deepcopy(BASE_TABLE)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            paths = _paths(table)
            leaves = [p for p in paths if not isinstance(_at(table, p), dict | list)]
            path = draw(st.sampled_from(leaves or paths) if draw(st.booleans())
                        else st.sampled_from(paths))
            _at(table, path[:-1])[path[-1]] = draw(_values)
        elif action == "delete":
            keys = [p for p in _paths(table) if isinstance(_at(table, p[:-1]), dict)]
            if keys:
                path = draw(st.sampled_from(keys))
                del _at(table, path[:-1])[path[-1]]
        else:
            where = draw(st.sampled_from(_tables(table)))
            _at(table, where)[draw(_text)] = draw(_values)
    return table


def _load_or_error(path: Path, overrides: list[str]) -> Scenario | ScenarioError:
    """The scenario, or the ScenarioError it raised; any other exception fails the test."""
    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        return exc


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "fuzzed.toml"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=mutated_baselines())
def test_fuzzed_baseline_loads_or_raises_scenario_error(
    fuzz_file: Path, table: dict[str, Any]
) -> None:
    fuzz_file.write_text(tomli_w.dumps(table), encoding="utf-8")
    result = _load_or_error(fuzz_file, [])
    if isinstance(result, ScenarioError):
        assert str(result).startswith(f"{fuzz_file}: ")
    else:
        assert isinstance(result, Scenario)


_keys = st.sampled_from(["gate.lanes", "gate", "gate.open", "origins.quneitra.share", "name",
                         "buses.seats.x", "population.group_size", "holding.capacity", "end",
                         "origins.tripoint.road_cut", "x.y.z", "origins"])
_overrides = st.one_of(
    _text,
    st.tuples(_keys, st.one_of(_text, st.sampled_from(["2", "0", "-1", "true", "19:00",
                                                       "19:00:00", '"45s"', "[1, 2]", "{}",
                                                       "{at = \"1km\"}", "nan", "1e999",
                                                       "none"]))).map("=".join),
)


@settings(max_examples=200, deadline=None)
@given(overrides=st.lists(_overrides, max_size=3))
def test_fuzzed_overrides_load_or_raise_scenario_error(overrides: list[str]) -> None:
    result = _load_or_error(BASELINE, overrides)
    if isinstance(result, ScenarioError):
        assert str(result)  # a message (it may echo a faulty override verbatim)
    else:
        assert isinstance(result, Scenario)
