"""Scenario keys with variants: tagged unions whose tag is the key of a runtime registry.

Routing, transfer mode, escalation path, incentive scheme, wait predictor, callback
mode and announcement each come in variants; the tag picks the variant's model, which
holds its own parameters only, and the registry of the same name in
``simulator/policies`` builds its implementation. These tests hold the two sides
together, check what a user sees for a wrong tag or a misplaced parameter, and that
``--set`` can change a tag.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import simulator
from simulator.cli import app
from simulator.policies.announcements import ANNOUNCEMENTS
from simulator.policies.callbacks import CALLBACK_MODES
from simulator.policies.escalation import ESCALATION_PATHS
from simulator.policies.incentives import INCENTIVE_SCHEMES
from simulator.policies.registry import Registry
from simulator.policies.routing import ROUTING_POLICIES
from simulator.policies.transfers import TRANSFER_MODES
from simulator.policies.waits import WAIT_PREDICTORS
from simulator.scenario import ScenarioError, scenario_from_dict, scenario_to_dict
from simulator.scenario.changes import OverrideError, with_changes
from simulator.scenario.variants import union_tags

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

REGISTRIES: dict[str, Registry[Any]] = {
    "routing": ROUTING_POLICIES,
    "transfers": TRANSFER_MODES,
    "escalation": ESCALATION_PATHS,
    "incentive": INCENTIVE_SCHEMES,
    "wait_estimate": WAIT_PREDICTORS,
    "callback": CALLBACK_MODES,
    "announcement": ANNOUNCEMENTS,
}
"""Scenario key -> the registry of its variants' implementations."""

TAGS = {
    "routing": "policy",
    "transfers": "mode",
    "escalation": "path",
    "incentive": "scheme",
    "wait_estimate": "predictor",
    "callback": "mode",
    "announcement": "mode",
}
"""Scenario key -> its tag key, as the scenario file spells it."""

CALLBACK = {"offer_when_expected_wait_s": 60, "accept_probability": 0.5}


def _centre(**changes: Any) -> dict[str, Any]:
    """Two queues, a supervisor and a manager: every variant of every key is valid here."""
    data: dict[str, Any] = {
        "name": "variants",
        "seed": 11,
        "replications": 2,
        "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
        "queues": [{"name": "front"}, {"name": "desk"}, {"name": "boss"}],
        "call_types": [
            {
                "name": "c",
                "target": "front",
                "volume": {"rate_per_hour": 100},
                "handle_time": {"dist": "exponential", "mean": 300},
                "patience": {"dist": "exponential", "mean": 200},
                "needs_authority": 0.2,
            }
        ],
        "agent_groups": [
            {"name": "agents", "skills": {"front": 1}, "staffing": 8},
            {"name": "sups", "skills": {"desk": 1}, "staffing": 1, "role": "supervisor"},
            {"name": "managers", "skills": {"boss": 1}, "staffing": 1, "role": "manager"},
        ],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("key", sorted(REGISTRIES))
def test_every_variant_has_one_implementation_and_every_implementation_a_variant(
    key: str,
) -> None:
    """The union's tags and the registry's keys are the same names."""
    registry = REGISTRIES[key]
    annotation = simulator.Scenario.model_fields[key].annotation
    assert registry.tag == TAGS[key]
    assert registry.unimplemented() == []
    assert sorted(registry.keys()) == sorted(union_tags(annotation))


@pytest.mark.parametrize("key", sorted(REGISTRIES))
def test_every_variant_loads_and_runs(key: str) -> None:
    """Each variant with its default parameters is a valid scenario that simulates."""
    annotation = simulator.Scenario.model_fields[key].annotation
    extra = {
        "callback": CALLBACK,
        "routing": {},
    }.get(key, {})
    required = {"reservation": {"reserve": [{"queue": "front", "group": "agents", "agents": 1}]}}
    for tag in union_tags(annotation):
        section = {TAGS[key]: tag, **extra, **required.get(tag, {})}
        scenario = scenario_from_dict(_centre(**{key: section}))
        assert getattr(getattr(scenario, key), TAGS[key]) == tag
        again = scenario_from_dict(scenario_to_dict(scenario))
        assert again == scenario
        assert simulator.run(scenario, replications=1).kpi("offered") > 0


@pytest.mark.parametrize(
    ("key", "section", "expected"),
    [
        ("transfers", {"matrix": {"front": {"desk": 0.1}}}, "cold"),
        ("escalation", {}, "none"),
        ("incentive", {}, "none"),
        ("wait_estimate", {}, "queue_length"),
        ("callback", CALLBACK, "virtual_hold"),
        ("announcement", {"patience_after_overrun": 1.0}, "none"),
        ("routing", {"overflow": []}, "priority_longest_idle"),
    ],
)
def test_a_tag_left_out_is_the_default_variant(key: str, section: dict, expected: str) -> None:
    """Files written before a key had variants keep loading: no tag means the default."""
    data = _centre(**{key: section})
    if expected == "none" and key == "announcement":
        # ``none`` has no parameters: a parameter without a tag is refused, naming where
        # it belongs, rather than silently ignored.
        with pytest.raises(ScenarioError, match="belongs to mode accurate or"):
            scenario_from_dict(data)
        return
    assert getattr(getattr(scenario_from_dict(data), key), TAGS[key]) == expected


@pytest.mark.parametrize("key", sorted(REGISTRIES))
def test_an_unknown_tag_names_its_key_path_and_every_choice(key: str, tmp_path: Path) -> None:
    """The problem sits at the tag key and lists the valid names; ``ccsim check`` exits 2."""
    extra = CALLBACK if key == "callback" else {}
    data = _centre(**{key: {TAGS[key]: "sideways", **extra}})
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    (problem,) = caught.value.problems
    assert problem.path == f"{key}.{TAGS[key]}"
    assert f"unknown {TAGS[key]} 'sideways'" in problem.message
    for tag in union_tags(simulator.Scenario.model_fields[key].annotation):
        assert repr(tag) in problem.message
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    outcome = CliRunner().invoke(app, ["check", str(path)])
    assert outcome.exit_code == 2
    assert f"{key}.{TAGS[key]}" in outcome.output and "Traceback" not in outcome.output


@pytest.mark.parametrize(
    ("key", "section", "belongs"),
    [
        ("transfers", {"mode": "cold", "briefing": {"dist": "exponential", "mean": 9}}, "warm"),
        ("transfers", {"mode": "warm", "context_keeps_story": 0.5}, "context"),
        ("announcement", {"mode": "accurate", "factor": 1.5}, "optimistic or pessimistic"),
        ("escalation", {"path": "none", "queue": "desk"}, "supervisor or management"),
        ("incentive", {"scheme": "none", "handle_time_factor": 0.9}, "calls_per_hour or"),
        ("callback", {**CALLBACK, "scheduled_after_s": 60}, "scheduled"),
        ("routing", {"policy": "fcfs", "order": {"front": ["agents"]}}, "group_order or"),
    ],
)
def test_a_parameter_of_another_variant_says_which_variant_it_belongs_to(
    key: str, section: dict, belongs: str
) -> None:
    """Each variant holds its own parameters only: one written under the wrong tag is an
    error naming its key path and the variant that has it."""
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(_centre(**{key: section}))
    (problem,) = caught.value.problems
    parameter = next(k for k in section if k not in (TAGS[key], *CALLBACK))
    assert problem.path == f"{key}.{parameter}"
    assert f"belongs to {TAGS[key]} {belongs}" in problem.message


def _load(name: str) -> simulator.Scenario:
    return simulator.load(SCENARIOS / f"{name}.yaml")


@pytest.mark.parametrize(
    ("start", "changes", "twin"),
    [
        ("bank_warm_transfer", {"transfers.mode": "cold"}, "bank_pingpong"),
        (
            "bank_pingpong",
            {
                "transfers.mode": "warm",
                "transfers.briefing": {"dist": "gamma", "mean": 30, "cv": 0.5},
            },
            "bank_warm_transfer",
        ),
        (
            "incentive_resolution",
            {"incentive.scheme": "calls_per_hour"},
            "incentive_calls_per_hour",
        ),
        ("incentive_calls_per_hour", {"incentive.scheme": "resolution"}, "incentive_resolution"),
        (
            "announcement_optimistic",
            {"announcement.mode": "pessimistic"},
            "announcement_underpromise",
        ),
    ],
)
def test_changing_a_tag_gives_the_example_written_with_it(
    start: str, changes: dict[str, Any], twin: str
) -> None:
    """The example pairs differ only in their name and one variant: changing the tag of
    one gives the other exactly (the old variant's parameters and defaults do not leak
    into the new one: ``resolution``'s effect sizes are not ``calls_per_hour``'s)."""
    expected = _load(twin)
    changed = with_changes(_load(start), {**changes, "name": expected.name})
    assert scenario_to_dict(changed) == scenario_to_dict(expected)


def test_a_new_tag_keeps_shared_and_written_parameters_and_starts_the_rest_from_defaults() -> None:
    """Written parameters the new variant also has are kept; the others are dropped."""
    base = scenario_from_dict(
        _centre(announcement={"mode": "optimistic", "factor": 1.6, "patience_after_overrun": 0.8})
    )
    pessimistic = with_changes(base, {"announcement.mode": "pessimistic"}).announcement
    assert (pessimistic.mode, pessimistic.factor, pessimistic.patience_after_overrun) == (
        "pessimistic",
        1.6,
        0.8,
    )
    accurate = with_changes(base, {"announcement.mode": "accurate"}).announcement
    assert scenario_to_dict(scenario_from_dict(_centre()))["announcement"] == {"mode": "none"}
    assert accurate.model_dump() == {"mode": "accurate", "patience_after_overrun": 0.8}
    routed = scenario_from_dict(
        _centre(
            routing={
                "policy": "group_order",
                "order": {"front": ["agents"]},
                "overflow": [{"from": "desk", "to": "front", "after_s": 30}],
            }
        )
    )
    fcfs = with_changes(routed, {"routing.policy": "fcfs"}).routing
    assert fcfs.model_dump(by_alias=True) == {
        "policy": "fcfs",
        "overflow": [{"from": "desk", "to": "front", "after_s": 30.0}],
    }
    scheduled = with_changes(
        scenario_from_dict(_centre(callback=CALLBACK)),
        {"callback.mode": "scheduled", "callback.scheduled_after_s": 600},
    ).callback
    assert scheduled is not None and scheduled.scheduled_after_s == 600
    assert scheduled.offer_when_expected_wait_s == 60
    # A parameter of the new variant set below its key in the same change is kept.
    ordered = with_changes(
        scenario_from_dict(_centre()),
        {"routing.policy": "group_order", "routing.order.front": ["agents"]},
    ).routing
    assert ordered.model_dump() == {
        "policy": "group_order",
        "order": {"front": ["agents"]},
        "overflow": [],
    }
    escalated = with_changes(scenario_from_dict(_centre()), {"escalation.path": "supervisor"})
    assert escalated.escalation_queue() == "desk"
    predicted = with_changes(
        scenario_from_dict(_centre()), {"wait_estimate.predictor": "last_delay"}
    )
    assert predicted.wait_estimate.predictor == "last_delay"


@pytest.mark.parametrize(
    ("changes", "path", "words"),
    [
        (
            {"transfers.mode": "cold", "transfers.briefing": {"dist": "exponential", "mean": 9}},
            "transfers.briefing",
            "belongs to mode warm",
        ),
        ({"transfers.colour": "red"}, "transfers.colour", "context_keeps_story"),
        ({"incentive.scheme": "bonus"}, "incentive.scheme", "'calls_per_hour'"),
    ],
)
def test_a_bad_change_names_its_key_path(changes: dict[str, Any], path: str, words: str) -> None:
    """``--set`` knows every variant's keys (the unknown-key message lists them all)."""
    with pytest.raises(OverrideError) as caught:
        with_changes(scenario_from_dict(_centre()), changes)
    assert caught.value.path == path
    assert words in str(caught.value)


def test_sweep_over_the_transfer_mode_from_the_command_line(tmp_path: Path) -> None:
    """``ccsim sweep --set transfers.mode=cold,warm,context`` on the cold example: a warm
    transfer never makes the caller explain again, a context note mostly spares it."""
    data = scenario_to_dict(_load("bank_pingpong"))
    data["calendar"]["close"] = "11:00"
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "sweep"
    args = ["sweep", str(path), "--set", "transfers.mode=cold,warm,context"]
    outcome = CliRunner().invoke(app, [*args, "-r", "3", "-w", "1", "-q", "-o", str(out)])
    assert outcome.exit_code == 0, outcome.output
    results = pd.read_parquet(out / "results.parquet")
    repeats = results.groupby("transfers.mode")["repeat_explanations_per_contact"].mean()
    assert set(repeats.index) == {"cold", "warm", "context"}
    assert repeats["warm"] < repeats["context"] < repeats["cold"]


def test_rounded_announcement_is_the_estimate_rounded_up_to_whole_steps() -> None:
    """Every caller told a wait hears the estimate rounded up to a multiple of ``step_s``:
    never less than the estimate, less than one step more."""
    step = 45.0
    scenario = scenario_from_dict(_centre(announcement={"mode": "rounded", "step_s": step}))
    told = simulator.run(scenario).contacts().dropna(subset=["announced"])
    assert len(told) > 50
    announced = told["announced"].to_numpy(float)
    predicted = told["predicted"].to_numpy(float)  # both kept in float32 by the log
    assert np.allclose(announced / step, np.round(announced / step), atol=1e-6)
    slack = 1e-3 * np.maximum(predicted, 1.0)
    assert (announced >= predicted - slack).all()
    assert (announced < predicted + step + slack).all()
    assert len(np.unique(announced)) < len(np.unique(predicted))
