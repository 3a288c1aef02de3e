"""Caller journeys: transfers, repeat explanations, ping-pong, escalation, IVR, recontacts.

Exact accounting on deterministic cases first, then expectations from theory
(absorbing Markov chain of the transfer matrix, Jackson network, binomial shares)
within confidence intervals from replications.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import simulator
from helpers import assert_matches_theory, critical_t
from simulator.analytic import erlang_c_metrics
from simulator.scenario import scenario_from_dict

DET = {"dist": "deterministic", "value": 100}


def _journey(**changes: Any) -> simulator.Scenario:
    """Two departments, one agent each, deterministic times, generous staffing by default."""
    data: dict[str, Any] = {
        "name": "journey",
        "seed": 2,
        "replications": 2,
        "calendar": {"open": "08:00", "close": "09:00", "interval_minutes": 60},
        "queues": [{"name": "a"}, {"name": "b"}],
        "call_types": [
            {"name": "need_a", "target": "a", "volume": {"rate_per_hour": 5}, "handle_time": DET},
        ],
        "callers": {"explain_time": {"dist": "deterministic", "value": 20}},
        "agent_groups": [
            {
                "name": "team_a",
                "skills": {"a": 1},
                "staffing": 50,
                "resolve_probability": {"a": 0.0},
            },
            {
                "name": "team_b",
                "skills": {"b": 1},
                "staffing": 50,
                "resolve_probability": {"b": 0.0},
            },
        ],
        "transfers": {
            "mode": "cold",
            "max_per_contact": 3,
            "matrix": {"a": {"b": 1.0}, "b": {"a": 1.0}},
        },
    }
    data.update(changes)
    return scenario_from_dict(data)


def _contacts(scenario: simulator.Scenario) -> pd.DataFrame:
    contacts = simulator.run(scenario).contacts()
    assert len(contacts) > 5
    return contacts


def test_cold_ping_pong_is_counted_exactly() -> None:
    """a > b > a > b: three transfers, four tellings (three repeats), a ping-pong."""
    contacts = _contacts(_journey())
    assert (contacts["path"] == "a>b>a>b").all()
    assert (contacts["transfers"] == 3).all()
    assert (contacts["explanations"] == 4).all() and (contacts["repeats"] == 3).all()
    assert contacts["ping_pong"].all() and not contacts["resolved"].any()
    # Each leg: 20 s explaining + 100 s talk; nobody waits with 50 agents a side.
    np.testing.assert_allclose(contacts["talk"], 4 * 120)
    np.testing.assert_allclose(contacts["end"] - contacts["arrival"], 4 * 120)
    assert (contacts["wait"] == 0).all()


def test_a_resolving_second_department_ends_the_journey() -> None:
    groups = [
        {"name": "team_a", "skills": {"a": 1}, "staffing": 50, "resolve_probability": {"a": 0}},
        {"name": "team_b", "skills": {"b": 1}, "staffing": 50},
    ]
    contacts = _contacts(_journey(agent_groups=groups))
    assert (contacts["path"] == "a>b").all()
    assert (contacts["transfers"] == 1).all() and (contacts["explanations"] == 2).all()
    assert contacts["resolved"].all() and not contacts["ping_pong"].any()


def test_warm_transfers_never_repeat_the_story_and_hold_the_first_agent() -> None:
    warm = _journey(
        transfers={
            "mode": "warm",
            "max_per_contact": 3,
            "briefing": {"dist": "deterministic", "value": 15},
            "matrix": {"a": {"b": 1.0}, "b": {"a": 1.0}},
        }
    )
    contacts = _contacts(warm)
    assert (contacts["explanations"] == 1).all() and (contacts["repeats"] == 0).all()
    # Receiving agents: 3 x (15 s briefing + 100 s); the first also explained (20 s).
    np.testing.assert_allclose(contacts["talk"], 120 + 3 * 115)
    # Holding agents: answered at once, so each holder only briefs: 3 x 15 s.
    np.testing.assert_allclose(contacts["handoff"], 3 * 15)
    summary = simulator.run(warm).summary()
    assert summary.loc["aht_s", "mean"] == pytest.approx(120 + 3 * 115 + 3 * 15)


@pytest.mark.parametrize(("keeps", "expected"), [(1.0, 1), (0.0, 4)])
def test_context_notes_decide_whether_the_story_is_told_again(keeps: float, expected: int) -> None:
    contacts = _contacts(
        _journey(
            transfers={
                "mode": "context",
                "context_keeps_story": keeps,
                "max_per_contact": 3,
                "matrix": {"a": {"b": 1.0}, "b": {"a": 1.0}},
            }
        )
    )
    assert (contacts["explanations"] == expected).all()


def test_context_notes_spare_the_expected_share_of_repeats() -> None:
    keeps = 0.7
    scenario = _journey(
        replications=20,
        call_types=[
            {"name": "need_a", "target": "a", "volume": {"rate_per_hour": 60}, "handle_time": DET}
        ],
        transfers={
            "mode": "context",
            "context_keeps_story": keeps,
            "max_per_contact": 3,
            "matrix": {"a": {"b": 1.0}, "b": {"a": 1.0}},
        },
    )
    per_rep = simulator.run(scenario).replications()
    # Three transfers per contact, each re-told with probability 1 - keeps.
    repeats = per_rep["repeat_explanations_per_contact"]
    se = repeats.std(ddof=1) / np.sqrt(len(repeats))
    assert abs(repeats.mean() - 3 * (1 - keeps)) <= critical_t(len(repeats)) * se


def test_mean_transfers_and_visits_follow_the_absorbing_markov_chain() -> None:
    """Ample agents, infinite patience: visits = first row of N = (I - Q)^-1."""
    resolve = {"a": 0.5, "b": 0.3, "c": 0.6}
    matrix = {"a": {"b": 0.6, "c": 0.3}, "b": {"a": 0.5, "c": 0.4}, "c": {"a": 0.7}}
    queues = list(resolve)
    scenario = _journey(
        replications=20,
        queues=[{"name": q} for q in queues],
        call_types=[
            {
                "name": "need_a",
                "target": "a",
                "volume": {"rate_per_hour": 300},
                "handle_time": {"dist": "exponential", "mean": 60},
            }
        ],
        agent_groups=[
            {"name": f"team_{q}", "skills": {q: 1}, "staffing": 200, "resolve_probability": {q: p}}
            for q, p in resolve.items()
        ],
        transfers={"mode": "cold", "max_per_contact": 100, "matrix": matrix},
    )
    q = np.array([[(1 - resolve[i]) * matrix[i].get(j, 0.0) for j in queues] for i in queues])
    visits = np.linalg.inv(np.eye(3) - q)[0]
    result = simulator.run(scenario)
    contacts = result.contacts()
    per_rep = contacts.groupby("replication").agg(
        transfers=("transfers", "mean"),
        **{
            f"visits_{x}": (
                "path",
                lambda s, x=x: s.str.split(">").map(lambda hops: hops.count(x)).mean(),
            )
            for x in queues
        },
    )
    checks = {
        "transfers": visits.sum() - 1,
        **{f"visits_{x}": v for x, v in zip(queues, visits, strict=True)},
    }
    for column, expected in checks.items():
        values = per_rep[column]
        se = values.std(ddof=1) / np.sqrt(len(values))
        assert abs(values.mean() - expected) <= critical_t(len(values)) * se, column
    # Everyone who is never resolved left because a row summed below one.
    assert result.kpi("resolution_rate") < 1


def test_jackson_network_queues_match_erlang_c_at_their_effective_rates() -> None:
    """Open network, exponential talk, no abandonment: each queue is an M/M/c."""
    calls_per_hour, aht = 160.0, 180.0
    resolve = {"a": 0.7, "b": 0.6}
    matrix = {"a": {"b": 0.2}, "b": {"a": 0.25}}
    servers = {"a": 10, "b": 3}
    scenario = _journey(
        replications=30,
        warmup_minutes=120,
        calendar={"open": "00:00", "close": "24:00", "interval_minutes": 60},
        call_types=[
            {
                "name": "need_a",
                "target": "a",
                "volume": {"rate_per_hour": calls_per_hour},
                "handle_time": {"dist": "exponential", "mean": aht},
            }
        ],
        callers={},
        agent_groups=[
            {
                "name": f"team_{q}",
                "skills": {q: 1},
                "staffing": servers[q],
                "resolve_probability": {q: p},
            }
            for q, p in resolve.items()
        ],
        transfers={"mode": "cold", "max_per_contact": 100, "matrix": matrix},
    )
    # Traffic equations: lambda = external + lambda Q.
    q = np.array([[(1 - resolve[i]) * matrix[i].get(j, 0.0) for j in "ab"] for i in "ab"])
    rates = np.linalg.solve((np.eye(2) - q).T, np.array([calls_per_hour / 3600, 0.0]))
    table = simulator.run(scenario).queues().set_index("queue")
    for queue, rate in zip("ab", rates, strict=True):
        theory = erlang_c_metrics(
            servers[queue], calls_per_hour=rate * 3600, aht_s=aht, threshold_s=20
        )
        row = table.loc[queue]
        se = row["mean_queue_length_hw"] / 2.045  # t(0.975, 29)
        assert abs(row["mean_queue_length"] - theory.mean_queue_length) <= critical_t(30) * se, (
            queue,
            row["mean_queue_length"],
            theory.mean_queue_length,
        )


def _escalation_scenario(
    path: str, front_can_decide: bool = False, managers: int = 3
) -> simulator.Scenario:
    groups = [
        {"name": "front", "skills": {"general": 1}, "staffing": 12, "can_decide": front_can_decide},
        {
            "name": "supervisors",
            "skills": {"supervisors": 1},
            "staffing": 2,
            "role": "supervisor",
            "can_decide": False,
        },
        {
            "name": "managers",
            "skills": {"management": 1},
            "staffing": managers,
            "role": "manager",
            "can_decide": True,
        },
    ]
    return scenario_from_dict(
        {
            "name": f"escalation {path}",
            "seed": 4,
            "replications": 8,
            "calendar": {"open": "08:00", "close": "12:00", "interval_minutes": 30},
            "queues": [{"name": "general"}, {"name": "supervisors"}, {"name": "management"}],
            "call_types": [
                {
                    "name": "complaint",
                    "target": "general",
                    "volume": {"rate_per_hour": 90},
                    "needs_authority": 0.2,
                    "handle_time": {"dist": "exponential", "mean": 240},
                    "patience": {"dist": "exponential", "mean": 300},
                }
            ],
            "agent_groups": groups,
            "escalation": {"path": path},
        }
    )


def test_escalation_reach_is_zero_without_a_path_and_rises_with_one() -> None:
    scripted = simulator.run(_escalation_scenario("none"))
    via_supervisor = simulator.run(_escalation_scenario("supervisor"))
    via_management = simulator.run(_escalation_scenario("management"))
    empowered = simulator.run(_escalation_scenario("none", front_can_decide=True))
    assert scripted.kpi("escalation_reach") == 0
    assert scripted.kpi("management_contacts") == 0
    # Supervisors here cannot decide either: escalating to them reaches no one.
    assert via_supervisor.kpi("escalation_reach") == 0
    assert via_supervisor.kpi("escalation_rate") > 0
    reach = via_management.summary().loc["escalation_reach"]
    assert reach["low"] > 0.5
    assert via_management.kpi("management_contacts") > 0
    assert empowered.kpi("escalation_reach") > reach["mean"]
    # Managers' capacity limits reach: one manager reaches fewer than three.
    one_manager = simulator.run(_escalation_scenario("management", managers=1))
    assert one_manager.summary().loc["escalation_reach", "high"] < reach["low"]


def test_callers_needing_authority_are_drawn_at_the_stated_share() -> None:
    contacts = simulator.run(_escalation_scenario("none")).contacts()
    first = contacts[contacts["origin"] == "first"]
    share = first["needs_authority"].mean()
    assert abs(share - 0.2) < 3.5 * np.sqrt(0.2 * 0.8 / len(first))


def _ivr(**ivr: Any) -> simulator.Scenario:
    return scenario_from_dict(
        {
            "name": "ivr",
            "seed": 9,
            "replications": 10,
            "calendar": {"open": "00:00", "close": "24:00", "interval_minutes": 60},
            "queues": [{"name": q} for q in ("a", "b", "c", "d")],
            "call_types": [
                {
                    "name": f"need_{q}",
                    "target": q,
                    "volume": {"rate_per_hour": 30},
                    "handle_time": {"dist": "exponential", "mean": 200},
                    "patience": {"dist": "exponential", "mean": 300},
                }
                for q in "abcd"
            ],
            "agent_groups": [
                {"name": f"team_{q}", "skills": {q: 1}, "staffing": 3} for q in "abcd"
            ],
            **({"ivr": ivr} if ivr else {}),
        }
    )


def test_an_ivr_greeting_shifts_every_wait_by_exactly_the_greeting() -> None:
    plain = simulator.run(_ivr()).contacts()
    greeted = simulator.run(_ivr(greeting_s=12)).contacts()
    np.testing.assert_allclose(greeted["queue_entry"] - greeted["arrival"], 12, atol=1e-9)
    np.testing.assert_allclose(greeted["arrival"], plain["arrival"])
    np.testing.assert_allclose(greeted["wait"], plain["wait"], atol=1e-3)  # float32 column
    np.testing.assert_allclose(greeted["end"] - plain["end"], 12, atol=1e-6)


FLAT_MENU = {"options": {str(i + 1): {"queue": q} for i, q in enumerate("abcd")}}


def test_misroutes_follow_the_per_option_rule() -> None:
    per_option = 0.05
    result = simulator.run(
        _ivr(seconds_per_option=3, misroute_per_option=per_option, menu=FLAT_MENU)
    )
    assert_matches_theory(result, "misroute_rate", 4 * per_option)
    contacts = result.contacts()
    # Four options heard at 3 s each.
    entered = contacts.dropna(subset=["queue_entry"])
    np.testing.assert_allclose(entered["queue_entry"] - entered["arrival"], 12, atol=1e-9)
    # A misrouted caller is answered in the wrong queue and transferred to the right one.
    misrouted = contacts[contacts["misrouted"] & (contacts["outcome"] == "answered")]
    assert (misrouted["queue"] != misrouted["target"]).all()
    assert (misrouted["served_queue"] == misrouted["target"]).all()
    assert (misrouted["transfers"] >= 1).all()


def test_deep_menus_take_longer_and_zero_out_skips_them() -> None:
    deep = {
        "options": {
            "1": {"menu": {"options": {"1": {"queue": "a"}, "2": {"queue": "b"}}}},
            "2": {"menu": {"options": {"1": {"queue": "c"}, "2": {"queue": "d"}}}},
        }
    }
    result = simulator.run(
        _ivr(
            greeting_s=5,
            seconds_per_option=4,
            menu=deep,
            zero_out={"queue": "a", "probability": 0.25},
        )
    )
    contacts = result.contacts().dropna(subset=["queue_entry"])
    in_menu = contacts[~contacts["zero_out"]]
    np.testing.assert_allclose(in_menu["queue_entry"] - in_menu["arrival"], 5 + 2 * 8)
    zeroed = contacts[contacts["zero_out"]]
    np.testing.assert_allclose(zeroed["queue_entry"] - zeroed["arrival"], 5)
    assert (zeroed["queue"] == "a").all()
    assert_matches_theory(result, "zero_out_rate", 0.25)


def test_self_service_resolves_its_share_and_passes_the_rest_on() -> None:
    menu = {
        "options": {
            "1": {
                "self_service": {
                    "queue": "a",
                    "resolve_probability": 0.6,
                    "time": {"dist": "deterministic", "value": 40},
                }
            },
            "2": {"queue": "b"},
            "3": {"queue": "c"},
            "4": {"queue": "d"},
        }
    }
    result = simulator.run(_ivr(menu=menu))
    contacts = result.contacts()
    need_a = contacts[contacts["target"] == "a"]
    served = need_a["outcome"] == "self_served"
    assert abs(served.mean() - 0.6) < 4 * np.sqrt(0.24 / len(need_a))
    assert (need_a.loc[~served, "queue"].dropna() == "a").all()
    assert_matches_theory(result, "self_service_rate", 0.6 / 4)


def test_ivr_patience_makes_callers_hang_up_in_the_ivr() -> None:
    result = simulator.run(
        _ivr(
            greeting_s=60,
            patience={"dist": "exponential", "mean": 60},
            menu=FLAT_MENU,
            seconds_per_option=10,
        )
    )
    # IVR takes 100 s; P(patience < 100) = 1 - exp(-100/60).
    assert_matches_theory(result, "ivr_abandon_rate", 1 - np.exp(-100 / 60))


def _recontacts(**changes: Any) -> simulator.Scenario:
    data: dict[str, Any] = {
        "name": "recontacts",
        "seed": 6,
        "replications": 6,
        "calendar": {"days": 3, "open": "08:00", "close": "18:00", "interval_minutes": 60},
        "queues": [{"name": "a"}],
        "call_types": [
            {
                "name": "need_a",
                "target": "a",
                "volume": {"rate_per_hour": 40},
                "handle_time": {"dist": "exponential", "mean": 240},
            }
        ],
        "callers": {
            "recontact": {"probability": 0.8, "delay": {"dist": "exponential", "mean": 43200}},
            "explain_time": {"dist": "deterministic", "value": 30},
        },
        "agent_groups": [
            {"name": "team", "skills": {"a": 1}, "staffing": 6, "resolve_probability": {"a": 0.6}}
        ],
    }
    data.update(changes)
    return scenario_from_dict(data)


def test_unresolved_callers_call_again_later() -> None:
    result = simulator.run(_recontacts())
    contacts = result.contacts()
    recontacts = contacts[contacts["origin"] == "recontact"]
    assert len(recontacts) > 0 and (recontacts["day"] >= 0).all()
    assert result.kpi("recontact_rate") > 0.2
    # A recontacting caller tells the story again (no case history): every recontact that
    # reached an agent counts a repeat explanation.
    spoke = recontacts[recontacts["explanations"] > 0]
    assert (spoke["repeats"] >= 1).all()
    with_history = simulator.run(
        _recontacts(
            callers={
                "recontact": {"probability": 0.8, "delay": {"dist": "exponential", "mean": 43200}},
                "explain_time": {"dist": "deterministic", "value": 30},
                "case_history": True,
            }
        )
    ).contacts()
    known = with_history[with_history["origin"] == "recontact"]
    assert (known["repeats"] == 0).all() and (known["explanations"] == 0).all()


def test_proactive_updates_cut_recontacts() -> None:
    plain = simulator.run(_recontacts())
    updated = simulator.run(_recontacts(proactive_updates={"recontact_reduction": 0.5}))
    assert (
        updated.summary().loc["recontact_rate", "high"]
        < plain.summary().loc["recontact_rate", "low"]
    )


def test_incentive_defaults_shorten_calls_and_cut_resolution() -> None:
    base = _recontacts(
        calendar={"days": 1, "open": "08:00", "close": "18:00", "interval_minutes": 60}
    )
    data = simulator.scenario.scenario_to_dict(base)
    rushed = scenario_from_dict({**data, "incentive": {"scheme": "calls_per_hour"}})
    solving = scenario_from_dict({**data, "incentive": {"scheme": "resolution"}})
    a, b, c = (simulator.run(s).summary() for s in (base, rushed, solving))
    assert (
        b.loc["aht_s", "high"]
        < a.loc["aht_s", "low"]
        < a.loc["aht_s", "high"]
        < c.loc["aht_s", "low"]
    )
    assert b.loc["fcr", "high"] < a.loc["fcr", "low"]
    overridden = scenario_from_dict(
        {
            **data,
            "incentive": {
                "scheme": "calls_per_hour",
                "handle_time_factor": 1.0,
                "resolve_factor": 1.0,
            },
        }
    )
    pd.testing.assert_frame_equal(simulator.run(overridden).summary(), a)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"transfers": {"matrix": {"a": {"b": 0.7, "c": 0.5}}}}, "transfers.matrix.a"),
        ({"transfers": {"matrix": {"a": {"zz": 0.5}}}}, "transfers.matrix.a.zz"),
        ({"transfers": {"matrix": {"a": {"b": 1.5}}}}, "transfers.matrix.a.b"),
        (
            {"transfers": {"mode": "context", "context_keeps_story": -0.1}},
            "transfers.context_keeps_story",
        ),
        ({"ivr": {"menu": {"options": {"1": {"queue": "zz"}}}}}, "ivr.menu.options.1.queue"),
        ({"ivr": {"menu": {"options": {"1": {"queue": "a"}}}}}, "call_types[0].target"),
        ({"ivr": {"zero_out": {"queue": "zz"}}}, "ivr.zero_out.queue"),
        ({"ivr": {"misroute_per_option": 2}}, "ivr.misroute_per_option"),
        ({"escalation": {"path": "management"}}, "escalation.path"),
        ({"incentive": {"scheme": "bonus"}}, "incentive.scheme"),
        (
            {"proactive_updates": {"recontact_reduction": 1.5}},
            "proactive_updates.recontact_reduction",
        ),
    ],
)
def test_journey_keys_reject_bad_values_with_the_key_path(change: dict, path: str) -> None:
    data = {
        "name": "bad",
        "calendar": {"open": "08:00", "close": "09:00", "interval_minutes": 60},
        "queues": [{"name": q} for q in "abc"],
        "call_types": [
            {"name": "need_b", "target": "b", "volume": {"rate_per_hour": 5}, "handle_time": DET}
        ],
        "agent_groups": [{"name": "all", "skills": {"a": 1, "b": 1, "c": 1}, "staffing": 2}],
        **change,
    }
    with pytest.raises(simulator.ScenarioError) as info:
        scenario_from_dict(data)
    assert path in [p.path for p in info.value.problems], str(info.value)


def test_a_scenario_without_journey_keys_is_unchanged_by_them() -> None:
    """Defaults (cold, empty matrix, resolve 1, no IVR) leave the classic model as it was."""
    base = _ivr()
    data = simulator.scenario.scenario_to_dict(base)
    explicit = scenario_from_dict(
        {
            **data,
            "transfers": {"mode": "warm"},
            "escalation": {"path": "none"},
            "incentive": {"scheme": "none"},
        }
    )
    pd.testing.assert_frame_equal(
        simulator.run(base).contacts(), simulator.run(explicit).contacts()
    )
