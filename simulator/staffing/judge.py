"""How far each (interval, queue) cell is from its targets, in standard errors.

A cell meets its targets when every target KPI's *estimate* is on the right side.
Its standardised margin ``z`` is the smallest, over its targets, of
``(estimate - target) / se`` for a floor (service level) and ``(target - estimate) /
se`` for a ceiling (abandonment, ASA, occupancy): ``z >= 0`` means the cell meets
its targets on the estimate, and ``Φ(|z|)`` is the one-sided confidence that the
expected value is on the same side as the estimate (normal approximation to the
ratio estimator, which the delta method justifies for the replication counts the
search uses). Cells without calls, or without targets, have ``z = +inf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.metrics.registry import Kpi
from simulator.model.replication import ReplicationOutput
from simulator.scenario import Scenario
from simulator.staffing.cells import QUEUE_KPIS, CellEstimate, cell_estimates
from simulator.staffing.targets import LOWER_BOUNDS, Targets

__all__ = ["Verdict", "judge", "verdict_of"]


@dataclass(frozen=True)
class Verdict:
    """Standardised margins of every cell.

    Attributes
    ----------
    queue_z : (intervals, queues) smallest standardised margin over the queue's targets.
    queue_gap : (intervals, queues) largest relative shortfall (0 where every target holds);
        a share of the target for ``asa_s``, an absolute share otherwise.
    queue_slack : (intervals, queues) smallest relative margin (the same units; negative
        where a target is missed, +inf without calls).
    group_z : (intervals, groups) occupancy margin of each agent group (+inf without target).
    """

    queue_z: np.ndarray
    queue_gap: np.ndarray
    group_z: np.ndarray
    queue_slack: np.ndarray


def _z(margin: np.ndarray, se: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, margin / np.where(se > 0, se, 1.0), np.sign(margin) * np.inf)
    z = np.where(margin == 0, 0.0, z)
    return np.where(np.isnan(margin), np.inf, z)


def verdict_of(
    outputs: Sequence[ReplicationOutput], scenario: Scenario, kpis: Sequence[Kpi], targets: Targets
) -> Verdict:
    """Margins of every (interval of the day, queue) cell from replications of ``scenario``.

    A staffing per interval of the day holds on every calendar day, so with several days
    each day's cells are judged on their own (a busy Monday is not averaged with a quiet
    Sunday) and an interval's margin is its worst day's.
    """
    if scenario.calendar.days == 1:
        return judge(cell_estimates(outputs, scenario, kpis), targets, scenario)
    by_day = judge(cell_estimates(outputs, scenario, kpis, by_day=True), targets, scenario)
    return Verdict(
        by_day.queue_z.min(axis=0),
        by_day.queue_gap.max(axis=0),
        by_day.group_z.min(axis=0),
        by_day.queue_slack.min(axis=0),
    )


def judge(estimates: dict[str, CellEstimate], targets: Targets, scenario: Scenario) -> Verdict:
    """Standardised margins of every (interval, queue) and (interval, group) cell (each
    array may carry leading axes, e.g. calendar days).
    """
    shape = estimates["service_level"].value.shape
    queue_z = np.full(shape, np.inf)
    gap = np.zeros(shape)
    slack = np.full(shape, np.inf)
    for q, queue in enumerate(scenario.queue_names):
        for kpi, target in targets.for_queue(queue).items():
            if kpi not in QUEUE_KPIS:
                continue
            est = estimates[kpi]
            value, se = est.value[..., q], est.se[..., q]
            margin = value - target if kpi in LOWER_BOUNDS else target - value
            queue_z[..., q] = np.minimum(queue_z[..., q], _z(margin, se))
            relative = margin / target if kpi == "asa_s" else margin
            gap[..., q] = np.maximum(gap[..., q], np.nan_to_num(-relative, nan=0.0))
            slack[..., q] = np.minimum(slack[..., q], np.nan_to_num(relative, nan=np.inf))
    occ = estimates["occupancy"]
    group_z = np.full(occ.value.shape, np.inf)
    if targets.max_occupancy is not None:
        group_z = _z(targets.max_occupancy - occ.value, occ.se)
    return Verdict(queue_z, gap, group_z, slack)
