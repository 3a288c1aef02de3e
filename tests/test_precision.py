"""Precision on demand: sequential sampling until a KPI's 95 % half-width is reached."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_compare import centre, write
from typer.testing import CliRunner

import simulator
from simulator.cli import app
from simulator.experiment.precision import (
    GROWTH_LIMIT,
    PrecisionTarget,
    TargetStatus,
    kpi_names,
    kpi_parts,
    next_replication_count,
    parse_precision,
)

cli = CliRunner()


def _invoke(*args: Any) -> Any:
    return cli.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_kpi_parts_rebuild_summary_and_replications_bit_for_bit() -> None:
    result = simulator.run(centre(), 7, keep_contacts=False)
    parts = kpi_parts(result)
    summary = result.summary()
    assert list(parts.names) == list(summary.index) == kpi_names(result.scenario)
    pd.testing.assert_frame_equal(
        parts.summary()[["mean", "half_width"]], summary[["mean", "half_width"]], check_exact=True
    )
    pd.testing.assert_frame_equal(parts.values(), result.replications(), check_exact=True)


def test_run_adds_replications_until_the_half_width_is_reached() -> None:
    scenario = centre()
    start = simulator.run(scenario, 5, keep_contacts=False).summary()
    target = start.loc["abandon_rate", "half_width"] / 2.5  # needs about 6x the replications
    result = simulator.run(scenario, 5, keep_contacts=False, precision={"abandon_rate": target})
    reached = result.summary().loc["abandon_rate", "half_width"]
    assert reached <= target
    assert 5 < result.n <= 1000
    assert [o.replication for o in result.outputs] == list(range(result.n))
    # The stopping point depends only on the seed: the same with other workers.
    again = simulator.run(
        scenario, 5, workers=2, keep_contacts=False, precision={"abandon_rate": target}
    )
    assert again.n == result.n
    pd.testing.assert_frame_equal(again.summary(), result.summary(), check_exact=True)


def test_the_cap_stops_sampling() -> None:
    result = simulator.run(
        centre(), 5, keep_contacts=False, precision={"asa_s": 1e-6}, max_replications=11
    )
    assert result.n == 11
    assert result.summary().loc["asa_s", "half_width"] > 1e-6


def test_next_stage_follows_the_square_root_law() -> None:
    target = PrecisionTarget("abandon_rate", 0.01)

    def status(half_width: float, n: int) -> list[TargetStatus]:
        return [TargetStatus(target, half_width, n)]

    assert next_replication_count(status(0.009, 10), 10, 1000) == 10  # met: stop
    assert next_replication_count(status(0.02, 10), 10, 1000) == 40  # (0.02/0.01)^2 x 10
    assert next_replication_count(status(0.0101, 10), 10, 1000) == 11  # at least one more
    assert next_replication_count(status(0.1, 10), 10, 1000) == GROWTH_LIMIT * 10
    assert next_replication_count(status(0.02, 10), 10, 25) == 25  # the cap
    assert next_replication_count(status(0.02, 25), 25, 25) == 25
    assert next_replication_count(status(math.nan, 10), 10, 1000) == 20  # unknown: double


@pytest.mark.parametrize("spec", ["abandon_rate", "=0.1", "abandon_rate=x", "abandon_rate=-1"])
def test_malformed_targets_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="--precision"):
        parse_precision(spec)


def test_sweep_points_each_reach_the_target(tmp_path: Path) -> None:
    grid = {"agent_groups[0].staffing": [5, 7]}
    target = 0.02
    result = simulator.sweep(
        centre(), grid, 5, workers=2, precision={"abandon_rate": target}, out=tmp_path / "s"
    )
    rows = result.summary().query("kpi == 'abandon_rate'")
    assert (rows["half_width"] <= target).all()
    counts = result.replications().groupby("point")["replication"].max() + 1
    assert list(counts) == list(rows["replications"])
    assert json.loads((tmp_path / "s" / "sweep.json").read_text())["identity"]["precision"] == {
        "abandon_rate": target
    }


def test_compare_samples_until_the_paired_difference_is_precise() -> None:
    pair = [centre(6), centre(7)]
    first = simulator.compare(pair, 5, workers=1).difference("service_level")
    target = first.half_width / 2
    comparison = simulator.compare(pair, 5, workers=1, precision={"service_level": target})
    assert comparison.difference("service_level").half_width <= target
    assert comparison.replications > 5


def test_cli_run_reports_the_precision_reached(tmp_path: Path) -> None:
    path = write(centre(), tmp_path / "c.yaml")
    result = _invoke(
        "run", path, "-r", "5", "--precision", "abandon_rate=0.02", "-w", "1", "-q",
        "--no-contacts", "-o", tmp_path / "o",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "precision abandon_rate: half-width" in result.output and "reached" in result.output
    capped = _invoke(
        "run", path, "-r", "5", "--precision", "asa_s=0.000001", "--max-replications", "7",
        "-w", "1", "-q", "--no-contacts", "-o", tmp_path / "o",
    )  # fmt: skip
    assert capped.exit_code == 0 and "NOT reached after 7 replications" in capped.output


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("abandon_rat=0.01", ["unknown KPI 'abandon_rat'", "abandon_rate"]),
        ("abandon_rate", ["expected KPI=HALF_WIDTH"]),
        ("abandon_rate=0", ["must be a positive number"]),
    ],
)
def test_cli_bad_precision_exits_2(tmp_path: Path, spec: str, words: list[str]) -> None:
    path = write(centre(), tmp_path / "c.yaml")
    for command in (["run", path], ["sweep", path, "--set", "routing.policy=fcfs"]):
        result = _invoke(*command, "--precision", spec, "-q", "-o", tmp_path / "o")
        assert result.exit_code == 2, result.output
        text = " ".join(result.output.split())
        for word in words:
            assert word in text
