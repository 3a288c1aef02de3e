"""Incentive schemes: what rewarding front-line agents (role ``agent``) does to their work.

A scheme multiplies their handle time, their resolve probability (capped at 1) and the
transfer-matrix row of the contacts they do not resolve. The effect sizes are the
scheme model's own parameters (``simulator/scenario/journeys.py``; the defaults there
are assumptions to calibrate). Each scheme is registered under its model's ``scheme``
(``INCENTIVE_SCHEMES``); a new scheme is a model there and a class here.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from simulator.policies.registry import Registry
from simulator.scenario.journeys import (
    CallsPerHourIncentive,
    HandleTimeTargetIncentive,
    IncentiveSpec,
    NoIncentive,
    ResolutionIncentive,
)

__all__ = [
    "INCENTIVE_SCHEMES",
    "IncentiveEffects",
    "Multipliers",
    "Unrewarded",
    "make_incentive",
]


class IncentiveEffects(Protocol):
    """How a reward scheme changes the work of a front-line agent."""

    def handle_time(self, factor: float) -> float:
        """The talk-time factor of a front-line group whose own factor is ``factor``."""
        ...

    def resolve(self, probability: float) -> float:
        """The chance a front-line agent resolves what they would resolve with ``probability``."""
        ...

    def transfers(self, probabilities: NDArray[np.float64]) -> NDArray[np.float64]:
        """A transfer-matrix row as front-line agents follow it (its sum may pass 1: the
        caller scales it back).
        """
        ...


INCENTIVE_SCHEMES: Registry[IncentiveEffects] = Registry("incentive scheme", IncentiveSpec)
"""``scheme`` -> the scheme's effects, built from its model."""


@INCENTIVE_SCHEMES.register(NoIncentive)
class Unrewarded:
    """No scheme: front-line agents work as their group's parameters say."""

    def __init__(self, spec: NoIncentive) -> None:
        pass

    def handle_time(self, factor: float) -> float:  # noqa: D102
        return factor

    def resolve(self, probability: float) -> float:  # noqa: D102
        return probability

    def transfers(self, probabilities: NDArray[np.float64]) -> NDArray[np.float64]:  # noqa: D102
        return probabilities


@INCENTIVE_SCHEMES.register(CallsPerHourIncentive)
@INCENTIVE_SCHEMES.register(HandleTimeTargetIncentive)
@INCENTIVE_SCHEMES.register(ResolutionIncentive)
class Multipliers:
    """The scheme's three multipliers, applied to front-line work."""

    def __init__(
        self, spec: CallsPerHourIncentive | HandleTimeTargetIncentive | ResolutionIncentive
    ) -> None:
        self.handle_f = spec.handle_time_factor
        self.resolve_f = spec.resolve_factor
        self.transfer_f = spec.transfer_factor

    def handle_time(self, factor: float) -> float:  # noqa: D102
        return factor * self.handle_f

    def resolve(self, probability: float) -> float:  # noqa: D102
        return min(1.0, probability * self.resolve_f)

    def transfers(self, probabilities: NDArray[np.float64]) -> NDArray[np.float64]:  # noqa: D102
        return probabilities * self.transfer_f


def make_incentive(spec: IncentiveSpec) -> IncentiveEffects:
    """The effects of the scheme the scenario's ``incentive`` names."""
    return INCENTIVE_SCHEMES.build(spec)
