"""The KPI registry: every KPI against a hand-made contact log, breakdowns that add up,
the IVR time bound, clipped confidence bounds, and what the terminal shows."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

import simulator
from helpers import assert_fits_80_columns
from simulator.cli import app
from simulator.experiment.result import RunResult
from simulator.metrics.log import CONTACT_DTYPE, Flag, Origin, Outcome
from simulator.metrics.registry import (
    SECTIONS,
    kpi_info,
    kpi_registry,
    scenario_features,
    shown_kpis,
)
from simulator.metrics.tally import Tally
from simulator.model.replication import ReplicationOutput, counted_from_s
from simulator.scenario import Scenario, scenario_from_dict, scenario_to_dict
from simulator.scenario.changes import OverrideError

OPEN_S = 8 * 3600.0
NAN = math.nan


def _scenario(**extra: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "hand log",
        "calendar": {"open": "08:00", "close": "08:30", "interval_minutes": 30},
        "service_level": {"threshold_s": 20, "short_abandon_s": 5},
        "queues": [{"name": "q0"}, {"name": "q1"}],
        "call_types": [
            {
                "name": f"c{k}",
                "target": f"q{k}",
                "volume": {"rate_per_hour": 10},
                "handle_time": {"dist": "exponential", "mean": 200},
                "patience": {"dist": "exponential", "mean": 100},
            }
            for k in range(2)
        ],
        "agent_groups": [
            {"name": "g0", "skills": {"q0": 1}, "staffing": 1},
            {"name": "g1", "skills": {"q1": 1}, "staffing": 1},
        ],
        "costs": {"agent_hour": 30, "telephony_minute": 0.5},
    }
    data.update(extra)
    return scenario_from_dict(data)


def _row(**fields: Any) -> tuple[Any, ...]:
    """One log row: every field zero (times NaN, indices -1) unless given."""
    defaults: dict[str, Any] = {
        "queue": -1,
        "served_queue": -1,
        "group": -1,
        "agent": -1,
        "target": 0,
        "queue_entry": NAN,
        "answer": NAN,
        "authority_at": NAN,
        "dialled_at": NAN,
        "predicted": NAN,
        "announced": NAN,
    }
    values = {**defaults, **fields}
    values["arrival"] = OPEN_S + values.get("arrival", 0.0)
    for key in ("queue_entry", "answer", "end", "authority_at"):
        if key in fields:
            values[key] = OPEN_S + fields[key]
    return tuple(values.get(name, 0) for name in CONTACT_DTYPE.names or ())


FIRST, REDIAL, RECONTACT, CALLBACK = Origin.FIRST, Origin.REDIAL, Origin.RECONTACT, Origin.CALLBACK
HAND_LOG = [
    # A: first call, 15 s in the IVR, waits 10 s in q0, talks 300 s, wraps up 30 s, resolved.
    _row(contact_id=1, call_type=0, origin=FIRST, outcome=Outcome.ANSWERED, queue=0,
         queue_entry=15, answer=25, end=325, served_queue=0, group=0, target=0, talk=300,
         wrap=30, wait=10, legs=1, explanations=1, flags=Flag.RESOLVED | Flag.IVR, hops=1),
    # B: first call in q1, waits 40 s, transferred once (and back: ping-pong), told twice.
    _row(contact_id=2, call_type=1, origin=FIRST, outcome=Outcome.ANSWERED, queue=1,
         arrival=100, queue_entry=100, answer=140, end=340, served_queue=1, group=1,
         target=1, talk=200, wait=40, legs=2, transfers=1, explanations=2, repeats=1,
         flags=Flag.PING_PONG, hops=2),
    # C: a redial that abandons after 3 s in q0 (a short abandon).
    _row(contact_id=3, call_type=0, origin=REDIAL, outcome=Outcome.ABANDONED, queue=0,
         arrival=200, queue_entry=200, end=203, wait=3, hops=1),
    # D: a first call of c1 blocked (never joins a queue: counted in q1, its target).
    _row(contact_id=4, call_type=1, origin=FIRST, outcome=Outcome.BLOCKED, target=1,
         arrival=300, end=300),
    # F: a first call offered a callback after 50 s in q0, accepts it and hangs up.
    _row(contact_id=6, call_type=0, origin=FIRST, outcome=Outcome.CALLBACK_ACCEPTED, queue=0,
         arrival=350, queue_entry=350, end=400, wait=50, flags=Flag.CALLBACK_OFFERED, hops=1),
    # E: F's callback (outbound, it carries F's IVR flag): requested at 400, connected at
    # 700 after two dials, one outside calling hours, 30 s of back-office work, resolved.
    _row(contact_id=5, call_type=0, origin=CALLBACK, outcome=Outcome.ANSWERED, queue=0,
         arrival=400, queue_entry=650, answer=700, end=900, served_queue=0, group=0,
         talk=200, legs=1, attempts=2, outside_hours=1, backoffice=30,
         flags=Flag.IVR | Flag.FOLLOWS_FIRST_CALL | Flag.RESOLVED, hops=1),
    # G: a recontact joining q0, answered by overflow from q1 after 25 s; it had been
    # told 30 s (answered 5 s sooner than announced).
    _row(contact_id=7, call_type=0, origin=RECONTACT, outcome=Outcome.ANSWERED, queue=0,
         arrival=500, queue_entry=500, answer=525, end=625, served_queue=1, group=1,
         talk=100, wait=25, legs=1, announced=30, hops=1),
]  # fmt: skip
"""Seven contacts by hand; the expected KPIs below are computed from this table."""

EXPECTED = {
    "offered": 6,  # A B C D F G (inbound); E is the centre calling out
    "answered": 3,  # A B G (E, connected, is outbound)
    "offered_first": 4,
    "offered_redial": 1,
    "offered_recontact": 1,
    "offered_callback": 1,
    "offered_voicemail_return": 0,
    "abandon_rate": 1 / 6,
    "blocked_rate": 1 / 6,
    "balk_rate": 0.0,
    "disconnect_rate": 0.0,
    "service_level": 2 / 6,  # A within 20 s, plus F's callback once connected
    "asa_s": (10 + 40 + 25) / 3,
    "mean_wait_s": (10 + 40 + 3 + 50 + 25) / 5,
    "wait_p50_s": 24.5,  # answered waits 10, 25, 40: half of the second inside (24, 25]
    "wait_p90_s": 39.7,
    "wait_p95_s": 39.85,
    "mean_queue_length": 90 / 1800,
    "overflow_rate": 1 / 3,
    "transfers_per_contact": 1 / 4,  # A B E G reached an agent
    "repeat_explanations_per_contact": 1 / 4,
    "ping_pong_rate": 1 / 4,
    "escalation_reach": NAN,
    "time_to_authority_s": NAN,
    "escalation_rate": 0.0,
    "management_contacts": 0,
    "fcr": 2 / 4,  # A, and E continuing first call F
    "resolution_rate": 2 / 6,
    "recontact_rate": 1 / 4,
    "ivr_time_s": 15.0,  # A only: E's 500 s between request and hang-up is no IVR time
    "ivr_abandon_rate": 0.0,
    "misroute_rate": 0.0,  # A left the IVR for a queue, rightly
    "self_service_rate": 0.0,
    "zero_out_rate": 0.0,
    "callback_offered_rate": 1 / 6,
    "callback_accept_rate": 1.0,
    "callback_success_rate": 1.0,
    "callback_delay_s": 300.0,
    "callbacks_outside_hours": 1,
    "voicemail_rate": 0.0,
    "voicemail_success_rate": NAN,
    "voicemail_reach_s": NAN,
    "backoffice_s": 30.0,
    "announce_error_s": 5.0,
    "delighted_rate": 1.0,
    "disappointed_rate": 0.0,
    "announce_balk_rate": 0.0,
    "aht_s": (300 + 200 + 200 + 100) / 4,
    "wrap_up_s": 30 / 4,
    "occupancy": (600 + 300) / 3600,
    "occupancy_until_last_leaves": (600 + 300 + 120) / (3600 + 240),
    "agents_present": 2.0,
    "chat_concurrency": 900 / 600,
    "chat_concurrency[group=g1]": 900 / 600,
    "chat_concurrency[group=g0]": NAN,
    "agents_paid": 2.0,
    "agent_hours": (3600 + 240) / 3600,
    "after_close_hours": 240 / 3600,
    "agent_cost": (3600 + 240) / 3600 * 30,
    # On the line: A 325, B 240, C 3, F 50, G 125 s (D was blocked; E is outbound).
    "telephony_cost": (325 + 240 + 3 + 50 + 125) / 60 * 0.5,
    "cost": (3600 + 240) / 3600 * 30 + (325 + 240 + 3 + 50 + 125) / 60 * 0.5,
    # Breakdowns: q0 holds A C F G (and E's callback), q1 holds B D.
    "offered[queue=q0]": 4,
    "offered[queue=q1]": 2,
    "service_level[queue=q0]": 2 / 4,
    "service_level[queue=q1]": 0.0,
    "abandon_rate[queue=q0]": 1 / 4,
    "blocked_rate[queue=q1]": 1 / 2,
    "asa_s[call_type=c0]": (10 + 25) / 2,
    "offered[call_type=c1]": 2,
    "mean_queue_length[queue=q0]": 90 / 1800,
    "mean_queue_length[queue=q1]": 0.0,
    "occupancy[group=g0]": 600 / 1800,
    "occupancy[group=g1]": 300 / 1800,
    "agent_hours[group=g1]": 1800 / 3600,
    "agent_cost[group=g0]": (1800 + 240) / 3600 * 30,
    # Served contacts by their last agent's group: g0 served A and E, g1 served B and G.
    "answered[group=g0]": 1,
    "answered[group=g1]": 2,
    "aht_s[group=g0]": (300 + 200) / 2,
    "aht_s[group=g1]": (200 + 100) / 2,
    "transfers_per_contact[group=g1]": 1 / 2,
    "asa_s[group=g1]": (40 + 25) / 2,
}


def _hand_result(replications: int = 1) -> RunResult:
    scenario = _scenario()
    outputs = []
    for r in range(replications):
        tally = Tally(1, 2, 2, 2, 20.0, 5.0, counted_from_s(scenario), 1)
        tally.add_contacts(np.array(HAND_LOG, dtype=CONTACT_DTYPE))
        # Group g1 also holds chats: 900 chat-seconds over 600 s of an agent chatting.
        chats, chatting = np.array([0.0, 900.0]), np.array([0.0, 600.0])
        full = np.full(2, 1800.0)
        tally.add_group_time(0, np.array([600.0, 300.0]), full, full, chats, chatting)
        late = np.array([240.0, 0])
        tally.add_after_close_time(0, np.array([120.0, 0]), late, late)
        tally.add_queue_time(0, np.array([90.0, 0.0]))
        outputs.append(ReplicationOutput(r, 1, tally, None, 9 * 3600.0))
    return RunResult(scenario, outputs, seed=1)


def test_every_registry_entry_matches_the_hand_made_log() -> None:
    summary = _hand_result().summary()
    # E-mail KPIs have their hand-made log in tests/test_email.py.
    hand = {k.name for k in kpi_registry(email=False)}
    assert hand <= set(EXPECTED), "a KPI without a hand value"
    for name, expected in EXPECTED.items():
        value = summary.loc[name, "mean"]
        if math.isnan(expected):
            assert math.isnan(value), name
        else:
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), name


SPLIT_LOG = [
    # X: c0 joins q1 (misrouted), waits 5 s, answered by g1.
    _row(contact_id=1, call_type=0, origin=FIRST, outcome=Outcome.ANSWERED, queue=1,
         queue_entry=0, answer=5, end=105, served_queue=1, group=1, talk=100, wait=5,
         legs=1, hops=1),
    # Y: c0 in q0, waits 30 s, answered by g0.
    _row(contact_id=2, call_type=0, origin=FIRST, outcome=Outcome.ANSWERED, queue=0,
         queue_entry=0, answer=30, end=230, served_queue=0, group=0, talk=200, wait=30,
         legs=1, hops=1),
    # Z: c1 in q1, waits 12 s, answered by g1 and transferred once (last agent in g1).
    _row(contact_id=3, call_type=1, origin=FIRST, outcome=Outcome.ANSWERED, queue=1,
         target=1, queue_entry=0, answer=12, end=312, served_queue=1, group=1, talk=300,
         wait=12, legs=2, transfers=1, hops=2),
    # W: c1 in q1, answered at once by g0 (0 s wait: the zero bin).
    _row(contact_id=4, call_type=1, origin=FIRST, outcome=Outcome.ANSWERED, queue=1,
         target=1, queue_entry=0, answer=0, end=60, served_queue=1, group=0, talk=60,
         wait=0, legs=1, hops=1),
    # V: c1 abandons q1 after 50 s (served by nobody: in no group, no answered wait).
    _row(contact_id=5, call_type=1, origin=FIRST, outcome=Outcome.ABANDONED, queue=1,
         target=1, queue_entry=0, end=50, wait=50, hops=1),
]  # fmt: skip
"""Queues and call types that do not coincide, for the breakdowns of answered waits and
of what each agent group served."""


def test_wait_percentiles_per_queue_and_call_type_and_contacts_per_group_by_hand() -> None:
    """Answered waits: q0 {30}, q1 {5, 12, 0}; c0 {5, 30}, c1 {12, 0}. The p-quantile of n
    waits interpolates inside the 1-second bin holding the (p·n)-th wait (bin 0 holds the
    zero waits): e.g. q1's p90 is the 2.7th of {0, 5, 12}, 0.7 into (11, 12] = 11.7 s."""
    scenario = _scenario()
    outputs = []
    for r in range(2):  # two identical replications: same mean, zero half-width
        tally = Tally(1, 2, 2, 2, 20.0, 5.0, counted_from_s(scenario), 1)
        tally.add_contacts(np.array(SPLIT_LOG, dtype=CONTACT_DTYPE))
        outputs.append(ReplicationOutput(r, 1, tally, None, 9 * 3600.0))
    summary = RunResult(scenario, outputs, seed=1).summary()
    expected = {
        "wait_p50_s[queue=q0]": 29.5,
        "wait_p90_s[queue=q0]": 29.9,
        "wait_p50_s[queue=q1]": 4.5,  # the 1.5th of {0, 5, 12}: half-way into (4, 5]
        "wait_p90_s[queue=q1]": 11.7,
        "wait_p95_s[queue=q1]": 11.85,
        "wait_p50_s[call_type=c0]": 5.0,  # the 1st of {5, 30}: the top of (4, 5]
        "wait_p90_s[call_type=c0]": 29.8,
        "wait_p50_s[call_type=c1]": 0.0,  # the 1st of {0, 12} is a zero wait
        "wait_p90_s[call_type=c1]": 11.8,
        "wait_p90_s": 29.6,  # overall: the 3.6th of {0, 5, 12, 30}
        "answered[group=g0]": 2,  # Y, W
        "answered[group=g1]": 2,  # X, Z
        "answered[queue=q1]": 3,
        "answered[call_type=c0]": 2,
        "aht_s[group=g0]": (200 + 60) / 2,
        "aht_s[group=g1]": (100 + 300) / 2,
        "transfers_per_contact[group=g1]": 1 / 2,
        "transfers_per_contact[group=g0]": 0.0,
        "asa_s[group=g0]": (30 + 0) / 2,
    }
    for name, value in expected.items():
        assert summary.loc[name, "mean"] == pytest.approx(value, rel=1e-9, abs=1e-12), name
        assert summary.loc[name, "half_width"] == pytest.approx(0.0, abs=1e-12), name
    assert summary.loc["answered", "mean"] == 4


def test_registry_entries_are_complete_and_unique() -> None:
    entries = kpi_registry()
    names = [k.name for k in entries]
    assert len(names) == len(set(names))
    for kpi in entries:
        assert kpi.section in SECTIONS, kpi.name
        assert kpi.label and kpi.description, kpi.name
        assert kpi.is_rate == (kpi.kind in ("rate", "time_average")), kpi.name
        assert kpi.attribution is None or kpi.kind != "percentile", kpi.name
        assert kpi_info(f"{kpi.name}[queue=x]") is kpi_info(kpi.name)


def test_breakdowns_use_the_same_estimator_as_the_overall_figure() -> None:
    """Two identical replications: zero half-width everywhere, bounds equal the mean."""
    summary = _hand_result(replications=2).summary()
    assert summary.loc["service_level[queue=q0]", "mean"] == pytest.approx(0.5)
    defined = summary.dropna(subset=["mean"])
    np.testing.assert_allclose(defined["half_width"], 0.0, atol=1e-12)


def test_per_queue_figures_add_up_to_the_overall_ones() -> None:
    """On a centre with transfers and overflow, breakdowns by queue and by call type sum
    (counts) or offered-weight (rates over offered) to the overall figure."""
    scenario = simulator.load_scenario("scenarios/bank_pingpong.yaml").with_changes(
        {
            "routing.overflow": [{"from": "cards", "to": "accounts", "after_s": 60}],
            "calendar.close": "11:00",
        }
    )
    result = simulator.run(scenario, replications=3, keep_contacts=False)
    mean = result.summary()["mean"]
    for dimension in ("queue", "call_type"):
        members = result.members(dimension)
        offered = np.array([mean[f"offered[{dimension}={m}]"] for m in members])
        assert offered.sum() == pytest.approx(mean["offered"], rel=1e-12)
        for rate in ("service_level", "abandon_rate", "transfers_per_contact"):
            values = np.array([mean[f"{rate}[{dimension}={m}]"] for m in members])
            if rate == "transfers_per_contact":
                continue  # over contacts served, not offered: checked through counts below
            assert (values * offered).sum() / offered.sum() == pytest.approx(
                mean[rate], rel=1e-12
            ), (dimension, rate)
        for count in ("management_contacts", "callbacks_outside_hours", "telephony_cost"):
            total = sum(mean[f"{count}[{dimension}={m}]"] for m in members)
            assert total == pytest.approx(mean[count], rel=1e-12, abs=1e-12)
    # What agents did, by the group of the last agent who served each contact: answered
    # counts add up, and answered-weighted ASA is the overall ASA.
    groups = result.members("group")
    answered = np.array([mean[f"answered[group={g}]"] for g in groups])
    assert answered.sum() == pytest.approx(mean["answered"], rel=1e-12)
    assert (answered > 0).sum() >= 2
    asa = np.array([mean[f"asa_s[group={g}]"] for g in groups])
    assert np.nansum(asa * answered) / answered.sum() == pytest.approx(mean["asa_s"], rel=1e-9)
    for dimension in ("queue", "call_type"):
        summed = sum(mean[f"answered[{dimension}={m}]"] for m in result.members(dimension))
        assert summed == pytest.approx(mean["answered"], rel=1e-12)
    assert mean["overflow_rate"] > 0 and mean["transfers_per_contact"] > 0
    # Per interval too: per-queue offered adds up to the overall offered in every interval.
    overall = result.intervals(wide=True)
    by_queue = result.intervals(by="queue", wide=True)
    summed = by_queue.groupby(["day", "interval"])["offered"].sum().to_numpy()
    np.testing.assert_allclose(summed, overall["offered"], rtol=1e-12)
    # And per serving group: answered contacts per interval add up to the overall ones.
    by_group = result.intervals(by="group", wide=True)
    answered = by_group.groupby(["day", "interval"])["answered"].sum().to_numpy()
    np.testing.assert_allclose(answered, overall["answered"], rtol=1e-12)


def test_ivr_time_never_exceeds_the_longest_path_through_a_deterministic_menu() -> None:
    """Greeting 10 s, two options at 4 s each, a submenu of two: at most 10 + 2 * 4 + 2 * 4
    = 26 s in the IVR, whatever callbacks, voicemail and redials do afterwards."""
    fixed_patience = {"dist": "deterministic", "value": 600}
    scenario = _scenario(
        ivr={
            "greeting_s": 10,
            "seconds_per_option": 4,
            "patience": fixed_patience,
            "menu": {
                "options": {
                    "1": {"queue": "q0"},
                    "2": {"menu": {"options": {"1": {"queue": "q1"}, "2": {"queue": "q0"}}}},
                }
            },
        },
        callback={
            "offer_when_expected_wait_s": 10,
            "accept_probability": 0.5,
            "calling_hours_local": ["00:00", "23:59"],
        },
        voicemail={"when_expected_wait_s_over": 240, "calling_hours_local": ["00:00", "23:59"]},
        callers={"redial": {"probability": 0.8, "delay": {"dist": "exponential", "mean": 60}}},
        calendar={"open": "08:00", "close": "10:00", "interval_minutes": 30},
        call_types=[
            {
                "name": f"c{k}",
                "target": f"q{k}",
                "volume": {"rate_per_hour": 60},
                "handle_time": {"dist": "exponential", "mean": 200},
                "patience": {"dist": "exponential", "mean": 100},
            }
            for k in range(2)
        ],
    )
    result = simulator.run(scenario, replications=2)
    contacts = result.contacts()
    assert (contacts["origin"] == "callback").any() and (contacts["origin"] == "redial").any()
    summary = result.summary()["mean"]
    assert 10 < summary["ivr_time_s"] <= 26
    inbound = contacts[contacts["origin"].isin(["first", "redial", "recontact"]) & contacts["ivr"]]
    ivr_end = inbound["queue_entry"].fillna(inbound["end"])
    assert (ivr_end - inbound["arrival"]).max() <= 26 + 1e-6
    for name in shown_kpis(scenario, list(result.summary().index)):
        if name.startswith("ivr_time_s["):
            assert summary[name] <= 26


def test_confidence_bounds_are_clipped_to_the_kpi_range_and_say_so() -> None:
    result = simulator.run(_scenario(), replications=3, keep_contacts=False)
    summary = result.summary()
    shares = [k.name for k in result.kpis if k.unit == "share"]
    assert (summary.loc[shares, "low"].dropna() >= 0).all()
    assert (summary.loc[shares, "high"].dropna() <= 1).all()
    assert (summary["low"].drop(["announce_error_s"]).dropna() >= 0).all()
    cut = summary[summary["clipped"]]
    assert len(cut) > 0  # e.g. hours after close, 0 in most replications
    np.testing.assert_array_less(cut["mean"] - cut["half_width"] - 1e-15, cut["low"] + 0.0)
    assert "clipped" in result.metadata()["confidence_bounds"]


def test_intervals_long_table_and_replication_values() -> None:
    result = simulator.run(_scenario(), replications=3, keep_contacts=False)
    long = result.intervals()
    assert {"day", "interval", "start", "counted", "breakdown", "kpi", "mean"} <= set(long)
    assert set(long["breakdown"]) == {"all"}
    by_queue = result.intervals(by="queue")
    assert set(by_queue["breakdown"]) == {"queue=q0", "queue=q1"}
    reps = result.intervals(by="queue", replications=True)
    row = reps[(reps["kpi"] == "offered") & (reps["breakdown"] == "queue=q0")]
    wide = result.intervals(by="queue", wide=True)
    expected = wide.loc[wide["breakdown"] == "queue=q0", "offered"].to_numpy()
    np.testing.assert_allclose(row["value"].to_numpy().reshape(-1, 3).mean(axis=1), expected)
    with pytest.raises(ValueError, match="by="):
        result.intervals(by="floor")  # type: ignore[arg-type]


def test_a_plain_scenario_shows_only_what_it_uses() -> None:
    plain = scenario_from_dict(
        {
            "name": "plain",
            "calendar": {"open": "08:00", "close": "09:00", "interval_minutes": 30},
            "queues": [{"name": "q"}],
            "call_types": [
                {
                    "name": "c",
                    "target": "q",
                    "volume": {"rate_per_hour": 60},
                    "handle_time": {"dist": "exponential", "mean": 200},
                    "patience": {"dist": "exponential", "mean": 100},
                }
            ],
            "agent_groups": [{"name": "a", "skills": {"q": 1}, "staffing": 4}],
        }
    )
    assert scenario_features(plain) == frozenset()
    result = simulator.run(plain, replications=2, keep_contacts=False)
    shown = result.shown()
    for word in ("callback", "voicemail", "ivr", "escalation", "announce", "cost", "["):
        assert not any(word in name for name in shown), word
    assert {"service_level", "abandon_rate", "asa_s", "occupancy"} <= set(shown)


def test_with_changes_uses_the_key_paths_and_errors_of_set() -> None:
    scenario = simulator.load_scenario("scenarios/bank_pingpong.yaml")
    changed = scenario.with_changes(
        {"agent_groups[cards_department].staffing": 6, "routing.policy": "fcfs"}
    )
    assert changed.agent_groups[1].staffing == 6 and changed.routing.policy == "fcfs"
    assert scenario.agent_groups[1].staffing != 6  # the original is unchanged
    with pytest.raises(OverrideError, match=r"agent_groups\[nobody\]"):
        scenario.with_changes({"agent_groups[nobody].staffing": 6})
    with pytest.raises(OverrideError, match=r"agent_groups\[0\]\.staffing"):
        scenario.with_changes({"agent_groups[0].staffing": -1})


def test_result_repr_is_short_and_html_lists_the_shown_kpis() -> None:
    result = simulator.run(_scenario(), replications=2, keep_contacts=False)
    text = repr(result)
    assert text.startswith("RunResult('hand log', 2 replications") and len(text) < 250
    html = result._repr_html_()
    assert "Service level" in html and "Time in IVR" not in html
    console = Console(width=80, record=True)
    console.print(html)


def test_the_long_interval_table_pivots_back_to_the_wide_one() -> None:
    """The report reads intervals.csv (long) and pivots it: the same numbers as the figures
    drawn from ``intervals(wide=True)``."""
    from simulator.experiment.result import wide_intervals

    result = simulator.run(_scenario(), replications=3, keep_contacts=False)
    for by, breakdown in ((None, "all"), ("queue", "queue")):
        wide = result.intervals(by=by, wide=True)
        pivoted = wide_intervals(result.intervals(by=by), breakdown)
        assert list(pivoted.columns) == list(wide.columns)
        numbers = [c for c in wide.columns if c not in ("start", "breakdown")]
        np.testing.assert_allclose(
            pivoted[numbers].to_numpy(dtype=float), wide[numbers].to_numpy(dtype=float)
        )


def test_every_run_table_fits_80_columns(tmp_path: Path) -> None:
    """A three-queue centre with long names, every KPI and breakdown listed (--all)."""
    data = scenario_to_dict(_scenario())
    for k, queue in enumerate(data["queues"]):
        queue["name"] = f"a_rather_long_queue_name_{k}"
    for k, ct in enumerate(data["call_types"]):
        ct["name"] = f"a_rather_long_call_type_name_{k}"
        ct["target"] = f"a_rather_long_queue_name_{k}"
    for k, group in enumerate(data["agent_groups"]):
        group["skills"] = {f"a_rather_long_queue_name_{k}": 1}
    data["calendar"]["days"] = 2
    data["calendar"]["close"] = "09:00"
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data))
    runner = CliRunner()
    for extra in ([], ["--all"]):
        result = runner.invoke(
            app, ["run", str(path), "-r", "2", "-w", "1", "-q", "-o", str(tmp_path / "o"), *extra]
        )
        assert result.exit_code == 0, result.output
        assert_fits_80_columns(result.output)
        assert "Service level by queue and interval" in result.output
        assert ("ivr_time_s" in result.output) == bool(extra)


def test_report_cards_costs_and_settings_follow_the_scenario(tmp_path: Path) -> None:
    runner = CliRunner()
    free = scenario_to_dict(_scenario())
    free.pop("costs")
    priced = scenario_to_dict(_scenario(costs={"agent_hour": 30, "currency": "EUR"}))
    priced["callback"] = {"offer_when_expected_wait_s": 30, "accept_probability": 0.5}
    pages = {}
    for name, data in (("free", free), ("priced", priced)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data))
        out = tmp_path / name
        args = ["run", str(path), "-r", "2", "-w", "1", "-q", "-o", str(out), "--report"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        pages[name] = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-kpi="cost"' not in pages["free"] and "Cost of agents" not in pages["free"]
    assert 'class="card" data-kpi="cost"' in pages["priced"]
    for text in ("Cost of agents", "Cost of telephony", "EUR", "Callbacks", "accepted by 50%"):
        assert text in pages["priced"], text
    assert 'data-kpi="ivr_time_s"' not in pages["priced"]
