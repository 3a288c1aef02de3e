"""Erlang A: the M/M/n+M queue (Palm's model of impatient callers), computed exactly.

Calls arrive as a Poisson stream of rate λ, ``n`` agents serve at rate μ each
(exponential handle times) and each waiting caller hangs up after an exponential
patience of rate θ, unless answered first (Palm 1943/1957; named "Erlang A" by
Garnett, Mandelbaum & Reiman 2002, "Designing a call center with impatient
customers", *M&SOM* 4(3); the performance measures below follow Mandelbaum &
Zeltyn, "The M/M/n+G queue: summary of performance measures", technical note,
Technion 2009, and Zeltyn & Mandelbaum 2005, *Queueing Systems* 51).

Stationary distribution
    The number in system is a birth–death process with birth rate λ and death rate
    ``min(k, n)·μ + max(k − n, 0)·θ``. Hence, with ``a = λ/μ``,

        π_k ∝ a^k / k!                               (k <= n)
        π_{n+q} = π_n · Π_{j=1}^{q} λ / (nμ + jθ)    (q >= 1).

    The weights are built in log space (log-factorials as cumulative sums of logs), so nothing
    overflows for thousands of agents, and the queue tail is cut where it falls more
    than e^-45 below the largest weight (the ratios decrease once ``nμ + jθ > λ``).

A tagged arrival (PASTA)
    It waits iff it finds ``k >= n``: ``p_wait = Σ_{k>=n} π_k``. Finding ``q`` callers
    waiting ahead, it moves through phases j = q, q−1, ..., 0 (j callers ahead); phase j
    ends after ``Exp(r_j)``, ``r_j = nμ + jθ`` (a service completion or an abandonment
    ahead), and the caller is answered when phase 0 ends, at time ``V_q``, unless its
    own ``Exp(θ)`` patience runs out first. With ``s_q = Π_{j=0}^{q} r_j / (r_j + θ)``:

    * ``P(answered | q) = E[exp(−θV_q)] = s_q``, so ``p_abandon = Σ_q π_{n+q}(1 − s_q)``;
    * ``E[V_q; answered] = E[V_q·exp(−θV_q)] = s_q · Σ_{j<=q} 1 / (r_j + θ)`` (ASA);
    * the mean time spent waiting, answered or not, obeys
      ``w_q = 1/(r_q + θ) + r_q/(r_q + θ) · w_{q−1}``;
    * ``P(answered within t | q) = E[exp(−θV_q); V_q <= t]``: the phases with the
      killing rate θ form a sub-stochastic chain, solved by uniformization (Jensen 1953;
      Grassmann 1977) with one shared vector of Poisson weights for all q at once.

    These are computed independently of the queue-length moments, so the identities
    ``p_abandon = θ·E[Lq]/λ`` (Little's law applied to abandonments) and
    ``p_abandon = θ·mean_wait`` (exponential patience) check the numerics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.analytic._checks import (
    check_nonnegative,
    check_positive,
    check_servers,
    patience_rate,
    per_second,
)

__all__ = ["ErlangAResult", "erlang_a_metrics"]

FloatArray = npt.NDArray[np.float64]

#: Queue states whose log weight is this far below the largest are dropped (e^-45 ≈ 3e-20).
_LOG_TAIL_CUT = 45.0
#: Upper bound on the queue length kept; beyond this the inputs are degenerate
#: (patience practically infinite with load above the agents).
_MAX_QUEUE = 20_000_000
#: Poisson weights beyond mean + this many standard deviations (plus a margin) are
#: below 1e-20 and dropped in the uniformization.
_POISSON_SDS = 10.0
_POISSON_MARGIN = 30


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Steady-state figures of an M/M/n+M queue (Erlang A), per offered call.

    Attributes
    ----------
    servers : int
        Agents ``n``.
    load : float
        Offered load ``a = λ·E[S]`` in Erlangs.
    threshold_s : float
        Service-level threshold in seconds.
    p_wait : float
        Probability an arrival finds every agent busy (PASTA).
    p_abandon : float
        Probability an arrival hangs up before being answered.
    asa_s : float
        Mean wait of answered callers (zero waits included).
    mean_wait_s : float
        Mean wait of all callers, answered or abandoned (zero waits included).
    service_level : float
        ``P(answered and wait <= threshold)``, the "offered" definition: abandoners
        count as not answered within the threshold whenever they hang up.
    service_level_answered : float
        ``P(wait <= threshold | answered)``.
    occupancy : float
        Busy share of agent time, ``(1 − p_abandon)·a / n``.
    mean_queue_length : float
        Mean number of callers waiting, ``E[Lq]``.
    """

    servers: int
    load: float
    threshold_s: float
    p_wait: float
    p_abandon: float
    asa_s: float
    mean_wait_s: float
    service_level: float
    service_level_answered: float
    occupancy: float
    mean_queue_length: float


_MAX_UNIFORMISATION_WORK = 200_000_000
"""Most (Poisson jumps x states) the service-level computation may take: about a second."""


def _log_factorials(n: int) -> FloatArray:
    """``log k!`` for ``k = 0..n`` (cumulative sums of logs, so no special functions)."""
    logs = np.log(np.arange(1, n + 1, dtype=np.float64))
    return np.concatenate([[0.0], np.cumsum(logs)])


def _log_sum_exp(values: FloatArray) -> float:
    """``log(sum(exp(values)))`` without overflow (shifted by the maximum)."""
    peak = float(values.max())
    return peak + math.log(float(np.exp(values - peak).sum()))


def _log_weights(n: int, lam: float, mu: float, theta: float) -> tuple[FloatArray, FloatArray]:
    """Unnormalised log stationary weights: states ``0..n−1`` and queue states ``n+q``.

    Parameters
    ----------
    n : int
        Agents (>= 1).
    lam, mu, theta : float
        Arrival, service and abandonment rates (λ > 0, μ > 0, θ >= 0).

    Returns
    -------
    tuple of ndarray
        Log weights of the states with an idle agent (``k < n``) and of the states
        ``k = n + q``, ``q = 0..Q``, cut where they fall below the peak by ``_LOG_TAIL_CUT``.
    """
    a = lam / mu
    k = np.arange(n + 1, dtype=np.float64)
    head = k * math.log(a) - _log_factorials(n)
    peak = float(head.max())
    pieces = [head[n:]]
    current = float(head[n])
    log_lam = math.log(lam)
    done = 0
    chunk = 256
    while True:
        j = np.arange(done + 1, done + chunk + 1, dtype=np.float64)
        steps = log_lam - np.log(n * mu + j * theta)
        block = current + np.cumsum(steps)
        pieces.append(block)
        peak = max(peak, float(block.max()))
        current = float(block[-1])
        done += chunk
        if steps[-1] < 0.0 and current < peak - _LOG_TAIL_CUT:
            break
        if done > _MAX_QUEUE:
            raise ValueError(
                "the queue does not settle within "
                f"{_MAX_QUEUE} callers: patience is practically infinite while the load "
                "is not below the agents (use more agents or a finite patience)"
            )
        chunk *= 2
    tail = np.concatenate(pieces)
    # After the mode the weights decrease; drop everything past the first negligible one.
    negligible = np.flatnonzero(tail < peak - _LOG_TAIL_CUT)
    mode = int(np.argmax(tail))
    after = negligible[negligible > mode]
    if after.size:
        tail = tail[: int(after[0])]
    return head[:n], tail


def _answered_within(
    start: FloatArray, rates: FloatArray, theta: float, threshold_s: float
) -> float:
    """``Σ_q start[q] · E[exp(−θV_q); V_q <= t]`` by uniformization.

    Parameters
    ----------
    start : ndarray
        Probability mass of arrivals finding ``q`` callers ahead, ``q = 0..Q``.
    rates : ndarray
        Phase rates ``r_q = nμ + qθ``.
    theta : float
        Abandonment (killing) rate.
    threshold_s : float
        The time ``t``.

    Returns
    -------
    float
        Probability mass answered within ``t``.

    Notes
    -----
    Uniformize at ``Λ = max r_j + θ``: in each jump a phase-j caller moves to phase
    j−1 (or is answered, from phase 0) with probability ``r_j/Λ``, is killed with
    ``θ/Λ`` and stays otherwise. The mass answered after ``m`` jumps, ``A_m``, is
    weighted by ``Poisson(m; Λt)``. A caller starting in phase j needs j+1 jumps, so
    phases beyond the Poisson truncation point ``M`` cannot contribute and are dropped.
    """
    if threshold_s <= 0.0 or start.size == 0:
        return 0.0
    uni = float(rates[-1]) + theta
    mean_jumps = uni * threshold_s
    m_max = math.ceil(mean_jumps + _POISSON_SDS * math.sqrt(mean_jumps) + _POISSON_MARGIN)
    keep = min(start.size, m_max)
    p = start[:keep].copy()
    move = rates[:keep] / uni
    stay = 1.0 - (rates[:keep] + theta) / uni
    if m_max * max(keep, 1) > _MAX_UNIFORMISATION_WORK:
        raise ValueError(
            f"the service-level threshold {threshold_s:g} s is too long for Erlang A at this "
            "size (the computation would not finish in reasonable time)"
        )
    jumps = np.arange(1, m_max + 1, dtype=np.float64)
    weights = np.exp(jumps * math.log(mean_jumps) - mean_jumps - _log_factorials(m_max)[1:])
    answered = 0.0
    total = 0.0
    for m in range(m_max):
        flow = p * move
        answered += float(flow[0])
        p *= stay
        p[:-1] += flow[1:]
        total += float(weights[m]) * answered
    return total


def erlang_a_metrics(
    servers: int,
    *,
    calls_per_hour: float,
    aht_s: float,
    patience_s: float,
    threshold_s: float,
) -> ErlangAResult:
    """Exact Erlang A (M/M/n+M) figures for ``servers`` agents in planner units.

    Parameters
    ----------
    servers : int
        Agents ``n >= 1``.
    calls_per_hour : float
        Offered calls per hour, ``>= 0`` (λ = calls_per_hour / 3600 per second).
    aht_s : float
        Average handle time ``1/μ`` in seconds, ``> 0``.
    patience_s : float
        Mean exponential patience ``1/θ`` in seconds, ``> 0``. ``inf`` gives the
        Erlang C system (then ``load < servers`` is required).
    threshold_s : float
        Service-level threshold in seconds, ``>= 0``.

    Returns
    -------
    ErlangAResult
        Probability of waiting and of abandoning, ASA, mean wait of all callers,
        service levels (offered and answered definitions), occupancy, mean queue.

    Raises
    ------
    ValueError
        If an argument is out of range, or patience is infinite with ``load >= servers``.

    Notes
    -----
    Stationary birth–death distribution and tagged-caller phases as in the module
    docstring (Palm; Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2009).
    Cost: O(n + Q) for the distribution plus O(M·min(Q, M)) for the service level,
    with Q the kept queue length and M ≈ (nμ + Qθ)·t the uniformization depth.
    Every argument but ``servers`` is keyword-only, in the units of ``ccsim erlang a``,
    so a rate in the wrong unit cannot slip in by position.

    Examples
    --------
    >>> r = erlang_a_metrics(10, calls_per_hour=100, aht_s=180, patience_s=120, threshold_s=20)
    >>> bool(0.0 < r.p_abandon < r.p_wait < 1.0)
    True
    """
    lam = per_second(calls_per_hour)
    es = check_positive("aht_s", aht_s)
    return erlang_a_per_second(servers, lam, es, patience_s, threshold_s)


def erlang_a_per_second(
    servers: int,
    arrival_rate: float,
    mean_service: float,
    mean_patience: float,
    threshold_s: float,
) -> ErlangAResult:
    """:func:`erlang_a_metrics` with the rate λ in calls per second (the staffing solvers' form).

    ``arrival_rate`` is λ in calls per second and ``mean_service`` the mean handle time in
    seconds; the other arguments, the result and the errors are those of
    :func:`erlang_a_metrics`.
    """
    n = check_servers(servers)
    lam = check_nonnegative("arrival_rate", arrival_rate)
    es = check_positive("mean_service", mean_service)
    theta = patience_rate(mean_patience)
    t = check_nonnegative("threshold_s", threshold_s)
    mu = 1.0 / es
    a = lam * es
    if lam == 0.0:
        return ErlangAResult(n, 0.0, t, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0)
    if theta == 0.0 and a >= n:
        raise ValueError(
            f"unstable: the offered load {a:.4g} Erlangs is not below the {n} agents "
            "and nobody abandons (infinite patience)"
        )
    head, tail = _log_weights(n, lam, mu, theta)
    log_norm = _log_sum_exp(np.concatenate([head, tail]))
    pi_queue = np.exp(tail - log_norm)  # P(arrival finds q = 0..Q waiting ahead)
    q = np.arange(tail.size, dtype=np.float64)
    rates = n * mu + q * theta
    p_wait = float(pi_queue.sum())
    mean_queue = float(q @ pi_queue)

    log_s = np.cumsum(np.log(rates) - np.log(rates + theta))  # log P(answered | q ahead)
    s = np.exp(log_s)
    p_abandon = float(pi_queue @ -np.expm1(log_s))
    answered_wait = float(pi_queue @ (s * np.cumsum(1.0 / (rates + theta))))
    # w_q = 1/(r_q + θ) + r_q/(r_q + θ)·w_{q−1}, written as w_q = s_q Σ_{j<=q} 1/(s_j (r_j + θ))
    # and summed in log space so tiny s_j never overflow.
    log_terms = -log_s - np.log(rates + theta)
    mean_wait = float(pi_queue @ np.exp(log_s + np.logaddexp.accumulate(log_terms)))

    p_answered = 1.0 - p_abandon
    sl = (1.0 - p_wait) + _answered_within(pi_queue, rates, theta, t)
    sl = min(max(sl, 0.0), p_answered)
    return ErlangAResult(
        servers=n,
        load=a,
        threshold_s=t,
        p_wait=p_wait,
        p_abandon=p_abandon,
        asa_s=answered_wait / p_answered,
        mean_wait_s=mean_wait,
        service_level=sl,
        service_level_answered=sl / p_answered,
        occupancy=p_answered * a / n,
        mean_queue_length=mean_queue,
    )
