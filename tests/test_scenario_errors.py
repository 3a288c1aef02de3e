"""Specification of scenario errors: every mistake names the file, the key path and the fix.

Whatever a scenario file contains, loading it gives a ``Scenario`` or raises a
``ScenarioError``; never another exception.
"""

from __future__ import annotations

import copy
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.scenario import (
    Problem,
    ScenarioError,
    load_scenario,
    scenario_from_dict,
)

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).resolve().parent / "data" / "broken"
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))


def problems_of(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


# Each broken file: the key path the error must name ("" for the file as a whole)
# and a fragment of the message that says what is wrong.
BROKEN_FILES = [
    ("unknown_queue_in_skills.yaml", "agent_groups[1].skills.cards", "unknown queue 'cards'"),
    (
        "wrong_profile_length.yaml",
        "call_types[0].volume.profile_per_interval",
        "has 5 values but needs 8: the calendar has 8 intervals of 30 min from 08:00 to 12:00",
    ),
    ("negative_rate.yaml", "call_types[0].volume.rate_per_hour", "must be >= 0, got -5"),
    ("negative_cv.yaml", "call_types[0].handle_time.cv", "must be >= 0, got -0.2"),
    ("unknown_key.yaml", "chatbot", "unknown key 'chatbot' (allowed here: name, seed,"),
    (
        "unknown_nested_key.yaml",
        "agent_groups[0].break_rules",
        "allowed here: name, skills, staffing",
    ),
    ("malformed.yaml", "", "invalid YAML at line 10, column 4"),
    ("not_a_mapping.yaml", "", "must be a mapping"),
    ("empty.yaml", "", "but it is empty"),
    ("garbage.yaml", "", "not a UTF-8 text file"),
    ("duplicate_names.yaml", "queues[2].name", "duplicate name 'general'"),
    ("unknown_overflow_queue.yaml", "routing.overflow[0].from", "unknown queue 'cards'"),
    ("unserved_call_type.yaml", "call_types[1].target", "no agent group has a skill"),
    ("two_staffing_forms.yaml", "agent_groups[0]", "found staffing and per_interval"),
    ("shift_off_grid.yaml", "agent_groups[0].shifts[0].start", "not on the interval grid"),
    ("unquoted_time.yaml", "calendar.close", 'write "12:00" in quotes'),
    ("duplicate_yaml_key.yaml", "", "duplicate key 'staffing'"),
    ("missing_csv.yaml", "call_types[0].volume.csv", "not found"),
    ("garbled_csv.yaml", "call_types[0].volume.csv", "'lots' is not a number"),
    ("malformed.toml", "", "invalid TOML"),
    ("bad_extension.json", "", "a scenario file ends in .yaml, .yml, .toml"),
]


@pytest.mark.parametrize(
    ("name", "path", "fragment"), BROKEN_FILES, ids=[b[0] for b in BROKEN_FILES]
)
def test_broken_file_names_the_file_the_key_and_the_mistake(
    name: str, path: str, fragment: str
) -> None:
    error = problems_of(BROKEN / name)
    assert error.source == str(BROKEN / name)
    assert len(error.problems) == 1, str(error)
    (problem,) = error.problems
    assert problem.path == path
    assert fragment in problem.message
    text = str(error)
    assert text.splitlines()[0] == f"{BROKEN / name}: 1 problem in the scenario:"
    assert text.splitlines()[1] == (
        f"  {path}: {problem.message}" if path else f"  {problem.message}"
    )


def test_every_broken_file_is_covered() -> None:
    covered = {name for name, _, _ in BROKEN_FILES} | {
        "two_mistakes.yaml",
        "two_reference_mistakes.yaml",
    }
    on_disk = {p.name for p in BROKEN.iterdir() if p.suffix != ".csv"}
    assert on_disk == covered


def test_a_file_with_two_structural_mistakes_reports_both() -> None:
    error = problems_of(BROKEN / "two_mistakes.yaml")
    assert [p.path for p in error.problems] == [
        "call_types[0].volume.rate_per_hour",
        "agent_groups[1].callback_agents",
    ]
    assert str(error).splitlines()[0].endswith("two_mistakes.yaml: 2 problems in the scenario:")


def test_a_file_with_two_reference_mistakes_reports_both() -> None:
    error = problems_of(BROKEN / "two_reference_mistakes.yaml")
    assert sorted(p.path for p in error.problems) == [
        "agent_groups[1].skills.cards",
        "call_types[0].volume.profile_per_interval",
    ]


def test_missing_file() -> None:
    error = problems_of(BROKEN / "no_such_scenario.yaml")
    assert error.source.endswith("no_such_scenario.yaml")
    assert error.problems == [Problem("", "file not found")]


def test_a_directory_is_not_a_scenario(tmp_path: Path) -> None:
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    error = problems_of(folder)
    assert "is a directory" in error.problems[0].message


def test_error_text_has_one_line_per_problem() -> None:
    error = ScenarioError(
        [
            Problem("agent_groups[1].skills.cards", "unknown queue 'cards'"),
            Problem("calendar.close", "must be after open"),
        ],
        source="bank.yaml",
    )
    assert str(error).splitlines() == [
        "bank.yaml: 2 problems in the scenario:",
        "  agent_groups[1].skills.cards: unknown queue 'cards'",
        "  calendar.close: must be after open",
    ]
    assert isinstance(error, ValueError)
    copied = pickle.loads(pickle.dumps(error))
    assert (copied.problems, copied.source) == (error.problems, error.source)


def test_scenario_from_dict_names_its_source() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"name": "x"}, source="notebook cell 3")
    assert str(info.value).startswith("notebook cell 3: ")
    missing = {p.path for p in info.value.problems if p.message == "required key is missing"}
    assert missing == {"calendar", "queues", "call_types", "agent_groups"}


def test_discriminator_tags_and_aliases_do_not_leak_into_paths() -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "retail_bank_day.yaml").read_text())
    data["call_types"][1]["patience"] = {"dist": "gamma", "mean": -1, "cv": 0.5}
    data["call_types"][2]["handle_time"] = {"dist": "lognorm", "mean": 1}
    data["routing"]["overflow"][0]["from"] = 5
    data["callers"]["redial"]["delay"] = {"mean": 3}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    messages = {p.path: p.message for p in info.value.problems}
    assert messages["call_types[1].patience.mean"] == "must be > 0, got -1"
    # A bad tag is reported at the tag key itself, with the valid choices.
    assert "unknown dist 'lognorm'" in messages["call_types[2].handle_time.dist"]
    assert "'lognormal'" in messages["call_types[2].handle_time.dist"]
    assert "must be a string" in messages["routing.overflow[0].from"]
    assert "dist" in messages["callers.redial.delay"]
    assert len(messages) == 4


def test_unknown_key_suggests_the_near_miss() -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "erlang_a_textbook.yaml").read_text())
    data["calendar"]["interval_minute"] = data["calendar"].pop("interval_minutes")
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    messages = {p.path: p.message for p in info.value.problems}
    assert "did you mean 'interval_minutes'?" in messages["calendar.interval_minute"]


def test_a_made_up_key_anywhere_is_an_unknown_key() -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "retail_bank_day.yaml").read_text())
    data["callers"]["hold_music"] = "jazz"
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    (problem,) = info.value.problems
    assert problem.path == "callers.hold_music"
    assert problem.message.startswith("unknown key 'hold_music' (allowed here: ")


# ---------------------------------------------------------------- never another exception

GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["08:00", "24:00", "general", "lognormal", "none", "finish", "", "csv"]),
    st.lists(st.integers(-3, 100), max_size=5),
    st.dictionaries(st.text(max_size=5), st.integers(-3, 3), max_size=3),
    st.just({"dist": "exponential", "mean": 60}),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            paths.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths.extend(_paths(value, (*prefix, index)))
    return paths


@st.composite
def mutated_examples(draw: st.DrawFn) -> dict[str, Any]:
    source = draw(st.sampled_from(EXAMPLES))
    data: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(draw(GARBAGE))
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_examples())
def test_mutated_examples_load_or_raise_scenario_error(data: dict[str, Any]) -> None:
    before = copy.deepcopy(data)
    try:
        scenario_from_dict(data, base_dir=ROOT / "scenarios")
    except ScenarioError as error:
        assert error.problems
        assert str(error)
    assert data == before or data != data  # never modified (NaN compares unequal to itself)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_arbitrary_file_content_loads_or_raises_scenario_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".yaml", ".toml"):
            path = Path(folder) / f"s{suffix}"
            path.write_bytes(content)
            try:
                load_scenario(path)
            except ScenarioError as error:
                assert error.source == str(path)
