"""Wait estimates and delay announcements for a caller joining a queue.

The estimate comes from the scenario's predictor (``policies/waits.py``) fed with the
queue's state: callers waiting ahead, agents on duty who can serve it, the mean
service time of the caller's call type, and the last wait to end in service.
An announcement tells the caller the estimate (``accurate``), less (``optimistic``:
divided by ``factor``) or more (``pessimistic``: times ``factor``).
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.model.agents import AgentGroup
from simulator.model.queues import ContactQueue
from simulator.policies.waits import make_wait_predictor
from simulator.scenario import Scenario

__all__ = ["WaitEstimator"]


class WaitEstimator:
    """Estimates waits and turns them into announcements."""

    def __init__(self, scenario: Scenario, queue_groups: list[list[int]]) -> None:
        self.predictor = make_wait_predictor(scenario.wait_estimate.predictor)
        self.queue_groups = queue_groups
        explain = scenario.callers.explain_time
        extra = explain.mean if explain is not None else 0.0
        self.mean_service_s = [
            ct.handle_time.mean + (ct.wrap_up.mean if ct.wrap_up is not None else 0.0) + extra
            for ct in scenario.call_types
        ]
        self.last_delay_s = [0.0] * len(scenario.queues)
        announcement = scenario.announcement
        self.announcing = announcement.mode != "none"
        self.announce_factor = {
            "none": 1.0,
            "accurate": 1.0,
            "optimistic": 1.0 / announcement.factor,
            "pessimistic": announcement.factor,
        }[announcement.mode]
        self.patience_after_overrun = announcement.patience_after_overrun

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
