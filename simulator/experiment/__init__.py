"""Experiments: replications, paired comparisons and sweeps, on any backend.

``run`` replicates one scenario; ``compare`` runs scenarios with common random
numbers and gives paired differences; ``sweep`` runs a grid of scenario changes with
the same seeds, resumably. Each runs serially, on local processes or on Dask, with
identical numbers.
"""

from simulator.experiment.compare import Comparison, compare
from simulator.experiment.result import RunResult
from simulator.experiment.runner import ExperimentProgress, ReplicationFailed, run
from simulator.experiment.sweep import SweepMismatch, SweepResult, sweep

__all__ = [
    "Comparison",
    "ExperimentProgress",
    "ReplicationFailed",
    "RunResult",
    "SweepMismatch",
    "SweepResult",
    "compare",
    "run",
    "sweep",
]
