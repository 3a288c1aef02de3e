"""Day-to-day risk: the distribution of each day's service level, and staffing for a
share of days.

With ``day_to_day_cv`` each call type's whole-day volume is multiplied by a gamma
factor of mean 1 drawn per day. Staffing for "the targets hold on a share ``p`` of
days" (``--days-quantile p``) staffs for the day whose factor is the ``p``-quantile
of that gamma distribution: each call type's volume is scaled by its own quantile
and the search runs without the day factor. A day's service level falls as its
volume rises, so the targets then hold on every day whose factor is below the
quantile — a share ``p`` of days — up to the within-day noise. Scaling every call
type by its own ``p``-quantile is conservative when several vary independently.
The claim is checked by simulation: :func:`daily_figures` simulates many days with
the day factor and reports the share that met each queue's target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from simulator.experiment import run
from simulator.scenario import Scenario, scenario_from_dict, scenario_to_dict
from simulator.staffing.cells import counted_intervals, daily_queue_ratio
from simulator.staffing.targets import LOWER_BOUNDS, Targets

__all__ = ["DailyFigures", "daily_figures", "day_factor_quantile", "quantile_day_scenario"]

DAYS_EVALUATED = 100
"""Simulated days (replications × calendar days) behind the daily distribution, at least."""


def day_factor_quantile(cv: float, p: float) -> float:
    """The ``p``-quantile of the gamma day factor with mean 1 and coefficient ``cv``."""
    if cv <= 0:
        return 1.0
    shape = 1.0 / cv**2
    return float(stats.gamma.ppf(p, shape, scale=1.0 / shape))


def quantile_day_scenario(scenario: Scenario, p: float) -> Scenario:
    """``scenario`` without the day factor, each call type's volume scaled to its
    ``p``-quantile day.
    """
    data = scenario_to_dict(scenario)
    cal = scenario.calendar
    for ct_data, ct in zip(data["call_types"], scenario.call_types, strict=True):
        factor = day_factor_quantile(ct.day_to_day_cv, p)
        expected = ct.volume.expected_per_interval(cal) * factor
        ct_data["volume"] = {"profile_per_interval": [float(v) for v in expected]}
        ct_data["day_to_day_cv"] = 0.0
    return scenario_from_dict(data, source=f"{scenario.name} (the {p:g}-quantile day)")


@dataclass
class DailyFigures:
    """Each simulated day's KPI per queue and the share of days meeting the targets.

    Attributes
    ----------
    days : one row per simulated day: its volume factor proxy (offered calls) and each
        queue's daily value of each target KPI (``service_level[queue=NAME]``).
    summary : per queue and KPI: target, mean, 10th/50th/90th percentiles of the daily
        value, share of days meeting the target.
    """

    days: pd.DataFrame
    summary: pd.DataFrame


def daily_figures(
    scenario: Scenario,
    targets: Targets,
    seed: int,
    replications: int | None = None,
    workers: int | None = 1,
) -> DailyFigures:
    """Simulate ``scenario`` (staffed, with its day factor) over many days and summarise
    each queue's daily KPIs against ``targets``.
    """
    days_per_rep = scenario.calendar.days
    reps = replications or max(scenario.replications, -(-DAYS_EVALUATED // days_per_rep))
    result = run(scenario, replications=reps, seed=seed, workers=workers, keep_contacts=False)
    counted = counted_intervals(scenario)
    frame = pd.DataFrame()
    rows = []
    for q, queue in enumerate(scenario.queue_names):
        for kpi, target in targets.for_queue(queue).items():
            values, offered = daily_queue_ratio(result.outputs, scenario, result.kpis, kpi, counted)
            col = f"{kpi}[queue={queue}]"
            frame[col] = values[:, q]
            frame[f"offered[queue={queue}]"] = offered[:, q]
            valid = values[:, q][~np.isnan(values[:, q])]
            met = valid >= target if kpi in LOWER_BOUNDS else valid <= target
            rows.append(
                {
                    "queue": queue,
                    "kpi": kpi,
                    "target": target,
                    "mean": float(valid.mean()) if valid.size else float("nan"),
                    "p10": float(np.percentile(valid, 10)) if valid.size else float("nan"),
                    "p50": float(np.percentile(valid, 50)) if valid.size else float("nan"),
                    "p90": float(np.percentile(valid, 90)) if valid.size else float("nan"),
                    "days": int(valid.size),
                    "share_met": float(met.mean()) if valid.size else float("nan"),
                }
            )
    return DailyFigures(frame, pd.DataFrame.from_records(rows))
