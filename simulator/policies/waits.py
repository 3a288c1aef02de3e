"""Wait predictors: what a newly arriving caller is told, or offered, depends on them.

- ``queue_length``: ``(k + 1) / (n / s)`` for ``k`` callers waiting ahead, ``n`` agents on
  duty who can serve the queue and mean service time ``s`` — exact in mean for an M/M/n
  queue with all agents busy; its relative error shrinks as the centre grows (Whitt,
  "Predicting queueing delays", Management Science 45(6), 1999).
- ``last_delay``: the wait of the last caller to reach an agent from the queue (the
  delay-history predictor; Ibrahim & Whitt, "Real-time delay estimation based on delay
  history", MSOM 11(3), 2009).

Each predictor is registered under its scenario model's ``predictor``
(``WAIT_PREDICTORS``); a new one is a model in ``simulator/scenario/contact_back.py``
and a class here.
"""

from __future__ import annotations

from typing import Protocol

from simulator.policies.registry import Registry
from simulator.scenario.contact_back import (
    LastDelayEstimate,
    QueueLengthEstimate,
    WaitEstimateSpec,
)

__all__ = ["WAIT_PREDICTORS", "LastDelay", "QueueLength", "WaitPredictor", "make_wait_predictor"]


class WaitPredictor(Protocol):
    """Estimates the wait of a caller who joins a queue now."""

    def predict(self, ahead: int, agents: int, mean_service_s: float, last_delay_s: float) -> float:
        """Estimated wait in seconds (``inf`` when nobody can serve the queue)."""
        ...


WAIT_PREDICTORS: Registry[WaitPredictor] = Registry("wait predictor", WaitEstimateSpec)
"""``predictor`` -> the wait predictor, built from its scenario model."""


@WAIT_PREDICTORS.register(QueueLengthEstimate)
class QueueLength:
    """Callers ahead plus one, each served at the whole team's rate."""

    def __init__(self, spec: QueueLengthEstimate) -> None:
        pass

    def predict(self, ahead: int, agents: int, mean_service_s: float, last_delay_s: float) -> float:  # noqa: D102
        if agents <= 0:
            return float("inf")
        return (ahead + 1) * mean_service_s / agents


@WAIT_PREDICTORS.register(LastDelayEstimate)
class LastDelay:
    """What the last caller to get through waited."""

    def __init__(self, spec: LastDelayEstimate) -> None:
        pass

    def predict(self, ahead: int, agents: int, mean_service_s: float, last_delay_s: float) -> float:  # noqa: D102
        return last_delay_s


def make_wait_predictor(spec: WaitEstimateSpec) -> WaitPredictor:
    """The predictor the scenario's ``wait_estimate`` names."""
    return WAIT_PREDICTORS.build(spec)
