"""Specifications of ``ccsim erlang {b,c,a}``, run in-process on the typer app."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from simulator.analytic import (
    agents_for_abandon_rate,
    agents_for_blocking,
    agents_for_service_level,
    erlang_a_metrics,
    erlang_b,
    erlang_c_metrics,
)
from simulator.cli import app
from simulator.cli.erlang import erlang_app

runner = CliRunner()


def run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(erlang_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def assert_bad_input(args: list[str], fragment: str) -> None:
    result = runner.invoke(erlang_app, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr
    assert result.stderr.startswith("error: "), result.stderr  # the style of every command
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert isinstance(result.exception, SystemExit)


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(erlang_app, [])
    assert "Usage" in result.output
    for command in ("b", "c", "a"):
        assert runner.invoke(erlang_app, [command, "--help"]).exit_code == 0


# ------------------------------------------------------------------------------- b


def test_b_evaluates_given_lines() -> None:
    out = run_json("b", "--load", "5", "--agents", "10")
    assert out["agents"] == 10
    assert out["agents_source"] == "given"
    assert out["figures"]["blocking"] == pytest.approx(0.01838, abs=5e-6)
    assert out["targets"] == []


def test_b_finds_fewest_lines_and_units_agree() -> None:
    by_load = run_json("b", "--load", "10", "--target-blocking", "0.02")
    assert by_load["agents"] == agents_for_blocking(10.0, 0.02)
    by_calls = run_json("b", "--calls-per-hour", "200", "--aht", "180", "--target-blocking", "0.02")
    assert by_calls["agents"] == by_load["agents"]
    assert by_calls["figures"]["blocking"] == pytest.approx(by_load["figures"]["blocking"])
    assert by_calls["targets"][0]["met"] is True
    agents = [row["agents"] for row in by_load["staffing"]]
    assert by_load["agents"] in agents
    assert agents == sorted(agents)


def test_b_default_target_is_one_percent() -> None:
    assert run_json("b", "--load", "10")["agents"] == agents_for_blocking(10.0, 0.01)


def test_b_bad_input() -> None:
    assert_bad_input(["b", "--load", "5", "--calls-per-hour", "10"], "not both")
    assert_bad_input(["b", "--load", "-1"], "--load")
    assert_bad_input(["b", "--load", "5", "--agents", "0"], "--agents must be at least 1")
    assert_bad_input(["b", "--load", "5", "--target-blocking", "1.5"], "target")
    assert_bad_input(["b", "--aht", "180"], "--calls-per-hour is required")


# ------------------------------------------------------------------------------- c


def test_c_default_finds_80_20_staffing() -> None:
    out = run_json("c", "--calls-per-hour", "200", "--aht", "180")
    cph = 200.0
    expected = agents_for_service_level(
        calls_per_hour=cph, aht_s=180.0, threshold_s=20.0, target=0.8
    )
    assert out["agents"] == expected
    assert out["agents_source"] == "target"
    figures = out["figures"]
    reference = erlang_c_metrics(expected, calls_per_hour=cph, aht_s=180.0, threshold_s=20.0)
    assert figures["service_level"] == pytest.approx(reference.service_level)
    assert figures["asa_s"] == pytest.approx(reference.asa_s)
    previous = next(r for r in out["staffing"] if r["agents"] == expected - 1)
    assert previous["service_level"] < 0.8 <= figures["service_level"]


def test_c_several_targets_take_the_largest_requirement() -> None:
    out = run_json(
        "c",
        "--calls-per-hour",
        "600",
        "--aht",
        "240",
        "--target-sl",
        "0.8",
        "--threshold",
        "20",
        "--target-asa",
        "2",
    )
    needed = {t["kpi"]: t["agents_needed"] for t in out["targets"]}
    assert out["agents"] == max(needed.values())
    assert all(t["met"] for t in out["targets"])


def test_c_given_agents_reports_targets() -> None:
    out = run_json(
        "c", "--calls-per-hour", "200", "--aht", "180", "--agents", "12", "--target-sl", "0.8"
    )
    assert out["agents"] == 12
    assert out["targets"][0]["met"] is False
    assert out["targets"][0]["agents_needed"] > 12


def test_c_text_output_has_figures_and_table() -> None:
    result = runner.invoke(erlang_app, ["c", "--calls-per-hour", "200", "--aht", "180"])
    assert result.exit_code == 0
    text = result.stdout
    assert "Erlang C" in text
    assert "service level" in text
    assert "Staffing around" in text
    assert "met" in text


def test_c_bad_input() -> None:
    assert_bad_input(["c", "--calls-per-hour", "-5", "--aht", "180"], "--calls-per-hour")
    assert_bad_input(["c", "--calls-per-hour", "200", "--aht", "0"], "--aht")
    assert_bad_input(["c", "--calls-per-hour", "200", "--aht", "180", "--agents", "0"], "--agents")
    assert_bad_input(["c", "--calls-per-hour", "200", "--aht", "180", "--agents", "10"], "unstable")
    assert_bad_input(["c", "--calls-per-hour", "200", "--aht", "180", "--width", "-1"], "width")
    result = runner.invoke(erlang_app, ["c", "--calls-per-hour", "lots"])
    assert result.exit_code == 2  # typer's own usage error


# ------------------------------------------------------------------------------- a


def test_a_targets_and_figures_agree_with_the_api() -> None:
    cph, aht, patience = 200.0, 180.0, 120.0
    out = run_json(
        "a",
        "--calls-per-hour",
        "200",
        "--aht",
        "180",
        "--patience",
        "120",
        "--target-sl",
        "0.8",
        "--target-abandon",
        "0.03",
    )
    expected = max(
        agents_for_service_level(
            calls_per_hour=cph, aht_s=aht, threshold_s=20.0, target=0.8, patience_s=patience
        ),
        agents_for_abandon_rate(calls_per_hour=cph, aht_s=aht, patience_s=patience, target=0.03),
    )
    assert out["agents"] == expected
    reference = erlang_a_metrics(
        expected, calls_per_hour=cph, aht_s=aht, patience_s=patience, threshold_s=20.0
    )
    for key in ("p_wait", "p_abandon", "asa_s", "mean_wait_s", "service_level"):
        assert out["figures"][key] == pytest.approx(getattr(reference, key))
    assert out["inputs"]["patience_s"] == 120.0


def test_a_may_staff_below_the_load() -> None:
    # With abandonment an overloaded system is stable: evaluating fewer agents than the load works.
    out = run_json(
        "a", "--calls-per-hour", "200", "--aht", "180", "--patience", "60", "--agents", "8"
    )
    assert out["figures"]["p_abandon"] > 0.2
    assert out["figures"]["occupancy"] <= 1.0


def test_a_bad_input() -> None:
    assert_bad_input(["a", "--calls-per-hour", "200", "--aht", "180"], "--patience is required")
    assert_bad_input(
        ["a", "--calls-per-hour", "200", "--aht", "180", "--patience", "0"], "--patience"
    )
    assert_bad_input(
        [
            "a",
            "--calls-per-hour",
            "200",
            "--aht",
            "180",
            "--patience",
            "60",
            "--target-abandon",
            "0",
        ],
        "target",
    )


def test_json_figures_match_erlang_b_for_all_rows() -> None:
    out = run_json("b", "--load", "7.5", "--width", "3")
    for row in out["staffing"]:
        assert row["blocking"] == pytest.approx(erlang_b(row["agents"], 7.5), rel=1e-12)


def test_text_output_highlights_the_answer_row() -> None:
    colour = CliRunner(env={"FORCE_COLOR": "1", "NO_COLOR": None})
    result = colour.invoke(erlang_app, ["c", "--calls-per-hour", "200", "--aht", "180"])
    assert result.exit_code == 0
    reverse = "\x1b[1;7m"  # bold + reverse video
    highlighted = [line for line in result.stdout.splitlines() if reverse in line]
    assert len(highlighted) == 1
    plain = re.sub(r"\x1b\[[0-9;]*m", "", highlighted[0]).split()
    assert plain[0] == str(
        agents_for_service_level(calls_per_hour=200, aht_s=180.0, threshold_s=20.0, target=0.8)
    )


def test_bad_input_looks_like_every_other_command(tmp_path: Path) -> None:
    # Through the whole ``ccsim`` app: erlang's message has the same prefix and exit
    # status as a command reading a scenario (both go through the shared fail()).
    erlang = runner.invoke(app, ["erlang", "a", "--calls-per-hour", "200", "--aht", "180"])
    check = runner.invoke(app, ["check", str(tmp_path / "missing.yaml")])
    assert erlang.exit_code == check.exit_code == 2
    assert "--patience is required" in erlang.stderr
    prefix = check.stderr.split(":", 1)[0]
    assert prefix == "error"
    assert erlang.stderr.split(":", 1)[0] == prefix
    assert "Error:" not in erlang.output
    assert "Traceback" not in erlang.output
    for args in (
        ["erlang", "c", "--calls-per-hour", "-5", "--aht", "180"],
        ["erlang", "c", "--calls-per-hour", "nan", "--aht", "180"],
        ["erlang", "c", "--calls-per-hour", "200", "--aht", "0"],
        ["erlang", "c", "--calls-per-hour", "200", "--aht", "180", "--agents", "10"],
        ["erlang", "a", "--calls-per-hour", "200", "--aht", "180", "--patience", "0"],
        ["erlang", "a", "--calls-per-hour", "1e12", "--aht", "180", "--patience", "60"],
        ["erlang", "b", "--load", "5", "--target-blocking", "0"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("error: "), (args, result.stderr)
        assert result.stdout == "", args
        assert "Traceback" not in result.output, args
