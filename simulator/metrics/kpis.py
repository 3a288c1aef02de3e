"""KPI definitions (DESIGN §5), each in one place with its denominator, and their
estimators across replications.

A KPI is either a *rate* — a ratio of two totals, e.g. answered within the
threshold / offered — or a *level* — a per-replication value such as agent hours.
Across replications a rate is call-weighted: the ratio of its totals summed over
all replications, with a t-based 95 % confidence interval on the delta-method
standard error; a level is the mean of the replications with a t-based interval.

Delta method for the ratio estimator ``R = sum(Y) / sum(X)`` over ``n`` independent
replications: with ``d_r = Y_r - R X_r``, ``se(R) = sqrt(var(d) / n) / mean(X)``
(e.g. Law, *Simulation Modeling and Analysis*, 5th ed., §9.4 on ratio estimators).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.metrics.tally import HISTOGRAM_BIN_S

__all__ = [
    "Kpi",
    "interval_estimate",
    "kpi_definitions",
    "level_estimate",
    "ratio_estimate",
    "wait_percentile",
]

Totals = Mapping[str, np.ndarray]
"""Named totals; the first axis is the replication, any further axes (intervals) are kept."""


@dataclass(frozen=True)
class Kpi:
    """One KPI: a rate ``numerator / denominator`` or, without denominator, a level."""

    name: str
    description: str
    numerator: Callable[[Totals], np.ndarray]
    denominator: Callable[[Totals], np.ndarray] | None = None

    @property
    def is_rate(self) -> bool:
        """True for a ratio of totals (call-weighted across replications)."""
        return self.denominator is not None


def _field(name: str) -> Callable[[Totals], np.ndarray]:
    return lambda t: t[name]


def kpi_definitions(
    service_level_definition: str, agent_hour_cost: float, telephony_minute_cost: float
) -> list[Kpi]:
    """The KPIs this engine makes meaningful, for the scenario's service-level definition."""
    sl_denominators: dict[str, tuple[Callable[[Totals], np.ndarray], str]] = {
        "offered": (
            _field("offered"),
            "offered contacts (abandons before the threshold count as not within)",
        ),
        "answered": (_field("answered"), "answered contacts"),
        "exclude_short_abandons": (
            lambda t: t["offered"] - t["short_abandons"],
            "offered contacts less those abandoning before short_abandon_s",
        ),
    }
    sl_denominator, sl_text = sl_denominators[service_level_definition]
    return [
        Kpi(
            "offered", "contacts arriving in the counted window, per replication", _field("offered")
        ),
        Kpi("offered_first", "first calls offered, per replication", _field("offered_first")),
        Kpi("offered_redial", "redials offered, per replication", _field("offered_redial")),
        Kpi(
            "abandon_rate",
            "abandoned while waiting for an agent / offered",
            _field("abandoned"),
            _field("offered"),
        ),
        Kpi(
            "blocked_rate",
            "refused for lack of lines / offered",
            _field("blocked"),
            _field("offered"),
        ),
        Kpi(
            "balk_rate",
            "hung up at once on finding every agent busy / offered",
            _field("balked"),
            _field("offered"),
        ),
        Kpi(
            "disconnect_rate",
            "cut off while waiting at close / offered",
            _field("disconnected"),
            _field("offered"),
        ),
        Kpi(
            "service_level",
            f"answered within the threshold / {sl_text}",
            _field("answered_within"),
            sl_denominator,
        ),
        Kpi(
            "asa_s",
            "mean wait of answered contacts (s)",
            _field("wait_answered_s"),
            _field("answered"),
        ),
        Kpi(
            "mean_wait_s",
            "mean wait of all contacts that reached a queue, answered or not (s)",
            _field("wait_all_s"),
            _field("reached_queue"),
        ),
        Kpi(
            "aht_s",
            "mean handle time (talk) per answered contact (s)",
            _field("talk_s"),
            _field("answered"),
        ),
        Kpi(
            "wrap_up_s",
            "mean after-call work per answered contact (s)",
            _field("wrap_s"),
            _field("answered"),
        ),
        Kpi(
            "overflow_rate",
            "answered from a queue other than the one first joined / answered",
            _field("overflowed"),
            _field("answered"),
        ),
        Kpi(
            "occupancy",
            "agent busy time (talk + wrap-up) / agent present time, during opening hours",
            _field("busy_s"),
            _field("present_s"),
        ),
        Kpi(
            "occupancy_until_last_leaves",
            "busy / present time, from opening until the last contact of the day leaves",
            lambda t: t["busy_s"] + t["busy_after_close_s"],
            lambda t: t["present_s"] + t["present_after_close_s"],
        ),
        Kpi(
            "mean_queue_length",
            "time-average number of contacts waiting",
            _field("queue_waiting_s"),
            _field("window_s"),
        ),
        Kpi(
            "agent_hours",
            "paid agent time (scheduled before shrinkage, plus overtime to finish"
            " calls, also after close), hours per replication",
            lambda t: (t["paid_s"] + t["paid_after_close_s"]) / 3600.0,
        ),
        Kpi(
            "after_close_hours",
            "paid agent time after closing, finishing the last contacts, hours per replication",
            lambda t: t["paid_after_close_s"] / 3600.0,
        ),
        Kpi(
            "cost",
            "agent hours x agent_hour + minutes on the line x telephony_minute, per replication",
            lambda t: (
                (t["paid_s"] + t["paid_after_close_s"]) / 3600.0 * agent_hour_cost
                + t["line_s"] / 60.0 * telephony_minute_cost
            ),
        ),
    ]


def _t_quantile(n: int) -> float:
    return float(stats.t.ppf(0.975, n - 1)) if n >= 2 else float("nan")


def ratio_estimate(numerator: np.ndarray, denominator: np.ndarray) -> tuple[np.ndarray, ...]:
    """Call-weighted ratio over replications (axis 0) with its 95 % half-width.

    Returns ``(estimate, half_width)``; the half-width is NaN with fewer than two
    replications and 0 when every replication gives the same ratio.
    """
    n = numerator.shape[0]
    num_total = numerator.sum(axis=0)
    den_total = denominator.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(
            den_total > 0, num_total / np.where(den_total > 0, den_total, 1), np.nan
        )
        if n < 2:
            return estimate, np.full_like(estimate, np.nan)
        residual = numerator - estimate * denominator
        spread = residual.std(axis=0, ddof=1)
        mean_den = den_total / n
        se = np.where(
            mean_den > 0, spread / np.sqrt(n) / np.where(mean_den > 0, mean_den, 1), np.nan
        )
    return estimate, _t_quantile(n) * se


def level_estimate(values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mean over replications (axis 0) with its t-based 95 % half-width (NaN for n < 2)."""
    n = values.shape[0]
    mean = values.mean(axis=0)
    if n < 2:
        return mean, np.full_like(mean, np.nan)
    return mean, _t_quantile(n) * values.std(axis=0, ddof=1) / np.sqrt(n)


def interval_estimate(kpi: Kpi, totals: Totals) -> tuple[np.ndarray, ...]:
    """Estimate and half-width of ``kpi`` from totals stacked by replication."""
    if kpi.denominator is None:
        return level_estimate(np.asarray(kpi.numerator(totals), dtype=float))
    return ratio_estimate(
        np.asarray(kpi.numerator(totals), dtype=float),
        np.asarray(kpi.denominator(totals), dtype=float),
    )


def wait_percentile(histogram: np.ndarray, q: float) -> float:
    """The ``q`` quantile (0-1) of answered waits from the tally's wait histogram.

    Zero when the quantile falls among the callers answered at once (bin 0); otherwise
    linear interpolation inside the 1-second bin that holds it. NaN when empty.
    """
    total = histogram.sum()
    if total <= 0:
        return float("nan")
    cumulative = np.cumsum(histogram)
    target = q * total
    index = int(np.searchsorted(cumulative, target, side="left"))
    if index == 0:
        return 0.0
    before = cumulative[index - 1]
    inside = histogram[index]
    fraction = (target - before) / inside if inside > 0 else 0.0
    return float((index - 1 + fraction) * HISTOGRAM_BIN_S)
