"""Every queue meets its target in every interval when the staffing is re-simulated on
fresh callers, within the confidence the output states — on a cut-down flagship morning
and on a three-queue centre.

The output states, per (interval, queue) cell, its estimate and standard error on callers
no decision of the search has seen, and the confidence ``meets[queue=...]`` that the
cell's expected service level reaches the target. On other fresh callers a cell's
estimate then reaches the target with probability ``Φ(Φ⁻¹(meets) · se / √(se² + se'²))``
(``se'`` the re-simulation's own standard error). The number of cells that do is
compared with the sum of those probabilities (a binomial test with their variance):
fewer than the statement allows by more than three standard deviations fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

import simulator
from simulator.scenario import scenario_to_dict
from simulator.staffing import StaffingResult, parse_targets
from simulator.staffing.cells import cell_estimates, counted_intervals
from simulator.staffing.compare import evaluate_staffing

BINOMIAL_Z = 3.0
"""Fewer cells meeting than stated by this many standard deviations fails."""
FRESH_SEED = 99_991


def _fresh_share(
    result: StaffingResult, queues: list[str], replications: int
) -> tuple[int, float, float]:
    """(cells meeting on fresh callers, the number the output's statement expects, its
    standard deviation) over the counted cells with calls of ``queues``.
    """
    sc = result.scenario
    assert result.meets is not None and result.cells is not None
    staffing = dict(zip(result.groups, result.required, strict=True))
    verdict, run = evaluate_staffing(sc, result.targets, staffing, replications, FRESH_SEED)
    fresh = cell_estimates(run.outputs, run.scenario, run.kpis)["service_level"]
    stated = result.cells["service_level"]
    counted = counted_intervals(sc)
    met, expected, variance = 0, 0.0, 0.0
    for queue in queues:
        q = sc.queue_names.index(queue)
        cells = counted & (stated.offered[:, q] > 0)
        z_stated = stats.norm.ppf(np.clip(result.meets[cells, q], 1e-12, 1 - 1e-12))
        se, se_fresh = stated.se[cells, q], fresh.se[cells, q]
        both = np.sqrt(se**2 + se_fresh**2)
        # Cells every replication agrees on (e.g. everyone answered at once) are certain.
        shrink = np.divide(se, both, out=np.ones_like(se), where=both > 0)
        p = stats.norm.cdf(z_stated * shrink)
        met += int((verdict.queue_z[cells, q] >= 0).sum())
        expected += float(p.sum())
        variance += float((p * (1 - p)).sum())
    return met, expected, float(np.sqrt(variance))


def _flagship_morning() -> simulator.Scenario:
    """The flagship day cut to its morning, 08:00-12:00 (16 quarter hours, the 10:00 peak)."""
    data: dict[str, Any] = scenario_to_dict(simulator.load("scenarios/retail_bank_day.yaml"))
    data["calendar"]["close"] = "12:00"
    for ct in data["call_types"]:
        if "profile_per_interval" in ct["volume"]:
            ct["volume"]["profile_per_interval"] = ct["volume"]["profile_per_interval"][:16]
    for group in data["agent_groups"]:
        if group.get("per_interval"):
            group["per_interval"] = group["per_interval"][:16]
        if group.get("shifts"):
            group.pop("shifts")
            group["staffing"] = 20
    return simulator.scenario_from_dict(data)


def test_flagship_morning_meets_on_fresh_callers_as_stated() -> None:
    sc = _flagship_morning()
    result = simulator.staff(
        sc, {"service_level": 0.8}, groups=["front"], replications=6, max_replications=12
    )
    assert "meets[queue=general]" in result.table()
    met, expected, sd = _fresh_share(result, ["general", "cards"], replications=12)
    assert met >= expected - BINOMIAL_Z * sd, (met, expected, sd)


def test_three_queue_centre_meets_on_fresh_callers_as_stated() -> None:
    data: dict[str, Any] = {
        "name": "three queues",
        "seed": 8,
        "replications": 8,
        "calendar": {"days": 1, "open": "08:00", "close": "12:00", "interval_minutes": 30},
        "warmup_minutes": 0,
        "service_level": {"threshold_s": 20, "definition": "offered"},
        "queues": [
            {"name": "general"},
            {"name": "cards"},
            {"name": "fraud", "target": {"service_level": 0.9, "threshold_s": 10}},
        ],
        "call_types": [
            {
                "name": name,
                "target": name,
                "volume": {"profile_per_interval": profile},
                "handle_time": {"dist": "lognormal", "mean": mean, "cv": 0.8},
                "patience": {"dist": "exponential", "mean": 180},
            }
            for name, profile, mean in [
                ("general", [60, 90, 120, 120, 90, 60, 60, 40], 240),
                ("cards", [20, 30, 30, 30, 30, 20, 20, 20], 300),
                ("fraud", [8, 8, 12, 12, 8, 8, 8, 8], 360),
            ]
        ],
        "agent_groups": [
            {"name": "front", "skills": {"general": 1, "cards": 2}, "staffing": 1},
            {"name": "cards_team", "skills": {"cards": 1}, "staffing": 1},
            {"name": "fraud_team", "skills": {"fraud": 1}, "staffing": 1},
        ],
    }
    sc = simulator.scenario_from_dict(data)
    result = simulator.staff(sc, ["service_level=0.8"], replications=6, max_replications=12)
    assert result.targets.for_queue("fraud") == {"service_level": 0.9}
    met, expected, sd = _fresh_share(result, ["general", "cards", "fraud"], replications=12)
    assert met >= expected - BINOMIAL_Z * sd, (met, expected, sd)
    # Fraud is judged at its own target and threshold: 90 % within 10 s.
    strict = parse_targets(["service_level=0.8"]).with_queue_defaults(
        {"fraud": {"service_level": 0.9}}
    )
    assert result.scenario.queue_thresholds_s == [20.0, 20.0, 10.0]
    staffing = dict(zip(result.groups, result.required, strict=True))
    verdict, _ = evaluate_staffing(result.scenario, strict, staffing, 12, FRESH_SEED)
    counted = counted_intervals(sc)
    assert (verdict.queue_z[counted] > -3.5).all(), verdict.queue_z
