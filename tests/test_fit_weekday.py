"""``ccsim fit --by-weekday``: one scenario of a week whose volumes carry the weekday
profiles, recovered from a log simulated with different weekday profiles."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import stats
from typer.testing import CliRunner

import simulator
from simulator.cli import app
from simulator.scenario import scenario_from_dict

WEEKS = 3
"""Weeks simulated for the log: each weekday profile is the mean of this many days."""
TRUTH = {
    "mon": [60.0, 40.0, 30.0],
    "tue": [30.0, 30.0, 30.0],
    "wed": [30.0, 30.0, 30.0],
    "thu": [30.0, 30.0, 30.0],
    "fri": [20.0, 40.0, 10.0],
    "sat": [0.0, 0.0, 0.0],  # closed: no calls, so no day in the log
    "sun": [0.0, 0.0, 0.0],
}
"""Expected first calls per hour-long interval (08:00-11:00) on each weekday."""


def _truth() -> dict[str, Any]:
    return {
        "name": "weekday truth",
        "seed": 5,
        "calendar": {
            "days": 7 * WEEKS,
            "start_weekday": "mon",
            "open": "08:00",
            "close": "11:00",
            "interval_minutes": 60,
        },
        "queues": [{"name": "q"}],
        "call_types": [
            {
                "name": "calls",
                "target": "q",
                "volume": {
                    "profile_per_interval": TRUTH["tue"],
                    "by_weekday": {
                        day: {"profile_per_interval": profile}
                        for day, profile in TRUTH.items()
                        if day != "tue"
                    },
                },
                "handle_time": {"dist": "exponential", "mean": 120},
                "patience": {"dist": "exponential", "mean": 600},
            }
        ],
        "agent_groups": [{"name": "team", "skills": {"q": 1}, "staffing": 3}],
    }


def test_by_weekday_writes_one_week_scenario_and_recovers_the_profiles(tmp_path: Path) -> None:
    log = tmp_path / "contacts.parquet"
    simulator.run(scenario_from_dict(_truth()), replications=1).contacts().to_parquet(log)
    out = tmp_path / "fitted"
    out.mkdir()  # an earlier fit's folder, from when each weekday had a scenario of its own
    (out / "fit.json").write_text("{}")
    (out / "scenario_mon.yaml").write_text("name: an old Monday\n")
    result = simulator.fit(log, by_weekday=True, interval_minutes=60, out=out)

    # One scenario, no per-weekday files.
    assert sorted(p.name for p in out.iterdir()) == ["fit.html", "fit.json", "scenario.yaml"]
    data = yaml.safe_load((out / "scenario.yaml").read_text())
    assert data["calendar"]["days"] == 7 and data["calendar"]["start_weekday"] == "mon"
    volume = data["call_types"][0]["volume"]
    by_weekday = volume["by_weekday"]
    assert list(by_weekday) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    # The weekend lies inside the log's span without a call: closed, not the ordinary day.
    assert by_weekday["sat"] == by_weekday["sun"] == {"rate_per_hour": 0}

    # Each interval's fitted mean is the mean of WEEKS Poisson counts: within a
    # family-wise 99 % band (Bonferroni over every weekday and interval checked).
    checked = [(day, k) for day in ("mon", "tue", "wed", "thu", "fri") for k in range(3)]
    z = stats.norm.ppf(1 - 0.01 / (2 * len(checked)))
    for day, k in checked:
        fitted = by_weekday[day]["profile_per_interval"][k]
        truth = TRUTH[day][k]
        assert abs(fitted - truth) <= z * math.sqrt(truth / WEEKS) + 0.001, (day, k, fitted)
    # Monday's and Friday's shapes are told apart from the ordinary day's.
    mon, fri = (np.array(by_weekday[d]["profile_per_interval"]) for d in ("mon", "fri"))
    assert mon[0] > mon[2] and fri[1] > fri[2]
    assert result.scenario.calendar.days == 7

    # The scenario runs as it is with ccsim run, Mondays busier than Fridays.
    run = CliRunner().invoke(
        app,
        ["run", str(out / "scenario.yaml"), "-r", "2", "-w", "1", "-q", "-o", str(tmp_path / "r")],
    )
    assert run.exit_code == 0, run.output
    week = simulator.load_scenario(out / "scenario.yaml")
    volume_model = week.call_types[0].volume
    totals = [float(volume_model.expected_on_day(week.calendar, d).sum()) for d in range(7)]
    assert totals[0] > totals[4] > 0 and totals[5] == totals[6] == 0
