"""Per-replication KPI totals of every (interval, queue) cell: what the search judges.

This is the one place where the staffing code reads the simulation's aggregates.
A cell is an interval of the day and a queue; its totals are summed over the days
of a replication (staffing is the same every day) and kept per replication, so
that the search can estimate each cell's KPIs with their standard errors and add
replications where a decision is close.

The KPI formulas are not repeated here: numerators and denominators are those of
:func:`simulator.metrics.registry.registry_for` the scenario (its service-level
definition and callback counting), applied to the totals of the call types whose
target is the queue. Occupancy cells are per (interval, agent group).

Estimator: the call-weighted ratio ``R = Σ_r N_r / Σ_r D_r`` over replications with
the delta-method standard error ``sqrt(var(N_r - R D_r) / n) / mean(D_r)`` (Law,
*Simulation Modeling and Analysis*, 5th ed., §9.4), the estimator of every other
ccsim output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.metrics.registry import Kpi
from simulator.model.replication import ReplicationOutput, counted_from_s, interval_starts_s
from simulator.scenario import Scenario

__all__ = [
    "QUEUE_KPIS",
    "CellEstimate",
    "cell_estimates",
    "counted_intervals",
    "daily_queue_ratio",
]

QUEUE_KPIS = ("service_level", "abandon_rate", "asa_s")
MIN_DOF_WITH_CONTROLS = 4
"""Control variates are used only with at least this many residual degrees of freedom."""
"""KPIs judged per (interval, queue) cell."""


@dataclass(frozen=True)
class CellEstimate:
    """A KPI per cell: estimate, standard error and offered calls per replication.

    Attributes
    ----------
    value : ratio estimate, shape (intervals of a day, queues or groups); NaN without calls.
    se : delta-method standard error, same shape (0 when every replication agrees).
    offered : mean denominator per replication (offered calls, or answered for ``asa_s``,
        or present agent-seconds for occupancy).
    n : replications.
    """

    value: np.ndarray
    se: np.ndarray
    offered: np.ndarray
    n: int


def counted_intervals(scenario: Scenario) -> np.ndarray:
    """Intervals of the day counted on at least one day (after the warm-up), as booleans."""
    ipd = scenario.calendar.intervals_per_day
    starts = interval_starts_s(scenario)
    later = np.asarray(starts >= counted_from_s(scenario))
    return np.asarray(later.reshape(-1, ipd).any(axis=0))


def _ratio(num: np.ndarray, den: np.ndarray, controls: np.ndarray | None = None) -> CellEstimate:
    """Ratio estimate over axis 0 (replications) with the delta-method standard error,
    corrected by control variates when ``controls`` (replications, cells..., k) are given
    as deviations from their known means.

    Control variates (Lavenberg & Welch 1981, "A perspective on the use of control
    variables to increase the efficiency of Monte Carlo simulations", *Management
    Science* 27(3); Law, §11.3): with ``d_r = N_r - R D_r`` and ``X_r`` the controls'
    deviations, ``β`` is the least-squares slope of ``d`` on ``X`` and the estimate
    becomes ``R - β·mean(X) / mean(D)``; its standard error uses the regression's
    residual variance with ``n - 1 - k`` degrees of freedom.
    """
    n = num.shape[0]
    total_den = den.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(total_den > 0, num.sum(axis=0) / total_den, np.nan)
        resid = num - np.nan_to_num(value)[None] * den
        var = resid.var(axis=0, ddof=1) if n > 1 else np.full(value.shape, np.inf)
        if controls is not None and n >= controls.shape[-1] + MIN_DOF_WITH_CONTROLS + 1:
            value, var = _controlled(value, resid, var, controls, total_den / n)
        se = np.sqrt(var / n) / (total_den / n)
    return CellEstimate(value, np.where(total_den > 0, se, 0.0), total_den / n, n)


def _controlled(
    value: np.ndarray,
    resid: np.ndarray,
    var: np.ndarray,
    controls: np.ndarray,
    mean_den: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Cell by cell, the control-variate correction of ``value`` and of the variance of
    the ratio residuals (cells whose controls do not vary keep theirs).
    """
    n, k = resid.shape[0], controls.shape[-1]
    value, var = value.copy(), var.copy()
    flat_r = resid.reshape(n, -1)
    flat_x = controls.reshape(n, -1, k)
    out_v, out_var = value.reshape(-1), var.reshape(-1)
    for c in range(flat_r.shape[1]):
        x = flat_x[:, c, :]
        keep = x.std(axis=0) > 0
        if not keep.any() or not np.isfinite(out_v[c]):
            continue
        x = x[:, keep]
        centred = x - x.mean(axis=0)
        beta, *_ = np.linalg.lstsq(centred, flat_r[:, c] - flat_r[:, c].mean(), rcond=None)
        residual = flat_r[:, c] - flat_r[:, c].mean() - centred @ beta
        out_v[c] -= float(x.mean(axis=0) @ beta) / float(mean_den.reshape(-1)[c])
        out_var[c] = float(residual @ residual) / (n - 1 - x.shape[1])
    return out_v.reshape(value.shape), out_var.reshape(var.shape)


def _per_queue(
    outputs: Sequence[ReplicationOutput], scenario: Scenario, by_day: bool = False
) -> dict[str, np.ndarray]:
    """Contact totals per replication, interval of the day and queue (days summed), or with
    ``by_day`` per replication, day, interval and queue. A contact counts in the queue it
    first joined, as in every per-queue KPI of a run (``RunResult.intervals(by="queue")``).
    """
    ipd = scenario.calendar.intervals_per_day
    totals = {}
    for name in outputs[0].tally.by_queue:
        stacked = np.stack([o.tally.by_queue[name] for o in outputs])  # (n, I, queues)
        days = stacked.reshape(len(outputs), -1, ipd, len(scenario.queues))
        totals[name] = days if by_day else days.sum(axis=1)
    return totals


def _first_calls_by_target(
    outputs: Sequence[ReplicationOutput], scenario: Scenario, by_day: bool = False
) -> np.ndarray:
    """First calls per replication, interval of the day and the queue their call type is
    meant for (days summed, or with ``by_day`` per day): the counts whose expectation the
    volume profile gives.
    """
    ipd = scenario.calendar.intervals_per_day
    index = {q: k for k, q in enumerate(scenario.queue_names)}
    onto = np.zeros((len(scenario.call_types), len(scenario.queues)))
    for t, ct in enumerate(scenario.call_types):
        onto[t, index[ct.target]] = 1.0
    stacked = np.stack([o.tally.contacts["offered_first"] for o in outputs]) @ onto
    days = stacked.reshape(len(outputs), -1, ipd, len(scenario.queues))
    return np.asarray(days if by_day else days.sum(axis=1))


def _arrival_controls(first_calls: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Control variables of every (interval, queue) cell, or with ``first_calls`` by day
    every (day, interval, queue) cell: first calls arriving in the interval and in the
    one before, less their known expectations (each counted day's volume profile, by
    weekday and date; a day factor has mean one). Shape (replications, [days,]
    intervals, queues, 2).

    A busier interval, or a busier one before it, lowers the service level: these
    counts explain about a third of an hour's service-level variance at 400 calls an
    hour, so the same precision needs about a third fewer replications.
    """
    cal = scenario.calendar
    index = {q: k for k, q in enumerate(scenario.queue_names)}
    counted = np.asarray(interval_starts_s(scenario) >= counted_from_s(scenario)).reshape(
        cal.days, -1
    )
    expected = np.zeros((cal.days, cal.intervals_per_day, len(scenario.queues)))
    for ct in scenario.call_types:
        for day in range(cal.days):
            expected[day, :, index[ct.target]] += ct.volume.expected_on_day(cal, day) * counted[day]
    by_day = first_calls.ndim == 4
    now = first_calls - (expected if by_day else expected.sum(axis=0))[None]
    before = np.zeros_like(now)
    before[..., 1:, :] = now[..., :-1, :]
    return np.stack([now, before], axis=-1)


def cell_estimates(
    outputs: Sequence[ReplicationOutput],
    scenario: Scenario,
    kpis: Sequence[Kpi],
    by_day: bool = False,
) -> dict[str, CellEstimate]:
    """Estimates of ``service_level``, ``abandon_rate``, ``asa_s`` per (interval, queue) and
    ``occupancy`` per (interval, agent group), from replications of ``scenario``; with
    ``by_day``, per (calendar day, interval, ...) cell (days are not pooled).

    ``kpis`` are the scenario's KPI definitions (``RunResult.kpis``); only their rate
    formulas are used. Warm-up intervals are included (the caller masks them).
    """
    totals = _per_queue(outputs, scenario, by_day)
    first_calls = _first_calls_by_target(outputs, scenario, by_day)
    controls = _arrival_controls(first_calls, scenario)
    by_name = {k.name: k for k in kpis}
    out: dict[str, CellEstimate] = {}
    for name in QUEUE_KPIS:
        kpi = by_name[name]
        assert kpi.denominator is not None
        out[name] = _ratio(kpi.numerator(totals), kpi.denominator(totals), controls)
    ipd = scenario.calendar.intervals_per_day
    n_groups = len(scenario.agent_groups)

    def groups(field: str) -> np.ndarray:
        stacked = np.stack([o.tally.groups[field] for o in outputs])
        days = stacked.reshape(len(outputs), -1, ipd, n_groups)
        return np.asarray(days if by_day else days.sum(axis=1))

    out["occupancy"] = _ratio(groups("busy_s"), groups("present_s"))
    return out


def daily_queue_ratio(
    outputs: Sequence[ReplicationOutput],
    scenario: Scenario,
    kpis: Sequence[Kpi],
    name: str,
    counted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each simulated day's value of rate KPI ``name`` per queue over the ``counted``
    intervals, and its denominator: two arrays of shape (replications × days, queues).
    """
    kpi = next(k for k in kpis if k.name == name)
    assert kpi.denominator is not None
    totals = {
        k: v[:, :, counted].sum(axis=2) for k, v in _per_queue(outputs, scenario, True).items()
    }
    num, den = kpi.numerator(totals), kpi.denominator(totals)
    n_queues = len(scenario.queues)
    num, den = num.reshape(-1, n_queues), den.reshape(-1, n_queues)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan), den
