"""Callbacks, voicemail, delay announcements and wait estimates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import simulator
from helpers import critical_t
from simulator.scenario import scenario_from_dict


def _centre(**changes: Any) -> simulator.Scenario:
    """One overloaded queue (110 calls/h of 5 min on 9 agents), callers in three zones."""
    data: dict[str, Any] = {
        "name": "callbacks",
        "seed": 3,
        "replications": 10,
        "calendar": {"open": "08:00", "close": "18:00", "interval_minutes": 30},
        "queues": [{"name": "q"}],
        "call_types": [
            {
                "name": "c",
                "target": "q",
                "volume": {"rate_per_hour": 110},
                "handle_time": {"dist": "exponential", "mean": 300},
                "patience": {"dist": "exponential", "mean": 180},
            }
        ],
        "callers": {"timezones": {"0": 0.5, "+3": 0.3, "-6": 0.2}},
        "agent_groups": [{"name": "a", "skills": {"q": 1}, "staffing": 9}],
    }
    data.update(changes)
    return scenario_from_dict(data)


CALLBACK = {
    "offer_when_expected_wait_s": 60,
    "accept_probability": 0.6,
    "calling_hours_local": ["00:00", "24:00"],
}


def _paired_low(a: pd.Series, b: pd.Series) -> float:
    """Lower bound of the family-wise interval of mean(a - b) over replications."""
    d = a - b
    return float(d.mean() - critical_t(len(d)) * d.std(ddof=1) / np.sqrt(len(d)))


def test_offering_callbacks_lowers_abandonment() -> None:
    plain = simulator.run(_centre(replications=20)).replications()
    offered = simulator.run(
        _centre(replications=20, callback={**CALLBACK, "accept_probability": 0.8})
    ).replications()
    assert _paired_low(plain["abandon_rate"], offered["abandon_rate"]) > 0
    assert (offered["callback_offered_rate"] > 0).all()


def test_callbacks_moved_past_the_peak_shorten_the_wait_of_those_who_stay() -> None:
    """A morning peak beyond capacity, a quiet afternoon: scheduled callbacks take work
    off the peak, so the callers who stay on the line wait less."""
    peaked = {
        "call_types": [
            {
                "name": "c",
                "target": "q",
                "volume": {"profile_per_interval": [70] * 8 + [20] * 8},
                "handle_time": {"dist": "exponential", "mean": 300},
                "patience": {"dist": "exponential", "mean": 180},
            }
        ],
        "calendar": {"open": "08:00", "close": "16:00", "interval_minutes": 30},
        "replications": 20,
    }
    plain = simulator.run(_centre(**peaked)).replications()
    scheduled = simulator.run(
        _centre(
            **peaked,
            callback={
                **CALLBACK,
                "accept_probability": 0.8,
                "mode": "scheduled",
                "scheduled_after_s": 4 * 3600,
                # Patient customers, to isolate the effect on the queue (by default a
                # callback four hours later reaches 0.4 % of them: see the decay test).
                "answer_probability": {"at_zero_delay": 0.95, "half_life_minutes": 6000},
            },
        )
    ).replications()
    assert _paired_low(plain["abandon_rate"], scheduled["abandon_rate"]) > 0
    assert _paired_low(plain["asa_s"], scheduled["asa_s"]) > 0
    assert (scheduled["callback_success_rate"] > 0.5).all()


def test_virtual_hold_keeps_the_callers_place_in_line() -> None:
    """Deterministic talk, instant dialling, callers who always answer: same order of service."""
    det = {"dist": "deterministic", "value": 240}
    base = dict(
        call_types=[
            {"name": "c", "target": "q", "volume": {"rate_per_hour": 30}, "handle_time": det}
        ],
        agent_groups=[{"name": "a", "skills": {"q": 1}, "staffing": 1}],
        replications=2,
    )
    hold = {
        "offer_when_expected_wait_s": 0,
        "accept_probability": 1.0,
        "calling_hours_local": ["00:00", "24:00"],
        "dial_time": {"dist": "deterministic", "value": 0},
        "answer_probability": {"at_zero_delay": 1.0, "half_life_minutes": 1e9},
    }
    without = simulator.run(_centre(**base)).contacts()
    with_hold = simulator.run(_centre(**base, callback=hold)).contacts()
    assert (with_hold["outcome"] == "callback_accepted").sum() > 10

    def order(contacts: pd.DataFrame) -> list[tuple[int, int]]:
        talked = contacts[contacts["outcome"] == "answered"].sort_values(["replication", "answer"])
        return list(zip(talked["replication"], talked["caller_id"], strict=True))

    assert order(with_hold) == order(without)


def _clock_centre(clock: str) -> simulator.Scenario:
    return _centre(
        callback={
            "offer_when_expected_wait_s": 60,
            "accept_probability": 0.6,
            "calling_hours_local": ["09:00", "21:00"],
            "clock": clock,
            "max_attempts": 1,
        }
    )


def test_callers_are_rung_only_in_their_own_calling_hours() -> None:
    local = simulator.run(_clock_centre("caller_local"))
    assert (local.replications()["callbacks_outside_hours"] == 0).all()
    contacts = local.contacts()
    rung = contacts[(contacts["origin"] == "callback") & (contacts["attempts"] > 0)]
    assert len(rung) > 50
    assert ((rung["dialled_local"] >= "09:00") & (rung["dialled_local"] < "21:00")).all()


def test_the_site_clock_rings_callers_in_other_zones_outside_their_hours() -> None:
    site = simulator.run(_clock_centre("site"))
    assert (site.replications()["callbacks_outside_hours"] > 0).all()
    contacts = site.contacts()
    late = contacts[contacts["outside_hours"] > 0]
    assert (late["tz_h"] != 0).all()
    local = late["dialled_local"]
    assert ((local < "09:00") | (local >= "21:00")).all()


def test_callback_answers_decay_with_the_delay_as_configured() -> None:
    p0, half_life = 0.9, 4.0
    scenario = _centre(
        callback={
            "offer_when_expected_wait_s": 0,
            "accept_probability": 1.0,
            "max_attempts": 1,
            "calling_hours_local": ["00:00", "24:00"],
            "answer_probability": {"at_zero_delay": p0, "half_life_minutes": half_life},
        }
    )
    contacts = simulator.run(scenario).contacts()
    rung = contacts[contacts["origin"] == "callback"].copy()
    delay_min = (rung["dialled_at"] - rung["arrival"]) / 60.0
    rung["expected"] = p0 * 0.5 ** (delay_min / half_life)
    rung["answered"] = rung["outcome"] == "answered"
    assert delay_min.max() > half_life  # the test spans the decay
    residual = (rung["answered"] - rung["expected"]).groupby(rung["replication"]).mean()
    se = residual.std(ddof=1) / np.sqrt(len(residual))
    assert abs(residual.mean()) <= critical_t(len(residual)) * se
    assert (
        contacts.loc[contacts["origin"] == "callback", "outcome"].isin(["answered", "unreached"])
    ).all()


def test_unanswered_callbacks_are_retried_up_to_max_attempts() -> None:
    scenario = _centre(
        callback={
            "offer_when_expected_wait_s": 0,
            "accept_probability": 1.0,
            "max_attempts": 3,
            "retry_after_s": 300,
            "calling_hours_local": ["00:00", "24:00"],
            "answer_probability": {"at_zero_delay": 0.3, "half_life_minutes": 1e9},
        }
    )
    contacts = simulator.run(scenario).contacts()
    rung = contacts[contacts["origin"] == "callback"]
    assert rung["attempts"].between(1, 3).all()
    unreached = rung[rung["outcome"] == "unreached"]
    assert (unreached["attempts"] == 3).sum() > 0
    # Fewer attempts only for callbacks still owed when the centre closed for good.
    cut_short = unreached[unreached["attempts"] < 3]
    assert (cut_short["end"] >= 18 * 3600).all()
    # Every attempt took agent time (20 s dialling by default).
    np.testing.assert_allclose(rung["backoffice"], 20 * rung["attempts"])


def test_scheduled_callbacks_join_the_queue_later() -> None:
    scenario = _centre(callback={**CALLBACK, "mode": "scheduled", "scheduled_after_s": 1200})
    rung = simulator.run(scenario).contacts().query("origin == 'callback'")
    assert ((rung["queue_entry"] - rung["arrival"]) >= 1200 - 1e-9).all()


def test_voicemail_turns_one_call_into_three_pieces_of_work() -> None:
    scenario = _centre(
        voicemail={
            "when_expected_wait_s_over": 120,
            "calling_hours_local": ["00:00", "24:00"],
            "message_time": {"dist": "deterministic", "value": 45},
            "listen_time": {"dist": "deterministic", "value": 60},
            "return_delay": {"dist": "exponential", "mean": 1800},
        }
    )
    result = simulator.run(scenario)
    contacts = result.contacts()
    messages = contacts[contacts["outcome"] == "voicemail"]
    assert len(messages) > 0
    np.testing.assert_allclose(messages["end"] - messages["queue_entry"], 45)  # the message
    returns = contacts[contacts["origin"] == "voicemail_return"]
    assert set(returns["caller_id"]) <= set(messages["caller_id"])
    first_try = returns[returns["attempts"] >= 1]
    assert (first_try["backoffice"] >= 60 + 20 - 1e-9).all()  # listening, then dialling
    assert (returns.loc[returns["outcome"] == "answered", "talk"] > 0).all()  # the call back
    assert result.kpi("voicemail_rate") > 0 and result.kpi("voicemail_reach_s") > 1800 * 0.5


def _announcing(mode: str) -> simulator.Scenario:
    factor = {} if mode == "accurate" else {"factor": 1.5}  # only a biased mode has one
    return _centre(announcement={"mode": mode, **factor}, replications=15)


def test_underpromising_delights_and_overpromising_disappoints() -> None:
    accurate = simulator.run(_announcing("accurate")).replications()
    pessimistic = simulator.run(_announcing("pessimistic")).replications()
    optimistic = simulator.run(_announcing("optimistic")).replications()
    assert _paired_low(pessimistic["delighted_rate"], accurate["delighted_rate"]) > 0
    assert _paired_low(optimistic["disappointed_rate"], accurate["disappointed_rate"]) > 0
    assert (pessimistic["announce_error_s"] > 0).all()


def _predictor_errors(servers: int) -> pd.DataFrame:
    """Per replication, callers who had to wait: mean squared error of the queue-length
    prediction, and what theory says it is (see the test)."""
    mean_service = 300.0
    load = 0.9 * servers
    scenario = scenario_from_dict(
        {
            "name": f"predictor n={servers}",
            "seed": 8,
            "replications": 12,
            "warmup_minutes": 120,
            "calendar": {"open": "00:00", "close": "12:00", "interval_minutes": 60},
            "queues": [{"name": "q"}],
            "call_types": [
                {
                    "name": "c",
                    "target": "q",
                    "volume": {"rate_per_hour": load * 3600 / mean_service},
                    "handle_time": {"dist": "exponential", "mean": mean_service},
                }
            ],
            "agent_groups": [{"name": "a", "skills": {"q": 1}, "staffing": servers}],
            "announcement": {"mode": "accurate"},
        }
    )
    contacts = simulator.run(scenario).contacts()
    waited = contacts[contacts["predicted"].notna() & (contacts["outcome"] == "answered")]
    return waited.groupby("replication").apply(
        lambda g: pd.Series(
            {
                "mse": ((g["predicted"] - g["wait"]) ** 2).mean(),
                "theory": (g["predicted"] * mean_service / servers).mean(),
            }
        ),
        include_groups=False,
    )


def test_the_queue_length_predictor_is_right_and_improves_as_the_centre_grows() -> None:
    """With k callers ahead and all n agents busy, the wait is Erlang(k + 1, n/s): the
    prediction (k + 1)s/n is its mean and its mean squared error is (k + 1)(s/n)^2 =
    prediction x s/n (Whitt 1999). The error shrinks as the centre grows."""
    small, large = _predictor_errors(5), _predictor_errors(60)
    for errors in (small, large):
        ratio = errors["mse"] / errors["theory"]
        se = ratio.std(ddof=1) / np.sqrt(len(ratio))
        assert abs(ratio.mean() - 1.0) <= critical_t(len(ratio)) * se
    assert _paired_low(np.sqrt(small["mse"]), np.sqrt(large["mse"])) > 0


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            {"callback": {"offer_when_expected_wait_s": 60, "accept_probability": 1.5}},
            "callback.accept_probability",
        ),
        (
            {"callback": {"offer_when_expected_wait_s": -1, "accept_probability": 0.5}},
            "callback.offer_when_expected_wait_s",
        ),
        (
            {
                "callback": {
                    "offer_when_expected_wait_s": 60,
                    "accept_probability": 0.5,
                    "calling_hours_local": ["21:00", "09:00"],
                }
            },
            "callback",
        ),
        (
            {
                "callback": {
                    "offer_when_expected_wait_s": 60,
                    "accept_probability": 0.5,
                    "clock": "utc",
                }
            },
            "callback.clock",
        ),
        (
            {
                "callback": {
                    "offer_when_expected_wait_s": 60,
                    "accept_probability": 0.5,
                    "max_attempts": 0,
                }
            },
            "callback.max_attempts",
        ),
        (
            {
                "callback": {
                    "offer_when_expected_wait_s": 60,
                    "accept_probability": 0.5,
                    "answer_probability": {"half_life_minutes": 0},
                }
            },
            "callback.answer_probability.half_life_minutes",
        ),
        (
            {
                "callback": {
                    "offer_when_expected_wait_s": 60,
                    "accept_probability": 0.5,
                    "mode": "later",
                }
            },
            "callback.mode",
        ),
        ({"voicemail": {"when_expected_wait_s_over": -5}}, "voicemail.when_expected_wait_s_over"),
        ({"announcement": {"mode": "optimistic", "factor": 0.5}}, "announcement.factor"),
        ({"announcement": {"mode": "hopeful"}}, "announcement.mode"),
        ({"wait_estimate": {"predictor": "crystal_ball"}}, "wait_estimate.predictor"),
        ({"callers": {"timezones": {"0": 0.5, "+3": 0.3}}}, "callers"),
        ({"callers": {"timezones": {"mars": 1.0}}}, "callers"),
    ],
)
def test_new_keys_reject_bad_values_with_the_key_path(change: dict, path: str) -> None:
    with pytest.raises(simulator.ScenarioError) as info:
        _centre(**change)
    assert path in [p.path for p in info.value.problems], str(info.value)
