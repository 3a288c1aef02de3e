"""Erlang C: the M/M/c delay system (callers wait as long as it takes).

With ``c`` agents, Poisson arrivals at rate λ, exponential handle times of mean
``1/μ`` and offered load ``a = λ/μ < c``, the probability that an arrival waits is

    C(c, a) = c·B(c, a) / (c − a·(1 − B(c, a)))

computed from the Erlang B value (Cooper, *Introduction to Queueing Theory*, 2nd ed.,
eq. 3.4.6; Gans, Koole & Mandelbaum 2003, "Telephone call centers: tutorial, review and
research prospects", §4.1). Under first-come first-served the wait ``W`` satisfies

    P(W > t) = C·exp(−(cμ − λ)·t),    E[W] = C / (cμ − λ),    E[Lq] = C·a / (c − a),

so the service level (the share answered within ``t``) is ``1 − C·exp(−(cμ − λ)t)``.
Nobody abandons, so the mean wait of answered callers equals that of all callers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.analytic._checks import (
    check_load,
    check_nonnegative,
    check_positive,
    check_servers,
    per_second,
)
from simulator.analytic.erlangb import erlang_b

__all__ = ["ErlangCResult", "erlang_c", "erlang_c_metrics"]


def erlang_c(servers: int, load: float) -> float:
    """Probability of waiting C(c, a) in the M/M/c queue (Erlang C).

    Parameters
    ----------
    servers : int
        Number of agents ``c >= 0``.
    load : float
        Offered load ``a = λ/μ`` in Erlangs, ``>= 0``.

    Returns
    -------
    float
        ``P(wait > 0)``; ``1.0`` when ``load >= servers`` (the queue grows without bound,
        so every arrival eventually waits).

    Raises
    ------
    ValueError
        If ``servers`` or ``load`` is negative, or ``servers`` is not an integer.

    Notes
    -----
    ``C = c·B / (c − a(1 − B))`` with ``B = erlang_b(c, a)`` (module docstring).

    Examples
    --------
    >>> round(erlang_c(10, 5.0), 5)
    0.03611
    """
    c = check_servers(servers, allow_zero=True)
    a = check_load(load)
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


@dataclass(frozen=True, slots=True)
class ErlangCResult:
    """Steady-state figures of an M/M/c queue (Erlang C), all per offered call.

    Attributes
    ----------
    servers : int
        Agents ``c``.
    load : float
        Offered load ``a = λ·E[S]`` in Erlangs.
    threshold_s : float
        Service-level threshold in seconds.
    p_wait : float
        Probability an arrival waits at all, ``C(c, a)``.
    asa_s : float
        Average speed of answer, ``C / (cμ − λ)`` seconds (mean wait of all callers, which
        equals that of answered callers since nobody abandons).
    service_level : float
        ``P(W <= threshold) = 1 − C·exp(−(cμ − λ)·threshold)``.
    occupancy : float
        Busy share of agent time, ``a / c``.
    mean_queue_length : float
        Mean number waiting, ``C·a / (c − a)``.
    """

    servers: int
    load: float
    threshold_s: float
    p_wait: float
    asa_s: float
    service_level: float
    occupancy: float
    mean_queue_length: float


def erlang_c_metrics(
    servers: int, *, calls_per_hour: float, aht_s: float, threshold_s: float
) -> ErlangCResult:
    """Erlang C figures for ``servers`` agents in planner units.

    Parameters
    ----------
    servers : int
        Agents ``c >= 1``.
    calls_per_hour : float
        Offered calls per hour, ``>= 0`` (λ = calls_per_hour / 3600 per second).
    aht_s : float
        Average handle time ``1/μ`` in seconds, ``> 0``.
    threshold_s : float
        Service-level threshold in seconds, ``>= 0``.

    Returns
    -------
    ErlangCResult
        Probability of waiting, ASA, service level, occupancy and mean queue length.

    Raises
    ------
    ValueError
        If an argument is out of range, or the queue is unstable (``load >= servers``):
        without abandonment the wait is then infinite.

    Notes
    -----
    Formulas in the module docstring (Cooper 1981 §3.4; Gans, Koole & Mandelbaum 2003).
    Every argument but ``servers`` is keyword-only, in the units of ``ccsim erlang c``,
    so a rate in the wrong unit cannot slip in by position.

    Examples
    --------
    >>> r = erlang_c_metrics(10, calls_per_hour=100, aht_s=180, threshold_s=20)
    >>> round(r.load, 6), round(r.p_wait, 5)
    (5.0, 0.03611)
    """
    lam = per_second(calls_per_hour)
    es = check_positive("aht_s", aht_s)
    return erlang_c_per_second(servers, lam, es, threshold_s)


def erlang_c_per_second(
    servers: int, arrival_rate: float, mean_service: float, threshold_s: float
) -> ErlangCResult:
    """:func:`erlang_c_metrics` with the rate λ in calls per second (the staffing solvers' form).

    ``arrival_rate`` is λ in calls per second and ``mean_service`` the mean handle time in
    seconds; the other arguments, the result and the errors are those of
    :func:`erlang_c_metrics`.
    """
    c = check_servers(servers)
    lam = check_nonnegative("arrival_rate", arrival_rate)
    es = check_positive("mean_service", mean_service)
    t = check_nonnegative("threshold_s", threshold_s)
    a = lam * es
    if a >= c:
        raise ValueError(
            f"unstable: the offered load {a:.4g} Erlangs is not below the {c} agents; "
            "without abandonment the queue grows without bound (add agents, or use Erlang A)"
        )
    p_wait = erlang_c(c, a)
    drain = c / es - lam  # cμ − λ, the rate at which the wait tail decays
    return ErlangCResult(
        servers=c,
        load=a,
        threshold_s=t,
        p_wait=p_wait,
        asa_s=p_wait / drain,
        service_level=1.0 - p_wait * math.exp(-drain * t),
        occupancy=a / c,
        mean_queue_length=p_wait * a / (c - a),
    )
