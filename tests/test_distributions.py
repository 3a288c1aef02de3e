"""Each distribution family draws what its analytic mean and variance say."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from simulator.distributions import Distribution

ADAPTER: TypeAdapter = TypeAdapter(Distribution)
SPECS = [
    {"dist": "exponential", "mean": 240},
    {"dist": "lognormal", "mean": 360, "cv": 0.8},
    {"dist": "gamma", "mean": 60, "cv": 0.5},
    {"dist": "gamma", "mean": 60, "cv": 2.0},
    {"dist": "erlang", "mean": 300, "k": 3},
    {"dist": "uniform", "low": 10, "high": 50},
    {"dist": "empirical", "values": [10, 20, 20, 90]},
]
N = 200_000
CHECKS = 2 * len(SPECS)
CRITICAL_Z = stats.norm.ppf(1 - 0.01 / (2 * CHECKS))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s['dist']}")
def test_sample_moments_match_analytic_moments(spec: dict) -> None:
    dist = ADAPTER.validate_python(spec)
    draws = dist.sample(np.random.default_rng(2024), N)
    assert draws.shape == (N,) and (draws >= 0).all()
    # Mean: z-test with the analytic variance.
    z_mean = (draws.mean() - dist.mean) / math.sqrt(dist.variance / N)
    assert abs(z_mean) < CRITICAL_Z
    # Variance: compare with the sample variance's own standard error (from the 4th moment).
    centred = draws - draws.mean()
    se_var = math.sqrt(((centred**2 - centred.var()) ** 2).mean() / N)
    assert abs(centred.var() - dist.variance) < CRITICAL_Z * se_var


def test_stated_parameterisations() -> None:
    lognormal = ADAPTER.validate_python({"dist": "lognormal", "mean": 100, "cv": 0.5})
    assert lognormal.variance == pytest.approx(50**2)
    erlang = ADAPTER.validate_python({"dist": "erlang", "mean": 100, "k": 4})
    assert erlang.variance == pytest.approx(100**2 / 4)
    deterministic = ADAPTER.validate_python({"dist": "deterministic", "value": 7})
    assert (deterministic.sample(np.random.default_rng(0), 5) == 7).all()
    none = ADAPTER.validate_python({"dist": "none"})
    assert np.isinf(none.sample(np.random.default_rng(0), 3)).all()
    assert math.isinf(none.mean)


def test_zero_cv_is_the_constant() -> None:
    for family in ("gamma", "lognormal"):
        dist = ADAPTER.validate_python({"dist": family, "mean": 42, "cv": 0})
        np.testing.assert_allclose(dist.sample(np.random.default_rng(1), 10), 42)


def test_same_generator_state_same_draws() -> None:
    dist = ADAPTER.validate_python({"dist": "gamma", "mean": 60, "cv": 0.7})
    a = dist.sample(np.random.default_rng(9), 100)
    b = dist.sample(np.random.default_rng(9), 100)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "mean": 10, "cv": -1},
        {"dist": "exponential", "mean": 0},
        {"dist": "exponential", "mean": float("inf")},
        {"dist": "uniform", "low": 5, "high": 1},
        {"dist": "erlang", "mean": 5, "k": 0},
        {"dist": "empirical", "values": []},
        {"dist": "weibull", "mean": 3},
        {"dist": "exponential", "mean": 3, "cv": 1},
    ],
)
def test_invalid_specs_are_rejected(spec: dict) -> None:
    with pytest.raises(ValidationError):
        ADAPTER.validate_python(spec)
