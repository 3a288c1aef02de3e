"""Specification of the scenario layer: models, derived values, loading and dumping."""

from __future__ import annotations

import ast
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pydantic
import pytest
import yaml

from simulator.distributions import Exponential, Lognormal, NoDistribution
from simulator.scenario import (
    AgentGroup,
    Calendar,
    CallType,
    Overflow,
    Scenario,
    ScenarioError,
    Shift,
    Volume,
    load_scenario,
    scenario_from_dict,
    scenario_to_dict,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(
    p for p in (ROOT / "scenarios").iterdir() if p.suffix in {".yaml", ".yml", ".toml"}
)
VALID = Path(__file__).resolve().parent / "data" / "valid"


def minimal(**overrides: Any) -> dict[str, Any]:
    """A small valid scenario as plain data: 8 half-hour intervals from 08:00 to 12:00."""
    data: dict[str, Any] = {
        "name": "minimal",
        "calendar": {"open": "08:00", "close": "12:00", "interval_minutes": 30},
        "queues": [{"name": "general"}],
        "call_types": [
            {
                "name": "enquiry",
                "target": "general",
                "volume": {"rate_per_hour": 60},
                "handle_time": {"dist": "exponential", "mean": 300},
            }
        ],
        "agent_groups": [{"name": "front", "skills": {"general": 1}, "staffing": 5}],
    }
    data.update(overrides)
    return data


def toml_value(value: Any) -> str:
    """Write one value as TOML: inline tables and arrays, strings via JSON escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise TypeError(value)


def to_toml(data: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(key)} = {toml_value(value)}\n" for key, value in data.items())


# --------------------------------------------------------------------------- examples


def test_the_examples_folder_holds_the_two_promised_scenarios() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"erlang_a_textbook.yaml", "retail_bank_day.yaml"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_loads_dumps_and_reloads_equal(path: Path) -> None:
    scenario = load_scenario(path)
    dumped = scenario_to_dict(scenario)
    assert scenario_from_dict(dumped, base_dir=path.parent) == scenario
    # the dump is plain data that survives YAML and JSON text
    assert scenario_from_dict(yaml.safe_load(yaml.safe_dump(dumped)), base_dir=path.parent) == (
        scenario
    )
    assert scenario_from_dict(json.loads(json.dumps(dumped)), base_dir=path.parent) == scenario


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_round_trips_through_toml(path: Path, tmp_path: Path) -> None:
    scenario = load_scenario(path)
    toml_file = tmp_path / (path.stem + ".toml")
    toml_file.write_text(to_toml(scenario_to_dict(scenario)), encoding="utf-8")
    assert load_scenario(toml_file) == scenario


def test_erlang_a_example_is_the_stationary_textbook_case() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "erlang_a_textbook.yaml")
    (call_type,) = scenario.call_types
    (group,) = scenario.agent_groups
    rate_per_s = call_type.volume.expected_per_interval(scenario.calendar)[0] / 3600
    assert rate_per_s * call_type.handle_time.mean == pytest.approx(45.0)
    assert isinstance(call_type.handle_time, Exponential)
    assert isinstance(call_type.patience, Exponential)
    assert call_type.patience.mean == 180
    assert group.scheduled_per_interval(scenario.calendar).tolist() == [48] * 24
    assert (scenario.calendar.open_s, scenario.calendar.close_s) == (0.0, 86400.0)
    assert scenario.warmup_minutes == 120
    assert scenario.replications == 20


def test_retail_bank_example_is_a_plausible_day() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "retail_bank_day.yaml")
    calendar = scenario.calendar
    assert calendar.intervals_per_day == 48
    assert scenario.queue_names == ["general", "cards", "loans"]
    total = sum(ct.volume.expected_per_interval(calendar).sum() for ct in scenario.call_types)
    assert 2500 < total < 3500
    general = scenario.call_types[0].volume.expected_per_interval(calendar)
    # two peaks: mid-morning and early afternoon, with a lunchtime dip between them
    morning, lunch, afternoon = general[8:12].max(), general[16:20].min(), general[22:28].max()
    assert morning > lunch < afternoon
    # offered load per interval is covered by available agents in every interval
    load = np.zeros(48)
    for ct in scenario.call_types:
        work = ct.handle_time.mean + (ct.wrap_up.mean if ct.wrap_up else 0.0)
        load += ct.volume.expected_per_interval(calendar) * work / calendar.interval_s
    available = sum(
        g.scheduled_per_interval(calendar) * (1 - g.shrinkage) for g in scenario.agent_groups
    )
    assert np.all(available > load)
    assert any(g.shifts for g in scenario.agent_groups)
    assert scenario.callers.redial is not None
    assert scenario.routing.overflow
    assert (scenario.lines, scenario.seed, scenario.replications) == (120, 7, 20)


# --------------------------------------------------------------------------- file formats


def test_toml_file_loads_to_the_same_scenario_as_its_yaml_twin() -> None:
    assert load_scenario(VALID / "twin.toml") == load_scenario(VALID / "twin.yaml")


def test_twin_round_trips_with_its_csv_values() -> None:
    scenario = load_scenario(VALID / "twin.yaml")
    assert scenario_from_dict(scenario_to_dict(scenario), base_dir=VALID) == scenario


def test_yml_suffix_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text(yaml.safe_dump(minimal()))
    assert load_scenario(path).name == "minimal"


def test_scenario_to_dict_uses_the_file_spelling() -> None:
    data = minimal(routing={"overflow": [{"from": "general", "to": "loans", "after_s": 5}]})
    data["queues"].append({"name": "loans"})
    data["agent_groups"][0]["skills"]["loans"] = 2
    dumped = scenario_to_dict(scenario_from_dict(data))
    assert dumped["routing"]["overflow"] == [{"from": "general", "to": "loans", "after_s": 5.0}]
    assert dumped["call_types"][0]["handle_time"] == {"dist": "exponential", "mean": 300.0}
    assert dumped["call_types"][0]["patience"] == {"dist": "none"}
    assert "lines" not in dumped  # None values are left out: TOML has no null


def test_loading_never_evaluates_python_tags(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ScenarioError, match="invalid YAML"):
        load_scenario(path)


def test_scenario_layer_imports_only_data_libraries() -> None:
    """Pure data: no SimPy, no plotting, no later layer of ccsim."""
    allowed = {"numpy", "pydantic", "pydantic_core", "yaml", "simulator"}
    allowed_internal = ("simulator.scenario", "simulator.distributions")
    package = ROOT / "simulator" / "scenario"
    for source in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in allowed or top in sys.stdlib_module_names, (source.name, name)
                if top == "simulator":
                    assert name.startswith(allowed_internal), (source.name, name)


# --------------------------------------------------------------------------- models


def test_defaults_follow_the_design() -> None:
    scenario = scenario_from_dict(minimal())
    assert (scenario.seed, scenario.replications, scenario.warmup_minutes) == (1, 10, 0)
    assert (Calendar().open, Calendar().close, Calendar().interval_minutes) == (
        "08:00",
        "20:00",
        30,
    )
    assert (Calendar().days, scenario.calendar.at_close) == (1, "finish")
    assert scenario.service_level.threshold_s == 20
    assert scenario.service_level.definition == "offered"
    assert scenario.service_level.short_abandon_s == 5
    assert scenario.callers.redial is None
    assert scenario.lines is None
    assert scenario.routing.policy == "priority_longest_idle"
    assert scenario.routing.overflow == []
    assert (scenario.costs.agent_hour, scenario.costs.telephony_minute) == (0, 0)
    call_type = scenario.call_types[0]
    assert call_type.patience == NoDistribution()
    assert call_type.wrap_up is None
    assert (call_type.balk_probability, call_type.day_to_day_cv) == (0, 0)
    group = scenario.agent_groups[0]
    assert (group.shrinkage, group.handle_time_factor) == (0, 1.0)


def test_models_are_frozen() -> None:
    scenario = scenario_from_dict(minimal())
    with pytest.raises(pydantic.ValidationError):
        scenario.seed = 2  # type: ignore[misc]


def test_models_can_be_built_in_python() -> None:
    call_type = CallType(
        name="enquiry",
        target="general",
        volume=Volume(rate_per_hour=30),
        handle_time=Lognormal.model_validate({"dist": "lognormal", "mean": 300, "cv": 0.8}),
    )
    assert call_type.handle_time.mean == 300
    overflow = Overflow(from_="cards", to="general", after_s=60)
    assert overflow.model_dump(by_alias=True)["from"] == "cards"
    assert Overflow.model_validate({"from": "cards", "to": "general", "after_s": 60}) == overflow


def test_direct_model_validate_checks_cross_references_too() -> None:
    data = minimal()
    data["agent_groups"][0]["skills"] = {"cards": 1}
    with pytest.raises(ScenarioError) as info:
        Scenario.model_validate(data)
    paths = [p.path for p in info.value.problems]
    assert "agent_groups[0].skills.cards" in paths


def test_times_are_normalised_and_toml_times_accepted() -> None:
    import datetime

    calendar = Calendar(open="8:00", close=datetime.time(17, 30), interval_minutes=30)
    assert (calendar.open, calendar.close) == ("08:00", "17:30")


# --------------------------------------------------------------------------- calendar


def test_calendar_properties() -> None:
    calendar = Calendar(open="08:00", close="20:00", interval_minutes=30)
    assert calendar.open_s == 8 * 3600.0
    assert calendar.close_s == 20 * 3600.0
    assert calendar.interval_s == 1800.0
    assert calendar.intervals_per_day == 24
    assert calendar.day_s == 86400.0
    assert calendar.interval_starts_s()[[0, -1]].tolist() == [8 * 3600.0, 19.5 * 3600.0]
    assert calendar.interval_labels()[:3] == ["08:00", "08:30", "09:00"]


def test_calendar_may_close_at_midnight() -> None:
    calendar = Calendar(open="00:00", close="24:00", interval_minutes=60)
    assert calendar.close_s == 86400.0
    assert calendar.intervals_per_day == 24


@pytest.mark.parametrize(
    ("calendar", "path"),
    [
        ({"open": "12:00", "close": "08:00"}, "calendar.close"),
        ({"open": "08:00", "close": "08:00"}, "calendar.close"),
        ({"open": "08:00", "close": "20:00", "interval_minutes": 25}, "calendar.interval_minutes"),
        ({"open": "25:00"}, "calendar.open"),
        ({"open": "08:60"}, "calendar.open"),
        ({"close": "24:30"}, "calendar.close"),
        ({"open": "eight"}, "calendar.open"),
        ({"interval_minutes": 0}, "calendar.interval_minutes"),
        ({"days": 0}, "calendar.days"),
        ({"at_close": "stay"}, "calendar.at_close"),
    ],
)
def test_invalid_calendars_name_the_key(calendar: dict[str, Any], path: str) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(minimal(calendar=calendar))
    assert [p.path for p in info.value.problems] == [path]


# --------------------------------------------------------------------------- volumes

HALF_HOURS = Calendar(open="08:00", close="10:00", interval_minutes=30)  # 4 intervals


def test_rate_per_hour_spreads_evenly_over_the_intervals() -> None:
    expected = Volume(rate_per_hour=90).expected_per_interval(HALF_HOURS)
    assert expected.dtype == np.float64
    assert expected.tolist() == [45.0] * 4


def test_profile_per_interval_is_taken_as_given() -> None:
    expected = Volume(profile_per_interval=[1, 2.5, 3, 0]).expected_per_interval(HALF_HOURS)
    assert expected.dtype == np.float64
    assert expected.tolist() == [1.0, 2.5, 3.0, 0.0]


@pytest.mark.parametrize("csv_name", ["volume.csv", "volume_plain.csv"])
def test_csv_volume_is_read_relative_to_the_scenario_folder(csv_name: str) -> None:
    data = minimal(calendar={"open": "08:00", "close": "12:00", "interval_minutes": 60})
    data["call_types"][0]["volume"] = {"csv": csv_name}
    scenario = scenario_from_dict(data, base_dir=VALID)
    expected = scenario.call_types[0].volume.expected_per_interval(scenario.calendar)
    assert expected.dtype == np.float64
    assert expected.tolist() == [4.0, 6.5, 8.0, 3.0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("interval,calls\n08:00,4\n09:00,-1\n10:00,2\n11:00,1\n", ">= 0"),
        ("interval,calls\n", "no rows"),
        ("", "empty"),
        ("a,b\n1,2\n3,4\n5,6\n7,8\n", "'calls' column"),
        ("1\n2\nnan\n4\n", "finite"),
    ],
)
def test_garbled_csv_is_a_scenario_error_at_the_csv_key(
    tmp_path: Path, content: str, fragment: str
) -> None:
    (tmp_path / "v.csv").write_text(content)
    data = minimal(calendar={"open": "08:00", "close": "12:00", "interval_minutes": 60})
    data["call_types"][0]["volume"] = {"csv": "v.csv"}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, base_dir=tmp_path)
    (problem,) = info.value.problems
    assert problem.path == "call_types[0].volume.csv"
    assert fragment in problem.message


def test_csv_of_the_wrong_length_says_how_many_intervals_there_are() -> None:
    data = minimal()  # 8 intervals; the CSV has 4 rows
    data["call_types"][0]["volume"] = {"csv": "volume.csv"}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, base_dir=VALID)
    (problem,) = info.value.problems
    assert problem.path == "call_types[0].volume.csv"
    assert "8 intervals of 30 min from 08:00 to 12:00" in problem.message


@pytest.mark.parametrize(
    "volume", [{}, {"rate_per_hour": 1, "profile_per_interval": [1, 2, 3, 4, 5, 6, 7, 8]}]
)
def test_volume_needs_exactly_one_form(volume: dict[str, Any]) -> None:
    data = minimal()
    data["call_types"][0]["volume"] = volume
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert [p.path for p in info.value.problems] == ["call_types[0].volume"]


# --------------------------------------------------------------------------- staffing


def test_fixed_staffing_is_scheduled_in_every_interval() -> None:
    group = AgentGroup(name="g", skills={"general": 1}, staffing=7)
    scheduled = group.scheduled_per_interval(HALF_HOURS)
    assert scheduled.dtype == np.int64
    assert scheduled.tolist() == [7] * 4


def test_per_interval_staffing_is_taken_as_given() -> None:
    group = AgentGroup(name="g", skills={"general": 1}, per_interval=[1, 2, 3, 0])
    scheduled = group.scheduled_per_interval(HALF_HOURS)
    assert scheduled.dtype == np.int64
    assert scheduled.tolist() == [1, 2, 3, 0]


def test_shifts_cover_intervals_from_start_up_to_but_excluding_end() -> None:
    group = AgentGroup(
        name="g",
        skills={"general": 1},
        shifts=[
            Shift(start="08:00", end="09:00", count=2),
            Shift(start="08:30", end="10:00", count=3),
        ],
    )
    scheduled = group.scheduled_per_interval(HALF_HOURS)
    assert scheduled.dtype == np.int64
    assert scheduled.tolist() == [2, 5, 3, 3]


def test_shrinkage_must_leave_someone_available() -> None:
    data = minimal()
    data["agent_groups"][0]["shrinkage"] = 1.0
    with pytest.raises(ScenarioError, match=r"agent_groups\[0\]\.shrinkage: must be < 1"):
        scenario_from_dict(data)


def test_shift_must_end_after_it_starts() -> None:
    data = minimal()
    group = data["agent_groups"][0]
    del group["staffing"]
    group["shifts"] = [{"start": "10:00", "end": "09:00", "count": 1}]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert [p.path for p in info.value.problems] == ["agent_groups[0].shifts[0].end"]


def test_shift_outside_opening_hours_is_rejected() -> None:
    data = minimal()
    group = data["agent_groups"][0]
    del group["staffing"]
    group["shifts"] = [{"start": "07:00", "end": "13:00", "count": 1}]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    paths = [p.path for p in info.value.problems]
    assert paths == ["agent_groups[0].shifts[0].start", "agent_groups[0].shifts[0].end"]
    assert all("outside the opening hours 08:00-12:00" in p.message for p in info.value.problems)


def test_overflow_chain_makes_a_queue_served() -> None:
    data = minimal(queues=[{"name": "general"}, {"name": "cards"}, {"name": "vip"}])
    data["call_types"][0]["target"] = "vip"
    data["routing"] = {
        "overflow": [
            {"from": "vip", "to": "cards", "after_s": 0},
            {"from": "cards", "to": "general", "after_s": 30},
        ]
    }
    assert scenario_from_dict(data).call_types[0].target == "vip"


def test_expected_volume_sums_to_the_daily_total() -> None:
    calendar = Calendar(open="08:00", close="20:00", interval_minutes=15)
    assert math.isclose(Volume(rate_per_hour=50).expected_per_interval(calendar).sum(), 600)


def test_every_field_is_documented() -> None:
    """Field descriptions are the reference documentation of the scenario file."""
    import simulator.scenario as package
    import simulator.scenario.contact_back as contact_back
    import simulator.scenario.journeys as journeys
    import simulator.scenario.routing as routing

    models = [
        obj
        for module in (package, routing, journeys, contact_back)
        for name in module.__all__
        if isinstance(obj := getattr(module, name), type) and issubclass(obj, pydantic.BaseModel)
    ]
    assert len(models) >= 17  # the package's models and one per variant of each key
    for model in models:
        assert model.model_config.get("extra") == "forbid", model
        assert model.model_config.get("frozen") is True, model
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"
