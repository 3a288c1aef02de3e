"""What the Erlang formula is fed, per queue and interval, from everything the scenario
says about demand over the calendar.

* **Volume by day**: each calendar day's expected calls (its date's profile, else its
  weekday's, else the ordinary day's). A per-interval staffing holds on every day, so
  the requirement of an interval of the day is the largest over the days.
* **Handle time and patience by interval**: a call type's ``handle_time_multiplier``
  scales its talk time in the interval a conversation starts in, its
  ``patience_multiplier`` the patience of a caller who starts waiting then; an
  interval's mean service (talk × multiplier + wrap-up) and mean patience are the
  call-weighted means over the call types of the queue.
* **Busy days**: a gamma day factor with mean 1 multiplies a day's volume (a call
  type's ``day_to_day_cv``, and the ``busyness`` factor common to every type). The
  KPIs are call-weighted over days, so a target holds in expectation when
  ``E[F·KPI(λF)] / E[F]`` meets it; :func:`day_factor_nodes` gives the
  Gauss–Laguerre nodes of that expectation.

Shrinkage by interval and absenteeism turn available agents into scheduled heads in
:func:`simulator.staffing.analytic_start.analytic_staffing`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from simulator.scenario import Scenario
from simulator.scenario.supply import values_by_interval

__all__ = ["QueueLoads", "day_factor_nodes", "queue_loads"]

DAY_FACTOR_NODES = 10
"""Quadrature nodes for the expectation over the gamma day factor."""
_LAGUERRE_MAX_SHAPE = 50.0
"""Above this gamma shape (CV below about 0.14) the factor is taken as normal."""


@dataclass(frozen=True)
class QueueLoads:
    """Erlang inputs per queue and interval of the day.

    Attributes
    ----------
    rate : arrival rate (1/s) per (calendar day, queue, interval of the day).
    service : mean service (talk × multiplier + wrap-up, s) per (queue, interval).
    patience : mean patience (s) per (queue, interval); ``inf`` where nobody abandons.
    day_cv : CV of the day factor of each queue's volume (0 without busy days).
    """

    rate: np.ndarray
    service: np.ndarray
    patience: np.ndarray
    day_cv: np.ndarray


def queue_loads(scenario: Scenario) -> QueueLoads:
    """Per queue and interval: arrivals on each calendar day, mean service and patience
    with the interval's multipliers, and the CV of the queue's day factor.
    """
    cal = scenario.calendar
    nq, ni = len(scenario.queues), cal.intervals_per_day
    index = {q: k for k, q in enumerate(scenario.queue_names)}
    rate = np.zeros((cal.days, nq, ni))
    calls = np.zeros((nq, ni))
    work = np.zeros((nq, ni))
    patient_calls = np.zeros((nq, ni))
    patience_sum = np.zeros((nq, ni))
    cv2 = np.zeros(nq)
    common = scenario.busyness.day_to_day_cv if scenario.busyness is not None else 0.0
    for ct in scenario.call_types:
        q = index[ct.target]
        for day in range(cal.days):
            rate[day, q] += ct.volume.expected_on_day(cal, day) / cal.interval_s
        # Weights: the call type's share of the interval over the calendar, plus a
        # little of its day so that an interval without calls still has a mean.
        volume = np.sum([ct.volume.expected_on_day(cal, d) for d in range(cal.days)], axis=0)
        weight = volume + 1e-9 * (1.0 + volume.sum())
        wrap = ct.wrap_up.mean if ct.wrap_up is not None else 0.0
        talk = ct.handle_time.mean * values_by_interval(ct.handle_time_multiplier, cal)
        calls[q] += weight
        work[q] += weight * (talk + wrap)
        cv2[q] += float(volume.sum()) * ct.day_to_day_cv**2
        if math.isfinite(ct.patience.mean):
            patient_calls[q] += weight
            patience_sum[q] += (
                weight * ct.patience.mean * values_by_interval(ct.patience_multiplier, cal)
            )
    total = rate.sum(axis=(0, 2)) * cal.interval_s
    own = np.divide(cv2, total, out=np.zeros(nq), where=total > 0)
    day_cv = np.sqrt((1.0 + common**2) * (1.0 + own) - 1.0)
    service = np.divide(work, calls, out=np.ones((nq, ni)), where=calls > 0)
    patience = np.divide(
        patience_sum, patient_calls, out=np.full((nq, ni), np.inf), where=patient_calls > 0
    )
    return QueueLoads(rate, service, patience, day_cv)


def day_factor_nodes(cv: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``f_k`` and weights ``w_k`` (summing to one) with ``Σ w_k h(f_k) ≈ E[h(F)]``
    for ``F`` gamma with mean 1 and CV ``cv`` (generalised Gauss–Laguerre quadrature,
    Abramowitz & Stegun 25.4.45; Gauss–Hermite on the normal approximation for small
    CVs); one node ``F = 1`` when ``cv`` is 0.
    """
    if cv <= 0.0:
        return np.ones(1), np.ones(1)
    shape = 1.0 / cv**2
    if shape > _LAGUERRE_MAX_SHAPE:
        # A nearly normal factor (CV under about 0.14): Gauss–Hermite for N(1, cv²), whose
        # weights do not overflow as the Laguerre ones do for a large shape.
        x, w = special.roots_hermitenorm(DAY_FACTOR_NODES)
        return np.maximum(1.0 + cv * x, 0.0), w / w.sum()
    x, w = special.roots_genlaguerre(DAY_FACTOR_NODES, shape - 1.0)
    return x / shape, w / w.sum()
