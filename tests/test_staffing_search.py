"""The simulation search finds the exact requirement on stationary days (Erlang A and C,
one group and two dedicated groups of very different sizes), per queue.

Each expected figure comes from the exact Erlang formulas of ``simulator.analytic``;
the search only sees the simulation. Tolerances follow the issue: every interval after
the start-up within one agent of the exact requirement, most exactly on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import simulator
from simulator.analytic import agents_for_service_level
from simulator.staffing import StaffingInfeasible, parse_targets

HANDLE_S = 240.0
PATIENCE_S = 180.0
THRESHOLD_S = 20.0


def stationary(
    rates: dict[str, float], patience: float | None, hours: int = 3, reps: int = 10
) -> simulator.Scenario:
    """One dedicated group per queue, exponential handle and patience (Erlang A, or C
    without patience), hour intervals, the first hour a warm-up.
    """
    pat: dict[str, Any] = (
        {"dist": "exponential", "mean": patience} if patience else {"dist": "none"}
    )
    return simulator.scenario_from_dict(
        {
            "name": "stationary",
            "seed": 11,
            "replications": reps,
            "calendar": {
                "days": 1,
                "open": "00:00",
                "close": f"{hours:02d}:00",
                "interval_minutes": 60,
            },
            "warmup_minutes": 60,
            "service_level": {"threshold_s": THRESHOLD_S, "definition": "offered"},
            "queues": [{"name": q} for q in rates],
            "call_types": [
                {
                    "name": f"c_{q}",
                    "target": q,
                    "volume": {"rate_per_hour": rate},
                    "handle_time": {"dist": "exponential", "mean": HANDLE_S},
                    "patience": pat,
                }
                for q, rate in rates.items()
            ],
            "agent_groups": [{"name": f"g_{q}", "skills": {q: 1}, "staffing": 1} for q in rates],
        }
    )


def exact(rate_per_hour: float, patience: float | None) -> int:
    return agents_for_service_level(
        calls_per_hour=rate_per_hour,
        aht_s=HANDLE_S,
        threshold_s=THRESHOLD_S,
        target=0.8,
        patience_s=patience,
    )


def check_on_requirement(result: simulator.StaffingResult, exact_needs: list[int]) -> None:
    counted = result.table()["counted"].to_numpy(dtype=bool)
    for g, need in enumerate(exact_needs):
        found = result.required[g, counted]
        assert np.all(np.abs(found - need) <= 1), (result.groups[g], found, need)
        assert np.mean(found == need) > 0.5, (result.groups[g], found, need)


def test_erlang_a_day_gives_the_exact_requirement() -> None:
    sc = stationary({"q": 400.0}, PATIENCE_S)
    need = exact(400.0, PATIENCE_S)
    assert need == 29  # the figure, from the exact Erlang A formula
    result = simulator.staff(sc, {"service_level": 0.8}, replications=20, max_replications=80)
    check_on_requirement(result, [need])
    assert result.confidence is not None
    assert np.all((result.confidence >= 0.5) & (result.confidence <= 1.0))


def test_erlang_c_two_dedicated_groups_of_very_different_sizes() -> None:
    sc = stationary({"big": 400.0, "small": 30.0}, None, hours=4)
    needs = [exact(400.0, None), exact(30.0, None)]
    assert needs[0] > 6 * needs[1]
    result = simulator.staff(sc, {"service_level": 0.8}, replications=10, max_replications=40)
    check_on_requirement(result, needs)
    table = result.table()
    for queue in ("big", "small"):
        assert f"service_level[queue={queue}]" in table


def test_per_queue_target_raises_only_that_queue() -> None:
    sc = stationary({"big": 400.0, "small": 30.0}, None, hours=2)
    both = parse_targets(["service_level=0.8", "service_level[queue=small]=0.95"])
    assert both.for_queue("small") == {"service_level": 0.95}
    assert both.for_queue("big") == {"service_level": 0.8}
    result = simulator.staff(sc, both, method="sipp")
    small = agents_for_service_level(
        calls_per_hour=30.0, aht_s=HANDLE_S, threshold_s=THRESHOLD_S, target=0.95, patience_s=None
    )
    assert np.all(result.required[1] == small)
    assert np.all(result.required[0] == exact(400.0, None))


def test_unknown_queue_in_a_target_is_an_error() -> None:
    sc = stationary({"q": 100.0}, None, hours=2)
    with pytest.raises(StaffingInfeasible, match="unknown queue"):
        simulator.staff(sc, ["service_level[queue=nope]=0.9"], method="sipp")
