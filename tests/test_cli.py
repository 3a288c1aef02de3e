"""The ``ccsim`` command line as a user types it (in-process with typer's CliRunner)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli import app

SCENARIOS = Path(__file__).parent.parent / "scenarios"
runner = CliRunner()


def _invoke(*args: str) -> object:
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)


def test_run_prints_kpis_and_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "bank"
    result = _invoke("run", SCENARIOS / "retail_bank_day.yaml", "-r", "3", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert "service_level" in result.output and "abandon_rate" in result.output
    for name in ("summary.json", "intervals.csv", "contacts.parquet", "intervals.png"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 3
    assert summary["service_level"]["definition"] == "offered"
    sl = summary["kpis"]["service_level"]
    assert sl["low"] <= sl["mean"] <= sl["high"]
    intervals = pd.read_csv(out / "intervals.csv")
    overall = intervals[intervals["breakdown"] == "all"]
    assert len(overall) == 48 * overall["kpi"].nunique()
    assert set(intervals["breakdown"]) >= {"all", *(f"queue={q}" for q in ("general", "cards"))}
    sl = overall[overall["kpi"] == "service_level"]
    assert ((sl["low"] >= 0) & (sl["high"] <= 1)).all()
    contacts = pd.read_parquet(out / "contacts.parquet")
    # The file's counts agree with the summary it sits beside.
    counted = contacts[contacts["arrival"] >= summary["counted_from_s"]]
    assert len(counted) / 3 == pytest.approx(summary["kpis"]["offered"]["mean"])


def test_json_output_is_machine_readable(tmp_path: Path) -> None:
    result = _invoke(
        "run", SCENARIOS / "erlang_a_textbook.yaml", "-r", "2", "--json", "--out", tmp_path / "o"
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data["kpis"]) >= {
        "offered",
        "abandon_rate",
        "service_level",
        "asa_s",
        "occupancy",
        "agent_hours",
        "cost",
    }


def test_seed_option_changes_results_and_reruns_reproduce(tmp_path: Path) -> None:
    args = ("run", SCENARIOS / "erlang_a_textbook.yaml", "-r", "2", "--json")
    a = json.loads(_invoke(*args, "--seed", "1", "--out", tmp_path / "a").stdout)
    b = json.loads(_invoke(*args, "--seed", "1", "--out", tmp_path / "b").stdout)
    c = json.loads(_invoke(*args, "--seed", "2", "--out", tmp_path / "c").stdout)
    assert a["kpis"] == b["kpis"]
    assert a["kpis"]["offered"] != c["kpis"]["offered"]


def test_no_contacts_mode_keeps_the_same_kpis(tmp_path: Path) -> None:
    args = ("run", SCENARIOS / "retail_bank_day.yaml", "-r", "2", "--json")
    full = json.loads(_invoke(*args, "--out", tmp_path / "a").stdout)
    lean = json.loads(_invoke(*args, "--no-contacts", "--out", tmp_path / "b").stdout)
    assert full["kpis"] == lean["kpis"]
    assert not (tmp_path / "b" / "contacts.parquet").exists()


def test_output_folder_of_another_scenario_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "shared"
    assert (
        _invoke("run", SCENARIOS / "erlang_a_textbook.yaml", "-r", "1", "-o", out, "-q").exit_code
        == 0
    )
    before = (out / "summary.json").read_text()
    refused = _invoke("run", SCENARIOS / "retail_bank_day.yaml", "-r", "1", "-o", out, "-q")
    assert refused.exit_code == 2
    assert "different scenario" in refused.output and "--force" in refused.output
    assert (out / "summary.json").read_text() == before
    forced = _invoke(
        "run", SCENARIOS / "retail_bank_day.yaml", "-r", "1", "-o", out, "-q", "--force"
    )
    assert forced.exit_code == 0
    assert (
        json.loads((out / "summary.json").read_text())["scenario"] != json.loads(before)["scenario"]
    )


def test_rerun_of_the_same_scenario_may_reuse_its_folder(tmp_path: Path) -> None:
    out = tmp_path / "again"
    args = ("run", SCENARIOS / "erlang_a_textbook.yaml", "-r", "1", "-o", out, "-q")
    assert _invoke(*args).exit_code == 0
    assert _invoke(*args).exit_code == 0


def test_check_accepts_every_example() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        result = _invoke("check", path)
        assert result.exit_code == 0, result.output
        assert "ok" in result.output


@pytest.mark.parametrize("command", ["run", "check"])
def test_missing_file_is_exit_2_without_traceback(command: str, tmp_path: Path) -> None:
    result = _invoke(command, tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "nope.yaml" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_broken_scenario_names_the_key_path(tmp_path: Path) -> None:
    text = (SCENARIOS / "retail_bank_day.yaml").read_text()
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        text.replace(
            "handle_time: {dist: lognormal, mean: 360, cv: 0.8}",
            "handle_time: {dist: lognormal, mean: 360, cv: -0.8}",
        )
    )
    result = _invoke("run", broken, "-q", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "call_types[1].handle_time.cv" in result.output
    assert "broken.yaml" in result.output
    assert not (tmp_path / "out").exists()


def test_bad_option_values_are_usage_errors(tmp_path: Path) -> None:
    scenario = SCENARIOS / "erlang_a_textbook.yaml"
    for bad in (["-r", "0"], ["--workers", "0"], ["--seed", "-3"], ["-r", "many"]):
        result = _invoke("run", scenario, *bad, "-o", tmp_path / "x")
        assert result.exit_code == 2, bad


def test_erlang_calculators_are_mounted() -> None:
    result = _invoke("erlang", "c", "--calls-per-hour", "200", "--aht", "180")
    assert result.exit_code == 0, result.output
    assert "agents" in result.output.lower()


def test_workers_give_the_same_numbers(tmp_path: Path) -> None:
    args = ("run", SCENARIOS / "retail_bank_day.yaml", "-r", "2", "--json")
    one = json.loads(_invoke(*args, "-w", "1", "--out", tmp_path / "a").stdout)
    two = json.loads(_invoke(*args, "-w", "2", "--out", tmp_path / "b").stdout)
    assert one["kpis"] == two["kpis"]


def test_installed_console_script_runs() -> None:
    """The entry point declared in pyproject works from a shell, as a newcomer would use it."""
    import subprocess

    beside_python = Path(sys.executable).parent / "ccsim"
    exe = str(beside_python) if beside_python.exists() else shutil.which("ccsim")
    assert exe is not None, "the ccsim console script is not installed"
    done = subprocess.run(
        [exe, "check", str(SCENARIOS / "erlang_a_textbook.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
