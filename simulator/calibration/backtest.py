"""The back-test: whether the fitted scenario reproduces days it was not fitted on.

The fitted scenario is simulated for as many days as were held out, ``R`` times
(independent replications). Each replication gives abandonment, service level and ASA
over those days, overall and per interval — computed from its contact log by the very
function applied to the held-out log, so the definitions agree. The held-out figure
is compared with the band in which 95 % of such periods fall according to the fitted
scenario: a prediction interval, ``mean ± t(0.975, R-1) · sd · sqrt(1 + 1/R)`` over
replications, widened by one call's worth of the rate (a difference of a single call
is never a misfit) and kept within the quantity's range. A confidence interval of the
simulated mean would be the wrong yardstick: the held-out days are one random
realisation, not a mean.

Verdict: the overall figures must lie inside their bands. Those bands account for
every correlation between intervals and KPIs (a busy held-out day raises abandonment in
all its intervals at once), so the verdict rests on them; the per-interval checks say
*where* a misfit lies. Their misses come in clusters, so their count is reported beside
what independent checks would allow (the 99th percentile of a binomial with the number
of checks and 5 %) as a guide, not a test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator.calibration.contacts import contact_table
from simulator.calibration.reading import SECONDS_PER_DAY, log_from_contacts

__all__ = ["KPIS", "Backtest", "log_kpis", "run_backtest"]

KPIS = ("abandon_rate", "service_level", "asa_s")
"""KPIs compared."""
LABELS = {"abandon_rate": "abandonment", "service_level": "service level", "asa_s": "ASA"}
BAND = 0.95
CHANCE_QUANTILE = 0.99


def log_kpis(
    contacts: pd.DataFrame, threshold_s: float, open_s: float, interval_s: float, intervals: int
) -> pd.DataFrame:
    """Offered, abandonment, service level and ASA per interval of arrival and overall.

    Offered: contacts arriving in the interval; abandonment: contacts that ended
    abandoned / offered; service level: answered in the first queue within
    ``threshold_s`` / offered; ASA: mean first-queue wait of the answered. Index: the
    interval number, and ``-1`` for all intervals together.
    """
    k = np.clip(np.floor((contacts["seconds"].to_numpy() - open_s) / interval_s), 0, intervals - 1)
    frame = pd.DataFrame(
        {
            "k": k.astype(int),
            "abandoned": (contacts["outcome"] == "abandoned").to_numpy(),
            "within": (contacts["answered"] & (contacts["first_wait"] <= threshold_s)).to_numpy(),
            "answered": contacts["answered"].to_numpy(),
            "wait": contacts["first_wait"].where(contacts["answered"]).to_numpy(),
        }
    )

    def summarise(rows: pd.DataFrame) -> dict[str, float]:
        offered = len(rows)
        answered = int(rows["answered"].sum())
        return {
            "offered": float(offered),
            "abandon_rate": rows["abandoned"].sum() / offered if offered else math.nan,
            "service_level": rows["within"].sum() / offered if offered else math.nan,
            "asa_s": float(rows["wait"].sum() / answered) if answered else math.nan,
        }

    table = {int(str(i)): summarise(rows) for i, rows in frame.groupby("k")}
    for i in range(intervals):
        table.setdefault(i, {"offered": 0.0, **dict.fromkeys(KPIS, math.nan)})
    table[-1] = summarise(frame)
    return pd.DataFrame.from_dict(table, orient="index").sort_index()


@dataclass(frozen=True)
class Backtest:
    """Held-out days against the fitted scenario's prediction bands.

    ``table`` has one row per (interval, KPI) with ``interval`` (-1 overall), ``label``,
    ``kpi``, ``log``, ``sim_mean``, ``low``, ``high``, ``inside``.
    """

    table: pd.DataFrame
    replications: int
    days: int
    allowed_misses: int
    labels: list[str]

    @property
    def overall(self) -> pd.DataFrame:
        """The three overall rows."""
        return self.table[self.table["interval"] == -1]

    @property
    def interval_checks(self) -> pd.DataFrame:
        """The per-interval rows that could be checked."""
        rows = self.table[self.table["interval"] >= 0]
        return rows[rows["log"].notna() & rows["sim_mean"].notna()]

    @property
    def misses(self) -> int:
        """Interval checks outside their band."""
        return int((~self.interval_checks["inside"]).sum())

    @property
    def passed(self) -> bool:
        """Whether the overall figures lie inside their bands."""
        return bool(self.overall["inside"].all())

    def verdict(self) -> str:
        """A sentence a planner can read."""

        def show(kpi: str, x: float) -> str:
            return f"{x:.1f} s" if kpi == "asa_s" else f"{100 * x:.1f} %"

        parts = []
        for _, row in self.overall.iterrows():
            kpi = str(row["kpi"])
            where = (
                "inside" if row["inside"] else ("ABOVE" if row["log"] > row["high"] else "BELOW")
            )
            parts.append(
                f"{LABELS[kpi]} {show(kpi, row['log'])} ({where} the simulated band "
                f"{show(kpi, row['low'])} – {show(kpi, row['high'])})"
            )
        checks = len(self.interval_checks)
        detail = (
            f"Held-out days ({self.days}): " + "; ".join(parts) + f". {self.misses} of {checks} "
            f"interval checks fall outside their band (about {self.allowed_misses} would by chance "
            "if they were independent; they are not, so misses cluster)."
        )
        if self.passed:
            return "PASS: the fitted scenario reproduces the held-out days. " + detail
        return (
            "MISFIT: the held-out days do not behave as the fitted scenario predicts — "
            "check whether staffing, volumes or handle times changed on those days. " + detail
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        rows = []
        for _, row in self.table.iterrows():
            rows.append(
                {
                    "interval": "all" if row["interval"] < 0 else row["label"],
                    "kpi": row["kpi"],
                    "log": _num(row["log"]),
                    "simulated_mean": _num(row["sim_mean"]),
                    "band_low": _num(row["low"]),
                    "band_high": _num(row["high"]),
                    "inside": bool(row["inside"]),
                }
            )
        return {
            "passed": self.passed,
            "verdict": self.verdict(),
            "held_out_days": self.days,
            "replications": self.replications,
            "band": "95 % prediction interval of the held-out period over replications, "
            "widened by one call",
            "interval_misses": self.misses,
            "interval_misses_allowed": self.allowed_misses,
            "checks": rows,
        }


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def run_backtest(
    scenario_data: dict[str, Any],
    held_out: pd.DataFrame,
    days: int,
    replications: int,
    seed: int,
    labels: list[str],
    workers: int | None = None,
) -> Backtest:
    """Simulate the fitted scenario for ``days`` days ``replications`` times and compare
    with the held-out contacts (a contact table).
    """
    from simulator.experiment import run
    from simulator.scenario import scenario_from_dict

    data = {**scenario_data, "calendar": {**scenario_data["calendar"], "days": days}}
    scenario = scenario_from_dict(data, source="fitted scenario")
    cal = scenario.calendar
    threshold = scenario.service_level.threshold_s
    intervals = cal.intervals_per_day
    result = run(scenario, replications=replications, seed=seed, workers=workers)
    sim = contact_table(log_from_contacts(result.contacts(), days=days))
    replication = (sim["arrived"] // (days * SECONDS_PER_DAY)).astype(int)
    per_rep = [
        log_kpis(sim[replication == r], threshold, cal.open_s, cal.interval_s, intervals)
        for r in range(replications)
    ]
    observed = log_kpis(held_out, threshold, cal.open_s, cal.interval_s, intervals)
    t = float(stats.t.ppf(0.5 + BAND / 2, replications - 1))
    rows = []
    for i in observed.index:
        for kpi in KPIS:
            values = np.array([frame.loc[i, kpi] for frame in per_rep], dtype=float)
            values = values[~np.isnan(values)]
            log_value = float(observed.loc[i, kpi])
            if len(values) >= 2:
                mean, sd = float(values.mean()), float(values.std(ddof=1))
                half = t * sd * math.sqrt(1 + 1 / len(values))
                offered = observed.loc[i, "offered"]
                if kpi != "asa_s" and offered > 0:
                    half += 1 / offered
                low = max(mean - half, 0.0)  # a rate or a wait is never negative
                high = mean + half if kpi == "asa_s" else min(mean + half, 1.0)
            else:
                mean = low = high = math.nan
            inside = bool(math.isnan(log_value) or math.isnan(mean) or low <= log_value <= high)
            rows.append(
                {
                    "interval": int(i),
                    "label": "all" if i < 0 else labels[int(i)],
                    "kpi": kpi,
                    "log": log_value,
                    "sim_mean": mean,
                    "low": low,
                    "high": high,
                    "inside": inside,
                }
            )
    table = pd.DataFrame(rows)
    checks = int(
        ((table["interval"] >= 0) & table["log"].notna() & table["sim_mean"].notna()).sum()
    )
    allowed = int(stats.binom.ppf(CHANCE_QUANTILE, checks, 1 - BAND)) if checks else 0
    return Backtest(table, replications, days, allowed, labels)
