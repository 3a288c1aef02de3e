"""The back-test: a log from the fitted scenario's own world passes; a log whose held-out
days had fewer agents than planned is flagged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import simulator
from simulator.cli.app import app
from simulator.scenario import scenario_from_dict

AGENTS = 10
FEWER = 8
FIT_DAYS, HELD_OUT = 6, 2


def centre(agents: int, seed: int, days: int) -> dict[str, Any]:
    """One queue, 8 Erlangs offered from 09:00 to 13:00, exponential patience."""
    return {
        "name": f"{agents} agents",
        "seed": seed,
        "replications": days,
        "calendar": {"days": 1, "open": "09:00", "close": "13:00", "interval_minutes": 30},
        "queues": [{"name": "q"}],
        "call_types": [
            {
                "name": "calls",
                "target": "q",
                "volume": {"profile_per_interval": [40, 55, 70, 70, 60, 55, 45, 40]},
                "handle_time": {"dist": "gamma", "mean": 240, "cv": 0.7},
                "patience": {"dist": "exponential", "mean": 300},
            }
        ],
        "agent_groups": [{"name": "agents", "skills": {"q": 1}, "staffing": agents}],
    }


def days_of(agents: int, seed: int, days: int, first_day: int) -> pd.DataFrame:
    contacts = simulator.run(scenario_from_dict(centre(agents, seed, days))).contacts()
    contacts["replication"] += first_day  # each replication is one day of the log
    return contacts


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("backtest")
    planned = days_of(AGENTS, 1, FIT_DAYS + HELD_OUT, 0)
    same = folder / "same.parquet"
    planned.to_parquet(same)
    short = pd.concat(
        [planned[planned["replication"] < FIT_DAYS], days_of(FEWER, 2, HELD_OUT, FIT_DAYS)],
        ignore_index=True,
    )
    changed = folder / "changed.parquet"
    short.to_parquet(changed)
    staffing = folder / "staffing.csv"
    rows = [f"{9 + k // 2:02d}:{30 * (k % 2):02d},agents,{AGENTS}" for k in range(8)]
    staffing.write_text("interval_start,agent_group,agents\n" + "\n".join(rows) + "\n")
    return {"same": same, "changed": changed, "staffing": staffing}


def test_backtest_passes_on_the_same_scenario(logs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "same"
    result = CliRunner().invoke(
        app,
        [
            "fit",
            str(logs["same"]),
            "--staffing",
            str(logs["staffing"]),
            "--holdout-days",
            str(HELD_OUT),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output
    data = json.loads((out / "fit.json").read_text())
    assert data["backtest"]["passed"] is True
    assert len(data["days"]["held_out"]) == HELD_OUT
    assert data["staffing"]["source"] == "file"
    overall = [c for c in data["backtest"]["checks"] if c["interval"] == "all"]
    assert {c["kpi"] for c in overall} == {"abandon_rate", "service_level", "asa_s"}
    assert all(c["band_low"] <= c["log"] <= c["band_high"] for c in overall)
    assert "Back-test" in (out / "fit.html").read_text()


def test_backtest_flags_held_out_days_with_fewer_agents(logs: dict[str, Path]) -> None:
    result = simulator.fit(logs["changed"], staffing=logs["staffing"], holdout_days=HELD_OUT)
    backtest = result.backtest
    assert backtest is not None and not backtest.passed
    assert backtest.verdict().startswith("MISFIT")
    abandon = backtest.overall.set_index("kpi").loc["abandon_rate"]
    assert abandon["log"] > abandon["high"]  # fewer agents: more callers gave up
    # Fitted on the planned days only: the scenario keeps the planned staffing.
    assert set(result.scenario.agent_groups[0].per_interval or []) == {AGENTS}
