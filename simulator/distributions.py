"""Distribution specs for scenario files and batched samplers on ``numpy.random.Generator``.

Every family is parameterised the way a planner states it: by its mean and, where
the family has a second parameter, by its coefficient of variation (CV = standard
deviation / mean). Each spec converts that to the family's native parameters in
one place (stated in its docstring), samples a whole batch from a generator that
is passed in, and reports its analytic mean and variance so tests can check the
moments of what it draws.

The specs are strict pydantic models discriminated on the ``dist`` key, so a
scenario file writes ``{dist: lognormal, mean: 360, cv: 0.8}``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "MAX_CV",
    "MAX_TIME_S",
    "Deterministic",
    "Distribution",
    "Empirical",
    "Erlang",
    "Exponential",
    "Gamma",
    "Lognormal",
    "NoDistribution",
    "Uniform",
    "Weibull",
    "weibull_shape",
]


MAX_TIME_S = 10_000_000.0
"""Largest mean, value or bound a distribution may state (about 116 days, in seconds): a
guard against a mistyped number (``1e308``) that would turn every total into infinity."""
MAX_CV = 10.0
"""Largest coefficient of variation a lognormal or gamma may have. A CV of 10 already puts
half the mass below a hundredth of the mean; far beyond it the family's parameters
overflow (``cv ** 2``) or every draw is a rounding error of zero."""

DEGENERATE_CV = 1e-8
"""Below this CV a gamma draw is the constant mean (its shape 1 / cv^2 would overflow)."""


class _Spec(BaseModel):
    """Common base: strict, immutable, and able to draw batches.

    Every family has ``mean`` and ``variance`` (a field where the family is stated by
    it, a property otherwise) and ``sample(rng, size)``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` independent values as a float64 array."""
        raise NotImplementedError


class Exponential(_Spec):
    """Exponential with the given mean (rate = 1 / mean); CV is 1."""

    dist: Literal["exponential"] = "exponential"
    mean: float = Field(gt=0, le=MAX_TIME_S, description="Mean (seconds for times).")

    @property
    def variance(self) -> float:  # noqa: D102
        return self.mean**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        return rng.exponential(self.mean, size)


class Lognormal(_Spec):
    """Lognormal by mean and CV.

    With ``sigma^2 = ln(1 + cv^2)`` and ``mu = ln(mean) - sigma^2 / 2`` the draw
    ``exp(N(mu, sigma^2))`` has the stated mean and CV. ``cv = 0`` is the constant.
    """

    dist: Literal["lognormal"] = "lognormal"
    mean: float = Field(gt=0, le=MAX_TIME_S, description="Mean.")
    cv: float = Field(ge=0, le=MAX_CV, description="Coefficient of variation (sd / mean).")

    @property
    def variance(self) -> float:  # noqa: D102
        return (self.cv * self.mean) ** 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)


class Gamma(_Spec):
    """Gamma by mean and CV: shape ``k = 1 / cv^2``, scale ``theta = mean * cv^2``.

    ``cv = 0`` is the constant ``mean``.
    """

    dist: Literal["gamma"] = "gamma"
    mean: float = Field(gt=0, le=MAX_TIME_S, description="Mean.")
    cv: float = Field(ge=0, le=MAX_CV, description="Coefficient of variation (sd / mean).")

    @property
    def variance(self) -> float:  # noqa: D102
        return (self.cv * self.mean) ** 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        if self.cv < DEGENERATE_CV:
            return np.full(size, self.mean)
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / shape, size)


WEIBULL_CV_RANGE = (0.01, 50.0)
"""CVs a Weibull spec accepts: shape from about 0.1 (very skewed) to about 130 (nearly constant)."""


def _weibull_cv2(shape: float) -> float:
    """Squared CV of a Weibull with this shape: ``G(1 + 2/k) / G(1 + 1/k)^2 - 1``."""
    return math.exp(math.lgamma(1 + 2 / shape) - 2 * math.lgamma(1 + 1 / shape)) - 1


def weibull_shape(cv: float) -> float:
    """The Weibull shape ``k`` whose CV is ``cv`` (the CV falls as ``k`` grows; bisection
    on ``log k`` to relative precision 1e-12).
    """
    low, high = math.log(0.05), math.log(1000.0)
    target = cv**2
    for _ in range(200):
        mid = (low + high) / 2
        if _weibull_cv2(math.exp(mid)) > target:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return math.exp((low + high) / 2)


class Weibull(_Spec):
    """Weibull by mean and CV: shape ``k`` solves ``cv^2 = G(1+2/k) / G(1+1/k)^2 - 1``
    and scale ``lambda = mean / G(1 + 1/k)`` (``G`` the gamma function), so that the
    survival function is ``exp(-(t / lambda)^k)``.

    Shape 1 is the exponential (CV 1); a shape above 1 (CV below 1) gives a hazard that
    rises with time, below 1 one that falls — the usual reading of fitted patience.
    """

    dist: Literal["weibull"] = "weibull"
    mean: float = Field(gt=0, description="Mean.")
    cv: float = Field(
        ge=WEIBULL_CV_RANGE[0],
        le=WEIBULL_CV_RANGE[1],
        description="Coefficient of variation (sd / mean), between 0.01 and 50.",
    )

    @property
    def shape(self) -> float:
        """The shape ``k``."""
        return weibull_shape(self.cv)

    @property
    def scale(self) -> float:
        """The scale ``lambda = mean / G(1 + 1/k)``."""
        return self.mean / math.exp(math.lgamma(1 + 1 / self.shape))

    @property
    def variance(self) -> float:  # noqa: D102
        return (self.cv * self.mean) ** 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        return self.scale * rng.weibull(self.shape, size)


class Erlang(_Spec):
    """Erlang-k: the sum of ``k`` exponentials, i.e. gamma with shape ``k``, scale ``mean / k``.

    Its CV is ``1 / sqrt(k)``.
    """

    dist: Literal["erlang"] = "erlang"
    mean: float = Field(gt=0, le=MAX_TIME_S, description="Mean.")
    k: int = Field(ge=1, description="Number of exponential phases.")

    @property
    def variance(self) -> float:  # noqa: D102
        return self.mean**2 / self.k

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        return rng.gamma(self.k, self.mean / self.k, size)


class Deterministic(_Spec):
    """Always the same value."""

    dist: Literal["deterministic"] = "deterministic"
    value: float = Field(ge=0, le=MAX_TIME_S, description="The constant value.")

    @property
    def mean(self) -> float:  # noqa: D102
        return self.value

    @property
    def variance(self) -> float:  # noqa: D102
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        return np.full(size, self.value)


class Uniform(_Spec):
    """Uniform on ``[low, high)``: mean ``(low + high) / 2``, variance ``(high - low)^2 / 12``."""

    dist: Literal["uniform"] = "uniform"
    low: float = Field(ge=0, le=MAX_TIME_S, description="Lower bound.")
    high: float = Field(ge=0, le=MAX_TIME_S, description="Upper bound (at least `low`).")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self

    @property
    def mean(self) -> float:  # noqa: D102
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:  # noqa: D102
        return (self.high - self.low) ** 2 / 12

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        return rng.uniform(self.low, self.high, size)


class Empirical(_Spec):
    """Resample observed values with equal probability (population mean and variance)."""

    dist: Literal["empirical"] = "empirical"
    values: list[Annotated[float, Field(ge=0, le=MAX_TIME_S)]] = Field(
        min_length=1, description="Observed values, each drawn with equal probability."
    )

    @property
    def mean(self) -> float:  # noqa: D102
        return float(np.mean(self.values))

    @property
    def variance(self) -> float:  # noqa: D102
        return float(np.var(self.values))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        return rng.choice(np.asarray(self.values, dtype=float), size)


class NoDistribution(_Spec):
    """``none``: the event never happens (infinite patience); every draw is ``inf``."""

    dist: Literal["none"] = "none"

    @property
    def mean(self) -> float:  # noqa: D102
        return math.inf

    @property
    def variance(self) -> float:  # noqa: D102
        return math.nan

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: D102
        return np.full(size, math.inf)


Distribution = Annotated[
    Exponential
    | Lognormal
    | Gamma
    | Weibull
    | Erlang
    | Deterministic
    | Uniform
    | Empirical
    | NoDistribution,
    Field(discriminator="dist"),
]
"""Any distribution spec, chosen by its ``dist`` key."""
