"""What happens after an agent has talked to a caller: resolved, transferred, escalated,
or sent away unresolved.

The rules are compiled once per replication from the scenario:

1. A caller the IVR put in the wrong queue is transferred to its target.
2. A caller who needs a decision, served by a group that cannot decide, goes where the
   escalation path says (``policies/escalation.py``: once to the supervisors' or
   managers' queue), or — with path ``none``, or when already escalated — leaves with
   the scripted remedy, unresolved.
3. Otherwise the contact is resolved with the group's ``resolve_probability`` for the
   queue (as the incentive scheme changes it for front-line agents:
   ``policies/incentives.py``).
4. Otherwise the queue's ``transfers.matrix`` row (as the incentive scheme changes it for
   front-line agents, scaled back to sum at most 1) sends it on, or it leaves unresolved.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from simulator.policies.escalation import NOWHERE, make_escalation_path
from simulator.policies.incentives import make_incentive
from simulator.scenario import Scenario

__all__ = ["RESOLVED", "UNRESOLVED", "JourneyRules"]

RESOLVED = -1
"""``after_leg`` result: the contact is resolved."""
UNRESOLVED = -2
"""``after_leg`` result: the contact ends unresolved."""


class JourneyRules:
    """Compiled resolution, transfer and escalation rules."""

    def __init__(self, scenario: Scenario) -> None:
        queue_index = {q: i for i, q in enumerate(scenario.queue_names)}
        n_queues = len(queue_index)
        incentive = make_incentive(scenario.incentive)
        self.front_line = [g.role == "agent" for g in scenario.agent_groups]
        self.can_decide = [g.can_decide for g in scenario.agent_groups]
        self.is_manager = [g.role == "manager" for g in scenario.agent_groups]
        self.handle_factor = [
            incentive.handle_time(g.handle_time_factor) if front else g.handle_time_factor
            for g, front in zip(scenario.agent_groups, self.front_line, strict=True)
        ]
        # resolve[g][q]: chance group g resolves a contact it answered from queue q.
        self.resolve = [
            [
                incentive.resolve(p) if front else min(1.0, p)
                for p in (g.resolve_probability.get(q, 1.0) for q in scenario.queue_names)
            ]
            for g, front in zip(scenario.agent_groups, self.front_line, strict=True)
        ]
        # Cumulative transfer rows, as seen by front-line and other groups.
        self.rows: dict[bool, list[list[tuple[float, int]]]] = {}
        for front in (True, False):
            rows: list[list[tuple[float, int]]] = [[] for _ in range(n_queues)]
            for source, row in scenario.transfers.matrix.items():
                targets = [queue_index[t] for t in row]
                probabilities = np.array(list(row.values()))
                if front:
                    probabilities = incentive.transfers(probabilities)
                total = probabilities.sum()
                if total > 1.0:
                    probabilities = probabilities / total
                cumulative = np.cumsum(probabilities).tolist()
                rows[queue_index[source]] = list(zip(cumulative, targets, strict=True))
            self.rows[front] = rows
        self.max_transfers = scenario.transfers.max_per_contact
        escalation = scenario.escalation_queue()
        self.escalation = make_escalation_path(
            scenario.escalation, queue_index[escalation] if escalation is not None else NOWHERE
        )
        self.escalation_queue = self.escalation.queue
        self.always_resolved = all(p >= 1.0 for row in self.resolve for p in row) and not any(
            ct.needs_authority for ct in scenario.call_types
        )
        """Every conversation resolves: no decision to draw (the classic queueing model)."""

    def after_leg(
        self,
        group: int,
        queue: int,
        needs_authority: bool,
        already_escalated: bool,
        resolve_draw: Callable[[], float],
        transfer_draw: Callable[[], float],
    ) -> int:
        """RESOLVED, UNRESOLVED, or the queue to transfer to (misplaced callers aside).

        Draws are taken only when a probability is strictly between 0 and 1, so a
        scenario without transfers or partial resolution pays nothing for them.
        """
        if needs_authority and not self.can_decide[group]:
            to = self.escalation.escalate(queue, already_escalated)
            return UNRESOLVED if to == NOWHERE else to
        p = self.resolve[group][queue]
        if p >= 1.0 or (p > 0.0 and resolve_draw() < p):
            return RESOLVED
        row = self.rows[self.front_line[group]][queue]
        if row:
            u = transfer_draw()
            for cumulative, target in row:
                if u < cumulative:
                    return target
        return UNRESOLVED
