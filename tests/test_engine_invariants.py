"""Invariants of the engine over random valid scenarios (Hypothesis).

Whatever the queues, skills, staffing forms, distributions, lines, redials and
overflow rules: every contact ends in exactly one outcome, times are ordered,
waits are never negative, no agent serves two contacts at once, occupancy stays
in [0, 1], and the KPI counts add up to what the contact log says.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator
from simulator.scenario import scenario_from_dict

OUTCOMES = {
    "answered",
    "abandoned",
    "blocked",
    "balked",
    "disconnected",
    "ivr_abandoned",
    "self_served",
}

DISTRIBUTIONS = st.one_of(
    st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(20, 400)),
    st.builds(
        lambda m, cv: {"dist": "lognormal", "mean": m, "cv": cv},
        st.floats(20, 400),
        st.floats(0, 2),
    ),
    st.builds(
        lambda m, cv: {"dist": "gamma", "mean": m, "cv": cv}, st.floats(20, 400), st.floats(0, 2)
    ),
    st.builds(
        lambda m, k: {"dist": "erlang", "mean": m, "k": k}, st.floats(20, 400), st.integers(1, 5)
    ),
    st.builds(lambda v: {"dist": "deterministic", "value": v}, st.floats(1, 400)),
    st.builds(
        lambda lo, w: {"dist": "uniform", "low": lo, "high": lo + w},
        st.floats(0, 200),
        st.floats(0, 200),
    ),
    st.builds(
        lambda vs: {"dist": "empirical", "values": vs},
        st.lists(st.floats(1, 400), min_size=1, max_size=5),
    ),
)
PATIENCE = st.one_of(st.just({"dist": "none"}), DISTRIBUTIONS)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    n_queues = draw(st.integers(1, 3))
    queues = [f"q{i}" for i in range(n_queues)]
    interval = draw(st.sampled_from([15, 30, 60]))
    hours = draw(st.integers(1, 3))
    open_h = draw(st.integers(6, 10))
    n_intervals = hours * 60 // interval
    call_types = [
        {
            "name": f"t{i}",
            "target": draw(st.sampled_from(queues)),
            "volume": draw(
                st.one_of(
                    st.builds(lambda r: {"rate_per_hour": r}, st.floats(0, 150)),
                    st.builds(
                        lambda p: {"profile_per_interval": p},
                        st.lists(st.floats(0, 40), min_size=n_intervals, max_size=n_intervals),
                    ),
                )
            ),
            "day_to_day_cv": draw(st.sampled_from([0.0, 0.2])),
            "handle_time": draw(DISTRIBUTIONS),
            "wrap_up": draw(st.one_of(st.none(), DISTRIBUTIONS)),
            "patience": draw(PATIENCE),
            "balk_probability": draw(st.sampled_from([0.0, 0.3])),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    groups = []
    for g in range(draw(st.integers(1, 3))):
        skills = draw(st.lists(st.sampled_from(queues), min_size=1, max_size=n_queues, unique=True))
        group: dict[str, Any] = {
            "name": f"g{g}",
            "skills": {q: draw(st.integers(1, 2)) for q in skills},
            "shrinkage": draw(st.sampled_from([0.0, 0.25])),
            "handle_time_factor": draw(st.sampled_from([1.0, 0.8, 1.3])),
        }
        form = draw(st.sampled_from(["staffing", "per_interval", "shifts"]))
        if form == "staffing":
            group["staffing"] = draw(st.integers(0, 6))
        elif form == "per_interval":
            group["per_interval"] = draw(
                st.lists(st.integers(0, 6), min_size=n_intervals, max_size=n_intervals)
            )
        else:
            start = draw(st.integers(0, n_intervals - 1))
            end = draw(st.integers(start + 1, n_intervals))
            group["shifts"] = [
                {
                    "start": _clock(open_h * 60 + start * interval),
                    "end": _clock(open_h * 60 + end * interval),
                    "count": draw(st.integers(1, 5)),
                }
            ]
        groups.append(group)
    # Every queue some call type targets must be served by someone.
    for q in queues:
        if not any(q in g["skills"] for g in groups):
            groups[0]["skills"][q] = 2
    days = draw(st.integers(1, 2))
    # A warm-up must leave at least one whole interval to count (the scenario refuses it).
    warmup = draw(st.sampled_from([0, 15])) if days * n_intervals > 1 else 0
    data: dict[str, Any] = {
        "name": "random",
        "seed": draw(st.integers(0, 2**31)),
        "replications": 2,
        "warmup_minutes": warmup,
        "calendar": {
            "days": days,
            "open": _clock(open_h * 60),
            "close": _clock(open_h * 60 + hours * 60),
            "interval_minutes": interval,
            "at_close": draw(st.sampled_from(["finish", "disconnect"])),
        },
        "queues": [{"name": q} for q in queues],
        "call_types": call_types,
        "agent_groups": groups,
        "routing": {"policy": draw(st.sampled_from(["priority_longest_idle", "fcfs"]))},
    }
    if draw(st.booleans()):
        data["lines"] = draw(st.integers(1, 20))
    if draw(st.booleans()):
        data["callers"] = {
            "redial": {"probability": draw(st.floats(0, 1)), "delay": draw(DISTRIBUTIONS)}
        }
    if n_queues > 1 and draw(st.booleans()):
        data["routing"]["overflow"] = [
            {"from": queues[0], "to": queues[1], "after_s": draw(st.floats(0, 120))}
        ]
    return data


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_agents_never_double_booked(contacts: pd.DataFrame) -> None:
    # Ties on the answer time (a zero-length call then the next) are ordered by their end.
    served = contacts[contacts["outcome"] == "answered"].sort_values(
        ["replication", "agent", "answer", "end"]
    )
    busy_until = served["end"] + served["wrap"]
    same_agent = (served["agent"].to_numpy()[1:] == served["agent"].to_numpy()[:-1]) & (
        served["replication"].to_numpy()[1:] == served["replication"].to_numpy()[:-1]
    )
    next_answer = served["answer"].to_numpy()[1:]
    # wrap is a float32 column: allow its rounding (well under a millisecond).
    assert np.all(next_answer[same_agent] >= busy_until.to_numpy()[:-1][same_agent] - 1e-4)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_conservation_and_ordering(data: dict[str, Any]) -> None:
    scenario = scenario_from_dict(data)
    result = simulator.run(scenario)
    contacts = result.contacts()
    if contacts.empty:
        return
    # Exactly one recognised outcome per contact, each contact once.
    assert set(contacts["outcome"].astype(str)) <= OUTCOMES
    assert not contacts.duplicated(["replication", "contact_id"]).any()
    # Times are ordered and waits never negative.
    answered = contacts["outcome"] == "answered"
    assert (contacts.loc[answered, "answer"] >= contacts.loc[answered, "arrival"]).all()
    assert (contacts.loc[answered, "end"] >= contacts.loc[answered, "answer"]).all()
    assert (contacts["end"] >= contacts["arrival"]).all()
    assert (contacts["wait"].dropna() >= 0).all()
    assert contacts.loc[answered, "agent"].ge(0).all()
    # Blocked, balked, IVR-abandoned and self-served callers never reached a queue.
    never_queued = contacts["outcome"].isin(["blocked", "balked", "ivr_abandoned", "self_served"])
    assert contacts.loc[never_queued, "queue_entry"].isna().all()
    assert contacts.loc[~never_queued, "queue_entry"].notna().all()
    _check_agents_never_double_booked(contacts)
    # Journeys: hops, transfers and explanations are consistent with each other.
    reached = contacts["queue_entry"].notna()
    assert (contacts.loc[reached, "hops"] >= 1).all()
    assert (contacts["transfers"] <= scenario.transfers.max_per_contact + 1).all()
    assert (contacts["repeats"] <= contacts["explanations"]).all()
    assert (contacts["explanations"] <= contacts["legs"]).all()
    assert (contacts.loc[~reached, "legs"] == 0).all()
    pinged = contacts[contacts["ping_pong"]]
    assert (pinged["hops"] >= 3).all()
    reached_authority = contacts["authority_at"].notna()
    assert contacts.loc[reached_authority, "needs_authority"].all()
    # Inbound calls arrive only while the centre is open (unless they leave a message).
    cal = scenario.calendar
    inbound = contacts[
        contacts["origin"].isin(["first", "redial", "recontact"])
        & (contacts["outcome"] != "voicemail")
    ]
    in_day = inbound["arrival"] % cal.day_s
    assert ((in_day >= cal.open_s) & (in_day < cal.close_s)).all()
    # Callbacks and voicemail returns: one per accepted offer or message, dialled within
    # the attempts allowed, only by callers' own window when the clock is the caller's.
    owed = contacts["origin"].isin(["callback", "voicemail_return"])
    assert (contacts.loc[owed, "attempts"] <= 3).all()
    for kind, key in (("callback", "callback"), ("voicemail_return", "voicemail")):
        rows = contacts[contacts["origin"] == kind]
        config = getattr(scenario, key)
        if config is not None and config.clock == "caller_local":
            assert (rows["outside_hours"] == 0).all()
    accepted = (contacts["outcome"] == "callback_accepted").sum()
    assert (contacts["origin"] == "callback").sum() <= accepted
    # Occupancy is a share.
    intervals = result.intervals(wide=True)
    occupancy = intervals["occupancy"].dropna()
    assert ((occupancy >= 0) & (occupancy <= 1 + 1e-12)).all()
    # The summary's counts are the contact log's counts.
    counted = contacts[contacts["arrival"] >= result.counted_from_s]
    summary = result.summary()
    assert summary.loc["offered", "mean"] == len(counted) / result.n
    if len(counted):
        share = (counted["outcome"] == "abandoned").mean()
        assert np.isclose(summary.loc["abandon_rate", "mean"], share)
    if scenario.lines is not None:
        # Never more callers on the line than lines.
        on_line = contacts[contacts["outcome"] != "blocked"]
        for _, rep in on_line.groupby("replication"):
            events = np.concatenate([np.ones(len(rep)), -np.ones(len(rep))])
            times = np.concatenate([rep["arrival"], rep["end"]])
            order = np.lexsort((events, times))  # hang-ups before arrivals at equal times
            assert np.cumsum(events[order]).max() <= scenario.lines
