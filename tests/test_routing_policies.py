"""Routing policies with parameters, checked against exact small Markov chains.

Two queues (A, B), two agent groups, Poisson arrivals, exponential handle times,
and callers who hang up at once when no eligible agent is free (balk probability
1): a loss network whose state is the number of agents of each group busy with
each queue. Its stationary distribution is solved by linear algebra; by PASTA a
call of a queue is lost with the stationary probability of the states in which no
eligible agent would take it, and a group's occupancy is its mean busy agents over
its agents. The simulated KPIs must fall within the family-wise bound of their
confidence intervals around these values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import simulator
from helpers import assert_matches_theory
from simulator.cli import app
from simulator.scenario import ScenarioError, scenario_from_dict, scenario_to_dict

State = tuple[int, int, int]
"""(busy agents of group 1, agents of group 2 busy with A, agents of group 2 busy with B)."""

N1, N2 = 2, 2
RATE_A, RATE_B = 70.0, 50.0
"""Calls per hour."""
HANDLE_A, HANDLE_B = 120.0, 90.0
"""Mean handle times (s)."""


def _scenario(groups: list[dict[str, Any]], routing: dict[str, Any]) -> Any:
    call_type = {"dist": "exponential"}
    return scenario_from_dict(
        {
            "name": "two queues, two groups",
            "seed": 5,
            "replications": 20,
            "warmup_minutes": 60,
            "calendar": {"days": 1, "open": "00:00", "close": "24:00", "interval_minutes": 60},
            "queues": [{"name": "A"}, {"name": "B"}],
            "call_types": [
                {
                    "name": "a",
                    "target": "A",
                    "volume": {"rate_per_hour": RATE_A},
                    "handle_time": {**call_type, "mean": HANDLE_A},
                    "balk_probability": 1.0,
                },
                {
                    "name": "b",
                    "target": "B",
                    "volume": {"rate_per_hour": RATE_B},
                    "handle_time": {**call_type, "mean": HANDLE_B},
                    "balk_probability": 1.0,
                },
            ],
            "agent_groups": groups,
            "routing": routing,
        }
    )


def _stationary(
    arrive_a: Callable[[State], State | None],
    arrive_b: Callable[[State], State | None],
    group1_handle: float,
) -> dict[State, float]:
    """Stationary distribution of the loss network with the given admission rules
    (``group1_handle``: mean handle time of the calls group 1 serves).
    """
    lam_a, lam_b = RATE_A / 3600, RATE_B / 3600
    mu_1, mu_a, mu_b = 1 / group1_handle, 1 / HANDLE_A, 1 / HANDLE_B
    states = [
        (x, y, z)
        for x in range(N1 + 1)
        for y in range(N2 + 1)
        for z in range(N2 + 1)
        if y + z <= N2
    ]
    index = {s: i for i, s in enumerate(states)}
    q = np.zeros((len(states), len(states)))
    for s in states:
        x, y, z = s
        moves: list[tuple[State | None, float]] = [
            (arrive_a(s), lam_a),
            (arrive_b(s), lam_b),
            ((x - 1, y, z) if x else None, x * mu_1),
            ((x, y - 1, z) if y else None, y * mu_a),
            ((x, y, z - 1) if z else None, z * mu_b),
        ]
        for target, rate in moves:
            if target is not None and rate > 0:
                q[index[s], index[target]] += rate
                q[index[s], index[s]] -= rate
    # pi Q = 0 with sum(pi) = 1: replace one balance equation by the normalisation.
    a = q.T.copy()
    a[-1, :] = 1.0
    rhs = np.zeros(len(states))
    rhs[-1] = 1.0
    pi = np.linalg.solve(a, rhs)
    return dict(zip(states, pi, strict=True))


def _check(result: simulator.RunResult, pi: dict[State, float], lost_a: Any, lost_b: Any) -> None:
    """Loss rates and occupancies of the simulation against the chain."""
    p_lost_a = sum(p for s, p in pi.items() if lost_a(s))
    p_lost_b = sum(p for s, p in pi.items() if lost_b(s))
    busy1 = sum(p * s[0] for s, p in pi.items())
    busy2 = sum(p * (s[1] + s[2]) for s, p in pi.items())
    assert_matches_theory(result, "balk_rate[call_type=a]", p_lost_a)
    assert_matches_theory(result, "balk_rate[call_type=b]", p_lost_b)
    assert_matches_theory(result, "occupancy[group=g1]", busy1 / N1)
    assert_matches_theory(result, "occupancy[group=g2]", busy2 / N2)


SPLIT_GROUPS = [
    {"name": "g1", "skills": {"A": 1}, "staffing": N1},
    {"name": "g2", "skills": {"A": 1, "B": 1}, "staffing": N2},
]
"""Group 1 serves A only, group 2 both: the state's entries are (g1 busy, g2 on A, g2 on B)."""


def _a_in_order(order: list[str]) -> Callable[[State], State | None]:
    """An A call takes the first group in ``order`` with an idle agent."""

    def arrive_a(s: State) -> State | None:
        x, y, z = s
        for group in order:
            if group == "g1" and x < N1:
                return (x + 1, y, z)
            if group == "g2" and y + z < N2:
                return (x, y + 1, z)
        return None

    return arrive_a


def _b_to_group2(s: State) -> State | None:
    """A B call takes an idle agent of group 2, if any."""
    x, y, z = s
    return (x, y, z + 1) if y + z < N2 else None


def _check_split(result: simulator.RunResult, pi: dict[State, float]) -> None:
    """A is lost when both groups are busy, B when group 2 is."""
    _check(
        result,
        pi,
        lambda s: s[0] == N1 and s[1] + s[2] == N2,
        lambda s: s[1] + s[2] == N2,
    )


@pytest.mark.parametrize("order", [["g1", "g2"], ["g2", "g1"]], ids=["g1 first", "g2 first"])
def test_group_order_matches_the_markov_chain(order: list[str]) -> None:
    """A's calls try the groups in the stated order; B's only have group 2."""
    scenario = _scenario(SPLIT_GROUPS, {"policy": "group_order", "order": {"A": order}})
    pi = _stationary(_a_in_order(order), _b_to_group2, group1_handle=HANDLE_A)
    _check_split(simulator.run(scenario), pi)


def test_reservation_matches_the_markov_chain() -> None:
    """Group 2 keeps one idle agent for A: it takes a B call only if another stays idle."""
    kept = 1
    scenario = _scenario(
        [
            {"name": "g1", "skills": {"B": 1}, "staffing": N1},
            {"name": "g2", "skills": {"A": 1, "B": 2}, "staffing": N2},
        ],
        {
            "policy": "reservation",
            "order": {"B": ["g1", "g2"]},
            "reserve": [{"queue": "A", "group": "g2", "agents": kept}],
        },
    )
    # Here group 1 serves B: the state's first entry counts its agents busy with B calls.

    def arrive_a(s: State) -> State | None:
        x, y, z = s
        return (x, y + 1, z) if y + z < N2 else None

    def arrive_b(s: State) -> State | None:
        x, y, z = s
        if x < N1:
            return (x + 1, y, z)
        return (x, y, z + 1) if N2 - y - z > kept else None

    def arrive_b_unreserved(s: State) -> State | None:
        x, y, z = s
        if x < N1:
            return (x + 1, y, z)
        return (x, y, z + 1) if y + z < N2 else None

    pi = _stationary(arrive_a, arrive_b, group1_handle=HANDLE_B)
    result = simulator.run(scenario)
    _check(
        result,
        pi,
        lambda s: s[1] + s[2] == N2,
        lambda s: s[0] == N1 and N2 - s[1] - s[2] <= kept,
    )
    # Without the reservation A loses clearly more calls: the check sees the reservation.
    plain = _stationary(arrive_a, arrive_b_unreserved, group1_handle=HANDLE_B)
    lost_a = sum(p for s, p in pi.items() if s[1] + s[2] == N2)
    assert sum(p for s, p in plain.items() if s[1] + s[2] == N2) > lost_a + 0.01


def test_least_occupied_matches_the_markov_chain() -> None:
    """A's calls go to the group with the larger share of its agents idle (ties to the
    group listed first); B's only have group 2."""
    scenario = _scenario(SPLIT_GROUPS, {"policy": "least_occupied"})

    def arrive_a(s: State) -> State | None:
        x, y, z = s
        idle1, idle2 = N1 - x, N2 - y - z
        if idle1 and idle1 * N2 >= idle2 * N1:  # g1's idle share at least g2's
            return (x + 1, y, z)
        return (x, y + 1, z) if idle2 else None

    pi = _stationary(arrive_a, _b_to_group2, group1_handle=HANDLE_A)
    _check_split(simulator.run(scenario), pi)
    # Group order (g1 first) loads group 1 clearly more: the check tells the two apart.
    ordered = _stationary(_a_in_order(["g1", "g2"]), _b_to_group2, group1_handle=HANDLE_A)
    busy1 = sum(p * s[0] for s, p in pi.items())
    assert sum(p * s[0] for s, p in ordered.items()) > busy1 + 0.05


def _universal(routing: dict[str, Any], skills: dict[str, int]) -> Any:
    """Three agents with both skills and callers who wait (mean patience 10 minutes)."""
    data = scenario_to_dict(
        _scenario([{"name": "g1", "skills": skills, "staffing": 3}], {"policy": "fcfs"})
    )
    for call_type in data["call_types"]:
        call_type["balk_probability"] = 0.0
        call_type["patience"] = {"dist": "exponential", "mean": 600}
    data["replications"] = 4
    data["routing"] = routing
    return scenario_from_dict(data)


def test_weighted_with_unit_weights_is_fcfs() -> None:
    """Equal weights and no skill weight: the longest wait and the longest idle win, as
    in ``fcfs``; the same seed gives the very same contacts."""
    skills = {"A": 1, "B": 1}
    fcfs = simulator.run(_universal({"policy": "fcfs"}, skills)).contacts()
    weighted = simulator.run(_universal({"policy": "weighted"}, skills)).contacts()
    assert len(fcfs) > 1000
    pd.testing.assert_frame_equal(fcfs, weighted)


def _clearly_below(low: Any, high: Any, kpi: str) -> bool:
    """``low``'s KPI is below ``high``'s with their 95 % intervals apart."""
    return bool(
        low.loc[kpi, "mean"] + low.loc[kpi, "half_width"]
        < high.loc[kpi, "mean"] - high.loc[kpi, "half_width"]
    )


def test_queue_weight_shortens_that_queue_s_wait() -> None:
    """A queue weight of 4 on B: an agent takes B's head call unless A's waited 4x longer,
    so B waits less than with equal weights."""
    skills = {"A": 1, "B": 1}
    even = simulator.run(_universal({"policy": "weighted"}, skills)).summary()
    routing = {"policy": "weighted", "queue_weights": {"B": 4}}
    favoured = simulator.run(_universal(routing, skills)).summary()
    assert _clearly_below(favoured, even, "asa_s[queue=B]")
    # The agents' time is the same: what B gains, A pays for.
    assert favoured.loc["asa_s[queue=A]", "mean"] > even.loc["asa_s[queue=A]", "mean"]


def test_reserve_agents_switch_to_a_queue_after_its_threshold() -> None:
    """Agents who prefer A take B's calls first once those have waited 30 s: B waits less
    than under plain skill priorities, and A more."""
    skills = {"A": 1, "B": 2}
    plain = simulator.run(_universal({"policy": "priority_longest_idle"}, skills)).summary()
    routing = {
        "policy": "reservation",
        "reserve": [{"queue": "B", "group": "g1", "after_wait_s": 30}],
    }
    reserved = simulator.run(_universal(routing, skills)).summary()
    assert _clearly_below(reserved, plain, "asa_s[queue=B]")
    assert _clearly_below(plain, reserved, "asa_s[queue=A]")


@pytest.mark.parametrize(
    ("routing", "path", "message"),
    [
        ({"policy": "group_order", "order": {"B": ["g9"]}}, "routing.order.B[0]", "unknown"),
        ({"policy": "group_order", "order": {"B": ["g1"]}}, "routing.order.B[0]", "no skill"),
        (
            {"policy": "reservation", "reserve": [{"queue": "A", "group": "g2"}]},
            "routing.reserve[0]",
            "reserves nothing",
        ),
        ({"policy": "weighted", "queue_weights": {"A": 0}}, "routing.queue_weights.A", ""),
        ({"policy": "round_robin"}, "routing.policy", "unknown policy 'round_robin'"),
    ],
)
def test_bad_routing_parameters_name_the_key(
    routing: dict[str, Any], path: str, message: str, tmp_path: Any
) -> None:
    """Every routing mistake names its key path; the CLI exits with status 2."""
    data = scenario_to_dict(
        _scenario(
            [
                {"name": "g1", "skills": {"A": 1}, "staffing": 1},
                {"name": "g2", "skills": {"A": 1, "B": 1}, "staffing": 1},
            ],
            {"policy": "fcfs"},
        )
    )
    data["routing"] = routing
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    text = str(caught.value)
    assert path in text and message in text, text
    target = tmp_path / "bad.yaml"
    target.write_text(yaml.safe_dump(data))
    outcome = CliRunner().invoke(app, ["check", str(target)])
    assert outcome.exit_code == 2, outcome.output
    assert path in outcome.output and "Traceback" not in outcome.output
