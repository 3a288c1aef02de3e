"""Supply and behaviour over the day: shrinkage per interval, absenteeism per day, and
handle-time and patience multipliers per interval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

import simulator
from helpers import assert_check_refuses
from simulator.cli import app
from simulator.scenario import scenario_from_dict

runner = CliRunner()


def centre(
    group: dict[str, Any],
    *,
    days: int = 1,
    rate_per_hour: float = 0,
    call_type: dict[str, Any] | None = None,
    replications: int = 1,
    interval_minutes: int = 60,
    seed: int = 9,
) -> dict[str, Any]:
    """One queue and one group (``group`` gives its staffing keys), 08:00-12:00."""
    return {
        "name": "supply",
        "seed": seed,
        "replications": replications,
        "calendar": {
            "days": days,
            "open": "08:00",
            "close": "12:00",
            "interval_minutes": interval_minutes,
        },
        "queues": [{"name": "q"}],
        "call_types": [
            {
                "name": "calls",
                "target": "q",
                "volume": {"rate_per_hour": rate_per_hour},
                "handle_time": {"dist": "exponential", "mean": 240},
                **(call_type or {}),
            }
        ],
        "agent_groups": [{"name": "agents", "skills": {"q": 1}, **group}],
    }


def run(data: dict[str, Any], **kwargs: Any) -> simulator.RunResult:
    return simulator.run(scenario_from_dict(data), keep_contacts=True, **kwargs)


# --------------------------------------------------------------------------- shrinkage


@pytest.mark.parametrize(
    "shrinkage",
    [[0.1, 0.3, 0.5, 0.0], {"07:00": 0.1, "09:00": 0.3, "09:45": 0.5, "11:00": 0.0}],
    ids=["list", "profile"],
)
def test_shrinkage_per_interval_removes_its_share_of_agents_in_each_interval(
    shrinkage: Any,
) -> None:
    """Ten agents with shrinkage 0.1, 0.3, 0.5, 0: exactly 9, 7, 5, 10 available (whole
    numbers need no rounding); the profile form holds each value until the next time."""
    result = run(centre({"staffing": 10, "shrinkage": shrinkage}))
    frame = result.intervals(wide=True)
    np.testing.assert_allclose(frame["agents_present"], [9, 7, 5, 10], atol=1e-9)
    np.testing.assert_allclose(frame["agents_paid"], [10, 10, 10, 10], atol=1e-9)


def test_fractional_shrinkage_is_exact_in_expectation() -> None:
    """Ten agents, shrinkage 0.25 then 0.05: 7.5 and 9.5 expected; the mean over
    replications lies within its 99.9 % t-interval (each replication draws its own)."""
    result = run(centre({"staffing": 10, "shrinkage": [0.25, 0.05, 0.25, 0.05]}), replications=40)
    per_rep = np.stack([o.tally.groups["present_s"][:, 0] / 3600 for o in result.outputs])
    mean = per_rep.mean(axis=0)
    half = stats.t.ppf(0.9995, len(per_rep) - 1) * per_rep.std(axis=0, ddof=1) / len(per_rep) ** 0.5
    assert np.all(np.abs(mean - [7.5, 9.5, 7.5, 9.5]) <= half), (mean, half)


# --------------------------------------------------------------------------- absenteeism


def test_absenteeism_is_binomial_per_day_and_the_same_all_day() -> None:
    """20 agents, each absent on a day with probability 0.1: the agents present on a day
    are Binomial(20, 0.9) — mean 18, variance 1.8 — and do not change within the day."""
    days = 360
    result = run(centre({"staffing": 20, "absenteeism": 0.1}, days=days))
    present = result.intervals(wide=True)["agents_present"].to_numpy().reshape(days, 4)
    assert np.all(present == present[:, :1]), "absence is drawn per day, not per interval"
    daily = present[:, 0]
    n, p = 20, 0.9
    z_mean = (daily.mean() - n * p) / np.sqrt(n * p * (1 - p) / days)
    assert abs(z_mean) < 3.5, z_mean
    # Sample variance of a binomial: Var(s^2) = (mu4 - (n-3)/(n-1) sigma^4) / n.
    var = n * p * (1 - p)
    mu4 = n * p * (1 - p) * (1 + 3 * (n - 2) * p * (1 - p))
    se_var = np.sqrt((mu4 - (days - 3) / (days - 1) * var**2) / days)
    assert abs(daily.var(ddof=1) - var) < 3.5 * se_var, (daily.var(ddof=1), var, se_var)
    # Absent agents are still on the roster (paid); only the agents available change.
    assert np.all(result.intervals(wide=True)["agents_paid"] == 20)


def test_absenteeism_on_shifts_removes_agents_of_each_shift() -> None:
    """Two shifts of 10 and 30 with 20 % absence: each shift's agents present are
    Binomial(count, 0.8), independently per shift and day (means within 3.5 s.e.)."""
    days = 300
    shifts = [
        {"start": "08:00", "end": "10:00", "count": 10},
        {"start": "10:00", "end": "12:00", "count": 30},
    ]
    result = run(centre({"shifts": shifts, "absenteeism": 0.2}, days=days))
    present = result.intervals(wide=True)["agents_present"].to_numpy().reshape(days, 4)
    for column, count in ((0, 10), (2, 30)):
        daily = present[:, column]
        z = (daily.mean() - 0.8 * count) / np.sqrt(count * 0.16 / days)
        assert abs(z) < 3.5, (count, z)
    assert abs(np.corrcoef(present[:, 0], present[:, 2])[0, 1]) < 3.5 / np.sqrt(days)


def test_absenteeism_leaves_the_callers_unchanged() -> None:
    """Absence comes from a stream of its own: the same seed gives the same callers
    (arrival times and handle-time draws) with or without it, so comparisons stay paired."""
    base = centre({"staffing": 6}, rate_per_hour=60, days=2)
    absent = centre({"staffing": 6, "absenteeism": 0.3}, rate_per_hour=60, days=2)
    a, b = (run(d).contacts() for d in (base, absent))
    key = ["arrival", "call_type", "caller_id"]
    assert len(a) == len(b) > 100
    pd.testing.assert_frame_equal(
        a.sort_values("caller_id")[key].reset_index(drop=True),
        b.sort_values("caller_id")[key].reset_index(drop=True),
    )


# --------------------------------------------------------------------------- multipliers


def test_handle_time_multiplier_scales_the_same_draws_by_the_answer_interval() -> None:
    """With agents always free, each first call is answered on arrival: its talk time is
    the very same draw as without multipliers, times the multiplier of its interval."""
    group = {"staffing": 60}
    plain = run(centre(group, rate_per_hour=120)).contacts()
    factors = [1.0, 1.5, 0.8, 2.0]
    scaled = run(
        centre(group, rate_per_hour=120, call_type={"handle_time_multiplier": factors})
    ).contacts()
    plain, scaled = (c.sort_values("caller_id").reset_index(drop=True) for c in (plain, scaled))
    assert (plain["outcome"] == "answered").all() and (scaled["outcome"] == "answered").all()
    interval = ((scaled["answer"] - 8 * 3600) // 3600).astype(int).to_numpy()
    expected = plain["talk"].to_numpy(np.float64) * np.array(factors)[interval]
    np.testing.assert_allclose(scaled["talk"], expected, rtol=1e-6)


def test_patience_multiplier_scales_patience_by_the_interval_the_wait_starts() -> None:
    """Nobody staffed, patience 100 s: callers give up after 100 s x the multiplier of
    the interval they started waiting in (profile form: 1 until 10:00, then 0.25)."""
    data = centre(
        {"staffing": 0},
        rate_per_hour=30,
        call_type={
            "patience": {"dist": "deterministic", "value": 100},
            "patience_multiplier": {"08:00": 1, "10:00": 0.25},
        },
    )
    contacts = run(data).contacts()
    assert (contacts["outcome"] == "abandoned").all() and len(contacts) > 60
    early = contacts["queue_entry"] < 10 * 3600
    np.testing.assert_allclose(contacts.loc[early, "wait"], 100, rtol=1e-5)
    np.testing.assert_allclose(contacts.loc[~early, "wait"], 25, rtol=1e-5)


@pytest.mark.parametrize(
    ("where", "value", "path", "message"),
    [
        ("group", {"shrinkage": [0.1, 0.2]}, "agent_groups[0].shrinkage", "needs 4"),
        ("group", {"shrinkage": {"09:00": 0.1}}, "agent_groups[0].shrinkage", "after the opening"),
        ("group", {"shrinkage": [0.1, 0.2, 1.0, 0]}, "agent_groups[0].shrinkage[2]", "< 1"),
        ("group", {"absenteeism": 1.0}, "agent_groups[0].absenteeism", "< 1"),
        (
            "call_type",
            {"handle_time_multiplier": [1, 1, 0, 1]},
            "call_types[0].handle_time_multiplier[2]",
            "> 0",
        ),
        (
            "call_type",
            {"patience_multiplier": {"08:00": 1, "25:00": 2}},
            "call_types[0].patience_multiplier['25:00']",
            "between 00:00 and 24:00",
        ),
    ],
)
def test_bad_values_by_interval_are_refused_with_their_key_path(
    tmp_path: Path, where: str, value: dict[str, Any], path: str, message: str
) -> None:
    data = centre({"staffing": 3})
    (data["agent_groups"][0] if where == "group" else data["call_types"][0]).update(value)
    assert_check_refuses(data, tmp_path, path, message)


def test_scenario_with_everything_over_the_day_runs_from_the_cli(tmp_path: Path) -> None:
    """The example scenario runs and writes its outputs."""
    example = Path(__file__).resolve().parent.parent / "scenarios" / "supply_over_the_day.yaml"
    outcome = runner.invoke(
        app, ["run", str(example), "-r", "2", "--out", str(tmp_path / "out"), "-q"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "out" / "summary.json").exists()
