"""Staffing search (``simulator.staff``, ``ccsim staff``): Erlang start, simulation, shifts."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import simulator
from helpers import assert_fits_80_columns
from simulator.analytic import agents_for_service_level
from simulator.cli import app
from simulator.scenario import Calendar
from simulator.staffing import ShiftRules, StaffingInfeasible, solve_shifts

RATE_PER_HOUR = 240.0
HANDLE_S = 240.0
PATIENCE_S = 180.0


def _scenario(profile: list[float] | None = None, hours: int = 3) -> simulator.Scenario:
    """One queue, one group, exponential everything: the Erlang A model."""
    volume: dict[str, Any] = (
        {"rate_per_hour": RATE_PER_HOUR} if profile is None else {"profile_per_interval": profile}
    )
    minutes = 60 if profile is None else 30
    close = 1 + hours if profile is None else len(profile) * minutes // 60
    return simulator.scenario_from_dict(
        {
            "name": "staffing test",
            "seed": 3,
            "replications": 12,
            "calendar": {
                "days": 1,
                "open": "00:00",
                "close": f"{close:02d}:00",
                "interval_minutes": minutes,
            },
            "warmup_minutes": 60 if profile is None else 0,
            "service_level": {"threshold_s": 20, "definition": "offered"},
            "queues": [{"name": "q"}],
            "call_types": [
                {
                    "name": "c",
                    "target": "q",
                    "volume": volume,
                    "handle_time": {"dist": "exponential", "mean": HANDLE_S},
                    "patience": {"dist": "exponential", "mean": PATIENCE_S},
                }
            ],
            "agent_groups": [{"name": "a", "skills": {"q": 1}, "staffing": 1}],
        }
    )


def test_sipp_is_the_erlang_a_answer() -> None:
    sc = _scenario()
    exact = agents_for_service_level(
        calls_per_hour=RATE_PER_HOUR,
        aht_s=HANDLE_S,
        threshold_s=20,
        target=0.8,
        patience_s=PATIENCE_S,
    )
    analytic = simulator.staff(sc, {"service_level": 0.8}, method="sipp")
    assert np.all(analytic.required == exact)
    assert analytic.simulations == 0


def test_carry_over_after_a_peak_and_rerun_meets_targets(tmp_path: Path) -> None:
    profile = [40.0, 40.0, 160.0, 160.0, 40.0, 40.0]  # calls per half hour
    sc = _scenario(profile)
    result = simulator.staff(sc, {"service_level": 0.8}, max_replications=24)
    after_peak = 4
    assert result.required[0, after_peak] >= result.analytic[0, after_peak]
    runner = CliRunner()
    path = tmp_path / "peak.yaml"
    path.write_text(
        __import__("yaml").safe_dump(simulator.scenario.scenario_to_dict(sc), sort_keys=False)
    )
    out = tmp_path / "out"
    got = runner.invoke(app, ["staff", str(path), "-t", "service_level=0.8", "-o", str(out), "-q"])
    assert got.exit_code == 0, got.output
    staffed = simulator.load(out / "peak-staffed.yaml")
    again = simulator.run(staffed, replications=24, seed=99, keep_contacts=False).intervals(
        wide=True
    )
    # Fresh callers: every interval's expected service level reaches the target, so no
    # estimate lies clearly (3.5 half-width-standard errors, ~150 checks) below it.
    se = again["service_level_hw"] / 1.96
    assert np.all(again["service_level"] + 3.5 * se >= 0.8)
    assert (out / "staffing.png").exists()
    assert (out / "staffing.csv").exists()


def test_shifts_cover_and_are_optimal_by_brute_force() -> None:
    cal = Calendar(open="08:00", close="12:00", interval_minutes=60)
    rules = ShiftRules.from_dict({"every": 60, "lengths_hours": [2, 3], "cost_per_hour": 1.0})
    required = np.array([2, 3, 1, 2])
    plan = solve_shifts(required, rules, cal)
    assert np.all(plan.coverage >= required)
    shifts, cover = rules.cover(cal)
    costs = np.array([s.hours for s in shifts])
    best = min(
        float(np.dot(costs, x))
        for x in itertools.product(range(4), repeat=len(shifts))
        if np.all(np.asarray(x) @ cover >= required)
    )
    assert plan.cost == pytest.approx(best)


def test_shift_breaks_leave_a_gap() -> None:
    cal = Calendar(open="08:00", close="16:00", interval_minutes=30)
    rules = ShiftRules.from_dict(
        {"starts": ["08:00"], "lengths_hours": [8], "break": {"after_hours": 4, "minutes": 30}}
    )
    _, cover = rules.cover(cal)
    assert cover.sum() == 15
    assert cover[0, 8] == 0


@pytest.mark.parametrize(
    "option",
    [["-t", "asa_s=-1"], ["-t", "service_level=1.2"], ["-t", "nonsense=3"]],
)
def test_infeasible_targets_exit_2(tmp_path: Path, option: list[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        __import__("yaml").safe_dump(
            simulator.scenario.scenario_to_dict(_scenario()), sort_keys=False
        )
    )
    got = CliRunner().invoke(app, ["staff", str(path), *option, "-o", str(tmp_path / "o")])
    assert got.exit_code == 2
    assert "error" in got.output


def test_unreachable_cap_is_reported() -> None:
    with pytest.raises(StaffingInfeasible, match="cap"):
        simulator.staff(
            _scenario(), {"service_level": 0.99}, max_agents=20, replications=4, max_replications=4
        )


def test_analytic_mode_warns_on_multi_skill(tmp_path: Path) -> None:
    got = CliRunner().invoke(
        app,
        [
            "staff",
            "scenarios/retail_bank_day.yaml",
            "-t",
            "service_level=0.8",
            "--analytic",
            "-o",
            str(tmp_path),
        ],
    )
    assert got.exit_code == 0, got.output
    assert "multi-skill" in got.output


def test_staff_tables_fit_80_columns_with_many_groups_and_queues(tmp_path: Path) -> None:
    names = ["general_enquiries", "cards_and_payments", "mortgages", "fraud_line", "business"]
    data = {
        "name": "five desks",
        "seed": 5,
        "replications": 4,
        "calendar": {"days": 1, "open": "09:00", "close": "11:00", "interval_minutes": 60},
        "queues": [{"name": q} for q in names],
        "call_types": [
            {
                "name": f"{q}_call",
                "target": q,
                "volume": {"rate_per_hour": 20},
                "handle_time": {"dist": "exponential", "mean": 240},
                "patience": {"dist": "exponential", "mean": 180},
            }
            for q in names
        ],
        "agent_groups": [{"name": f"{q}_team", "skills": {q: 1}, "staffing": 3} for q in names],
    }
    path = tmp_path / "five.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    for method in ("sim", "sipp"):
        out = tmp_path / method
        args = ["staff", str(path), "-t", "service_level=0.8", "-m", method, "-o", str(out)]
        got = CliRunner().invoke(app, args)
        assert got.exit_code == 0, got.output
        assert_fits_80_columns(got.output, out)
        for name in names:  # every group's requirement is shown, whole
            assert f"{name}_team" in got.output
        if method == "sim":  # and every queue's achieved figure
            assert got.output.count("achieved per queue") == 2
            assert all(name in got.output for name in names)
