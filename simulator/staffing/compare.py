"""Staffing methods side by side, each judged by simulation on the same callers.

For every method (``sim``, ``sipp``, ``lag-sipp``, ``isa``) the staffing is found,
then each is simulated with one common seed — a seed the search did not use, so the
search's own noise does not flatter it — and its figures are read: agent hours,
cost at the groups' hourly rates, and the share of counted (interval, queue) cells
with calls, in queues the staffed groups serve, whose estimated KPIs meet the queue's
targets. A cell also counts as a
*clear miss* when it misses by more than three standard errors, so that a method's
misses can be told from noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.experiment import RunResult, run
from simulator.scenario import Scenario
from simulator.staffing.cells import cell_estimates, counted_intervals
from simulator.staffing.judge import Verdict, verdict_of
from simulator.staffing.methods import METHODS
from simulator.staffing.result import StaffingResult
from simulator.staffing.scenario_edit import with_staffing, with_thresholds
from simulator.staffing.targets import Targets

__all__ = ["CLEAR_MISS_Z", "MethodComparison", "compare_methods", "evaluate_staffing"]

CLEAR_MISS_Z = 3.0
"""A cell missing its target by more than this many standard errors is a clear miss."""
EVALUATION_SEED_OFFSET = 1_000_003
"""The evaluation seed is the search's seed plus this: fresh callers, common to all methods."""


@dataclass
class MethodComparison:
    """Each method's staffing and how it fares on the same simulated callers.

    Attributes
    ----------
    summary : one row per method: agent hours, cost, cells meeting targets (share),
        clear misses, and the wall time of the method.
    results : each method's :class:`StaffingResult`.
    verdicts : each method's per-cell margins in the evaluation simulation.
    counted : intervals of the day that carry targets.
    """

    summary: pd.DataFrame
    results: dict[str, StaffingResult]
    verdicts: dict[str, Verdict]
    counted: np.ndarray

    def cells(self) -> pd.DataFrame:
        """Per method, interval and queue: the evaluation's standardised margin and verdict."""
        rows = []
        for method, verdict in self.verdicts.items():
            result = self.results[method]
            labels = result.scenario.calendar.interval_labels()
            for i, label in enumerate(labels):
                if not self.counted[i]:
                    continue
                for q, queue in enumerate(result.scenario.queue_names):
                    z = float(verdict.queue_z[i, q])
                    rows.append(
                        {
                            "method": method,
                            "start": label,
                            "queue": queue,
                            "z": z,
                            "met": z >= 0,
                            "clear_miss": z < -CLEAR_MISS_Z,
                        }
                    )
        return pd.DataFrame.from_records(rows)


def evaluate_staffing(
    scenario: Scenario,
    targets: Targets,
    staffing: dict[str, np.ndarray],
    replications: int,
    seed: int,
    workers: int | None = 1,
) -> tuple[Verdict, RunResult]:
    """Simulate ``scenario`` with ``staffing`` and judge every cell against ``targets`` (at
    the service-level thresholds they name).
    """
    staffed = with_staffing(with_thresholds(scenario, targets), staffing)
    result = run(
        staffed, replications=replications, seed=seed, workers=workers, keep_contacts=False
    )
    return verdict_of(result.outputs, staffed, result.kpis, targets), result


def compare_methods(
    scenario: Scenario,
    search: Callable[[str], StaffingResult],
    methods: Sequence[str] = METHODS,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
) -> MethodComparison:
    """Staff ``scenario`` by each method (``search(method)``) and evaluate every staffing
    on the same fresh callers (``replications`` replications, default the scenario's).
    """
    reps = scenario.replications if replications is None else replications
    base = scenario.seed if seed is None else seed
    counted = counted_intervals(scenario)
    results: dict[str, StaffingResult] = {}
    verdicts: dict[str, Verdict] = {}
    rows = []
    for method in methods:
        result = search(method)
        results[method] = result
        staffing = dict(zip(result.groups, result.required, strict=True))
        verdict, evaluation = evaluate_staffing(
            scenario, result.targets, staffing, reps, base + EVALUATION_SEED_OFFSET, workers
        )
        verdicts[method] = verdict
        offered = _offered_cells(evaluation, counted)
        served = _served_queues(scenario, result.groups)
        z = verdict.queue_z[counted][offered & served[None, :]]
        hourly = np.array(
            [
                scenario.costs.hourly(next(g.role for g in scenario.agent_groups if g.name == name))
                for name in result.groups
            ]
        )
        hours = result.required.sum(axis=1) * scenario.calendar.interval_s / 3600.0
        rows.append(
            {
                "method": method,
                "agent_hours": float(hours.sum()),
                "cost": float(hours @ hourly),
                "cells": int(z.size),
                "cells_met": float(np.mean(z >= 0)) if z.size else float("nan"),
                "clear_misses": int(np.sum(z < -CLEAR_MISS_Z)),
                "seconds": result.seconds,
            }
        )
    return MethodComparison(pd.DataFrame.from_records(rows), results, verdicts, counted)


def _served_queues(scenario: Scenario, groups: list[str]) -> np.ndarray:
    """Which queues the staffed ``groups`` serve (the cells a staffing answers for)."""
    skills = {g.name: g.skills for g in scenario.agent_groups}
    return np.array([any(q in skills[g] for g in groups) for q in scenario.queue_names])


def _offered_cells(result: RunResult, counted: np.ndarray) -> np.ndarray:
    """Which counted (interval, queue) cells had calls, flattened like ``z[counted]``."""
    est = cell_estimates(result.outputs, result.scenario, result.kpis)["service_level"]
    has_calls: np.ndarray = est.offered[counted] > 0
    return has_calls
