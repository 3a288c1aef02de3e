"""Maximum-likelihood fits of duration families, complete or right-censored, chosen by AIC.

Each family is fitted in its native parameters on a log scale (so the optimiser needs
no bounds); the result is stated the way a scenario writes it, by mean and CV, with
standard errors from the observed information (the inverse Hessian of the negative
log-likelihood, by central differences) carried to mean and CV by the delta method.
For censored data the likelihood of an observation censored at ``c`` is the survival
``S(c)`` — the standard construction for right-censored samples (Klein & Moeschberger,
*Survival Analysis*, 2nd ed., 2003, sec. 3.5). Families are compared by Akaike's
information criterion ``AIC = 2 k - 2 log L`` (lowest wins).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from simulator.distributions import WEIBULL_CV_RANGE, weibull_shape

__all__ = [
    "HANDLE_FAMILIES",
    "PATIENCE_FAMILIES",
    "FamilyFit",
    "best",
    "fit_families",
    "frozen",
]

HANDLE_FAMILIES = ("lognormal", "gamma", "exponential")
"""Candidates for handle, wrap-up and delay times."""
PATIENCE_FAMILIES = ("exponential", "gamma", "lognormal", "weibull")
"""Candidates for patience (censored)."""
MIN_DURATION_S = 0.01
"""Durations below this (a zero talk time, an instant hang-up) are read as this, so that
families whose density vanishes at zero keep a finite likelihood."""
MIN_EVENTS = 5
"""Fewer uncensored observations than this: no fit."""
MIN_AT_RISK = 30
"""The KS distance of a censored fit is taken where at least this many (and 1 %) are still
at risk: beyond, the Kaplan–Meier curve rests on a handful of callers."""
STEP = 1e-4
"""Central-difference step on the log-scale parameters for the Hessian."""


@dataclass(frozen=True)
class FamilyFit:
    """One family fitted by maximum likelihood.

    Attributes
    ----------
    family
        ``exponential``, ``gamma``, ``lognormal`` or ``weibull``.
    mean, cv
        The fitted mean and coefficient of variation (1 for the exponential).
    mean_se, cv_se
        Their standard errors (``cv_se`` is 0 for the exponential, whose CV is fixed).
    log_likelihood, aic
        Maximised log-likelihood and Akaike's criterion.
    ks
        Kolmogorov–Smirnov distance between the data's (Kaplan–Meier for censored
        data) distribution function and the fitted one.
    ks_p
        Its p-value for complete data (approximate: the parameters were estimated from
        the same data, which makes it conservative); NaN for censored data.
    n, events
        Observations, and uncensored ones among them.
    """

    family: str
    mean: float
    cv: float
    mean_se: float
    cv_se: float
    log_likelihood: float
    aic: float
    ks: float
    ks_p: float
    n: int
    events: int

    def spec(self, digits: int = 4) -> dict[str, Any]:
        """The scenario's distribution spec (``{dist: gamma, mean: ..., cv: ...}``)."""
        mean = float(f"{self.mean:.{digits}g}")
        if self.family == "exponential":
            return {"dist": "exponential", "mean": mean}
        cv = float(f"{self.cv:.{digits}g}")
        if self.family == "weibull":
            cv = min(max(cv, WEIBULL_CV_RANGE[0]), WEIBULL_CV_RANGE[1])
        return {"dist": self.family, "mean": mean, "cv": cv}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "family": self.family,
            "mean": self.mean,
            "mean_se": self.mean_se,
            "cv": self.cv,
            "cv_se": self.cv_se,
            "log_likelihood": self.log_likelihood,
            "aic": self.aic,
            "ks": self.ks,
            "ks_p": None if math.isnan(self.ks_p) else self.ks_p,
            "n": self.n,
            "events": self.events,
        }


def frozen(family: str, theta: Sequence[float]) -> Any:
    """The scipy distribution of ``family`` at log-scale native parameters ``theta``."""
    if family == "exponential":
        return stats.expon(scale=math.exp(theta[0]))
    if family == "gamma":
        return stats.gamma(math.exp(theta[0]), scale=math.exp(theta[1]))
    if family == "lognormal":
        return stats.lognorm(math.exp(theta[1]), scale=math.exp(theta[0]))
    if family == "weibull":
        return stats.weibull_min(math.exp(theta[0]), scale=math.exp(theta[1]))
    raise ValueError(f"unknown family {family!r}")


def frozen_spec(family: str, mean: float, cv: float) -> Any:
    """The scipy distribution of ``family`` with this mean and CV."""
    return frozen(family, _start(family, mean, cv))


def _start(family: str, mean: float, cv: float) -> list[float]:
    """Log-scale native parameters with the given mean and CV (the stated conversions)."""
    if family == "exponential":
        return [math.log(mean)]
    if family == "gamma":
        return [-2 * math.log(cv), math.log(mean * cv**2)]
    if family == "lognormal":
        s2 = math.log1p(cv**2)
        return [math.log(mean) - s2 / 2, 0.5 * math.log(s2)]
    if family == "weibull":
        k = weibull_shape(min(max(cv, WEIBULL_CV_RANGE[0]), WEIBULL_CV_RANGE[1]))
        return [math.log(k), math.log(mean) - math.lgamma(1 + 1 / k)]
    raise ValueError(f"unknown family {family!r}")


def _mean_cv(family: str, theta: np.ndarray) -> np.ndarray:
    """Mean and CV at log-scale native parameters (the families' textbook moments)."""
    a, b = float(theta[0]), float(theta[-1])
    if family == "exponential":
        return np.array([math.exp(a), 1.0])
    if family == "gamma":
        return np.array([math.exp(a + b), math.exp(-a / 2)])
    if family == "lognormal":
        s2 = math.exp(2 * b)
        return np.array([math.exp(a + s2 / 2), math.sqrt(math.expm1(s2))])
    k = math.exp(a)
    g1, g2 = special.gammaln(1 + 1 / k), special.gammaln(1 + 2 / k)
    return np.array([math.exp(b + g1), math.sqrt(max(math.exp(g2 - 2 * g1) - 1, 0.0))])


def _log_densities(
    family: str,
    theta: np.ndarray,
    x: np.ndarray,
    log_x: np.ndarray,
    c: np.ndarray,
    log_c: np.ndarray,
) -> float:
    """Sum of log densities at ``x`` plus log survivals at ``c`` (closed forms, vectorised:
    freezing a scipy distribution per optimiser step would dominate the cost).
    """
    a, b = float(theta[0]), float(theta[-1])
    if family == "exponential":
        m = math.exp(a)
        return float(-len(x) * a - (x.sum() + c.sum()) / m)
    if family == "gamma":
        shape, scale = math.exp(a), math.exp(b)
        logpdf = (shape - 1) * log_x - x / scale - special.gammaln(shape) - shape * b
        sf = special.gammaincc(shape, c / scale)
        return float(logpdf.sum() + np.log(np.maximum(sf, 1e-300)).sum())
    if family == "lognormal":
        sigma = math.exp(b)
        z = (log_x - a) / sigma
        logpdf = -log_x - b - 0.5 * math.log(2 * math.pi) - 0.5 * z**2
        return float(logpdf.sum() + special.log_ndtr(-(log_c - a) / sigma).sum())
    if family == "weibull":
        k, scale_log = math.exp(a), b
        u = np.exp(k * (log_x - scale_log))
        logpdf = a - scale_log + (k - 1) * (log_x - scale_log) - u
        return float(logpdf.sum() - np.exp(k * (log_c - scale_log)).sum())
    raise ValueError(f"unknown family {family!r}")


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            e_i, e_j = np.eye(n)[i] * STEP, np.eye(n)[j] * STEP
            h[i, j] = h[j, i] = (
                f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j) + f(x - e_i - e_j)
            ) / (4 * STEP**2)
    return h


def _fit_one(
    family: str, events: np.ndarray, censored: np.ndarray, km: Callable[[np.ndarray], np.ndarray]
) -> FamilyFit | None:
    total = events.sum() + censored.sum()
    mean0 = total / len(events)
    cv0 = float(np.std(events) / np.mean(events)) if len(events) > 1 else 1.0
    cv0 = min(max(cv0, 0.2), 3.0)

    log_events, log_censored = np.log(events), np.log(censored)

    def nll(theta: np.ndarray) -> float:
        value = -_log_densities(family, theta, events, log_events, censored, log_censored)
        return value if math.isfinite(value) else 1e300

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x0 = np.array(_start(family, mean0, cv0))
        first = optimize.minimize(nll, x0, method="BFGS", options={"gtol": 1e-6})
        theta = first.x
        if not math.isfinite(first.fun) or first.fun >= 1e299:
            rescue = optimize.minimize(nll, first.x, method="Nelder-Mead", options={"xatol": 1e-7})
            theta = rescue.x if rescue.fun <= first.fun else first.x
        log_l = -nll(theta)
        if not np.isfinite(log_l) or log_l < -1e299:
            return None
        hessian = _hessian(nll, theta)
        try:
            cov_theta = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            cov_theta = np.full_like(hessian, np.nan)
        centre = _mean_cv(family, theta)
        jac = np.zeros((2, len(theta)))
        for i in range(len(theta)):
            step = np.eye(len(theta))[i] * STEP
            jac[:, i] = (_mean_cv(family, theta + step) - _mean_cv(family, theta - step)) / (
                2 * STEP
            )
        cov = jac @ cov_theta @ jac.T
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    dist = frozen(family, theta)
    if len(censored) == 0:
        test = stats.kstest(events, dist.cdf)
        ks, ks_p = float(test.statistic), float(test.pvalue)
    else:
        at_risk = (
            len(events)
            + len(censored)
            - np.searchsorted(np.sort(np.concatenate([events, censored])), np.unique(events))
        )
        grid = np.unique(events)[at_risk >= max(MIN_AT_RISK, 0.01 * (len(events) + len(censored)))]
        ks, ks_p = float(np.max(np.abs(km(grid) - dist.sf(grid)))), math.nan
    k = len(theta)
    return FamilyFit(
        family=family,
        mean=float(centre[0]),
        cv=float(centre[1]) if family != "exponential" else 1.0,
        mean_se=float(se[0]),
        cv_se=float(se[1]) if family != "exponential" else 0.0,
        log_likelihood=log_l,
        aic=2 * k - 2 * log_l,
        ks=ks,
        ks_p=ks_p,
        n=len(events) + len(censored),
        events=len(events),
    )


def fit_families(
    times: np.ndarray,
    observed: np.ndarray | None = None,
    families: Sequence[str] = HANDLE_FAMILIES,
) -> list[FamilyFit]:
    """Fit each family by maximum likelihood; best (lowest AIC) first.

    Parameters
    ----------
    times
        Durations in seconds (NaN dropped; values below ``MIN_DURATION_S`` raised to it).
    observed
        For censored data, True where the event was seen (an abandon) and False where
        the observation is censored (answered before patience ran out); None: all seen.
    families
        Candidate families.

    Returns
    -------
    list of FamilyFit
        Empty when there are fewer than ``MIN_EVENTS`` uncensored observations.
    """
    times = np.asarray(times, dtype=float)
    seen = np.ones(len(times), bool) if observed is None else np.asarray(observed, bool)
    keep = ~np.isnan(times)
    times, seen = np.maximum(times[keep], MIN_DURATION_S), seen[keep]
    events, censored = times[seen], times[~seen]
    if len(events) < MIN_EVENTS:
        return []
    km = kaplan_meier_sf(times, seen)
    fits = [f for f in (_fit_one(family, events, censored, km) for family in families) if f]
    return sorted(fits, key=lambda f: f.aic)


def kaplan_meier_sf(times: np.ndarray, observed: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The Kaplan–Meier survival function of right-censored times (scipy's ``ecdf``)."""
    data = stats.CensoredData(uncensored=times[observed], right=times[~observed])
    result = stats.ecdf(data)
    return lambda x: np.asarray(result.sf.evaluate(x), dtype=float)


def best(fits: Sequence[FamilyFit]) -> FamilyFit | None:
    """The fit with the lowest AIC, or None."""
    return min(fits, key=lambda f: f.aic) if fits else None
