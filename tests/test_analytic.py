"""Specifications of the Erlang B, C and A formulas and the staffing rules.

Every expected value is computed here by an independent method (a different
formula, a linear solve, a numerical integral) or quoted from a published table;
nothing is a pinned copy of the module's own output.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gammaln, logsumexp
from scipy.stats import norm, poisson

from simulator.analytic import (
    ErlangAResult,
    ErlangCResult,
    agents_for_abandon_rate,
    agents_for_asa,
    agents_for_blocking,
    agents_for_service_level,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    halfin_whitt_beta,
    square_root_staffing,
    staffing_table,
)

# ---------------------------------------------------------------- independent references


def ref_erlang_b_inverse(c: int, a: float) -> float:
    """Textbook recursion on 1/B: 1/B(k) = 1 + (k/a)/B(k-1)."""
    inv = 1.0
    for k in range(1, c + 1):
        inv = 1.0 + inv * k / a
    return 1.0 / inv


def ref_erlang_b_poisson(c: int, a: float) -> float:
    """B = pmf(c; a) / cdf(c; a) for a Poisson(a) count, in log space."""
    return float(np.exp(poisson.logpmf(c, a) - poisson.logcdf(c, a)))


def ref_erlang_c_direct(c: int, a: float) -> float:
    """C = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)), in log space."""
    k = np.arange(c)
    log_idle = logsumexp(k * math.log(a) - gammaln(k + 1))
    log_busy = c * math.log(a) - gammaln(c + 1) + math.log(c / (c - a))
    return float(np.exp(log_busy - np.logaddexp(log_idle, log_busy)))


def ref_birth_death(n: int, lam: float, mu: float, theta: float, cap: int) -> np.ndarray:
    """Stationary law of the M/M/n+M count on a truncated generator, by the GTH algorithm.

    Grassmann, Taksar & Heyman (1985): state reduction using only off-diagonal rates,
    free of subtractions, so it is accurate to rounding (unlike a generic lstsq solve).
    """
    size = cap + 1
    rates = np.zeros((size, size))
    for k in range(size):
        if k < cap:
            rates[k, k + 1] = lam
        if k > 0:
            rates[k, k - 1] = min(k, n) * mu + max(k - n, 0) * theta
    for k in range(size - 1, 0, -1):
        out = rates[k, :k].sum()
        rates[:k, k] /= out
        rates[:k, :k] += np.outer(rates[:k, k], rates[k, :k])
    pi = np.zeros(size)
    pi[0] = 1.0
    for j in range(1, size):
        pi[j] = pi[:j] @ rates[:j, j]
    return np.asarray(pi / pi.sum(), dtype=np.float64)


def ref_erlang_a_integrals(
    n: int, lam: float, mu: float, theta: float, t: float
) -> dict[str, float]:
    """M/M/n+G formulas (Baccelli & Hebuterne 1981; Zeltyn & Mandelbaum 2005) by quadrature.

    The offered wait V has P(V > 0) = λJ/(E + λJ) and density
    f_V(x) = λ·exp(λH(x) − nμx)/(E + λJ) for x > 0, with H(x) = ∫_0^x (1 − G),
    J = ∫_0^∞ exp(λH(x) − nμx) dx, E = Σ_{j<n} a^j/j! / (a^{n−1}/(n−1)!).
    A caller is answered iff its patience exceeds V.
    """
    a = lam / mu
    j = np.arange(n)
    log_e = logsumexp(j * math.log(a) - gammaln(j + 1)) - ((n - 1) * math.log(a) - gammaln(n))
    big_e = math.exp(log_e)

    def h(x: float) -> float:
        return -math.expm1(-theta * x) / theta

    def kernel(x: float) -> float:
        return math.exp(lam * h(x) - n * mu * x)

    big_j = float(integrate.quad(kernel, 0, np.inf, epsabs=1e-13, epsrel=1e-12, limit=400)[0])
    norm_ = big_e + lam * big_j

    def served_density(x: float) -> float:
        return lam * kernel(x) * math.exp(-theta * x) / norm_

    def quad(f: Callable[[float], float], lo: float, hi: float) -> float:
        return float(integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=400)[0])

    p_wait = lam * big_j / norm_
    served_waiting = quad(served_density, 0, np.inf)
    return {
        "p_wait": p_wait,
        "p_abandon": p_wait - served_waiting,
        "service_level": 1.0 - p_wait + quad(served_density, 0, t),
        "answered_wait_total": quad(lambda x: x * served_density(x), 0, np.inf),
        # E[min(V, τ)] = ∫ f_V(x)·(1 − e^{−θx})/θ dx
        "mean_wait": quad(lambda x: lam * kernel(x) / norm_ * h(x), 0, np.inf),
    }


# ---------------------------------------------------------------------------- Erlang B

B_GRID = [(1, 0.5), (5, 2.0), (10, 5.0), (30, 25.0), (100, 120.0), (250, 200.0)]


@pytest.mark.parametrize(("c", "a"), B_GRID)
def test_erlang_b_matches_inverse_recursion_and_poisson_ratio(c: int, a: float) -> None:
    value = erlang_b(c, a)
    assert value == pytest.approx(ref_erlang_b_inverse(c, a), rel=1e-12)
    assert value == pytest.approx(ref_erlang_b_poisson(c, a), rel=1e-9)


def test_erlang_b_published_value_and_one_server() -> None:
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=5e-6)
    for a in (0.1, 1.0, 7.5):
        assert erlang_b(1, a) == pytest.approx(a / (1 + a), rel=1e-14)


@pytest.mark.parametrize(
    ("servers", "load_at_1pct"),
    # Erlang B table (loads at 1% blocking, rounded to 0.01 Erlang), e.g. the tables in
    # Cooper, Introduction to Queueing Theory, or any traffic-engineering handbook.
    [(10, 4.46), (20, 12.03), (50, 37.90), (100, 84.06)],
)
def test_erlang_b_reproduces_published_table(servers: int, load_at_1pct: float) -> None:
    assert erlang_b(servers, load_at_1pct - 0.005) < 0.01 < erlang_b(servers, load_at_1pct + 0.005)


def test_erlang_b_is_stable_for_thousands_of_servers() -> None:
    for c, a in [(1000, 980.0), (2000, 1950.0), (5000, 5200.0), (3000, 10.0)]:
        value = erlang_b(c, a)
        assert 0.0 <= value <= 1.0
        assert value == pytest.approx(ref_erlang_b_poisson(c, a), rel=1e-8)


def test_erlang_b_edge_cases_and_errors() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(5, 0.0) == 0.0
    with pytest.raises(ValueError, match="servers"):
        erlang_b(-1, 1.0)
    with pytest.raises(ValueError, match="servers"):
        erlang_b(2.5, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="load"):
        erlang_b(3, -1.0)
    with pytest.raises(ValueError, match="load"):
        erlang_b(3, math.nan)


# ---------------------------------------------------------------------------- Erlang C


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (10, 5.0), (30, 25.0), (200, 190.0)])
def test_erlang_c_matches_direct_sum_and_b_identity(c: int, a: float) -> None:
    b = ref_erlang_b_inverse(c, a)
    assert erlang_c(c, a) == pytest.approx(ref_erlang_c_direct(c, a), rel=1e-10)
    assert erlang_c(c, a) == pytest.approx(c * b / (c - a * (1 - b)), rel=1e-12)


def test_erlang_c_is_one_when_unstable() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(10, 12.5) == 1.0
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ


def test_erlang_c_metrics_closed_forms() -> None:
    # 100 calls per 30 minutes, 3-minute handle time: 10 Erlangs (a common textbook case).
    lam, es, t = 100 / 1800, 180.0, 20.0
    for c in (11, 13, 14, 20):
        r = erlang_c_metrics(c, calls_per_hour=lam * 3600, aht_s=es, threshold_s=t)
        assert isinstance(r, ErlangCResult)
        p = ref_erlang_c_direct(c, 10.0)
        drain = c / es - lam
        assert r.load == pytest.approx(10.0)
        assert r.p_wait == pytest.approx(p, rel=1e-10)
        assert r.asa_s == pytest.approx(p / drain, rel=1e-10)
        assert r.service_level == pytest.approx(1 - p * math.exp(-drain * t), rel=1e-10)
        assert r.occupancy == pytest.approx(10.0 / c)
        assert r.mean_queue_length == pytest.approx(lam * r.asa_s, rel=1e-10)  # Little
    # 11 agents: P(wait) ≈ 68.2 %, service level ≈ 39.0 % (the worked example's first step)
    eleven = erlang_c_metrics(11, calls_per_hour=lam * 3600, aht_s=es, threshold_s=t)
    assert eleven.p_wait == pytest.approx(0.6821, abs=1e-4)
    assert eleven.service_level == pytest.approx(0.3896, abs=1e-4)


def test_erlang_c_mm1_closed_form() -> None:
    lam, es = 0.8 / 60, 60.0  # ρ = 0.8
    r = erlang_c_metrics(1, calls_per_hour=lam * 3600, aht_s=es, threshold_s=30.0)
    assert r.p_wait == pytest.approx(0.8)
    assert r.asa_s == pytest.approx(0.8 / (1 / 60 - lam))
    assert r.mean_queue_length == pytest.approx(0.8**2 / 0.2)


def test_erlang_c_metrics_rejects_unstable_and_bad_input() -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_c_metrics(10, calls_per_hour=200, aht_s=180.0, threshold_s=20.0)
    with pytest.raises(ValueError, match="servers"):
        erlang_c_metrics(0, calls_per_hour=36, aht_s=180.0, threshold_s=20.0)
    with pytest.raises(ValueError, match="calls_per_hour"):
        erlang_c_metrics(5, calls_per_hour=-36, aht_s=180.0, threshold_s=20.0)
    with pytest.raises(ValueError, match="aht_s"):
        erlang_c_metrics(5, calls_per_hour=36, aht_s=0.0, threshold_s=20.0)
    with pytest.raises(ValueError, match="threshold_s"):
        erlang_c_metrics(5, calls_per_hour=36, aht_s=180.0, threshold_s=-1.0)


def test_erlang_c_stable_for_large_centres() -> None:
    r = erlang_c_metrics(2000, calls_per_hour=1990 * 12, aht_s=300.0, threshold_s=20.0)
    assert 0.0 < r.p_wait < 1.0
    assert r.p_wait == pytest.approx(ref_erlang_c_direct(2000, 1990.0), rel=1e-8)


# ---------------------------------------------------------------------------- Erlang A

A_CASES = [
    # servers, calls/s, mean service s, mean patience s, threshold s
    (1, 0.8 / 60, 60.0, 90.0, 30.0),
    (1, 1.5 / 60, 60.0, 45.0, 10.0),  # overloaded single server
    (5, 4.5 / 120, 120.0, 60.0, 20.0),
    (10, 5 / 180, 180.0, 120.0, 20.0),
    (20, 24 / 240, 240.0, 300.0, 30.0),  # overloaded
]


@pytest.mark.parametrize(("n", "lam", "es", "patience", "t"), A_CASES)
def test_erlang_a_identities(n: int, lam: float, es: float, patience: float, t: float) -> None:
    r = erlang_a_metrics(n, calls_per_hour=lam * 3600, aht_s=es, patience_s=patience, threshold_s=t)
    assert isinstance(r, ErlangAResult)
    theta = 1 / patience
    # Little's law on the abandonment flow: λ·P(ab) = θ·E[Lq]
    assert r.p_abandon == pytest.approx(theta * r.mean_queue_length / lam, rel=1e-9)
    # exponential patience: P(ab) = θ·E[time waited]
    assert r.p_abandon == pytest.approx(r.mean_wait_s / patience, rel=1e-9)
    # Little's law on the whole queue: E[Lq] = λ·E[wait]
    assert r.mean_queue_length == pytest.approx(lam * r.mean_wait_s, rel=1e-9)
    assert r.occupancy == pytest.approx((1 - r.p_abandon) * lam * es / n, rel=1e-12)
    assert r.service_level == pytest.approx(r.service_level_answered * (1 - r.p_abandon))
    assert 0.0 <= r.service_level <= 1.0 - r.p_abandon + 1e-15
    assert r.p_abandon < r.p_wait < 1.0


@pytest.mark.parametrize(("n", "lam", "es", "patience", "t"), A_CASES)
def test_erlang_a_matches_truncated_generator_solve(
    n: int, lam: float, es: float, patience: float, t: float
) -> None:
    r = erlang_a_metrics(n, calls_per_hour=lam * 3600, aht_s=es, patience_s=patience, threshold_s=t)
    pi = ref_birth_death(n, lam, 1 / es, 1 / patience, cap=n + 400)
    k = np.arange(pi.size)
    assert r.p_wait == pytest.approx(pi[n:].sum(), rel=1e-9)
    assert r.mean_queue_length == pytest.approx((np.maximum(k - n, 0) * pi).sum(), rel=1e-9)
    busy = (np.minimum(k, n) * pi).sum()  # time-average busy agents = carried load
    assert r.occupancy == pytest.approx(busy / n, rel=1e-9)


@pytest.mark.parametrize(("n", "lam", "es", "patience", "t"), A_CASES)
def test_erlang_a_matches_m_m_n_g_integrals(
    n: int, lam: float, es: float, patience: float, t: float
) -> None:
    r = erlang_a_metrics(n, calls_per_hour=lam * 3600, aht_s=es, patience_s=patience, threshold_s=t)
    ref = ref_erlang_a_integrals(n, lam, 1 / es, 1 / patience, t)
    assert r.p_wait == pytest.approx(ref["p_wait"], rel=1e-8)
    assert r.p_abandon == pytest.approx(ref["p_abandon"], rel=1e-7)
    assert r.service_level == pytest.approx(ref["service_level"], abs=1e-9)
    assert r.asa_s * (1 - r.p_abandon) == pytest.approx(ref["answered_wait_total"], rel=1e-7)
    assert r.mean_wait_s == pytest.approx(ref["mean_wait"], rel=1e-7)


def test_erlang_a_m_m_1_m_service_level_by_convolution() -> None:
    # One agent, light load: an arrival finding q ahead is answered at V_q, a sum of
    # Exp(μ + jθ), j = 0..q (hypoexponential with distinct rates, explicit density); it is
    # answered within t with probability ∫_0^t f_{V_q}(x)·e^{−θx} dx, integrated by scipy.
    n, lam, es, patience, t = 1, 0.2 / 60, 60.0, 30.0, 25.0
    mu, theta = 1 / es, 1 / patience
    pi = ref_birth_death(n, lam, mu, theta, cap=60)
    total = pi[0]
    for q in range(8):  # π beyond 9 in system is < 1e-16 here
        rates = mu + theta * np.arange(q + 1)
        # hypoexponential density with distinct rates: Σ_i c_i r_i e^{-r_i x}
        coef = np.array(
            [
                np.prod([rates[j] / (rates[j] - rates[i]) for j in range(q + 1) if j != i])
                for i in range(q + 1)
            ]
        )

        def dens(x: float, rates: np.ndarray = rates, coef: np.ndarray = coef) -> float:
            return float(np.sum(coef * rates * np.exp(-rates * x)) * math.exp(-theta * x))

        total += pi[n + q] * integrate.quad(dens, 0, t, epsabs=1e-14)[0]
    assert erlang_a_metrics(
        n, calls_per_hour=lam * 3600, aht_s=es, patience_s=patience, threshold_s=t
    ).service_level == pytest.approx(total, abs=1e-10)


def test_erlang_a_approaches_erlang_c_with_long_patience() -> None:
    lam, es, t = 100 / 1800, 180.0, 20.0
    for n in (11, 13, 16):
        c = erlang_c_metrics(n, calls_per_hour=lam * 3600, aht_s=es, threshold_s=t)
        a = erlang_a_metrics(n, calls_per_hour=lam * 3600, aht_s=es, patience_s=1e11, threshold_s=t)
        assert a.p_wait == pytest.approx(c.p_wait, rel=1e-7)
        assert a.asa_s == pytest.approx(c.asa_s, rel=1e-7)
        assert a.service_level == pytest.approx(c.service_level, rel=1e-7)
        assert a.p_abandon < 1e-8
        # the gap closes in proportion to θ
        gaps = [
            abs(
                erlang_a_metrics(
                    n, calls_per_hour=lam * 3600, aht_s=es, patience_s=p, threshold_s=t
                ).service_level
                - c.service_level
            )
            for p in (1e8, 1e9)
        ]
        assert gaps[1] == pytest.approx(gaps[0] / 10, rel=0.05)
        exact = erlang_a_metrics(
            n, calls_per_hour=lam * 3600, aht_s=es, patience_s=math.inf, threshold_s=t
        )  # θ = 0 exactly
        assert exact.p_wait == pytest.approx(c.p_wait, rel=1e-10)
        assert exact.service_level == pytest.approx(c.service_level, rel=1e-10)
        assert exact.asa_s == pytest.approx(c.asa_s, rel=1e-10)
        assert exact.p_abandon == 0.0


def test_erlang_a_with_patience_equal_to_service_is_poisson() -> None:
    # θ = μ: the count is that of an M/M/∞ queue, Poisson(a); P(wait) = P(N >= n).
    for n, a in [(5, 4.0), (20, 25.0), (100, 90.0)]:
        es = 200.0
        r = erlang_a_metrics(
            n, calls_per_hour=(a / es) * 3600, aht_s=es, patience_s=es, threshold_s=20.0
        )
        assert r.p_wait == pytest.approx(poisson.sf(n - 1, a), rel=1e-9)
        assert r.mean_queue_length == pytest.approx(
            sum((k - n) * poisson.pmf(k, a) for k in range(n, n + 400)), rel=1e-9
        )


def test_erlang_a_threshold_limits() -> None:
    r0 = erlang_a_metrics(10, calls_per_hour=180, aht_s=180.0, patience_s=120.0, threshold_s=0.0)
    assert r0.service_level == pytest.approx(1 - r0.p_wait, rel=1e-12)
    long = erlang_a_metrics(
        10, calls_per_hour=180, aht_s=180.0, patience_s=120.0, threshold_s=5000.0
    )
    assert long.service_level == pytest.approx(1 - long.p_abandon, abs=1e-10)
    assert long.service_level_answered == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(
    ("n", "load", "patience"),
    [(1000, 980.0, 200.0), (2000, 2000.0, 300.0), (2000, 2200.0, 600.0), (1000, 980.0, 1e6)],
)
def test_erlang_a_stable_and_fast_for_large_centres(n: int, load: float, patience: float) -> None:
    es = 300.0
    lam = load / es
    start = time.perf_counter()
    r = erlang_a_metrics(
        n, calls_per_hour=lam * 3600, aht_s=es, patience_s=patience, threshold_s=20.0
    )
    assert time.perf_counter() - start < 2.0
    for value in (r.p_wait, r.p_abandon, r.service_level, r.service_level_answered, r.occupancy):
        assert 0.0 <= value <= 1.0
    assert all(math.isfinite(v) for v in (r.asa_s, r.mean_wait_s, r.mean_queue_length))
    assert r.p_abandon == pytest.approx(r.mean_queue_length / (patience * lam), rel=1e-8)
    assert r.p_abandon == pytest.approx(r.mean_wait_s / patience, rel=1e-8)
    assert r.occupancy <= 1.0


def test_erlang_a_overload_abandonment_matches_fluid_limit() -> None:
    # Heavily overloaded, many agents: the fluid limit says the agents carry n·μ of the λ
    # offered, so P(ab) ≈ 1 − n/a (Whitt 2004, "Efficiency-driven heavy-traffic approximations").
    r = erlang_a_metrics(
        2000, calls_per_hour=2400 * 12, aht_s=300.0, patience_s=300.0, threshold_s=20.0
    )
    assert r.p_abandon == pytest.approx(1 - 2000 / 2400, abs=2e-3)
    assert r.occupancy == pytest.approx(1.0, abs=2e-3)


def test_erlang_a_zero_traffic_and_errors() -> None:
    r = erlang_a_metrics(3, calls_per_hour=0.0, aht_s=180.0, patience_s=60.0, threshold_s=20.0)
    assert (r.p_wait, r.p_abandon, r.service_level, r.occupancy) == (0.0, 0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="patience_s"):
        erlang_a_metrics(3, calls_per_hour=36, aht_s=180.0, patience_s=0.0, threshold_s=20.0)
    with pytest.raises(ValueError, match="unstable"):
        erlang_a_metrics(3, calls_per_hour=60, aht_s=180.0, patience_s=math.inf, threshold_s=20.0)
    with pytest.raises(ValueError, match="servers"):
        erlang_a_metrics(0, calls_per_hour=36, aht_s=180.0, patience_s=60.0, threshold_s=20.0)


# ---------------------------------------------------------------------------- staffing


@pytest.mark.parametrize("load", [0.3, 5.0, 47.5, 300.0, 1500.0])
@pytest.mark.parametrize("target", [0.05, 0.01, 0.001])
def test_agents_for_blocking_is_fewest(load: float, target: float) -> None:
    n = agents_for_blocking(load, target)
    assert erlang_b(n, load) <= target < erlang_b(n - 1, load)


@pytest.mark.parametrize(("cph", "aht"), [(30, 240), (200, 180), (1200, 300), (20000, 300)])
@pytest.mark.parametrize(("threshold", "target"), [(20.0, 0.8), (60.0, 0.95), (0.0, 0.5)])
def test_agents_for_service_level_erlang_c_is_fewest(
    cph: float, aht: float, threshold: float, target: float
) -> None:
    lam = cph / 3600

    def sl(n: int) -> float:
        if n <= lam * aht:
            return 0.0
        return erlang_c_metrics(
            n, calls_per_hour=cph, aht_s=aht, threshold_s=threshold
        ).service_level

    n = agents_for_service_level(
        calls_per_hour=cph, aht_s=aht, threshold_s=threshold, target=target
    )
    assert sl(n) >= target > sl(n - 1)


@pytest.mark.parametrize(
    ("cph", "aht", "patience"), [(30, 240, 60), (200, 180, 120), (1200, 300, 600)]
)
@pytest.mark.parametrize(("threshold", "target"), [(20.0, 0.8), (60.0, 0.9)])
def test_agents_for_service_level_erlang_a_is_fewest(
    cph: float, aht: float, patience: float, threshold: float, target: float
) -> None:

    def sl(n: int) -> float:
        return (
            erlang_a_metrics(
                n, calls_per_hour=cph, aht_s=aht, patience_s=patience, threshold_s=threshold
            ).service_level
            if n
            else 0.0
        )

    n = agents_for_service_level(
        calls_per_hour=cph,
        aht_s=aht,
        threshold_s=threshold,
        target=target,
        patience_s=patience,
    )
    assert sl(n) >= target > sl(n - 1)
    # infinite patience means Erlang C
    assert agents_for_service_level(
        calls_per_hour=cph,
        aht_s=aht,
        threshold_s=threshold,
        target=target,
        patience_s=math.inf,
    ) == (
        agents_for_service_level(
            calls_per_hour=cph, aht_s=aht, threshold_s=threshold, target=target
        )
    )


@pytest.mark.parametrize(("cph", "aht"), [(60, 240), (200, 180), (3000, 300)])
@pytest.mark.parametrize("target_asa", [5.0, 30.0])
def test_agents_for_asa_is_fewest(cph: float, aht: float, target_asa: float) -> None:
    lam = cph / 3600
    n = agents_for_asa(calls_per_hour=cph, aht_s=aht, target_asa_s=target_asa)
    assert erlang_c_metrics(n, calls_per_hour=cph, aht_s=aht, threshold_s=0.0).asa_s <= target_asa
    assert (
        n - 1 <= lam * aht
        or erlang_c_metrics(n - 1, calls_per_hour=cph, aht_s=aht, threshold_s=0.0).asa_s
        > target_asa
    )
    na = agents_for_asa(calls_per_hour=cph, aht_s=aht, target_asa_s=target_asa, patience_s=120.0)
    assert (
        erlang_a_metrics(na, calls_per_hour=cph, aht_s=aht, patience_s=120.0, threshold_s=0.0).asa_s
        <= target_asa
    )
    assert (
        erlang_a_metrics(
            na - 1, calls_per_hour=cph, aht_s=aht, patience_s=120.0, threshold_s=0.0
        ).asa_s
        > target_asa
    )
    assert na <= n  # impatient callers leave, so the answered wait is shorter


@pytest.mark.parametrize(
    ("cph", "aht", "patience"), [(60, 240, 60), (200, 180, 120), (3000, 300, 300)]
)
@pytest.mark.parametrize("target", [0.1, 0.02])
def test_agents_for_abandon_rate_is_fewest(
    cph: float, aht: float, patience: float, target: float
) -> None:
    n = agents_for_abandon_rate(calls_per_hour=cph, aht_s=aht, patience_s=patience, target=target)
    assert (
        erlang_a_metrics(
            n, calls_per_hour=cph, aht_s=aht, patience_s=patience, threshold_s=0.0
        ).p_abandon
        <= target
    )
    assert (
        n == 1
        or erlang_a_metrics(
            n - 1, calls_per_hour=cph, aht_s=aht, patience_s=patience, threshold_s=0.0
        ).p_abandon
        > target
    )


def test_solvers_zero_traffic_and_bad_targets() -> None:
    assert (
        agents_for_service_level(calls_per_hour=0.0, aht_s=180.0, threshold_s=20.0, target=0.8) == 0
    )
    assert agents_for_asa(calls_per_hour=0.0, aht_s=180.0, target_asa_s=10.0, patience_s=60.0) == 0
    assert (
        agents_for_abandon_rate(calls_per_hour=0.0, aht_s=180.0, patience_s=60.0, target=0.05) == 0
    )
    assert agents_for_blocking(0.0, 0.01) == 0
    for bad in (0.0, 1.0, 1.5, -0.2):
        with pytest.raises(ValueError, match="target"):
            agents_for_service_level(
                calls_per_hour=0.1 * 3600, aht_s=180.0, threshold_s=20.0, target=bad
            )
        with pytest.raises(ValueError, match="target"):
            agents_for_blocking(5.0, bad)
    with pytest.raises(ValueError, match="target_asa_s"):
        agents_for_asa(calls_per_hour=0.1 * 3600, aht_s=180.0, target_asa_s=0.0)
    with pytest.raises(ValueError, match="patience_s"):
        agents_for_abandon_rate(
            calls_per_hour=0.1 * 3600, aht_s=180.0, patience_s=math.inf, target=0.05
        )


def test_square_root_staffing() -> None:
    assert square_root_staffing(100.0, 1.0) == 110
    assert square_root_staffing(100.0, 0.5) == 105
    assert square_root_staffing(10.0, 1.0) == math.ceil(10 + math.sqrt(10))
    assert square_root_staffing(0.0, 1.0) == 0
    assert square_root_staffing(400.0, -0.5) == 390
    assert square_root_staffing(0.49, 0.1) == 1  # ⌈0.49 + 0.07⌉
    with pytest.raises(ValueError, match="load"):
        square_root_staffing(-1.0, 1.0)


@pytest.mark.parametrize("p", [0.9, 0.5, 0.2, 0.05, 1e-6])
def test_halfin_whitt_beta_inverts_the_limit(p: float) -> None:
    beta = halfin_whitt_beta(p)
    assert beta > 0
    assert 1 / (1 + beta * norm.cdf(beta) / norm.pdf(beta)) == pytest.approx(p, rel=1e-9)


def test_halfin_whitt_beta_known_value_and_limit() -> None:
    assert halfin_whitt_beta(0.5) == pytest.approx(0.5061, abs=1e-4)
    # Square-root staffing with that β gives Erlang C P(wait) near the target at large loads.
    for p in (0.5, 0.2):
        load = 2500.0
        n = square_root_staffing(load, halfin_whitt_beta(p))
        assert erlang_c(n, load) == pytest.approx(p, abs=0.02)
    with pytest.raises(ValueError):
        halfin_whitt_beta(1.0)


def test_staffing_table_columns_and_centre() -> None:
    cph, es, t = 200.0, 180.0, 20.0
    c = staffing_table("c", calls_per_hour=cph, aht_s=es, threshold_s=t)
    centre = agents_for_service_level(calls_per_hour=cph, aht_s=es, threshold_s=t, target=0.8)
    assert c.attrs["centre"] == centre
    assert list(c["agents"]) == list(range(11, centre + 6))  # stable counts only (load 10)
    assert {"agents", "occupancy", "p_wait", "asa_s", "service_level"} <= set(c.columns)
    assert c["service_level"].is_monotonic_increasing

    a = staffing_table(
        "a",
        calls_per_hour=cph,
        aht_s=es,
        threshold_s=t,
        patience_s=120.0,
        around=12,
        width=2,
    )
    assert list(a["agents"]) == [10, 11, 12, 13, 14]
    assert {"p_abandon", "mean_wait_s", "service_level_answered"} <= set(a.columns)
    row = a.set_index("agents").loc[12]
    assert row["p_abandon"] == pytest.approx(
        erlang_a_metrics(
            12, calls_per_hour=cph, aht_s=es, patience_s=120.0, threshold_s=t
        ).p_abandon,
        rel=1e-12,
    )

    b = staffing_table("b", calls_per_hour=cph, aht_s=es, threshold_s=t, width=3)
    assert b.attrs["centre"] == agents_for_blocking(10.0, 0.01)
    assert (b["blocking"].diff().dropna() < 0).all()
    with pytest.raises(ValueError, match="patience_s"):
        staffing_table("a", calls_per_hour=cph, aht_s=es, threshold_s=t)
    with pytest.raises(ValueError, match="model"):
        staffing_table("x", calls_per_hour=cph, aht_s=es, threshold_s=t)  # type: ignore[arg-type]


def test_public_functions_take_planner_units_by_keyword_only() -> None:
    # A per-second rate passed by position (the old call) must fail, not be 3600x off.
    with pytest.raises(TypeError):
        erlang_c_metrics(10, 100 / 1800, 180.0, 20.0)  # type: ignore[misc]
    with pytest.raises(TypeError):
        erlang_a_metrics(10, 100 / 1800, 180.0, 120.0, 20.0)  # type: ignore[misc]
    with pytest.raises(TypeError):
        agents_for_service_level(100 / 1800, 180.0, 20.0, 0.8)  # type: ignore[misc]
    with pytest.raises(TypeError):
        agents_for_asa(100 / 1800, 180.0, 10.0)  # type: ignore[misc]
    with pytest.raises(TypeError):
        agents_for_abandon_rate(100 / 1800, 180.0, 60.0, 0.05)  # type: ignore[misc]
    with pytest.raises(TypeError):
        staffing_table("c", 100 / 1800, 180.0, 20.0)  # type: ignore[misc]
    # 200 calls per hour of 180 s is 10 Erlangs, whatever the spelling.
    c = erlang_c_metrics(12, calls_per_hour=200, aht_s=180, threshold_s=20)
    assert c.load == pytest.approx(10.0)
    assert c.p_wait == pytest.approx(ref_erlang_c_direct(12, 10.0), rel=1e-12)
