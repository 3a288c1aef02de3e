"""Shared builders and statistical assertions for the tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from scipy import stats

import simulator
from simulator.scenario import Scenario, scenario_from_dict

FAMILY_ALPHA = 0.01
"""Chance that the whole theory suite fails although the engine is right."""
THEORY_CHECKS = 60
"""Number of simulated-vs-theory comparisons in the suite (for the Bonferroni bound)."""


def single_queue(
    *,
    servers: int,
    calls_per_hour: float,
    aht: float,
    patience: float | None = None,
    lines: int | None = None,
    warmup_minutes: float = 180,
    hours: int = 24,
    seed: int = 11,
    replications: int = 30,
    threshold_s: float = 20,
) -> Scenario:
    """A stationary M/M/c(+M) scenario open round the clock for ``hours`` hours."""
    call_type: dict[str, Any] = {
        "name": "calls",
        "target": "q",
        "volume": {"rate_per_hour": calls_per_hour},
        "handle_time": {"dist": "exponential", "mean": aht},
    }
    if patience is not None:
        call_type["patience"] = {"dist": "exponential", "mean": patience}
    data: dict[str, Any] = {
        "name": f"M/M/{servers}",
        "seed": seed,
        "replications": replications,
        "warmup_minutes": warmup_minutes,
        "service_level": {"threshold_s": threshold_s},
        "calendar": {
            "days": 1,
            "open": "00:00",
            "close": f"{hours:02d}:00",
            "interval_minutes": 60,
        },
        "queues": [{"name": "q"}],
        "call_types": [call_type],
        "agent_groups": [{"name": "agents", "skills": {"q": 1}, "staffing": servers}],
    }
    if lines is not None:
        data["lines"] = lines
    return scenario_from_dict(data)


def critical_t(n: int, checks: int = THEORY_CHECKS) -> float:
    """Two-sided t critical value at the family level, Bonferroni over ``checks``."""
    return float(stats.t.ppf(1 - FAMILY_ALPHA / (2 * checks), n - 1))


def assert_matches_theory(result: simulator.RunResult, kpi: str, theory: float) -> None:
    """The simulated KPI lies within the multiple-comparison bound of its CI around theory.

    The 95 % half-width is turned back into a standard error and widened to the
    family-wise critical value, so a correct engine fails the whole suite with
    probability under ``FAMILY_ALPHA``.
    """
    row = result.summary().loc[kpi]
    n = result.n
    se = row["half_width"] / float(stats.t.ppf(0.975, n - 1))
    bound = critical_t(n) * se
    assert abs(row["mean"] - theory) <= bound, (
        f"{kpi}: simulated {row['mean']:.5g} ± {bound:.3g} (family-wise bound, se {se:.3g}) "
        f"vs theory {theory:.5g}"
    )


def assert_fits_80_columns(output: str, out: object = None) -> None:
    """Every line of a command's tables fits 80 columns and nothing was cut short (lines
    naming the output folder ``out``, a path of the user's choosing, are left aside)."""
    lines = [
        line
        for line in output.splitlines()
        if not line.startswith("wrote ") and (out is None or str(out) not in line)
    ]
    too_wide = [line for line in lines if len(line) > 80]
    assert not too_wide, too_wide[:3]
    assert "…" not in output


def assert_check_refuses(data: dict[str, Any], folder: Path, path: str, message: str) -> None:
    """``ccsim check`` on ``data`` written as YAML exits 2 naming ``path`` and ``message``."""
    from typer.testing import CliRunner

    from simulator.cli import app

    file = folder / "bad.yaml"
    file.write_text(yaml.safe_dump(data))
    outcome = CliRunner().invoke(app, ["check", str(file)])
    assert outcome.exit_code == 2, outcome.output
    assert path in outcome.output and message in outcome.output, outcome.output
    assert "Traceback" not in outcome.output


def chromium() -> str | None:
    """A Chromium (or Chrome) binary on PATH, or None (``.ci/run`` installs Debian's)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None
