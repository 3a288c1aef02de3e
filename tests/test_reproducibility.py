"""Same scenario and seed give the same numbers anywhere; callers do not depend on staffing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import simulator
from simulator.scenario import scenario_from_dict, scenario_to_dict

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_serial_and_two_workers_give_identical_frames() -> None:
    scenario = simulator.load(SCENARIOS / "retail_bank_day.yaml")
    serial = simulator.run(scenario, replications=4, workers=1)
    parallel = simulator.run(scenario, replications=4, workers=2)
    pd.testing.assert_frame_equal(serial.contacts(), parallel.contacts())
    pd.testing.assert_frame_equal(serial.summary(), parallel.summary())
    pd.testing.assert_frame_equal(serial.intervals(), parallel.intervals())


def test_same_seed_same_results_and_other_seed_other_results() -> None:
    scenario = simulator.load(SCENARIOS / "retail_bank_day.yaml")
    first = simulator.run(scenario, replications=2)
    again = simulator.run(scenario, replications=2)
    other = simulator.run(scenario, replications=2, seed=scenario.seed + 1)
    pd.testing.assert_frame_equal(first.contacts(), again.contacts())
    assert not first.contacts()["arrival"].equals(other.contacts()["arrival"])


def _with_staffing(data: dict, delta: int) -> simulator.Scenario:
    changed = {**data, "agent_groups": [dict(g) for g in data["agent_groups"]]}
    for group in changed["agent_groups"]:
        if group.get("staffing") is not None:
            group["staffing"] += delta
    return scenario_from_dict(changed)


def test_changing_staffing_leaves_the_callers_unchanged() -> None:
    """Common random numbers: arrival times, handle draws and patience are the caller's own."""
    base = simulator.load(SCENARIOS / "erlang_a_textbook.yaml")
    data = scenario_to_dict(base)
    lean = simulator.run(_with_staffing(data, -4), replications=2).contacts()
    rich = simulator.run(_with_staffing(data, +4), replications=2).contacts()
    first_lean = lean[lean["origin"] == "first"].set_index(["replication", "caller_id"])
    first_rich = rich[rich["origin"] == "first"].set_index(["replication", "caller_id"])
    pd.testing.assert_series_equal(first_lean["arrival"], first_rich["arrival"])
    pd.testing.assert_series_equal(first_lean["call_type"], first_rich["call_type"])
    both_answered = (first_lean["outcome"] == "answered") & (first_rich["outcome"] == "answered")
    assert both_answered.sum() > 1000
    np.testing.assert_array_equal(
        first_lean.loc[both_answered, "talk"], first_rich.loc[both_answered, "talk"]
    )
    both_abandoned = (first_lean["outcome"] == "abandoned") & (first_rich["outcome"] == "abandoned")
    assert both_abandoned.sum() > 10
    # An abandoning caller's wait is their patience, whatever the staffing.
    np.testing.assert_allclose(
        first_lean.loc[both_abandoned, "wait"], first_rich.loc[both_abandoned, "wait"]
    )
    # And the staffing change did change what they went through.
    assert (first_lean["outcome"] == "abandoned").sum() > (
        first_rich["outcome"] == "abandoned"
    ).sum()


def _two_queues(pooled: bool) -> simulator.Scenario:
    groups = (
        [{"name": "all", "skills": {"a": 1, "b": 1}, "staffing": 20}]
        if pooled
        else [
            {"name": "team_a", "skills": {"a": 1}, "staffing": 10},
            {"name": "team_b", "skills": {"b": 1}, "staffing": 10},
        ]
    )
    call = {
        "volume": {"rate_per_hour": 100},
        "handle_time": {"dist": "exponential", "mean": 300},
        "patience": {"dist": "exponential", "mean": 240},
    }
    return scenario_from_dict(
        {
            "name": "pooled" if pooled else "dedicated",
            "seed": 5,
            "replications": 20,
            "warmup_minutes": 60,
            "calendar": {"open": "00:00", "close": "12:00", "interval_minutes": 60},
            "queues": [{"name": "a"}, {"name": "b"}],
            "call_types": [
                {"name": "ta", "target": "a", **call},
                {"name": "tb", "target": "b", **call},
            ],
            "agent_groups": groups,
        }
    )


def test_pooling_lowers_waits() -> None:
    """A cross-skilled group of 20 beats two dedicated groups of 10 (same callers, paired)."""
    pooled = simulator.run(_two_queues(pooled=True)).replications()
    dedicated = simulator.run(_two_queues(pooled=False)).replications()
    difference = dedicated["asa_s"] - pooled["asa_s"]
    low = difference.mean() - stats.t.ppf(0.975, len(difference) - 1) * difference.std(
        ddof=1
    ) / np.sqrt(len(difference))
    assert low > 0, f"pooling should cut ASA; paired difference {difference.mean():.2f} s"
