"""Staffing methods compared, rosters that run and staffing for a share of days — through
the CLI and the Python API (per-queue targets on a three-queue centre: test_staffing_fresh).

Every verdict here comes from simulation judged against the targets; multiple checks
use |z| >= 3 or 3.5 (a handful to ~50 cells), with fixed seeds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import simulator
from simulator.cli import app
from simulator.scenario import Calendar, scenario_to_dict
from simulator.staffing import ShiftRules, StaffingInfeasible, solve_shifts
from simulator.staffing.risk import day_factor_quantile

MULTIPLE_CHECKS_Z = 3.5
"""Bound on |z| across the cells of one test (multiple comparisons, fixed seeds)."""


def _day(profile: list[float], minutes: int = 30, cv: float = 0.0, seed: int = 3) -> dict[str, Any]:
    close = len(profile) * minutes
    return {
        "name": "time-varying day",
        "seed": seed,
        "replications": 8,
        "calendar": {
            "days": 1,
            "open": "00:00",
            "close": f"{close // 60:02d}:{close % 60:02d}",
            "interval_minutes": minutes,
        },
        "service_level": {"threshold_s": 20, "definition": "offered"},
        "queues": [{"name": "q"}],
        "call_types": [
            {
                "name": "c",
                "target": "q",
                "volume": {"profile_per_interval": profile},
                "day_to_day_cv": cv,
                "handle_time": {"dist": "exponential", "mean": 240},
                "patience": {"dist": "exponential", "mean": 180},
            }
        ],
        "agent_groups": [{"name": "a", "skills": {"q": 1}, "staffing": 1}],
        "costs": {"agent_hour": 25},
    }


def _write(tmp_path: Path, data: dict[str, Any], name: str = "day.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _invoke(args: list[str]) -> str:
    got = CliRunner().invoke(app, args)
    assert got.exit_code == 0, got.output
    return got.output


def test_compare_methods_shows_sipp_missing_after_the_peaks(tmp_path: Path) -> None:
    peaks = [30.0, 30.0, 150.0, 150.0, 30.0, 30.0, 150.0, 150.0, 30.0, 30.0]
    path = _write(tmp_path, _day(peaks))
    out = tmp_path / "out"
    args = ["staff", str(path), "-t", "service_level=0.8", "--compare-methods", "-o", str(out)]
    text = _invoke([*args, "-r", "8", "--max-replications", "16", "-q"])
    assert "methods on the same callers" in text
    summary = pd.read_csv(out / "methods.csv").set_index("method")
    assert list(summary.index) == ["sim", "sipp", "lag-sipp", "isa"]
    assert summary.loc["sipp", "cost"] == pytest.approx(summary.loc["sipp", "agent_hours"] * 25)
    cells = pd.read_csv(out / "methods_cells.csv")
    z = cells.pivot(index="start", columns="method", values="z")
    after = ["02:00", "04:00"]  # the first interval after each peak
    # SIPP staffs each interval for its own arrivals and leaves the peak's backlog to a
    # quiet interval's few agents: it misses after both peaks, clearly after one.
    assert (z.loc[after, "sipp"] < 0).all()
    assert (z.loc[after, "sipp"] < -3.0).any()
    # The simulation search sees that backlog and staffs for it.
    assert (z.loc[after, "sim"] > z.loc[after, "sipp"]).all()
    assert (z["sim"] > -MULTIPLE_CHECKS_Z).all()
    assert summary.loc["sim", "cells_met"] > summary.loc["sipp", "cells_met"]


def test_roster_runs_and_reproduces_its_figures(tmp_path: Path) -> None:
    path = _write(tmp_path, _day([40.0, 60.0, 80.0, 80.0, 60.0, 40.0], minutes=60))
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        yaml.safe_dump(
            {
                "every": 60,
                "min_hours": 3,
                "max_hours": 6,
                "max_heads": 40,
                "part_time": {"below_hours": 5, "max_share": 0.5},
                "breaks": [{"min_shift_hours": 5, "minutes": 60, "after_minutes": [120, 180]}],
            }
        )
    )
    out = tmp_path / "out"
    args = ["staff", str(path), "-t", "service_level=0.8", "--shifts", str(rules), "-o", str(out)]
    text = _invoke([*args, "-r", "6", "--max-replications", "12", "-q"])
    assert "roster:" in text
    shifts = pd.read_csv(out / "shifts.csv")
    heads = shifts["count"].sum()
    assert heads <= 40
    assert shifts.loc[shifts["paid_hours"] < 5, "count"].sum() <= 0.5 * heads
    assert shifts["paid_hours"].between(3, 6).all()
    roster = pd.read_csv(out / "roster.csv")
    assert (roster["roster[a]"] >= roster["required[a]"]).all()
    # The roster is a scenario that runs: same seed and replications, same figures.
    ran = tmp_path / "ran"
    _invoke(["run", str(out / "day-roster.yaml"), "-o", str(ran), "-q"])
    long = pd.read_csv(ran / "intervals.csv")
    again = long[long["breakdown"] == "all"].pivot(index="interval", columns="kpi", values="mean")
    np.testing.assert_allclose(again["service_level"], roster["service_level"])
    # The agents on the phones are the roster's, counted from its shifts with breaks off
    # (present time also holds a little overtime: agents finish their last call).
    hours = np.arange(6)
    on_phones = np.zeros(6)
    for _, row in shifts.iterrows():
        start, end = int(row["start"][:2]), int(row["end"][:2])
        on = (hours >= start) & (hours < end)
        for brk in str(row["breaks"]).split("; ") if isinstance(row["breaks"], str) else []:
            on &= hours != int(brk[:2])  # one-hour breaks on the hour grid
        on_phones += on * row["count"]
    np.testing.assert_array_equal(roster["roster[a]"], on_phones)
    present = again["agents_present"].to_numpy()
    assert np.all((present - on_phones >= 0) & (present - on_phones < 0.1))
    assert np.any(again["agents_paid"].to_numpy() > present + 0.5)  # breaks are paid
    long_shifts = shifts[shifts["paid_hours"] >= 5]
    assert long_shifts["breaks"].str.endswith("+60min").all()
    meta = json.loads((out / "staffing.json").read_text())
    assert meta["kind"] == "staffing" and meta["roster"]["heads"] == heads
    # The report reads the staffing folder: per group requirement vs Erlang vs roster vs
    # current staffing, and each queue's achieved figures.
    _invoke(["report", str(out)])
    page = (out / "report.html").read_text()
    assert "Requirement, Erlang, roster and current staffing" in page
    assert "service_level[queue=q]" in page and "day-roster.yaml" in page
    assert page.count("<img") >= 2


def test_shift_limits_are_respected_or_reported() -> None:
    cal = Calendar(open="08:00", close="16:00", interval_minutes=60)
    required = np.array([2, 4, 6, 6, 6, 6, 4, 2])
    rules = ShiftRules.from_dict(
        {
            "every": 60,
            "min_hours": 2,
            "max_hours": 8,
            "part_time": {"below_hours": 6, "max_share": 0.25},
        }
    )
    plan = solve_shifts(required, rules, cal, "a", cost_per_hour=10.0)
    assert np.all(plan.coverage >= required)
    short = sum(c for s, c in plan.roster if s.hours < 6)
    assert short <= 0.25 * plan.heads
    assert plan.cost == pytest.approx(10.0 * sum(s.hours * c for s, c in plan.roster))
    tight = ShiftRules.from_dict({"every": 60, "lengths_hours": [8], "max_heads": 5})
    with pytest.raises(StaffingInfeasible, match="headcount 5"):
        solve_shifts(required, tight, cal, "a")
    with pytest.raises(ValueError, match="max_hours"):
        ShiftRules.from_dict({"every": 60, "min_hours": 6, "max_hours": 4})


def test_days_quantile_meets_the_target_on_that_share_of_days(tmp_path: Path) -> None:
    data = _day([100.0, 100.0], minutes=60, cv=0.2)
    path = _write(tmp_path, data)
    out = tmp_path / "out"
    args = ["staff", str(path), "-t", "service_level=0.8", "--days-quantile", "0.9"]
    text = _invoke([*args, "-o", str(out), "-r", "6", "--max-replications", "12", "-q"])
    assert "target met on" in text
    summary = pd.read_csv(out / "days_summary.csv").iloc[0]
    days = int(summary["days"])
    # The share of days meeting the target reaches 0.9 within binomial noise.
    assert summary["share_met"] >= 0.9 - 3.0 * np.sqrt(0.9 * 0.1 / days)
    plain = simulator.staff(simulator.load(path), ["service_level=0.8"], method="sipp")
    quantile = pd.read_csv(out / "staffing.csv")["required[a]"].to_numpy()
    assert np.all(quantile >= plain.required[0])
    assert day_factor_quantile(0.2, 0.9) > 1.2
    staffed = simulator.load(out / "day-staffed.yaml")
    assert staffed.call_types[0].day_to_day_cv == 0.2
    assert scenario_to_dict(staffed)["agent_groups"][0]["per_interval"] == list(quantile)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--method", "guess"], "--method"),
        (["--days-quantile", "0.9"], "day_to_day_cv"),
        (["-t", "service_level[queue=nope]=0.9"], "unknown queue"),
        (["--shifts", "RULES"], "min_hours"),
    ],
)
def test_bad_staffing_options_exit_2_and_write_nothing(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    path = _write(tmp_path, _day([40.0, 40.0], minutes=60))
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"every": 60, "min_hours": 3}))
    extra = [str(rules) if e == "RULES" else e for e in extra]
    out = tmp_path / "out"
    got = CliRunner().invoke(
        app, ["staff", str(path), "-t", "service_level=0.8", "-o", str(out), "-q", *extra]
    )
    assert got.exit_code == 2, got.output
    assert message in got.output and "Traceback" not in got.output
    assert not out.exists()
