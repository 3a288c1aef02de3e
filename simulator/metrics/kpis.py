"""Estimators of KPIs across replications (the KPIs themselves are declared in
:mod:`simulator.metrics.registry`).

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

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from simulator.metrics.tally import HISTOGRAM_BIN_S

if TYPE_CHECKING:
    from simulator.metrics.registry import Kpi

__all__ = [
    "clip_bounds",
    "interval_estimate",
    "level_estimate",
    "ratio_estimate",
    "wait_percentile",
]

Totals = Mapping[str, np.ndarray]
"""Named totals; the first axis is the replication, any further axes (intervals) are kept."""


@functools.lru_cache(maxsize=256)
def _t_quantile(n: int) -> float:
    from scipy import stats  # imported when first needed: loading scipy takes a while

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


def clip_bounds(
    mean: np.ndarray,
    half_width: np.ndarray,
    lower: float | np.ndarray,
    upper: float | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Confidence bounds ``mean ± half_width`` kept within a KPI's range ``[lower, upper]``.

    A t-interval is symmetric and can reach past what a KPI can be (an occupancy of
    102.9 %, a queue length of -1.9); the true value cannot, so the bounds are cut at
    the range. Returns ``(low, high, clipped)``, ``clipped`` true where a bound was cut.
    """
    low = mean - half_width
    high = mean + half_width
    with np.errstate(invalid="ignore"):
        clipped = (low < lower) | (high > upper)
    return np.maximum(low, lower), np.minimum(high, upper), clipped


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
