"""Demand over a calendar: volumes by weekday and by date, and the busyness factor shared
by every call type (with each call type's own day factor kept)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

import simulator
from helpers import assert_check_refuses
from simulator.cli import app
from simulator.model.callers import first_calls_by_day
from simulator.randomness import Streams
from simulator.scenario import Scenario, scenario_from_dict

runner = CliRunner()
MONDAY = datetime.date(2026, 11, 30)
Z = 3.5
"""Two-sided bound for the checks in this file (a multiple-comparison-safe |z|)."""


def week(
    call_types: list[dict[str, Any]],
    *,
    days: int = 7,
    calendar: dict[str, Any] | None = None,
    busyness_cv: float | None = None,
    replications: int = 20,
) -> dict[str, Any]:
    """Days of one hour (08:00-09:00), one queue with plenty of agents."""
    data: dict[str, Any] = {
        "name": "week",
        "seed": 4,
        "replications": replications,
        "calendar": {
            "days": days,
            "open": "08:00",
            "close": "09:00",
            "interval_minutes": 60,
            **(calendar or {}),
        },
        "queues": [{"name": "q"}],
        "call_types": [
            {"target": "q", "handle_time": {"dist": "exponential", "mean": 30}, **ct}
            for ct in call_types
        ],
        "agent_groups": [{"name": "agents", "skills": {"q": 1}, "staffing": 40}],
    }
    if busyness_cv is not None:
        data["busyness"] = {"day_to_day_cv": busyness_cv}
    return data


def daily_counts(scenario: Scenario, replication: int) -> np.ndarray:
    """First calls per (day, call type) of one replication, as the engine draws them."""
    cal = scenario.calendar
    counts = np.zeros((cal.days, len(scenario.call_types)))
    for day, calls in enumerate(first_calls_by_day(scenario, Streams(scenario.seed, replication))):
        counts[day] = np.bincount(calls.call_type, minlength=len(scenario.call_types))
    return counts


# --------------------------------------------------------------------------- by weekday, by date


def test_volumes_follow_the_weekday_and_the_date() -> None:
    """A week from Monday 30 November 2026: 100 calls on weekdays, 40 on Saturday, 10 on
    Sunday, and 300 on Wednesday 2 December (a date wins over its weekday). Each day's
    mean offered over 20 replications lies within 3.5 Poisson standard errors."""
    volume = {
        "rate_per_hour": 100,
        "by_weekday": {"sat": {"rate_per_hour": 40}, "sun": {"profile_per_interval": [10]}},
        "by_date": {"2026-12-02": {"rate_per_hour": 300}},
    }
    data = week([{"name": "calls", "volume": volume}], calendar={"start_date": MONDAY.isoformat()})
    result = simulator.run(scenario_from_dict(data), keep_contacts=False)
    offered = result.intervals(wide=True)["offered"].to_numpy()
    expected = np.array([100, 100, 300, 100, 100, 40, 10])
    z = (offered - expected) / np.sqrt(expected / 20)
    assert np.all(np.abs(z) < Z), (offered, z)


def test_a_start_weekday_is_enough_for_weekday_volumes() -> None:
    """Without a date, ``start_weekday: sat`` makes days 0 and 7 Saturdays."""
    volume = {"rate_per_hour": 50, "by_weekday": {"sat": {"rate_per_hour": 0}}}
    data = week([{"name": "calls", "volume": volume}], days=8, calendar={"start_weekday": "sat"})
    counts = daily_counts(scenario_from_dict(data), 0)[:, 0]
    assert counts[0] == 0 and counts[7] == 0 and np.all(counts[1:7] > 0)


@pytest.mark.parametrize(
    ("volume", "calendar", "path", "message"),
    [
        (
            {"rate_per_hour": 5, "by_weekday": {"sat": {"rate_per_hour": 1}}},
            {},
            "call_types[0].volume.by_weekday",
            "start_date",
        ),
        (
            {"rate_per_hour": 5, "by_date": {"2026-12-02": {"rate_per_hour": 1}}},
            {"start_weekday": "mon"},
            "call_types[0].volume.by_date",
            "start_date",
        ),
        (
            {"rate_per_hour": 5, "by_date": {"2027-01-02": {"rate_per_hour": 1}}},
            {"start_date": "2026-11-30"},
            "call_types[0].volume.by_date['2027-01-02']",
            "not a day of the calendar (2026-11-30 to 2026-12-06)",
        ),
        (
            {"rate_per_hour": 5, "by_weekday": {"sat": {"profile_per_interval": [1, 2]}}},
            {"start_weekday": "mon"},
            "call_types[0].volume.by_weekday.sat.profile_per_interval",
            "has 2 values but needs 1",
        ),
        (
            {"rate_per_hour": 5, "by_weekday": {"saturday": {"rate_per_hour": 1}}},
            {"start_weekday": "mon"},
            "call_types[0].volume.by_weekday",
            "saturday",
        ),
        (
            {"rate_per_hour": 5},
            {"start_date": "2026-11-30", "start_weekday": "tue"},
            "calendar.start_weekday",
            "2026-11-30 is a mon, not a tue",
        ),
    ],
)
def test_weekday_and_date_volumes_the_calendar_cannot_place_are_refused(
    tmp_path: Path, volume: dict[str, Any], calendar: dict[str, Any], path: str, message: str
) -> None:
    data = week([{"name": "calls", "volume": volume}], calendar=calendar)
    assert_check_refuses(data, tmp_path, path, message)


# --------------------------------------------------------------------------- shared busyness


def _t_interval(values: np.ndarray) -> tuple[float, float]:
    """Mean of per-replication estimates and its half-width at the suite's |z| level."""
    n = len(values)
    half = stats.t.ppf(stats.norm.cdf(Z), n - 1) * values.std(ddof=1) / np.sqrt(n)
    return float(values.mean()), float(half)


DAYS = 360
REPLICATIONS = 16


def test_shared_busyness_gives_daily_totals_the_stated_variance() -> None:
    """Two call types (200 and 100 calls a day) share a gamma day factor of CV 0.2 and
    have none of their own. The daily total is mixed Poisson with mean m = 300, so
    Var = m + c^2 m^2 = 300 + 0.04 * 90000 = 3900 (a Poisson total would have 300).
    Each replication's sample variance over 360 days is unbiased; their mean over 16
    replications lies within its t-interval of the theory."""
    data = week(
        [
            {"name": "a", "volume": {"rate_per_hour": 200}},
            {"name": "b", "volume": {"rate_per_hour": 100}},
        ],
        days=DAYS,
        busyness_cv=0.2,
    )
    scenario = scenario_from_dict(data)
    variances = np.array(
        [daily_counts(scenario, r).sum(axis=1).var(ddof=1) for r in range(REPLICATIONS)]
    )
    mean, half = _t_interval(variances)
    m, c = 300, 0.2
    assert abs(mean - (m + c**2 * m**2)) < half, (mean, half)
    assert half < 0.5 * c**2 * m**2, "the check must be able to tell shared from none"


def test_common_and_specific_day_factors_correlate_call_types_as_stated() -> None:
    """Shared CV 0.2, and call type a's own CV 0.15 on top (b has none). With B and F_a
    independent gamma factors of mean 1, the daily counts have
    Var N_a = m_a + m_a^2 ((1 + c_B^2)(1 + c_a^2) - 1), Var N_b = m_b + m_b^2 c_B^2,
    Cov = m_a m_b c_B^2, so corr(N_a, N_b) = Cov / sqrt(Var N_a Var N_b) = 0.66..."""
    m_a, m_b, c_b, c_a = 200.0, 100.0, 0.2, 0.15
    data = week(
        [
            {"name": "a", "volume": {"rate_per_hour": m_a}, "day_to_day_cv": c_a},
            {"name": "b", "volume": {"rate_per_hour": m_b}},
        ],
        days=DAYS,
        busyness_cv=c_b,
    )
    scenario = scenario_from_dict(data)
    var_a = m_a + m_a**2 * ((1 + c_b**2) * (1 + c_a**2) - 1)
    var_b = m_b + m_b**2 * c_b**2
    cov = m_a * m_b * c_b**2
    theory = cov / np.sqrt(var_a * var_b)
    runs = [daily_counts(scenario, r) for r in range(REPLICATIONS)]
    correlations = np.array([np.corrcoef(c[:, 0], c[:, 1])[0, 1] for c in runs])
    mean, half = _t_interval(correlations)
    assert abs(mean - theory) < half, (mean, half, theory)
    variances_a = np.array([c[:, 0].var(ddof=1) for c in runs])
    mean_a, half_a = _t_interval(variances_a)
    assert abs(mean_a - var_a) < half_a, (mean_a, half_a, var_a)
    # Without the shared factor the call types are independent.
    data["busyness"] = {"day_to_day_cv": 0}
    alone = scenario_from_dict(data)
    apart = np.array(
        [np.corrcoef(*daily_counts(alone, r).T)[0, 1] for r in range(REPLICATIONS // 2)]
    )
    mean0, half0 = _t_interval(apart)
    assert abs(mean0) < half0 and mean - half > mean0 + half0


def test_busyness_leaves_the_callers_own_draws_unchanged() -> None:
    """The shared factor comes from a stream of its own: with it, a day has more or fewer
    callers, but they are the same callers — the first day's callers, in arrival order,
    have the same handle times and patience with or without it (the longer list extends
    the shorter)."""
    ct = {
        "name": "a",
        "volume": {"rate_per_hour": 80},
        "day_to_day_cv": 0.3,
        "patience": {"dist": "exponential", "mean": 100},
    }
    base = week([ct], days=1)
    busy = week([ct], days=1, busyness_cv=0.5)
    one, two = (
        next(first_calls_by_day(scenario_from_dict(d), Streams(4, 0))) for d in (base, busy)
    )
    k = min(len(one), len(two))
    assert len(one) != len(two) and k > 20
    np.testing.assert_array_equal(one.handle[:k], two.handle[:k])
    np.testing.assert_array_equal(one.patience[:k], two.patience[:k])


def test_the_week_example_runs_from_the_cli(tmp_path: Path) -> None:
    """The example week runs, and its Sunday has no sales calls (``rate_per_hour: 0``)."""
    example = Path(__file__).resolve().parent.parent / "scenarios" / "week_of_demand.yaml"
    out = tmp_path / "week"
    outcome = runner.invoke(app, ["run", str(example), "-r", "1", "--out", str(out), "-q"])
    assert outcome.exit_code == 0, outcome.output
    frame = simulator.load(example)
    assert frame.calendar.weekday_of(6) == "sun"
    assert (out / "summary.json").exists()


def test_a_weekday_volume_can_be_changed_by_key_path() -> None:
    week = simulator.load_scenario(Path(__file__).parents[1] / "scenarios" / "week_of_demand.yaml")
    path = "call_types[sales_call].volume.by_weekday.sat.rate_per_hour"
    changed = week.with_changes(
        {path: 12, "call_types[sales_call].volume.by_weekday.sat.profile_per_interval": None}
    )
    saturday = changed.call_types[0].volume.by_weekday["sat"]
    assert saturday.rate_per_hour == 12
    assert saturday.profile_per_interval is None
    assert week.call_types[0].volume.by_weekday["sat"].rate_per_hour is None  # unchanged
