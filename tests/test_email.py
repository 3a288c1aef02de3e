"""E-mail as a backlog, checked against conservation, a fluid model and the blending rule.

- Conservation: over a multi-day calendar every e-mail received is answered or still in
  the backlog at the end, day by day and overall, also with calls blended.
- Fluid model: c agents answering only e-mail, deterministic handle time h, e-mails
  arriving while open at rate λ (Poisson): while the backlog lasts every agent answers
  T/h e-mails a day, so the backlog at each close is max(0, B + λT - cT/h) up to the
  Poisson noise of the arrivals since the backlog was last empty.
- Blending: a free agent takes an e-mail only when no call it serves is waiting, and
  never while the centre is closed (checked on the contact log).
- Working hours: the e-mail service level and response recomputed by hand, day by day.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simulator
from helpers import assert_check_refuses, critical_t
from simulator.metrics.email import EMAIL_FIELDS, EmailCounting, working_seconds
from simulator.metrics.log import CONTACT_DTYPE, Outcome
from simulator.metrics.registry import kpi_registry
from simulator.metrics.tally import Tally
from simulator.model.replication import simulate_replication
from simulator.scenario import scenario_from_dict, scenario_to_dict

OPEN_H, CLOSE_H = 8, 16
T_OPEN_S = (CLOSE_H - OPEN_H) * 3600.0
DAY_S = 86400.0
EXAMPLE = Path(__file__).parent.parent / "scenarios" / "email_backlog.yaml"


def _scenario(
    *,
    days: int,
    email_per_hour: float | dict[str, float],
    email_agents: int,
    handle: dict[str, Any],
    calls_per_hour: float = 0.0,
    phone_agents: int = 0,
    replications: int = 5,
    threshold_h: float = 8,
    seed: int = 5,
    overnight_per_hour: float = 0.0,
) -> Any:
    """E-mail (and optionally calls) on a calendar open 08:00-16:00 from a Monday."""
    if isinstance(email_per_hour, dict):
        base, by_weekday = 0.0, {d: {"rate_per_hour": r} for d, r in email_per_hour.items()}
    else:
        base, by_weekday = email_per_hour, {}
    data: dict[str, Any] = {
        "name": "e-mail test",
        "seed": seed,
        "replications": replications,
        "calendar": {
            "days": days,
            "open": f"{OPEN_H:02d}:00",
            "close": f"{CLOSE_H:02d}:00",
            "interval_minutes": 60,
            "start_weekday": "mon",
        },
        "service_level": {"threshold_s": 20, "email_threshold_hours": threshold_h},
        "queues": [{"name": "email", "channel": "email"}],
        "call_types": [
            {
                "name": "mail",
                "target": "email",
                "volume": {"rate_per_hour": base, "by_weekday": by_weekday},
                "handle_time": handle,
                "overnight_rate_per_hour": overnight_per_hour,
            }
        ],
        "agent_groups": [{"name": "back_office", "skills": {"email": 1}, "staffing": email_agents}],
    }
    if calls_per_hour:
        data["queues"].append({"name": "phone"})
        data["call_types"].append(
            {
                "name": "call",
                "target": "phone",
                "volume": {"rate_per_hour": calls_per_hour},
                "handle_time": {"dist": "exponential", "mean": 240},
                "patience": {"dist": "exponential", "mean": 300},
            }
        )
        data["agent_groups"][0]["skills"] = {"phone": 1, "email": 2}
        data["agent_groups"].append(
            {"name": "phone_team", "skills": {"phone": 1}, "staffing": phone_agents}
        )
    return scenario_from_dict(data)


def _emails(result: simulator.RunResult) -> pd.DataFrame:
    contacts = result.contacts()
    return contacts[contacts["call_type"] == "mail"]


def _backlog_at_closes(emails: pd.DataFrame, days: int) -> np.ndarray:
    """Per replication and day: e-mails that arrived before the close and were not
    answered before it (from the log's arrival and answer times only).
    """
    closes = np.arange(days) * DAY_S + CLOSE_H * 3600.0
    out = []
    for _, rows in emails.groupby("replication"):
        arrival = rows["arrival"].to_numpy()[:, None]
        answer = rows["answer"].to_numpy()[:, None]  # NaN: never answered
        waiting = (arrival < closes) & ~(answer < closes)
        out.append(waiting.sum(axis=0))
    return np.array(out)


@pytest.mark.parametrize("at_close", ["finish", "disconnect"])
def test_conservation_over_nights_with_calls_blended(at_close: str) -> None:
    """received = answered + backlog, per day (through the nights) and overall; callers
    cut off at the close (``disconnect``) or not, e-mails are never lost.
    """
    days = 4
    scenario = _scenario(
        days=days,
        email_per_hour={"mon": 40, "tue": 15, "wed": 15, "thu": 40},
        email_agents=3,
        handle={"dist": "gamma", "mean": 300, "cv": 0.5},
        calls_per_hour=30,
        phone_agents=2,
        replications=3,
        overnight_per_hour=4,
    ).with_changes({"calendar.at_close": at_close})
    result = simulator.run(scenario)
    emails = _emails(result)
    assert len(emails) > 2000
    time_of_day = emails["arrival"].to_numpy() % DAY_S
    night = (time_of_day < OPEN_H * 3600) | (time_of_day >= CLOSE_H * 3600)
    assert night.sum() > 3 * 3 * 50  # three nights of 16 h at 4 an hour, per replication
    assert (emails.loc[night, "interval"] == 0).all()  # counted in the next day's first
    assert (emails.loc[night, "day"] > 0).all()
    outcomes = set(emails["outcome"])
    assert outcomes == {"answered", "backlog"}, outcomes  # nothing abandoned or cut off
    answered_at = emails["answer"].to_numpy()
    day_of_answer = np.floor(answered_at / DAY_S)
    backlog = _backlog_at_closes(emails, days)
    assert backlog[:, 0].min() > 0 and backlog[:, -1].min() > 0  # nights are crossed
    for r, (_, rows) in enumerate(emails.groupby("replication")):
        answer_day = np.floor(rows["answer"].to_numpy() / DAY_S)
        carried = 0
        for day in range(days):
            received = int((rows["day"] == day).sum())
            answered = int((answer_day == day).sum())
            assert backlog[r, day] == carried + received - answered, (r, day)
            carried = backlog[r, day]
        assert carried == int((rows["outcome"] == "backlog").sum())
    assert not np.any(np.isnan(answered_at[emails["outcome"] == "answered"]))
    assert day_of_answer[emails["outcome"] == "answered"].max() < days
    summary = result.summary()["mean"]
    n = result.n
    assert summary["email_received"] * n == len(emails)
    assert summary["email_received"] == summary["email_answered"] + summary["email_backlog_end"]
    assert summary["email_backlog_end"] * n == backlog[:, -1].sum()
    assert summary["email_backlog_at_close"] * n == backlog.sum()
    # Interval by interval (arrival) and at each day's close (the day's last interval).
    wide = result.intervals(wide=True)
    assert np.allclose(wide["email_received"], wide["email_answered"] + wide["email_backlog_end"])
    closing = wide["email_backlog_at_close"].to_numpy().reshape(days, -1)
    assert np.allclose(closing[:, -1] * n, backlog.sum(axis=0))
    assert np.all(closing[:, :-1] == 0)
    # E-mails stay out of the callers' KPIs.
    calls = result.contacts()
    calls = calls[calls["call_type"] == "call"]
    assert summary["offered"] * n == len(calls)


def test_backlog_follows_the_fluid_model() -> None:
    """Backlog at each close against B_d = max(0, B_{d-1} + λT - cT/h).

    E-mails arrive only while the centre is open (the model's rule), at λ per hour on
    weekday d; c agents answer e-mail only, each taking exactly h seconds, so while the
    backlog lasts each answers T/h e-mails a day (the last one started before the close
    is finished after it). The backlog's randomness is the Poisson count of arrivals
    since it was last empty, variance λT per day; the mean over R replications must lie
    within the family-wise t bound of that standard error.
    """
    agents, handle_s, replications = 8, 600.0, 20
    rates = {"mon": 60.0, "tue": 30.0, "wed": 70.0}
    scenario = _scenario(
        days=3,
        email_per_hour=rates,
        email_agents=agents,
        handle={"dist": "deterministic", "value": handle_s},
        replications=replications,
    )
    result = simulator.run(scenario)
    backlog = _backlog_at_closes(_emails(result), 3)
    capacity = agents * T_OPEN_S / handle_s  # 384 a day
    fluid, arrivals_since_empty = 0.0, 0.0
    bound = critical_t(replications)
    for day, rate in enumerate(rates.values()):
        arrivals = rate * T_OPEN_S / 3600.0
        fluid = max(0.0, fluid + arrivals - capacity)
        arrivals_since_empty = arrivals_since_empty + arrivals if fluid > 0 else arrivals
        se = math.sqrt(arrivals_since_empty / replications)
        mean = backlog[:, day].mean()
        assert abs(mean - fluid) <= bound * se, (day, mean, fluid, bound * se)
    assert backlog[:, 1].mean() < 5  # Tuesday drains Monday's backlog
    assert backlog[:, 2].mean() > 100  # and Wednesday builds a new one


def test_email_only_when_no_call_waits_and_only_while_open() -> None:
    """A blended agent takes an e-mail only when no call waits; never after the close."""
    scenario = _scenario(
        days=2,
        email_per_hour=30,
        email_agents=4,
        handle={"dist": "exponential", "mean": 400},
        calls_per_hour=50,
        phone_agents=2,
        replications=2,
        seed=11,
        overnight_per_hour=10,
    )
    result = simulator.run(scenario)
    contacts = result.contacts()
    for _, rows in contacts.groupby("replication"):
        emails = rows[rows["call_type"] == "mail"]
        calls = rows[(rows["call_type"] == "call") & rows["queue_entry"].notna()]
        taken = emails["answer"].dropna().to_numpy()
        assert len(taken) > 300
        time_of_day = taken % DAY_S
        assert np.all((time_of_day >= OPEN_H * 3600) & (time_of_day < CLOSE_H * 3600))
        start = calls["queue_entry"].to_numpy()
        end = start + calls["wait"].to_numpy()
        waiting = (start[None, :] < taken[:, None]) & (taken[:, None] < end[None, :])
        assert not waiting.any(), f"{waiting.any(axis=1).sum()} e-mails taken while a call waited"
        assert (calls["wait"] > 0).sum() > 100  # calls did wait: the check had work to do
        assert emails["group"].dropna().eq("back_office").all()


def test_working_hours_service_level_by_hand() -> None:
    """The e-mail service level and mean response recomputed day by day from the log."""
    threshold_h = 3.0
    scenario = _scenario(
        days=3,
        email_per_hour={"mon": 45, "tue": 20, "wed": 30},
        email_agents=4,
        handle={"dist": "exponential", "mean": 500},
        replications=2,
        threshold_h=threshold_h,
        overnight_per_hour=3,
    )
    result = simulator.run(scenario)
    emails = _emails(result)

    def working_hours_between(start: float, end: float) -> float:
        hours = 0.0
        for day in range(int(start // DAY_S), int(end // DAY_S) + 1):
            lo = max(start, day * DAY_S + OPEN_H * 3600)
            hi = min(end, day * DAY_S + CLOSE_H * 3600)
            hours += max(0.0, hi - lo) / 3600.0
        return hours

    last_close = 2 * DAY_S + CLOSE_H * 3600.0
    within = due = 0
    response = []
    for arrival, answer in zip(emails["arrival"], emails["answer"], strict=True):
        left = working_hours_between(arrival, last_close)
        if left >= threshold_h:
            due += 1
            within += not math.isnan(answer) and working_hours_between(arrival, answer) <= (
                threshold_h
            )
        if not math.isnan(answer):
            response.append(working_hours_between(arrival, answer))
    summary = result.summary()["mean"]
    assert 0.05 < within / due < 0.95  # the threshold is binding
    assert summary["email_service_level"] == pytest.approx(within / due, rel=1e-9)
    assert summary["email_mean_response_h"] == pytest.approx(np.mean(response), rel=1e-6)


def test_working_seconds_stop_while_closed() -> None:
    """17:00 on day 0 to 09:00 on day 1, open 08:00-18:00: two working hours."""
    open_s, length = 8 * 3600.0, 10 * 3600.0
    t = np.array([17 * 3600.0, DAY_S + 9 * 3600.0, 3 * 3600.0, 20 * 3600.0])
    w = working_seconds(t, open_s, length)
    assert w[1] - w[0] == 2 * 3600.0
    assert w[2] == 0.0 and w[3] == length  # before opening, after closing


def test_voice_scenarios_have_no_email_rule_or_kpi() -> None:
    """Without an e-mail queue nothing of e-mail is compiled in or reported."""
    scenario = _scenario(
        days=1, email_per_hour=1, email_agents=1, handle={"dist": "exponential", "mean": 60}
    )
    data = scenario.model_dump(by_alias=True)
    data["queues"][0]["channel"] = "voice"
    voice = scenario_from_dict(data)
    output = simulate_replication(voice, 0)
    assert output.tally.email is None and output.tally.email_waiting_s is None
    summary = simulator.run(voice, replications=2).summary()
    assert not [name for name in summary.index if name.startswith("email")]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda d: d["call_types"][0].update(patience={"dist": "exponential", "mean": 60}),
            "call_types[0].patience",
            "e-mails never abandon",
        ),
        (
            lambda d: d["call_types"][0].update(balk_probability=0.1),
            "call_types[0].balk_probability",
            "e-mails never balk",
        ),
        (
            lambda d: d.update(transfers={"matrix": {"phone": {"email": 0.2}}}),
            "transfers.matrix.phone.email",
            "is an e-mail queue",
        ),
        (
            lambda d: d["routing"].update(
                overflow=[{"from": "email", "to": "phone", "after_s": 9}]
            ),
            "routing.overflow[0].from",
            "is an e-mail queue",
        ),
        (
            lambda d: d["call_types"][1].update(overnight_rate_per_hour=2),
            "call_types[1].overnight_rate_per_hour",
            "only e-mail arrives while the centre is closed",
        ),
        (
            lambda d: d["service_level"].update(email_threshold_hours=0),
            "service_level.email_threshold_hours",
            "must be > 0",
        ),
    ],
)
def test_bad_email_keys_are_refused(tmp_path: Path, change: Any, path: str, message: str) -> None:
    """``ccsim check`` names the key path of what does not fit e-mail; exit status 2."""
    scenario = _scenario(
        days=1,
        email_per_hour=5,
        email_agents=1,
        handle={"dist": "exponential", "mean": 60},
        calls_per_hour=5,
        phone_agents=1,
    )
    data = scenario_to_dict(scenario)
    change(data)
    assert_check_refuses(data, tmp_path, path, message)


def test_email_kpis_on_a_hand_made_log() -> None:
    """Four e-mails written by hand (open 08:00-16:00, two days, threshold 2 h).

    - 09:30 day 0, answered 10:00 day 0: 0.5 working hours, within, never waits overnight;
    - 15:00 day 0, answered 09:30 day 1: 1 h + 1.5 h = 2.5 working hours (18.5 clock
      hours), not within, waiting at day 0's close;
    - 09:00 day 1, never answered: due (its 2 h pass at 11:00), not within, waiting at
      day 1's close;
    - 15:30 day 1, never answered: not due (0.5 working hours left in the run), waiting
      at day 1's close.
    """
    rows = np.zeros(4, dtype=CONTACT_DTYPE)
    hour = 3600.0
    rows["arrival"] = [9.5 * hour, 15 * hour, DAY_S + 9 * hour, DAY_S + 15.5 * hour]
    rows["queue_entry"] = rows["arrival"]
    rows["answer"] = [10 * hour, DAY_S + 9.5 * hour, np.nan, np.nan]
    rows["outcome"] = [Outcome.ANSWERED, Outcome.ANSWERED, Outcome.BACKLOG, Outcome.BACKLOG]
    rows["day"] = [0, 0, 1, 1]
    rows["interval"] = [1, 7, 1, 7]
    counting = EmailCounting(
        is_email_type=np.array([True]),
        is_email_queue=np.array([True]),
        open_s=OPEN_H * hour,
        open_length_s=T_OPEN_S,
        days=2,
        threshold_s=2 * hour,
    )
    tally = Tally(16, 1, 1, 1, 20.0, 5.0, 0.0, 8, email=counting)
    tally.add_contacts(rows)
    totals = {name: tally.contacts[name].sum(axis=(0, 1))[None] for name in EMAIL_FIELDS}
    expected = {
        "email_received": 4,
        "email_answered": 2,
        "email_backlog_end": 2,
        "email_backlog_at_close": 1 + 2,
        "email_service_level": 1 / 3,
        "email_mean_response_h": (0.5 + 2.5) / 2,
        "email_mean_response_clock_h": (0.5 + 18.5) / 2,
    }
    kpis = {kpi.name: kpi for kpi in kpi_registry()}
    for name, value in expected.items():
        kpi = kpis[name]
        got = kpi.numerator(totals)
        if kpi.denominator is not None:
            got = got / kpi.denominator(totals)
        assert float(got[0]) == pytest.approx(value, rel=1e-12), name
    closing = tally.contacts["email_backlog_close"][:, 0]
    assert closing[7] == 1 and closing[15] == 2 and closing.sum() == 3  # each day's last
    assert tally.contacts["offered"].sum() == 0  # e-mails are not callers


def test_staffing_search_says_it_does_not_staff_email() -> None:
    """``ccsim staff`` on an e-mail scenario exits 2 saying why, instead of staffing the
    backlog as if its e-mails were calls."""
    from typer.testing import CliRunner

    from simulator.cli import app

    outcome = CliRunner().invoke(
        app, ["staff", str(EXAMPLE), "-t", "service_level=0.8", "--analytic"]
    )
    assert outcome.exit_code == 2, outcome.output
    assert "e-mail queues are not staffed" in outcome.output
    assert "Traceback" not in outcome.output


def test_email_in_its_own_team_leaves_the_calls_exactly_as_they_were() -> None:
    """E-mail answered by a back office that takes no calls: every call is the very same
    contact as without e-mail (same seed), and the callers' KPIs are identical.
    """
    with_email = _scenario(
        days=2,
        email_per_hour=30,
        email_agents=3,
        handle={"dist": "exponential", "mean": 400},
        calls_per_hour=40,
        phone_agents=3,
        replications=2,
        overnight_per_hour=5,
    )
    data = scenario_to_dict(with_email)
    data["agent_groups"][0]["skills"] = {"email": 1}  # the back office: e-mail only
    data["call_types"].reverse()  # calls first: each call type draws from its own streams
    with_email = scenario_from_dict(data)
    # The same centre without e-mail: the call type, queue and phone team keep their
    # names; the e-mail parts are taken out.
    data["queues"] = [q for q in data["queues"] if q["name"] != "email"]
    data["call_types"] = [ct for ct in data["call_types"] if ct["name"] != "mail"]
    data["agent_groups"] = [g for g in data["agent_groups"] if g["name"] != "back_office"]
    without = scenario_from_dict(data)
    a, b = simulator.run(with_email), simulator.run(without)
    calls = a.contacts()
    calls = calls[calls["call_type"] == "call"]
    alone = b.contacts()
    assert len(calls) == len(alone) > 1000
    for column in ("arrival", "answer", "wait", "talk", "end"):
        np.testing.assert_array_equal(calls[column].to_numpy(), alone[column].to_numpy())
    assert (calls["outcome"].astype(str).to_numpy() == alone["outcome"].astype(str)).all()
    summary_a, summary_b = a.summary()["mean"], b.summary()["mean"]
    for kpi in ("offered", "service_level", "abandon_rate", "asa_s", "mean_queue_length"):
        assert summary_a[kpi] == summary_b[kpi], kpi
    assert summary_a["email_received"] > 500


def test_email_queues_are_served_by_skill_priority() -> None:
    """Between two e-mail queues, a free agent takes the lower-priority one only when
    nothing waits in the higher one (checked on the log), and the higher one is answered
    faster.
    """
    data = scenario_to_dict(
        _scenario(
            days=2,
            email_per_hour=20,
            email_agents=5,
            handle={"dist": "exponential", "mean": 500},
            replications=2,
        )
    )
    data["queues"].append({"name": "complaints", "channel": "email"})
    complaint = dict(data["call_types"][0], name="complaint", target="complaints")
    data["call_types"].append(complaint)
    data["agent_groups"][0]["skills"] = {"email": 1, "complaints": 2}
    result = simulator.run(scenario_from_dict(data))
    contacts = result.contacts()
    for _, rows in contacts.groupby("replication"):
        first = rows[rows["call_type"] == "mail"]
        second = rows[(rows["call_type"] == "complaint") & rows["answer"].notna()]
        assert len(second) > 50
        taken = second["answer"].to_numpy()
        arrival = first["arrival"].to_numpy()
        answer = first["answer"].fillna(np.inf).to_numpy()
        waiting = (arrival[None, :] < taken[:, None]) & (taken[:, None] < answer[None, :])
        assert not waiting.any(), f"{waiting.any(axis=1).sum()} taken over a waiting e-mail"
    summary = result.summary()["mean"]
    assert (
        summary["email_mean_response_h[queue=email]"]
        < summary["email_mean_response_h[queue=complaints]"]
    )
