"""Paired comparisons with common random numbers: ``simulator.compare`` and ``ccsim compare``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

import simulator
from helpers import assert_fits_80_columns
from simulator.cli import app
from simulator.experiment.precision import kpi_parts
from simulator.scenario import Scenario, scenario_from_dict, scenario_to_dict

runner = CliRunner()
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

KEY_KPIS = ("service_level", "abandon_rate", "asa_s", "occupancy")


def centre(
    a_team: int = 6,
    flex: int = 3,
    *,
    seed: int = 3,
    replications: int = 10,
    hours: int = 4,
    day_to_day_cv: float = 0.2,
    name: str | None = None,
) -> Scenario:
    """A small two-queue centre (about 360 calls a day) whose days vary in volume."""
    return scenario_from_dict(
        {
            "name": name or f"two queues, {a_team}+{flex} agents",
            "seed": seed,
            "replications": replications,
            "calendar": {
                "days": 1,
                "open": "08:00",
                "close": f"{8 + hours:02d}:00",
                "interval_minutes": 30,
            },
            "queues": [{"name": "a"}, {"name": "b"}],
            "call_types": [
                {
                    "name": "ta",
                    "target": "a",
                    "volume": {"rate_per_hour": 60},
                    "day_to_day_cv": day_to_day_cv,
                    "handle_time": {"dist": "lognormal", "mean": 300, "cv": 0.8},
                    "patience": {"dist": "exponential", "mean": 180},
                },
                {
                    "name": "tb",
                    "target": "b",
                    "volume": {"rate_per_hour": 30},
                    "day_to_day_cv": day_to_day_cv,
                    "handle_time": {"dist": "exponential", "mean": 240},
                    "patience": {"dist": "exponential", "mean": 240},
                },
            ],
            "agent_groups": [
                {"name": "a_team", "skills": {"a": 1}, "staffing": a_team},
                {"name": "flex", "skills": {"b": 1, "a": 2}, "staffing": flex},
            ],
        }
    )


def write(scenario: Scenario, path: Path) -> Path:
    path.write_text(yaml.safe_dump(scenario_to_dict(scenario), sort_keys=False))
    return path


def test_identical_scenarios_differ_by_exactly_zero() -> None:
    comparison = simulator.compare([centre(), centre()], replications=6, workers=1)
    differences = comparison.differences()
    assert len(differences) == len(comparison.kpis)
    known = differences.dropna(subset=["difference"])
    assert len(known) > 20
    assert (known["difference"] == 0.0).all()
    assert (known["difference_half_width"] == 0.0).all()
    assert not differences["significant"].any()


def test_paired_interval_is_much_narrower_than_unpaired_on_the_flagship() -> None:
    """The retail bank's day with one more agent in the cards team: the days the two runs
    share (volumes, patience, handle times) cancel out of the paired difference.
    """
    base = simulator.load(SCENARIOS / "retail_bank_day.yaml")
    data = scenario_to_dict(base)
    data["agent_groups"][1]["staffing"] += 1
    more = scenario_from_dict(data, base_dir=SCENARIOS)
    comparison = simulator.compare([base, more], replications=20, workers=2)
    for kpi in KEY_KPIS:
        d = comparison.difference(kpi)
        assert d.half_width < d.unpaired_half_width / 3, kpi
        assert d.variance_reduction > 10, kpi
        assert d.significant, kpi  # visible with pairing; unpaired intervals would overlap
    # The unpaired half-width is what two independent runs give: run B on other seeds.
    other = simulator.run(more, replications=20, seed=1000, keep_contacts=False, workers=2)
    first = comparison.results[0].summary()
    independent = other.summary()
    for kpi in KEY_KPIS:
        combined = math.hypot(first.loc[kpi, "half_width"], independent.loc[kpi, "half_width"])
        unpaired = comparison.difference(kpi).unpaired_half_width
        assert combined / 3 < unpaired < combined * 3, kpi


def test_pairing_also_sharpens_a_small_centre() -> None:
    comparison = simulator.compare([centre(6), centre(7)], replications=20, workers=1)
    for kpi in KEY_KPIS:
        d = comparison.difference(kpi)
        assert d.half_width < d.unpaired_half_width / 2, kpi
        assert d.variance_reduction > 4, kpi


def test_each_scenario_is_its_own_run_with_the_common_seed() -> None:
    """The means shown are ``run``'s, and the difference is the difference of those means."""
    a, b = centre(6, seed=3), centre(7, seed=99)  # b's own seed is ignored: pairing
    comparison = simulator.compare([a, b], replications=5, workers=1)
    assert comparison.seed == 3
    table = comparison.table().set_index(["kpi", "scenario"])
    for scenario, label in zip((a, b), comparison.labels, strict=True):
        alone = simulator.run(scenario, replications=5, seed=3, keep_contacts=False).summary()
        for kpi in KEY_KPIS:
            assert table.loc[(kpi, label), "mean"] == alone.loc[kpi, "mean"]
            assert table.loc[(kpi, label), "half_width"] == alone.loc[kpi, "half_width"]
    for kpi in KEY_KPIS:
        first = table.loc[(kpi, comparison.labels[0]), "mean"]
        second = table.loc[(kpi, comparison.labels[1]), "mean"]
        assert table.loc[(kpi, comparison.labels[1]), "difference"] == second - first


def test_rate_difference_is_call_weighted_with_a_delta_method_interval() -> None:
    comparison = simulator.compare([centre(6), centre(7)], replications=12, workers=1)
    a, b = (kpi_parts(r) for r in comparison.results)
    num_a, den_a = a.column("abandon_rate")
    num_b, den_b = b.column("abandon_rate")
    assert den_a is not None and den_b is not None
    r_a, r_b = num_a.sum() / den_a.sum(), num_b.sum() / den_b.sum()
    d = comparison.difference("abandon_rate")
    assert d.difference == pytest.approx(r_b - r_a, rel=1e-12)
    z = (num_b - r_b * den_b) / den_b.mean() - (num_a - r_a * den_a) / den_a.mean()
    n = len(z)
    expected = stats.t.ppf(0.975, n - 1) * z.std(ddof=1) / np.sqrt(n)
    assert d.half_width == pytest.approx(expected, rel=1e-9)
    # The day-weighted mean of per-replication differences is a different estimator.
    daily = np.mean(num_b / den_b - num_a / den_a)
    assert daily != pytest.approx(d.difference, rel=1e-9)


def test_paired_interval_covers_the_long_run_difference() -> None:
    """A 15-replication paired CI against the difference from 150 replications (other seeds).

    Tolerance: the two estimates' standard errors combined, at the 99.9 % level.
    """
    short = simulator.compare([centre(6), centre(7)], replications=15, workers=1)
    long = simulator.compare([centre(6), centre(7)], replications=150, seed=500, workers=1)
    for kpi in ("abandon_rate", "service_level"):
        s, lg = short.difference(kpi), long.difference(kpi)
        se = math.hypot(s.se, lg.se)
        assert abs(s.difference - lg.difference) <= stats.norm.ppf(0.9995) * se, kpi


def test_significance_and_p_value_agree_with_the_interval() -> None:
    comparison = simulator.compare([centre(6), centre(7)], replications=10, workers=1)
    rows = comparison.differences().dropna(subset=["difference_half_width"])
    rows = rows[rows["difference_half_width"] > 0]
    assert len(rows) > 5
    for _, row in rows.iterrows():
        excludes_zero = row["difference_low"] > 0 or row["difference_high"] < 0
        assert row["significant"] == excludes_zero
        assert (row["p_value"] < 0.05) == excludes_zero


def test_three_scenarios_are_each_compared_with_the_first() -> None:
    comparison = simulator.compare(
        [centre(6), centre(7), centre(6, 4)], replications=4, workers=1, labels=["base", "x", "y"]
    )
    differences = comparison.differences()
    assert set(differences["scenario"]) == {"x", "y"}
    assert set(differences["baseline"]) == {"base"}
    table = comparison.table()
    assert set(table["scenario"]) == {"base", "x", "y"}
    assert table[table["scenario"] == "base"]["difference"].isna().all()


def test_compare_needs_two_scenarios() -> None:
    with pytest.raises(ValueError, match="at least two"):
        simulator.compare([centre()])


def _invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_cli_compare_prints_differences_and_writes_files(tmp_path: Path) -> None:
    a = write(centre(6), tmp_path / "lean.yaml")
    b = write(centre(7), tmp_path / "rich.yaml")
    out = tmp_path / "cmp"
    result = _invoke("compare", a, b, "-r", "8", "-w", "2", "-q", "--out", out)
    assert result.exit_code == 0, result.output
    assert "rich − lean" in result.output
    assert "service_level" in result.output and "VR" in result.output
    assert_fits_80_columns(result.output)
    for name in ("comparison.json", "comparison.csv", "differences.csv", "differences.png"):
        assert (out / name).stat().st_size > 0, name
    data = json.loads((out / "comparison.json").read_text())
    assert data["seed"] == 3 and data["replications"] == 8
    assert data["backend"]["backend"] == "processes"
    assert data["ccsim_version"] == simulator.__version__
    abandon = data["kpis"]["abandon_rate"]["differences"]["rich"]
    assert abandon["low"] <= abandon["difference"] <= abandon["high"]
    table = pd.read_csv(out / "comparison.csv")
    assert {"kpi", "scenario", "mean", "half_width", "difference", "significant"} <= set(
        table.columns
    )


def test_cli_compare_json_and_kpi_selection(tmp_path: Path) -> None:
    a = write(centre(6), tmp_path / "lean.yaml")
    b = write(centre(7), tmp_path / "rich.yaml")
    result = _invoke(
        "compare", a, b, "-r", "4", "-w", "1", "--json", "--kpi", "abandon_rate",
        "--out", tmp_path / "o",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data["kpis"]) == ["abandon_rate"]
    assert data["scenarios"][0]["label"] == "lean"


def test_cli_compare_bad_input_exits_2(tmp_path: Path) -> None:
    a = write(centre(6), tmp_path / "a.yaml")
    b = write(centre(7), tmp_path / "b.yaml")
    one = _invoke("compare", a, "-q", "--out", tmp_path / "x")
    assert one.exit_code == 2 and "at least two" in one.output
    bad_kpi = _invoke("compare", a, b, "-r", "2", "-w", "1", "-q", "--kpi", "nope",
                      "--out", tmp_path / "y")  # fmt: skip
    assert bad_kpi.exit_code == 2 and "nope" in bad_kpi.output
    missing = _invoke("compare", a, tmp_path / "none.yaml", "-q", "--out", tmp_path / "z")
    assert missing.exit_code == 2 and "none.yaml" in missing.output
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    taken = _invoke("compare", a, b, "-r", "2", "-w", "1", "-q", "--out", tmp_path / "taken")
    assert taken.exit_code == 2 and "--force" in taken.output
