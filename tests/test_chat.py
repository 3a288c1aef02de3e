"""Chat with concurrency, checked against queueing theory.

- One slot per agent: a chat is a call; the same seed gives the same contacts as the
  voice scenario, and Erlang C / Erlang A hold.
- N slots per agent and no slowdown: every slot is a server, so c agents with N slots
  are an M/M/cN queue (Erlang C with cN servers; occupancy counts slots).
- Slowdown: one agent with N slots, whose k chats each progress at speed
  1 / (1 + s (k - 1)), and callers who abandon: a birth-death chain on the number of
  chats in the system, solved numerically.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import simulator
from helpers import assert_matches_theory, single_queue
from simulator.analytic import erlang_a_metrics, erlang_c_metrics
from simulator.scenario import scenario_from_dict, scenario_to_dict


def _chat(
    *,
    agents: int,
    slots: int,
    rate: float,
    handle: float,
    slowdown: float = 0.0,
    patience: float | None = None,
    replications: int = 20,
) -> Any:
    data = scenario_to_dict(
        single_queue(
            servers=agents,
            calls_per_hour=rate,
            aht=handle,
            patience=patience,
            replications=replications,
        )
    )
    data["queues"][0]["channel"] = "chat"
    data["agent_groups"][0]["chat"] = {"slots": slots, "slowdown": slowdown}
    return scenario_from_dict(data)


def test_one_slot_chat_is_a_call() -> None:
    """With one slot, chats and calls are the same model: the very same contacts."""
    voice = single_queue(servers=3, calls_per_hour=80, aht=120, patience=200, replications=3)
    chat = _chat(agents=3, slots=1, rate=80, handle=120, patience=200, replications=3)
    calls = simulator.run(voice)
    chats = simulator.run(chat)
    assert len(calls.contacts()) > 1000
    pd.testing.assert_frame_equal(calls.contacts(), chats.contacts())
    call_summary, chat_summary = calls.summary(), chats.summary()
    assert chat_summary.loc["chat_concurrency", "mean"] == 1.0  # one slot: one chat at a time
    same = [k for k in call_summary.index if not k.startswith("chat_")]
    pd.testing.assert_frame_equal(call_summary.loc[same], chat_summary.loc[same])


def test_one_slot_chat_matches_erlang_c() -> None:
    result = simulator.run(_chat(agents=4, slots=1, rate=100, handle=120))
    theory = erlang_c_metrics(4, calls_per_hour=100, aht_s=120, threshold_s=20)
    assert_matches_theory(result, "service_level", theory.service_level)
    assert_matches_theory(result, "occupancy", 100 / 3600 * 120 / 4)


def test_one_slot_chat_with_abandonment_matches_erlang_a() -> None:
    result = simulator.run(_chat(agents=4, slots=1, rate=120, handle=120, patience=90))
    theory = erlang_a_metrics(4, calls_per_hour=120, aht_s=120, patience_s=90, threshold_s=20)
    assert_matches_theory(result, "abandon_rate", theory.p_abandon)


def test_slots_without_slowdown_are_servers() -> None:
    """Two agents with three slots each: M/M/6 (Erlang C), occupancy per slot."""
    rate, handle = 150.0, 120.0
    result = simulator.run(_chat(agents=2, slots=3, rate=rate, handle=handle))
    theory = erlang_c_metrics(6, calls_per_hour=rate, aht_s=handle, threshold_s=20)
    assert_matches_theory(result, "service_level", theory.service_level)
    assert_matches_theory(result, "asa_s", theory.asa_s)
    assert_matches_theory(result, "occupancy", rate / 3600 * handle / 6)


def _chain(slots: int, slowdown: float, rate: float, handle: float, patience: float) -> Any:
    """Abandonment, occupancy and mean concurrency of one agent with ``slots`` slowed
    chats, exactly: the
    birth-death chain on chats in the system (arrivals at ``rate``; with ``k`` chats,
    ``min(k, N)`` served at speed ``1 / (1 + slowdown (min(k, N) - 1))`` each, the rest
    abandoning at ``1 / patience`` each), truncated where the mass left is negligible.
    """
    lam, mu, theta = rate / 3600, 1 / handle, 1 / patience
    top = 80
    q = np.zeros((top + 1, top + 1))
    for k in range(top + 1):
        serving = min(k, slots)
        if k < top:
            q[k, k + 1] = lam
        if k:
            q[k, k - 1] = serving * mu / (1 + slowdown * (serving - 1)) + (k - serving) * theta
        q[k, k] = -q[k].sum()
    a = q.T.copy()
    a[-1, :] = 1.0  # pi Q = 0 with one balance equation replaced by sum(pi) = 1
    rhs = np.zeros(top + 1)
    rhs[-1] = 1.0
    pi = np.linalg.solve(a, rhs)
    assert pi[-10:].sum() < 1e-12
    k = np.arange(top + 1)
    # PASTA: abandonments per arrival = theta E[chats waiting] / lambda.
    abandon = theta * float(pi @ np.maximum(k - slots, 0)) / lam
    busy_slots = float(pi @ np.minimum(k, slots))
    return abandon, busy_slots / slots, busy_slots / (1.0 - pi[0])


def test_slowdown_matches_the_birth_death_chain() -> None:
    """One agent, three slots, each extra chat slowing all by 40 %, patience 3 minutes."""
    case = {"slots": 3, "rate": 40.0, "handle": 120.0, "patience": 180.0}
    result = simulator.run(_chat(agents=1, slowdown=0.4, **case))
    abandon, occupancy, _ = _chain(slowdown=0.4, **case)
    assert_matches_theory(result, "abandon_rate", abandon)
    assert_matches_theory(result, "occupancy", occupancy)
    # The slowdown matters here: without it the chain abandons under half as often.
    assert _chain(slowdown=0.0, **case)[0] < 0.5 * abandon


def test_chat_concurrency_is_the_mean_chats_per_chatting_agent() -> None:
    """One agent with three slows slots: mean concurrency = E[min(k, N)] / P(k > 0)."""
    case = {"slots": 3, "rate": 40.0, "handle": 120.0, "patience": 180.0}
    result = simulator.run(_chat(agents=1, slowdown=0.4, **case))
    assert_matches_theory(result, "chat_concurrency", _chain(slowdown=0.4, **case)[2])
