"""Routing policies: which idle agent takes an arriving contact, and which waiting
contact a freed agent takes.

A policy is built once per replication from the skill structure (which groups
serve each queue, and each group's queues in priority tiers) and answers two
questions the model asks; it never changes state itself. Policies are chosen by
name from ``ROUTING_POLICIES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = [
    "ROUTING_POLICIES",
    "FirstComeFirstServed",
    "PriorityLongestIdle",
    "RoutingPolicy",
    "make_routing_policy",
]


class IdleAgent(Protocol):
    """What routing needs of an idle agent."""

    idle_since: float


class AgentPool(Protocol):
    """What routing needs of an agent group: its idle agents, longest idle first."""

    @property
    def idle(self) -> Sequence[IdleAgent]: ...


class WaitingLine(Protocol):
    """What routing needs of a queue: when its longest-waiting contact started waiting."""

    def head_since(self) -> float:
        """Start of the wait of the first contact in line (``inf`` when empty)."""
        ...


class RoutingPolicy(Protocol):
    """Decides who serves whom."""

    def group_for(self, queue: int, groups: Sequence[AgentPool]) -> int:
        """Index of the group whose idle agent takes a contact of ``queue`` now, or -1."""
        ...

    def queue_for(self, group: int, queues: Sequence[WaitingLine]) -> int:
        """Index of the queue whose first contact an agent of ``group`` takes now, or -1."""
        ...


class PriorityLongestIdle:
    """An arriving contact goes to the agent idle longest among the groups with its skill;
    a freed agent serves its priority-1 queues first, and within a priority tier the
    contact that has waited longest.
    """

    def __init__(self, queue_groups: list[list[int]], group_tiers: list[list[list[int]]]) -> None:
        self.queue_groups = queue_groups
        self.group_tiers = group_tiers

    def group_for(self, queue: int, groups: Sequence[AgentPool]) -> int:  # noqa: D102
        best = -1
        best_since = float("inf")
        for g in self.queue_groups[queue]:
            idle = groups[g].idle
            if idle and idle[0].idle_since < best_since:
                best = g
                best_since = idle[0].idle_since
        return best

    def queue_for(self, group: int, queues: Sequence[WaitingLine]) -> int:  # noqa: D102
        for tier in self.group_tiers[group]:
            best = -1
            best_since = float("inf")
            for q in tier:
                since = queues[q].head_since()
                if since < best_since:
                    best = q
                    best_since = since
            if best >= 0:
                return best
        return -1


class FirstComeFirstServed(PriorityLongestIdle):
    """Like ``priority_longest_idle`` for arriving contacts, but a freed agent takes the
    contact that has waited longest across all its skills, ignoring skill priorities.
    """

    def __init__(self, queue_groups: list[list[int]], group_tiers: list[list[list[int]]]) -> None:
        flat = [[[q for tier in tiers for q in tier]] for tiers in group_tiers]
        super().__init__(queue_groups, flat)


ROUTING_POLICIES: dict[str, type[PriorityLongestIdle]] = {
    "priority_longest_idle": PriorityLongestIdle,
    "fcfs": FirstComeFirstServed,
}


def make_routing_policy(
    name: str, queue_names: list[str], group_skills: list[dict[str, int]]
) -> RoutingPolicy:
    """Build the policy ``name`` for groups with the given skills (queue name -> priority)."""
    index = {q: i for i, q in enumerate(queue_names)}
    queue_groups: list[list[int]] = [[] for _ in queue_names]
    group_tiers: list[list[list[int]]] = []
    for g, skills in enumerate(group_skills):
        tiers: dict[int, list[int]] = {}
        for queue, priority in skills.items():
            queue_groups[index[queue]].append(g)
            tiers.setdefault(priority, []).append(index[queue])
        group_tiers.append([tiers[p] for p in sorted(tiers)])
    return ROUTING_POLICIES[name](queue_groups, group_tiers)
