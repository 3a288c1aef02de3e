"""Specifications of the engine's features, each shown on a small scenario."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest
from scipy import stats

import simulator
from simulator.scenario import scenario_from_dict
from simulator.scenario.routing import FcfsRouting


def _scenario(**changes: Any) -> simulator.Scenario:
    data: dict[str, Any] = {
        "name": "behaviour",
        "seed": 3,
        "replications": 5,
        "calendar": {"open": "08:00", "close": "12:00", "interval_minutes": 30},
        "queues": [{"name": "general"}, {"name": "cards"}],
        "call_types": [
            {
                "name": "g",
                "target": "general",
                "volume": {"rate_per_hour": 60},
                "handle_time": {"dist": "exponential", "mean": 300},
            },
            {
                "name": "c",
                "target": "cards",
                "volume": {"rate_per_hour": 30},
                "handle_time": {"dist": "exponential", "mean": 300},
            },
        ],
        "agent_groups": [
            {"name": "front", "skills": {"general": 1}, "staffing": 6},
            {"name": "cards_team", "skills": {"cards": 1}, "staffing": 3},
        ],
    }
    data.update(changes)
    return scenario_from_dict(data)


def test_agents_finish_the_call_in_hand_when_their_shift_ends() -> None:
    groups = [
        {
            "name": "front",
            "skills": {"general": 1, "cards": 1},
            "shifts": [
                {"start": "08:00", "end": "12:00", "count": 3},
                {"start": "08:00", "end": "10:00", "count": 6},
            ],
        },
    ]
    result = simulator.run(_scenario(agent_groups=groups))
    contacts = result.contacts()
    shift_end = 10 * 3600
    answered = contacts[contacts["outcome"] == "answered"]
    # Some calls answered before 10:00 by the early shift run past it ...
    crossing = answered[(answered["answer"] < shift_end) & (answered["end"] > shift_end)]
    assert len(crossing) > 0
    # ... and after 10:00 never more than the late shift's 3 agents take new calls.
    late_agents = answered.loc[answered["answer"] > shift_end + 1800]
    per_rep = late_agents.groupby("replication")["agent"].nunique()
    assert per_rep.max() <= 3
    intervals = result.intervals(wide=True)
    after = intervals[intervals["start"] >= datetime.time(10, 30)]
    assert np.allclose(after["agents_paid"], 3)
    # Paid time counts the overtime of agents finishing their last call after 10:00.
    assert intervals.loc[intervals["start"] == datetime.time(10), "agents_paid"].iloc[0] > 3


def test_at_close_disconnect_cuts_off_the_queue_and_finish_serves_it() -> None:
    overloaded = [
        {"name": "front", "skills": {"general": 1, "cards": 1}, "staffing": 3},
    ]
    cal = {"open": "08:00", "close": "10:00", "interval_minutes": 30}
    finish = simulator.run(
        _scenario(agent_groups=overloaded, calendar={**cal, "at_close": "finish"})
    )
    cut = simulator.run(
        _scenario(agent_groups=overloaded, calendar={**cal, "at_close": "disconnect"})
    )
    assert finish.kpi("disconnect_rate") == 0
    assert cut.kpi("disconnect_rate") > 0.1
    disconnected = cut.contacts().query("outcome == 'disconnected'")
    assert (disconnected["end"] == 10 * 3600).all()
    assert finish.kpi("after_close_hours") > cut.kpi("after_close_hours")
    # Caller attributes are the same: first calls offered are identical.
    assert finish.kpi("offered_first") == cut.kpi("offered_first")


def test_multi_day_redials_wait_for_the_next_opening() -> None:
    scenario = _scenario(
        calendar={
            "days": 3,
            "open": "08:00",
            "close": "12:00",
            "interval_minutes": 30,
            "at_close": "disconnect",
        },
        agent_groups=[{"name": "front", "skills": {"general": 1, "cards": 1}, "staffing": 3}],
        callers={"redial": {"probability": 1.0, "delay": {"dist": "deterministic", "value": 7200}}},
    )
    contacts = simulator.run(scenario).contacts()
    redials = contacts[contacts["origin"] == "redial"]
    overnight = redials[redials["arrival"] % 86400 == 8 * 3600]
    assert len(overnight) > 0, "disconnected callers call back when the centre reopens"
    assert (overnight["day"] >= 1).all()
    # Each redial belongs to a caller who called before.
    first_ids = set(contacts.loc[contacts["origin"] == "first", "caller_id"])
    assert set(redials["caller_id"]) <= first_ids


def test_overflow_offers_a_waiting_contact_to_another_queue_after_the_delay() -> None:
    scenario = _scenario(
        agent_groups=[
            {"name": "front", "skills": {"general": 1}, "staffing": 12},
            {"name": "cards_team", "skills": {"cards": 1}, "staffing": 1},
        ],
        routing={"overflow": [{"from": "cards", "to": "general", "after_s": 45}]},
    )
    result = simulator.run(scenario)
    contacts = result.contacts()
    overflowed = contacts[(contacts["queue"] == "cards") & (contacts["served_queue"] == "general")]
    assert len(overflowed) > 10
    assert (overflowed["wait"] >= 45 - 1e-9).all()
    assert (overflowed["group"] == "front").all()
    assert result.kpi("overflow_rate") > 0
    without = simulator.run(_scenario(agent_groups=scenario.model_dump()["agent_groups"]))
    assert without.kpi("asa_s") > result.kpi("asa_s")


def test_priority_routing_serves_the_first_skill_first() -> None:
    """A universal agent with cards at priority 1 takes a waiting card call before general."""
    scenario = _scenario(
        agent_groups=[{"name": "universal", "skills": {"cards": 1, "general": 2}, "staffing": 7}],
    )
    prioritised = simulator.run(scenario)
    fcfs = simulator.run(scenario.model_copy(update={"routing": FcfsRouting(policy="fcfs")}))
    by_queue = prioritised.contacts().groupby("queue", observed=True)["wait"].mean()
    assert by_queue["cards"] < by_queue["general"]
    fcfs_by_queue = fcfs.contacts().groupby("queue", observed=True)["wait"].mean()
    assert fcfs_by_queue["cards"] > by_queue["cards"]


def test_balking_callers_hang_up_only_when_everyone_is_busy() -> None:
    calls = [
        {
            "name": "g",
            "target": "general",
            "volume": {"rate_per_hour": 90},
            "handle_time": {"dist": "exponential", "mean": 300},
            "balk_probability": 0.5,
        },
    ]
    groups = [{"name": "front", "skills": {"general": 1}, "staffing": 7}]
    result = simulator.run(
        _scenario(call_types=calls, agent_groups=groups, queues=[{"name": "general"}])
    )
    contacts = result.contacts()
    balked = contacts[contacts["outcome"] == "balked"]
    assert len(balked) > 0
    assert balked["queue_entry"].isna().all() and (balked["end"] == balked["arrival"]).all()
    answered_at_once = (contacts["outcome"] == "answered") & (contacts["wait"] == 0)
    # Of callers finding all busy (waited or balked) about half balk.
    found_busy = len(balked) + ((contacts["outcome"] != "balked") & ~answered_at_once).sum()
    share = len(balked) / found_busy
    se = np.sqrt(0.25 / found_busy)
    assert abs(share - 0.5) < 3.5 * se


def test_trunk_lines_block_callers_beyond_them() -> None:
    result = simulator.run(_scenario(lines=4))
    assert result.kpi("blocked_rate") > 0
    blocked = result.contacts().query("outcome == 'blocked'")
    assert blocked["agent"].eq(-1).all() and blocked["wait"].isna().all()


def test_shrinkage_removes_its_share_of_agents_on_average() -> None:
    groups = [
        {"name": "front", "skills": {"general": 1, "cards": 1}, "staffing": 10, "shrinkage": 0.25}
    ]
    result = simulator.run(_scenario(agent_groups=groups), replications=20)
    intervals = result.intervals(wide=True)
    assert np.allclose(intervals["agents_paid"], 10, atol=0.2)  # overtime aside
    present = intervals["agents_present"].to_numpy()
    assert set(np.round(present)) <= {7, 8, 9}
    assert abs(present.mean() - 7.5) < 0.25


def test_handle_time_factor_scales_talk_time() -> None:
    slow = [
        {
            "name": "front",
            "skills": {"general": 1, "cards": 1},
            "staffing": 30,
            "handle_time_factor": 1.5,
        }
    ]
    normal = [{"name": "front", "skills": {"general": 1, "cards": 1}, "staffing": 30}]
    a = simulator.run(_scenario(agent_groups=slow)).contacts()
    b = simulator.run(_scenario(agent_groups=normal)).contacts()
    both = (a["outcome"] == "answered") & (b["outcome"] == "answered")
    np.testing.assert_allclose(a.loc[both, "talk"], 1.5 * b.loc[both, "talk"], rtol=1e-6)


def test_warmup_contacts_are_simulated_but_not_counted() -> None:
    counted = simulator.run(_scenario(warmup_minutes=60))
    everything = simulator.run(_scenario())
    contacts = counted.contacts()
    assert (contacts["arrival"] < 9 * 3600).any()
    assert counted.kpi("offered") == pytest.approx(
        (contacts["arrival"] >= 9 * 3600).sum() / counted.n
    )
    assert counted.kpi("offered") < everything.kpi("offered")
    assert (
        not counted.intervals(wide=True)
        .loc[lambda f: f["start"] < datetime.time(9), "counted"]
        .any()
    )


def test_day_to_day_variation_widens_the_spread_of_daily_volume() -> None:
    calm = simulator.run(_scenario(), replications=30).replications()["offered"]
    calls = _scenario().model_dump(by_alias=True)["call_types"]
    for c in calls:
        c["day_to_day_cv"] = 0.3
        c["volume"] = {"rate_per_hour": c["volume"]["rate_per_hour"]}
        c.pop("wrap_up", None)
    noisy = simulator.run(_scenario(call_types=calls), replications=30).replications()["offered"]
    # Poisson alone: variance = mean; a gamma day factor (CV 0.3) adds (0.3 * mean)^2.
    ratio = noisy.var(ddof=1) / calm.var(ddof=1)
    assert ratio > stats.f.ppf(0.995, 29, 29)


def test_absurd_volumes_are_refused_before_running() -> None:
    calls = [
        {
            "name": "g",
            "target": "general",
            "volume": {"rate_per_hour": 1e12},
            "handle_time": {"dist": "exponential", "mean": 300},
        },
    ]
    with pytest.raises(simulator.ScenarioError, match=r"call_types\[0\]\.volume"):
        _scenario(
            call_types=calls,
            queues=[{"name": "general"}],
            agent_groups=[{"name": "f", "skills": {"general": 1}, "staffing": 1}],
        )


def test_a_redial_delay_of_zero_is_refused() -> None:
    with pytest.raises(simulator.ScenarioError, match=r"callers\.redial"):
        _scenario(
            callers={"redial": {"probability": 1, "delay": {"dist": "deterministic", "value": 0}}}
        )
