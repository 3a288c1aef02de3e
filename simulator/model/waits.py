"""Wait estimates and delay announcements for a caller joining a queue.

The estimate comes from the scenario's predictor (``policies/waits.py``) fed with the
queue's state: callers waiting ahead, agents on duty who can serve it, the mean
service time of the caller's call type, and the last wait to end in service.
An announcement turns the estimate into what the caller hears, as the scenario's
announcement mode says (``policies/announcements.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.model.agents import AgentGroup
from simulator.model.queues import ContactQueue
from simulator.model.rules import WaitRules

__all__ = ["WaitEstimator"]


class WaitEstimator:
    """Estimates waits and turns them into announcements."""

    def __init__(self, rules: WaitRules, n_queues: int) -> None:
        self.predictor = rules.predictor
        self.queue_groups = rules.queue_groups
        self.mean_service_s = rules.mean_service_s
        self.last_delay_s = [0.0] * n_queues
        self.announcer = rules.announcer
        self.patience_after_overrun = (
            rules.announcer.patience_after_overrun if rules.announcer is not None else 1.0
        )

    def estimate(
        self,
        queue: int,
        call_type: int,
        queues: Sequence[ContactQueue],
        groups: Sequence[AgentGroup],
    ) -> float:
        """Estimated wait of a caller of ``call_type`` joining ``queue`` now."""
        agents = sum(groups[g].on_duty for g in self.queue_groups[queue])
        return self.predictor.predict(
            queues[queue].waiting,
            agents,
            self.mean_service_s[call_type],
            self.last_delay_s[queue],
        )

    def served(self, queue: int, waited_s: float) -> None:
        """A caller of ``queue`` reached an agent after ``waited_s`` (for ``last_delay``)."""
        self.last_delay_s[queue] = waited_s
