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
import pytest

import simulator
from helpers import assert_matches_theory
from simulator.scenario import scenario_from_dict

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


@pytest.mark.parametrize("order", [["g1", "g2"], ["g2", "g1"]], ids=["g1 first", "g2 first"])
def test_group_order_matches_the_markov_chain(order: list[str]) -> None:
    """A's calls try the groups in the stated order; B's only have group 2."""
    scenario = _scenario(
        [
            {"name": "g1", "skills": {"A": 1}, "staffing": N1},
            {"name": "g2", "skills": {"A": 1, "B": 1}, "staffing": N2},
        ],
        {"policy": "group_order", "order": {"A": order}},
    )

    def arrive_a(s: State) -> State | None:
        x, y, z = s
        for group in order:
            if group == "g1" and x < N1:
                return (x + 1, y, z)
            if group == "g2" and y + z < N2:
                return (x, y + 1, z)
        return None

    def arrive_b(s: State) -> State | None:
        x, y, z = s
        return (x, y, z + 1) if y + z < N2 else None

    pi = _stationary(arrive_a, arrive_b, group1_handle=HANDLE_A)
    result = simulator.run(scenario)
    _check(
        result,
        pi,
        lambda s: s[0] == N1 and s[1] + s[2] == N2,
        lambda s: s[1] + s[2] == N2,
    )


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
