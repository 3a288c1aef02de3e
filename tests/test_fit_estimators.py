"""The estimators behind ``ccsim fit``, each against a known truth.

Tolerances: ``Z`` standard errors of the estimator's own (ML or moment) standard error,
``Z`` the Bonferroni normal quantile for a 1 % family-wise error over this file's checks.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

import simulator
from helpers import single_queue
from simulator.calibration.arrivals import fit_arrivals
from simulator.calibration.durations import fit_families
from simulator.distributions import Distribution, Weibull, weibull_shape

CHECKS = 16
Z = float(stats.norm.ppf(1 - 0.01 / (2 * CHECKS)))
ADAPTER: TypeAdapter = TypeAdapter(Distribution)


# --- the Weibull family ---------------------------------------------------------------------


def test_weibull_parameterisation_and_moments() -> None:
    # CV 1 is the exponential (shape 1); the stated mean and CV are the draws' moments.
    assert weibull_shape(1.0) == pytest.approx(1.0, rel=1e-9)
    spec = ADAPTER.validate_python({"dist": "weibull", "mean": 200, "cv": 0.6})
    assert isinstance(spec, Weibull)
    frozen = stats.weibull_min(spec.shape, scale=spec.scale)
    assert frozen.mean() == pytest.approx(200, rel=1e-9)
    assert frozen.std() / frozen.mean() == pytest.approx(0.6, rel=1e-9)
    n = 200_000
    draws = spec.sample(np.random.default_rng(5), n)
    assert abs(draws.mean() - spec.mean) < Z * math.sqrt(spec.variance / n)
    centred = draws - draws.mean()
    se_var = math.sqrt(((centred**2 - centred.var()) ** 2).mean() / n)
    assert abs(centred.var() - spec.variance) < Z * se_var


@pytest.mark.parametrize("cv", [0, -1, 51])
def test_weibull_rejects_impossible_cv(cv: float) -> None:
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"dist": "weibull", "mean": 10, "cv": cv})


# --- censored ML ----------------------------------------------------------------------------


def test_censored_weibull_is_recognised_and_recovered() -> None:
    rng = np.random.default_rng(11)
    truth = Weibull(mean=200, cv=0.6)
    patience = truth.sample(rng, 8000)
    wait = rng.exponential(150, 8000)
    observed = patience < wait
    fits = fit_families(
        np.minimum(patience, wait), observed, ["exponential", "gamma", "lognormal", "weibull"]
    )
    assert fits[0].family == "weibull"
    assert abs(fits[0].mean - 200) < Z * fits[0].mean_se
    assert abs(fits[0].cv - 0.6) < Z * fits[0].cv_se


def test_complete_data_fit_chooses_the_family_and_reports_fit_quality() -> None:
    rng = np.random.default_rng(12)
    values = rng.gamma(1 / 0.7**2, 300 * 0.7**2, 5000)
    fits = fit_families(values)
    assert fits[0].family == "gamma"
    assert abs(fits[0].cv - 0.7) < Z * fits[0].cv_se
    # KS: the right family is not rejected, the exponential is.
    exponential = next(f for f in fits if f.family == "exponential")
    assert fits[0].ks_p > 0.01 / CHECKS and exponential.ks_p < 1e-6


# --- patience at 5 % abandonment ----------------------------------------------------------


def test_patience_at_five_percent_abandonment(tmp_path: Path) -> None:
    """M/M/17+M at 16 Erlangs abandons 5.2 % (Erlang A): the censored estimate covers the
    true mean patience of 600 s; the naive mean of abandoners' waits is far off.
    """
    scenario = single_queue(
        servers=17,
        calls_per_hour=240,
        aht=240,
        patience=600,
        hours=8,
        replications=8,
        warmup_minutes=0,
        seed=3,
    )
    path = tmp_path / "contacts.parquet"
    simulator.run(scenario).contacts().to_parquet(path)
    result = simulator.fit(path)
    patience = result.patience["calls"]
    assert 0.03 < patience.abandon_share < 0.08  # the regime this test is about
    exponential = next(f for f in patience.fits if f.family == "exponential")
    naive = patience.naive_mean
    z_censored = (exponential.mean - 600) / exponential.mean_se
    z_naive = (naive - 600) / exponential.mean_se
    print(  # shown with -s: both estimates side by side
        f"censored ML {exponential.mean:.0f} ± {1.96 * exponential.mean_se:.0f} s, "
        f"naive {naive:.0f} s, truth 600 s"
    )
    assert abs(z_censored) < Z, f"censored estimate {exponential.mean:.0f} s (z {z_censored:.2f})"
    assert z_naive < -Z and naive < 600 / 5, f"naive estimate {naive:.0f} s is not far off"


# --- arrivals -------------------------------------------------------------------------------


def _first_calls(totals: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    days = np.repeat(np.arange(len(totals)), totals)
    seconds = rng.uniform(8 * 3600, 12 * 3600, len(days))
    return pd.DataFrame({"call_type": "c", "day": days, "seconds": seconds})


@pytest.mark.parametrize("cv", [0.0, 0.25])
def test_day_factor_cv_by_moments(cv: float) -> None:
    """Poisson counts with a gamma day factor of CV ``cv``: the method of moments gets it
    back within its standard error (sd of s^2 about sigma^2 sqrt((2 + 6 cv^2) / (n - 1)),
    the gamma mixture adding 6 cv^2 of excess kurtosis), and the dispersion test rejects
    Poisson only when there is a day factor.
    """
    rng = np.random.default_rng(21)
    days, mean = 300, 400.0
    factor = rng.gamma(1 / cv**2, cv**2, days) if cv else np.ones(days)
    totals = rng.poisson(mean * factor)
    (fit,) = fit_arrivals(
        _first_calls(totals, rng),
        ["c"],
        np.arange(days),
        8 * 3600,
        1800,
        8,
        datetime.date(2026, 1, 5),
        False,
    )
    variance = mean + cv**2 * mean**2
    se_c2 = variance * math.sqrt((2 + 6 * cv**2) / (days - 1)) / mean**2
    assert abs(fit.day_cv**2 - cv**2) < Z * se_c2
    assert sum(fit.profile) == pytest.approx(totals.mean())
    if cv:
        assert fit.dispersion_p < 1e-6
    else:
        assert fit.dispersion_p > 0.01 / CHECKS
