"""Breaks and lunches inside shifts: the agents present change at the minute, and it shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import simulator
from helpers import assert_check_refuses
from simulator.scenario import Scenario, scenario_from_dict


def centre(
    shifts: list[dict[str, Any]],
    *,
    rate_per_hour: float = 0,
    replications: int = 2,
    seed: int = 5,
) -> Scenario:
    """One queue, one group on ``shifts``, 08:00-12:00 in half hours."""
    return scenario_from_dict(
        {
            "name": "breaks",
            "seed": seed,
            "replications": replications,
            "calendar": {"open": "08:00", "close": "12:00", "interval_minutes": 30},
            "queues": [{"name": "q"}],
            "call_types": [
                {
                    "name": "calls",
                    "target": "q",
                    "volume": {"rate_per_hour": rate_per_hour},
                    "handle_time": {"dist": "exponential", "mean": 240},
                    "patience": {"dist": "exponential", "mean": 120},
                }
            ],
            "agent_groups": [{"name": "agents", "skills": {"q": 1}, "shifts": shifts}],
        }
    )


def schedule_integral(shifts: list[dict[str, Any]], *, paid_only: bool = False) -> np.ndarray:
    """Agent-minutes in each half hour from 08:00 to 12:00, minute by minute by hand."""
    minutes = np.zeros(240)
    for shift in shifts:
        h0, m0 = map(int, shift["start"].split(":"))
        h1, m1 = map(int, shift["end"].split(":"))
        start, end = (h0 - 8) * 60 + m0, (h1 - 8) * 60 + m1
        present = np.zeros(240, dtype=bool)
        present[start:end] = True
        for brk in shift.get("breaks", []):
            if paid_only and brk.get("paid", True):
                continue
            begin = start + brk["after_minutes"]
            present[begin : begin + brk["minutes"]] = False
        minutes += shift["count"] * present
    return minutes.reshape(8, 30).sum(axis=1)


SHIFTS = [
    {
        "start": "08:00",
        "end": "12:00",
        "count": 10,
        "breaks": [
            {"after_minutes": 95, "minutes": 20},  # 09:35-09:55, inside one interval
            {"after_minutes": 170, "minutes": 25, "paid": False},  # 10:50-11:15, across two
        ],
    },
    {
        "start": "08:30",
        "end": "11:00",
        "count": 4,
        "breaks": [{"after_minutes": 7, "minutes": 13}],  # 08:37-08:50
    },
]


def test_breaks_remove_exactly_the_scheduled_agent_time_from_each_interval() -> None:
    """With nobody calling, agents present are the schedule: the time-average in each
    interval equals the schedule's minute-by-minute integral, to rounding error."""
    result = simulator.run(centre(SHIFTS), keep_contacts=False)
    frame = result.intervals(wide=True)
    expected_present = schedule_integral(SHIFTS) / 30
    np.testing.assert_allclose(frame["agents_present"], expected_present, rtol=0, atol=1e-9)
    # Paid breaks are paid; the unpaid lunch is not.
    present_or_paid_break = schedule_integral(SHIFTS, paid_only=True) / 30
    np.testing.assert_allclose(frame["agents_paid"], present_or_paid_break, rtol=0, atol=1e-9)
    hours = schedule_integral(SHIFTS, paid_only=True).sum() / 60
    assert result.kpi("agent_hours") == pytest.approx(hours, abs=1e-9)
    # The scenario states the same coverage before anything runs (for staffing reports).
    group = result.scenario.agent_groups[0]
    np.testing.assert_allclose(
        group.at_work_per_interval(result.scenario.calendar), expected_present
    )


def test_agents_in_a_call_finish_it_before_their_break() -> None:
    """With callers, nobody is cut off: every answered call ends by its own handle time,
    and the agents present never fall below the schedule (those in a call stay on)."""
    result = simulator.run(centre(SHIFTS, rate_per_hour=90), keep_contacts=True)
    frame = result.intervals(wide=True)
    assert np.all(frame["agents_present"].to_numpy() >= schedule_integral(SHIFTS) / 30 - 1e-9)
    contacts = result.contacts()
    answered = contacts[contacts["outcome"] == "answered"]
    assert len(answered) > 100
    # Talk time is the drawn handle time: no conversation was cut short by a break.
    assert np.all(answered["end"] - answered["answer"] >= answered["talk"] - 1e-3)


def test_a_break_at_the_peak_measurably_worsens_service() -> None:
    """Six of twelve agents on a 30-minute break at 10:00, in a busy morning: service
    level falls and abandonment rises, with paired 95 % intervals excluding zero."""
    together = [{"start": "08:00", "end": "12:00", "count": 12}]
    on_break = [
        {"start": "08:00", "end": "12:00", "count": 6},
        {
            "start": "08:00",
            "end": "12:00",
            "count": 6,
            "breaks": [{"after_minutes": 120, "minutes": 30}],
        },
    ]
    base = centre(together, rate_per_hour=150, replications=8)
    peak_break = centre(on_break, rate_per_hour=150, replications=8)
    comparison = simulator.compare([base, peak_break], workers=1, labels=["no break", "break"])
    service = comparison.difference("service_level")
    abandons = comparison.difference("abandon_rate")
    assert service.high < 0, service
    assert abandons.low > 0, abandons
    # The paid time is the same: the break is paid.
    assert comparison.difference("agent_hours").difference == pytest.approx(0, abs=0.5)


@pytest.mark.parametrize(
    ("breaks", "path", "message"),
    [
        (
            [{"after_minutes": 230, "minutes": 20}],
            "agent_groups[0].shifts[0].breaks[0]",
            "lasts 240 min",
        ),
        (
            [{"after_minutes": 60, "minutes": 30}, {"after_minutes": 80, "minutes": 15}],
            "agent_groups[0].shifts[0].breaks[1]",
            "overlaps breaks[0]",
        ),
        (
            [{"after_minutes": 60, "minutes": 0}],
            "agent_groups[0].shifts[0].breaks[0].minutes",
            "",
        ),
    ],
)
def test_a_break_outside_its_shift_is_refused_with_its_key_path(
    tmp_path: Path, breaks: list[dict[str, Any]], path: str, message: str
) -> None:
    data = yaml.safe_load(yaml.safe_dump(centre(SHIFTS).model_dump(mode="json", by_alias=True)))
    data["agent_groups"][0]["shifts"] = [
        {"start": "08:00", "end": "12:00", "count": 3, "breaks": breaks}
    ]
    assert_check_refuses(data, tmp_path, path, message)
