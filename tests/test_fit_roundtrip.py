"""Round trip: logs simulated from a known scenario are fitted back to its parameters.

Tolerance: every estimate must lie within ``Z`` of its own standard error of the truth —
the ML standard error (observed information, delta method) for durations and patience,
the binomial one for the redial share, the Poisson one (``sqrt(lambda / days)``) for
each interval's expected count. ``Z`` is the two-sided normal quantile for a family-wise
error of 1 % over all the checks below (Bonferroni), so a correct fitter fails this file
with probability under 1 % while a biased one (e.g. patience ignoring censoring) cannot
pass.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

import simulator
from simulator.calibration import fit
from simulator.calibration.durations import FamilyFit
from simulator.calibration.export import contacts_to_log
from simulator.cli.app import app
from simulator.scenario import scenario_from_dict

PROFILE = [30, 45, 60, 75, 75, 60, 50, 40]
CHECKS = 2 * 2 * 2 + 2 * 2 + 2 + len(PROFILE) + 1
"""Handle mean+CV and patience mean(+CV) per call type, redial share and delay, profile."""
Z = float(stats.norm.ppf(1 - 0.01 / (2 * CHECKS)))
DAYS = 12


def truth() -> dict[str, Any]:
    """Two call types (lognormal / gamma talk, exponential / gamma patience), a profile
    and a flat rate, redials; about 1,000 calls a day over 4 hours.
    """
    return {
        "name": "truth",
        "seed": 20,
        "replications": DAYS,
        "calendar": {"days": 1, "open": "09:00", "close": "13:00", "interval_minutes": 30},
        "queues": [{"name": "sales"}, {"name": "support"}],
        "call_types": [
            {
                "name": "buy",
                "target": "sales",
                "volume": {"profile_per_interval": PROFILE},
                "handle_time": {"dist": "lognormal", "mean": 240, "cv": 0.8},
                "patience": {"dist": "exponential", "mean": 180},
            },
            {
                "name": "fix",
                "target": "support",
                "volume": {"rate_per_hour": 70},
                "handle_time": {"dist": "gamma", "mean": 360, "cv": 0.6},
                "patience": {"dist": "gamma", "mean": 300, "cv": 0.5},
            },
        ],
        "callers": {"redial": {"probability": 0.4, "delay": {"dist": "exponential", "mean": 600}}},
        "agent_groups": [
            {"name": "sellers", "skills": {"sales": 1}, "staffing": 9},
            {"name": "fixers", "skills": {"support": 1}, "staffing": 7},
        ],
    }


@pytest.fixture(scope="module")
def contacts() -> pd.DataFrame:
    return simulator.run(scenario_from_dict(truth())).contacts()


@pytest.fixture(scope="module")
def fitted(contacts: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("roundtrip") / "contacts.parquet"
    contacts.to_parquet(path)
    return fit(path)


def within(fitted: FamilyFit, mean: float, cv: float | None) -> None:
    z_mean = (fitted.mean - mean) / fitted.mean_se
    assert abs(z_mean) < Z, f"{fitted.family} mean {fitted.mean:.1f} vs {mean} (z {z_mean:.2f})"
    if cv is not None and fitted.family != "exponential":
        z_cv = (fitted.cv - cv) / fitted.cv_se
        assert abs(z_cv) < Z, f"{fitted.family} CV {fitted.cv:.3f} vs {cv} (z {z_cv:.2f})"


def family(fits: list[FamilyFit], name: str) -> FamilyFit:
    return next(f for f in fits if f.family == name)


def test_handle_times_are_fitted_back(fitted: Any) -> None:
    # The true family wins by AIC and its ML estimates cover the truth.
    assert fitted.handle["buy"][0].family == "lognormal"
    assert fitted.handle["fix"][0].family == "gamma"
    within(family(fitted.handle["buy"], "lognormal"), 240, 0.8)
    within(family(fitted.handle["fix"], "gamma"), 360, 0.6)


def test_patience_is_fitted_back_from_censored_waits(fitted: Any) -> None:
    within(family(fitted.patience["buy"].fits, "exponential"), 180, None)
    within(family(fitted.patience["fix"].fits, "gamma"), 300, 0.5)
    # The family chosen for exponential patience is the exponential, or one whose CV is
    # within the tolerance of 1 (Weibull and gamma contain it); the naive mean is biased
    # low, far outside the CI.
    buy = fitted.patience["buy"]
    chosen = buy.fits[0]
    assert chosen.family == "exponential" or abs(chosen.cv - 1) < Z * chosen.cv_se
    exponential = family(buy.fits, "exponential")
    assert (180 - buy.naive_mean) / exponential.mean_se > Z


def test_redials_are_fitted_back(fitted: Any, contacts: pd.DataFrame) -> None:
    redial = fitted.redial
    assert redial is not None
    z = (redial.probability - 0.4) / redial.probability_se
    assert abs(z) < Z, f"redial share {redial.probability:.3f} (z {z:.2f})"
    within(family(redial.delay_fits, "exponential"), 600, None)
    # Redials were told apart from first calls by customer id alone: as many as the
    # simulator made (those arriving within the window).
    made = int((contacts["origin"] == "redial").sum())
    assert int((fitted.origins == "redial").sum()) == pytest.approx(made, rel=0.02)


def test_profile_and_day_factor(fitted: Any) -> None:
    buy = next(a for a in fitted.arrivals if a.call_type == "buy")
    for expected, estimate in zip(PROFILE, buy.profile, strict=True):
        z = (estimate - expected) / math.sqrt(expected / DAYS)
        assert abs(z) < Z, f"interval count {estimate} vs {expected}"
    fix = next(a for a in fitted.arrivals if a.call_type == "fix")
    assert fix.profile == pytest.approx([35.0] * 8, abs=Z * math.sqrt(35 / DAYS))
    # Poisson days: the day factor CV is within the noise of the method of moments
    # (sd of s^2 is about m sqrt(2 / (n - 1)), so c^2 = (s^2 - m) / m^2 has sd
    # sqrt(2 / (n - 1)) / m).
    for arrivals in fitted.arrivals:
        m = arrivals.daily_totals.mean()
        assert arrivals.day_cv**2 < Z * math.sqrt(2 / (DAYS - 1)) / m


def test_fitted_scenario_runs_and_keeps_the_structure(fitted: Any) -> None:
    scenario = fitted.scenario
    assert [g.name for g in scenario.agent_groups] == ["fixers", "sellers"]
    # Staffing without a file: the busy-agent lower bound, here the true staffing because
    # every agent is busy at the peak.
    groups = {g.name: g.per_interval for g in scenario.agent_groups}
    assert max(groups["sellers"]) == 9 and max(groups["fixers"]) == 7
    assert any("lower bound" in w for w in fitted.warnings)
    result = simulator.run(scenario, replications=2)
    assert result.summary().loc["offered", "mean"] > 0


def test_csv_log_through_the_cli(contacts: pd.DataFrame, tmp_path: Path) -> None:
    """The same run exported as an ACD-style CSV, fitted by ``ccsim fit``: same estimates."""
    sample = contacts[contacts["replication"] < 4]
    log = contacts_to_log(sample, datetime.date(2026, 3, 2))
    log.to_csv(tmp_path / "log.csv", index=False)
    renamed = log.rename(columns={"arrived_at": "StartTime", "ended_at": "EndTime"})
    renamed.to_csv(tmp_path / "export.csv", index=False)
    out = tmp_path / "fitted"
    result = CliRunner().invoke(
        app,
        [
            "fit",
            str(tmp_path / "export.csv"),
            "--columns",
            "arrived_at=StartTime,ended_at=EndTime",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "lower bound" in result.output
    data = json.loads((out / "fit.json").read_text())
    direct = fit(tmp_path / "log.csv")
    buy = data["handle_time"]["buy"]["fits"][0]
    assert buy["family"] == "lognormal"
    assert buy["mean"] == pytest.approx(direct.handle["buy"][0].mean, rel=1e-9)
    assert data["days"]["fitted"][0] == "2026-03-02" and len(data["days"]["fitted"]) == 4
    scenario = yaml.safe_load((out / "scenario.yaml").read_text())
    assert scenario_from_dict(scenario).call_types[0].name == "buy"
    html = (out / "fit.html").read_text()
    assert html.count("data:image/png;base64,") >= 4 and "naive mean" in html
    check = CliRunner().invoke(app, ["check", str(out / "scenario.yaml")])
    assert check.exit_code == 0, check.output


def test_the_shipped_sample_log_and_its_worked_example(tmp_path: Path) -> None:
    """The README's worked example: the synthetic sample log, one profile per weekday, three
    days held out, and the numbers the README quotes (a guard against the docs drifting).
    """
    root = Path(__file__).parent.parent
    logs = root / "scenarios" / "logs"
    out = tmp_path / "fitted"
    result = fit(
        logs / "sample_centre.csv",
        staffing=logs / "sample_centre_staffing.csv",
        by_weekday=True,
        holdout_days=3,
        backtest_replications=2,
        out=out,
    )
    written = sorted(p.name for p in out.iterdir())
    assert written == ["fit.html", "fit.json", "scenario.yaml"]  # weekdays inside the one
    volume = yaml.safe_load((out / "scenario.yaml").read_text())["call_types"][0]["volume"]
    assert list(volume["by_weekday"]) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    account = next(a for a in result.arrivals if a.call_type == "account")
    monday = sum(account.by_weekday["mon"])
    assert all(monday > sum(p) for day, p in account.by_weekday.items() if day != "mon")
    assert result.staffing_source == "file" and not result.warnings
    readme = (root / "README.md").read_text()
    handle = result.handle["account"][0]
    assert f"{handle.mean:.1f} ± {1.96 * handle.mean_se:.1f} s" in readme
    invoice = result.patience["invoice"].fits[0]
    assert f"{invoice.family}, {invoice.mean:.0f} ± {1.96 * invoice.mean_se:.0f} s" in readme
    redial = result.redial
    assert redial is not None
    assert f"{redial.probability:.3f} ± {1.96 * redial.probability_se:.3f}" in readme


def test_transfers_from_a_simulated_log(tmp_path: Path) -> None:
    """Cards agents resolve 70 %; half the rest go to general: 15 % of the legs answered in
    cards are transferred, within its binomial standard error.
    """
    data = truth()
    data["call_types"] = data["call_types"][:1]
    data["call_types"][0]["target"] = "support"
    data["agent_groups"][1]["resolve_probability"] = {"support": 0.7}
    data["transfers"] = {"mode": "cold", "matrix": {"support": {"sales": 0.5}}}
    data["replications"] = 4
    path = tmp_path / "contacts.parquet"
    simulator.run(scenario_from_dict(data)).contacts().to_parquet(path)
    result = fit(path)
    assert result.transfers is not None
    legs = result.transfers.answered_legs["support"]
    share = result.transfers.matrix()["support"]["sales"]
    assert abs(share - 0.15) < Z * math.sqrt(0.15 * 0.85 / legs)
    scenario = result.scenario
    assert scenario.transfers.matrix == {"support": {"sales": 1.0}}
    simulator.run(scenario, replications=2)


@pytest.mark.parametrize("contacts_file", ["contacts.parquet", "contacts.csv"])
def test_ccsim_run_output_is_a_log(contacts_file: str, tmp_path: Path) -> None:
    """``ccsim run --out DIR`` then ``ccsim fit DIR/contacts.parquet`` (or the CSV a run
    writes without pyarrow): a scenario that ``ccsim check`` accepts.
    """
    data = truth()
    data["replications"] = 3
    scenario = tmp_path / "truth.yaml"
    scenario.write_text(yaml.safe_dump(data))
    runner = CliRunner()
    run = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "run"), "-q"])
    assert run.exit_code == 0, run.output
    if contacts_file.endswith(".csv"):
        pd.read_parquet(tmp_path / "run" / "contacts.parquet").to_csv(
            tmp_path / "run" / "contacts.csv", index=False
        )
    fitted = runner.invoke(
        app, ["fit", str(tmp_path / "run" / contacts_file), "--out", str(tmp_path / "fit")]
    )
    assert fitted.exit_code == 0, fitted.output
    data = json.loads((tmp_path / "fit" / "fit.json").read_text())
    assert len(data["days"]["fitted"]) == 3  # one day per replication
    assert data["contacts"]["redial"] > 0
    check = runner.invoke(app, ["check", str(tmp_path / "fit" / "scenario.yaml")])
    assert check.exit_code == 0, check.output
