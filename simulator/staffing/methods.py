"""Staffing methods beside the simulation search: SIPP, lagged SIPP and ISA.

* ``sipp`` — stationary independent period by period: each interval is an Erlang A
  (or C) system with the interval's mean arrival rate (Green, Kolesar & Whitt 2007,
  "Coping with time-varying demand when setting staffing requirements for a service
  system", *POMS* 16(1)). It ignores the backlog a busy interval leaves to the next,
  so it under-staffs just after peaks.
* ``lag-sipp`` — the same with the arrival rate lagged by the mean service time,
  ``λ(t - E[S])`` averaged over the interval (Green, Kolesar & Soares 2001,
  "Improving the SIPP approach for staffing service systems that have cyclic
  demands", *Operations Research* 49(4)): the load in service follows the arrivals
  with that delay.
* ``isa`` — the iterative staffing algorithm of Feldman, Mandelbaum, Massey & Whitt
  (2008), "Staffing of time-varying queues to achieve time-stable performance",
  *Management Science* 54(2): simulate with staffing ``s_n``, estimate the
  distribution of the number of callers in the system ``L_n(t)`` of each queue, and
  set ``s_{n+1}(t) = min{c : P(L_n(t) >= c) <= α}``; repeat until it no longer
  changes. ``α`` is the delay probability the targets imply: that of the stationary
  Erlang A/C model at the SIPP staffing of the queue's busiest interval. The
  per-minute requirement is averaged over each interval and rounded up (a
  schedule holds one figure per interval).

Every method gives the available agents each queue needs per interval; they are
turned into scheduled agents per group as the Erlang start is
(:func:`simulator.staffing.analytic_start.analytic_staffing`).
"""

from __future__ import annotations

import math

import numpy as np

from simulator.analytic import erlang_a_metrics, erlang_c_metrics
from simulator.experiment import run
from simulator.scenario import Scenario
from simulator.staffing.analytic_start import analytic_staffing
from simulator.staffing.loads import queue_loads
from simulator.staffing.scenario_edit import with_staffing
from simulator.staffing.targets import Targets

__all__ = ["METHODS", "isa_queue_agents", "lagged_rates", "staffing_by_method"]

METHODS = ("sim", "sipp", "lag-sipp", "isa")
"""Staffing methods: the simulation search and three analytic or semi-analytic rules."""

ISA_MAX_ITERATIONS = 12
"""ISA stops (keeping the last staffing) if it has not converged after this many."""
ISA_GRID_S = 60.0
"""Seconds between the times at which ISA reads the number of callers in the system."""


def lagged_rates(scenario: Scenario) -> np.ndarray:
    """Per (calendar day, queue, interval): the mean of ``λ(t - E[S])`` over the interval
    (1/s).

    The arrival rate is piecewise constant by interval and zero before each opening;
    the lag is each queue's call-weighted mean service (talk × multiplier + wrap-up).
    """
    loads = queue_loads(scenario)
    cal = scenario.calendar
    edges = np.arange(cal.intervals_per_day + 1) * cal.interval_s
    out = np.zeros_like(loads.rate)
    for q in range(loads.rate.shape[1]):
        calls = loads.rate[:, q].sum(axis=0)
        lag = float(np.average(loads.service[q], weights=calls + 1e-12))
        for day in range(cal.days):
            cumulative = np.concatenate([[0.0], np.cumsum(loads.rate[day, q] * cal.interval_s)])
            lo = np.interp(edges[:-1] - lag, edges, cumulative, left=0.0)
            hi = np.interp(edges[1:] - lag, edges, cumulative, left=0.0)
            out[day, q] = (hi - lo) / cal.interval_s
    return out


def _delay_target(scenario: Scenario, targets: Targets) -> np.ndarray:
    """Per queue, the delay probability α that ISA aims at (see the module docstring)."""
    loads = queue_loads(scenario)
    sipp = analytic_staffing(scenario, targets).queue_agents
    alphas = np.ones(loads.rate.shape[1])
    for q in range(alphas.size):
        day, i = np.unravel_index(int(np.argmax(loads.rate[:, q])), loads.rate[:, q].shape)
        lam, n = float(loads.rate[day, q, i]), int(sipp[q, i])
        if lam <= 0 or n <= 0:
            continue
        thr = scenario.queue_thresholds_s[q]
        es, patience = float(loads.service[q, i]), float(loads.patience[q, i])
        if not np.isfinite(patience):
            alphas[q] = (
                erlang_c_metrics(n, calls_per_hour=lam * 3600.0, aht_s=es, threshold_s=thr).p_wait
                if lam * es < n
                else 1.0
            )
        else:
            alphas[q] = erlang_a_metrics(
                n, calls_per_hour=lam * 3600.0, aht_s=es, patience_s=patience, threshold_s=thr
            ).p_wait
    return alphas


def _in_system(scenario: Scenario, outputs: list[np.ndarray], grid: np.ndarray) -> np.ndarray:
    """Callers in the system of each queue at ``grid`` times, per replication:
    shape (replications, queues, grid). A caller is in the system from entering the
    queue until abandoning, or until the agent's wrap-up ends.
    """
    nq = len(scenario.queues)
    counts = np.zeros((len(outputs), nq, grid.size))
    for r, rows in enumerate(outputs):
        rows = rows[rows["queue"] >= 0]
        answered = ~np.isnan(rows["answer"])
        leave = np.where(answered, rows["end"] + np.nan_to_num(rows["wrap"]), rows["end"])
        for q in range(nq):
            mine = rows["queue"] == q
            entries = np.sort(rows["queue_entry"][mine])
            exits = np.sort(leave[mine])
            counts[r, q] = np.searchsorted(entries, grid, "right") - np.searchsorted(
                exits, grid, "right"
            )
    return counts


def _quantile_staffing(counts: np.ndarray, alpha: float) -> np.ndarray:
    """``min{c : P(L >= c) <= α}`` per column of ``counts`` (replications first)."""
    n = counts.shape[0]
    m = math.floor(alpha * n + 1e-9)
    if m >= n:
        return np.zeros(counts.shape[1:])
    ordered = -np.sort(-counts, axis=0)
    return np.asarray(ordered[m] + 1)


def isa_queue_agents(
    scenario: Scenario,
    targets: Targets,
    groups: list[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """Available agents per (queue, interval) by the iterative staffing algorithm."""
    cal = scenario.calendar
    reps = scenario.replications if replications is None else replications
    alphas = _delay_target(scenario, targets)
    sipp = analytic_staffing(scenario, targets, groups)
    need = 2 * sipp.queue_agents + 10  # "infinitely many": nobody waits at first
    grid_in_day = np.arange(0.0, cal.close_s - cal.open_s, ISA_GRID_S)
    interval_of = (grid_in_day // cal.interval_s).astype(np.int64)
    grid = (np.arange(cal.days)[:, None] * cal.day_s + cal.open_s + grid_in_day[None]).ravel()
    for _ in range(ISA_MAX_ITERATIONS):
        split = analytic_staffing(scenario, targets, groups, queue_agents=need)
        trial = with_staffing(scenario, dict(zip(split.groups, split.scheduled, strict=True)))
        result = run(trial, replications=reps, seed=seed, keep_contacts=True)
        rows = [np.concatenate(o.contact_chunks or []) for o in result.outputs]
        counts = _in_system(scenario, rows, grid)  # (reps, queues, days * grid)
        counts = counts.reshape(reps, counts.shape[1], cal.days, -1).transpose(0, 2, 1, 3)
        counts = counts.reshape(reps * cal.days, counts.shape[2], -1)
        new = np.zeros_like(need)
        for q in range(need.shape[0]):
            per_time = _quantile_staffing(counts[:, q, :], float(alphas[q]))
            sums = np.bincount(interval_of, per_time, minlength=cal.intervals_per_day)
            sizes = np.bincount(interval_of, minlength=cal.intervals_per_day)
            new[q] = np.ceil(sums / np.maximum(sizes, 1) - 1e-9)
        if np.array_equal(new, need):
            break
        need = new
    return need


def staffing_by_method(
    method: str,
    scenario: Scenario,
    targets: Targets,
    groups: list[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """Scheduled agents per (staffed group, interval) by ``sipp``, ``lag-sipp`` or ``isa``."""
    if method == "sipp":
        return analytic_staffing(scenario, targets, groups).scheduled
    if method == "lag-sipp":
        return analytic_staffing(
            scenario, targets, groups, arrival_rate=lagged_rates(scenario)
        ).scheduled
    if method == "isa":
        need = isa_queue_agents(scenario, targets, groups, replications, seed)
        return analytic_staffing(scenario, targets, groups, queue_agents=need).scheduled
    raise ValueError(f"unknown staffing method {method!r}: choose from {', '.join(METHODS)}")
