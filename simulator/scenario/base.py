"""The strict, immutable base every scenario model derives from, and shared field types.

Strict means: unknown keys are errors, numbers are numbers (``true`` or ``"50"`` are not
read as 1 or 50), only finite values, and no number beyond :data:`MAX_MAGNITUDE` (a
mistyped ``1e308`` would otherwise turn totals and costs into infinity).
"""

from __future__ import annotations

import datetime
import math
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

from simulator.distributions import Distribution
from simulator.scenario.errors import Problem, ScenarioError, key_segment

__all__ = [
    "MAX_MAGNITUDE",
    "Date",
    "Duration",
    "NonNegative",
    "Probability",
    "StrictModel",
]

MAX_MAGNITUDE = 1e9
"""Largest absolute value any number in a scenario may have: a billion seconds is 31 years,
a billion calls or currency units is beyond any contact centre. It applies to every
real-valued key; whole numbers (agents, days, replications) have bounds of their own."""


def _too_large(value: Any) -> bool:
    return isinstance(value, float) and abs(value) > MAX_MAGNITUDE


class StrictModel(BaseModel):
    """Strict (unknown keys and non-numbers as numbers are errors), immutable, finite and
    bounded numbers only.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True, strict=True
    )

    @model_validator(mode="after")
    def _bounded_numbers(self) -> Self:
        problems: list[Problem] = []
        for name, field in type(self).model_fields.items():
            key = field.alias or name
            value = getattr(self, name)
            items: list[tuple[str, Any]] = [(key, value)]
            if isinstance(value, list | tuple):
                items = [(f"{key}[{i}]", item) for i, item in enumerate(value)]
            elif isinstance(value, dict):
                items = [(f"{key}{key_segment(k)}", item) for k, item in value.items()]
            problems.extend(
                Problem(
                    where,
                    f"must be at most {MAX_MAGNITUDE:.0e} in size, got {item:.3g}",
                )
                for where, item in items
                if _too_large(item)
            )
        if problems:
            raise ScenarioError(problems)
        return self


def _finite_moments(spec: Distribution) -> Distribution:
    if not (math.isfinite(spec.mean) and math.isfinite(spec.variance)):
        raise ValueError(
            f"dist '{spec.dist}' is not allowed for a time that must end: give a "
            "distribution with a finite mean and variance (none is only for patience)"
        )
    return spec


Date = Annotated[datetime.date, Strict(False)]
"""A calendar date: a YAML date or an ISO ``YYYY-MM-DD`` string (TOML, JSON, a dumped scenario)."""
NonNegative = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
Duration = Annotated[Distribution, AfterValidator(_finite_moments)]
"""A time that always ends (handle, wrap-up, explaining, delays): any distribution with a
finite mean and variance, so ``none`` (never ends) is refused."""
