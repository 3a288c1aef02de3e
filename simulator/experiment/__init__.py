"""Experiments: replications with seeding and confidence intervals."""

from simulator.experiment.result import RunResult
from simulator.experiment.runner import ReplicationFailed, run

__all__ = ["ReplicationFailed", "RunResult", "run"]
