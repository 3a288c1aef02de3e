"""Routing policies: which idle agent takes an arriving contact, and which waiting
contact a freed agent takes.

A policy is built once per replication from its own scenario model (its parameters)
and the skill structure (which groups serve each queue, and each group's queues in
priority tiers), and answers two questions the model asks; it never changes state
itself. ``ROUTING_POLICIES`` maps each scenario model (tagged by its ``policy`` key)
to the class that implements it: adding a policy means a model in
``simulator/scenario/routing.py`` (added to ``RoutingSpec``) and a class here
registered with ``@routing_policy(Model)``, which files it under the model's
``policy`` value — nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from simulator.policies.registry import Registry
from simulator.scenario.routing import (
    FcfsRouting,
    GroupOrderRouting,
    LeastOccupiedRouting,
    PriorityLongestIdleRouting,
    ReservationRouting,
    RoutingSpec,
    WeightedRouting,
)

__all__ = [
    "ROUTING_POLICIES",
    "FirstComeFirstServed",
    "GroupOrder",
    "LeastOccupied",
    "PriorityLongestIdle",
    "Reserve",
    "RoutingPolicy",
    "SkillStructure",
    "Weighted",
    "longest_waiting",
    "make_routing_policy",
    "routing_policy",
    "skill_structure",
]


class IdleAgent(Protocol):
    """What routing needs of an idle agent."""

    idle_since: float


class AgentPool(Protocol):
    """What routing needs of an agent group: its idle agents, longest idle first, and how
    many agents are on duty (idle or busy, not about to leave).
    """

    @property
    def idle(self) -> Sequence[IdleAgent]: ...

    @property
    def on_duty(self) -> int: ...


class WaitingLine(Protocol):
    """What routing needs of a queue: when its longest-waiting contact started waiting."""

    def head_since(self) -> float:
        """Start of the wait of the first contact in line (``inf`` when empty)."""
        ...


class RoutingPolicy(Protocol):
    """Decides who serves whom, reading (never changing) the groups and queues."""

    def group_for(self, queue: int, groups: Sequence[AgentPool], now: float) -> int:
        """Index of the group whose idle agent takes a contact of ``queue`` now, or -1.

        The group's longest-idle agent takes it.
        """
        ...

    def queue_for(
        self, group: int, queues: Sequence[WaitingLine], groups: Sequence[AgentPool], now: float
    ) -> int:
        """Index of the queue whose first contact a free agent of ``group`` takes now, or -1.

        The asking agent is not among ``groups[group].idle``.
        """
        ...


@dataclass(frozen=True)
class SkillStructure:
    """Who can serve what, by index: the part of the scenario every policy needs."""

    queue_names: list[str]
    group_names: list[str]
    queue_groups: list[list[int]]
    """Groups with a skill for each queue, in file order."""
    group_tiers: list[list[list[int]]]
    """Each group's queues in priority tiers (priority 1 first), file order within a tier."""
    priorities: list[dict[int, int]]
    """Each group's skills: queue -> priority (1 first)."""


ROUTING_POLICIES: Registry[RoutingPolicy] = Registry("routing policy", RoutingSpec)
"""``policy`` key -> what builds the policy from its scenario model and the skill structure."""
routing_policy = ROUTING_POLICIES.register
"""Register the decorated class as the policy of a scenario model: ``@routing_policy(Model)``."""


def longest_waiting(
    tiers: list[list[int]],
    queues: Sequence[WaitingLine],
    allowed: Callable[[int], bool] | None = None,
) -> int:
    """The queue whose first contact has waited longest, in the first tier that has one
    (queues not ``allowed`` are passed over); -1 when all are empty.
    """
    for tier in tiers:
        best = -1
        best_since = float("inf")
        for q in tier:
            if allowed is not None and not allowed(q):
                continue
            since = queues[q].head_since()
            if since < best_since:
                best = q
                best_since = since
        if best >= 0:
            return best
    return -1


class _LongestIdle:
    """An arriving contact goes to the agent idle longest among the groups with its skill;
    a freed agent serves the tiers of ``group_tiers`` in order, and within a tier the
    contact that has waited longest.
    """

    def __init__(self, queue_groups: list[list[int]], group_tiers: list[list[list[int]]]) -> None:
        self.queue_groups = queue_groups
        self.group_tiers = group_tiers

    def group_for(self, queue: int, groups: Sequence[AgentPool], now: float) -> int:
        best = -1
        best_since = float("inf")
        for g in self.queue_groups[queue]:
            idle = groups[g].idle
            if idle and idle[0].idle_since < best_since:
                best = g
                best_since = idle[0].idle_since
        return best

    def queue_for(
        self, group: int, queues: Sequence[WaitingLine], groups: Sequence[AgentPool], now: float
    ) -> int:
        return longest_waiting(self.group_tiers[group], queues)


@routing_policy(PriorityLongestIdleRouting)
class PriorityLongestIdle(_LongestIdle):
    """Longest-idle agent for an arriving contact; a freed agent serves its priority-1
    queues first, and within a priority tier the contact that has waited longest.
    """

    def __init__(self, spec: PriorityLongestIdleRouting, skills: SkillStructure) -> None:
        super().__init__(skills.queue_groups, skills.group_tiers)


@routing_policy(FcfsRouting)
class FirstComeFirstServed(_LongestIdle):
    """Like ``priority_longest_idle`` for arriving contacts, but a freed agent takes the
    contact that has waited longest across all its skills, ignoring skill priorities.
    """

    def __init__(self, spec: FcfsRouting, skills: SkillStructure) -> None:
        flat = [[[q for tier in tiers for q in tier]] for tiers in skills.group_tiers]
        super().__init__(skills.queue_groups, flat)


@routing_policy(GroupOrderRouting)
class GroupOrder(PriorityLongestIdle):
    """An arriving contact tries its queue's groups in the stated order; a freed agent
    serves as in ``priority_longest_idle``.
    """

    def __init__(self, spec: GroupOrderRouting, skills: SkillStructure) -> None:
        super().__init__(PriorityLongestIdleRouting(), skills)
        group_index = {name: g for g, name in enumerate(skills.group_names)}
        self.order = []
        for q, name in enumerate(skills.queue_names):
            stated = [group_index[group] for group in spec.order.get(name, [])]
            rest = [g for g in skills.queue_groups[q] if g not in stated]
            self.order.append(stated + rest)

    def group_for(self, queue: int, groups: Sequence[AgentPool], now: float) -> int:  # noqa: D102
        for g in self.order[queue]:
            if groups[g].idle:
                return g
        return -1


@routing_policy(ReservationRouting)
class Reserve(GroupOrder):
    """Group order, with agents of a group kept for a queue.

    ``keep[g][q]`` agents of group ``g`` must stay idle when it takes a contact of
    queue ``q`` (the largest reservation of ``g`` for a queue other than ``q``); a
    freed agent of ``g`` first takes the head contact of a queue reserved with
    ``after_wait_s`` once that contact has waited so long (in the order listed).
    This is trunk reservation (a threshold on free servers) and, with the wait
    threshold, the reserve-agent rule of ACDs.
    """

    def __init__(self, spec: ReservationRouting, skills: SkillStructure) -> None:
        super().__init__(spec, skills)
        n_queues = len(skills.queue_names)
        queue_index = {name: q for q, name in enumerate(skills.queue_names)}
        group_index = {name: g for g, name in enumerate(skills.group_names)}
        self.keep = [[0] * n_queues for _ in skills.group_names]
        self.urgent: list[list[tuple[int, float]]] = [[] for _ in skills.group_names]
        for rule in spec.reserve:
            g, reserved = group_index[rule.group], queue_index[rule.queue]
            for q in range(n_queues):
                if q != reserved:
                    self.keep[g][q] = max(self.keep[g][q], rule.agents)
            if rule.after_wait_s is not None:
                self.urgent[g].append((reserved, rule.after_wait_s))

    def group_for(self, queue: int, groups: Sequence[AgentPool], now: float) -> int:  # noqa: D102
        for g in self.order[queue]:
            if len(groups[g].idle) > self.keep[g][queue]:  # k others stay idle after this one
                return g
        return -1

    def queue_for(  # noqa: D102
        self, group: int, queues: Sequence[WaitingLine], groups: Sequence[AgentPool], now: float
    ) -> int:
        for q, after_s in self.urgent[group]:
            if now - queues[q].head_since() >= after_s:
                return q
        keep = self.keep[group]
        idle = len(groups[group].idle)
        return longest_waiting(self.group_tiers[group], queues, lambda q: idle >= keep[q])


@routing_policy(WeightedRouting)
class Weighted:
    """Scores in place of strict priorities.

    A freed agent of group ``g`` takes the head contact of the queue ``q`` with the
    highest ``weight[q] * wait - skill_weight_s * (priority[g][q] - 1)``; an arriving
    contact of ``q`` goes to the group whose longest-idle agent has the highest
    ``idle time - skill_weight_s * (priority[g][q] - 1)``. Ties go to the queue or
    group listed first.
    """

    def __init__(self, spec: WeightedRouting, skills: SkillStructure) -> None:
        self.queue_groups = skills.queue_groups
        weight = [spec.queue_weights.get(name, 1.0) for name in skills.queue_names]
        # Per group: (queue, weight, priority penalty in seconds) for each of its skills.
        self.scored = [
            [(q, weight[q], spec.skill_weight_s * (p - 1)) for q, p in priorities.items()]
            for priorities in skills.priorities
        ]
        self.penalty = [
            {q: spec.skill_weight_s * (p - 1) for q, p in priorities.items()}
            for priorities in skills.priorities
        ]

    def group_for(self, queue: int, groups: Sequence[AgentPool], now: float) -> int:  # noqa: D102
        best = -1
        best_score = -float("inf")
        for g in self.queue_groups[queue]:
            idle = groups[g].idle
            if idle:
                score = now - idle[0].idle_since - self.penalty[g][queue]
                if score > best_score:
                    best, best_score = g, score
        return best

    def queue_for(  # noqa: D102
        self, group: int, queues: Sequence[WaitingLine], groups: Sequence[AgentPool], now: float
    ) -> int:
        best = -1
        best_score = -float("inf")
        for q, weight, penalty in self.scored[group]:
            since = queues[q].head_since()
            if since < float("inf"):
                score = weight * (now - since) - penalty
                if score > best_score:
                    best, best_score = q, score
        return best


@routing_policy(LeastOccupiedRouting)
class LeastOccupied(PriorityLongestIdle):
    """An arriving contact goes to the group with the largest share of its agents on duty
    idle (ties to the group listed first); a freed agent serves as in
    ``priority_longest_idle``. Sending work where the share of idle agents is largest
    evens out the groups' occupancy, whatever their sizes.
    """

    def __init__(self, spec: LeastOccupiedRouting, skills: SkillStructure) -> None:
        super().__init__(PriorityLongestIdleRouting(), skills)

    def group_for(self, queue: int, groups: Sequence[AgentPool], now: float) -> int:  # noqa: D102
        best = -1
        best_idle, best_duty = 0, 1
        for g in self.queue_groups[queue]:
            pool = groups[g]
            idle = len(pool.idle)
            if idle:
                duty = pool.on_duty
                if idle * best_duty > best_idle * duty:  # idle / duty above the best share
                    best, best_idle, best_duty = g, idle, duty
        return best


def skill_structure(
    queue_names: list[str], group_names: list[str], group_skills: list[dict[str, int]]
) -> SkillStructure:
    """Index the skills of each group (queue name -> priority) for the policies."""
    index = {q: i for i, q in enumerate(queue_names)}
    queue_groups: list[list[int]] = [[] for _ in queue_names]
    group_tiers: list[list[list[int]]] = []
    priorities: list[dict[int, int]] = []
    for g, skills in enumerate(group_skills):
        priorities.append({index[queue]: priority for queue, priority in skills.items()})
        tiers: dict[int, list[int]] = {}
        for queue, priority in skills.items():
            queue_groups[index[queue]].append(g)
            tiers.setdefault(priority, []).append(index[queue])
        group_tiers.append([tiers[p] for p in sorted(tiers)])
    return SkillStructure(queue_names, group_names, queue_groups, group_tiers, priorities)


def make_routing_policy(spec: RoutingSpec, skills: SkillStructure) -> RoutingPolicy:
    """Build the policy the scenario's ``routing`` names, with its parameters."""
    return ROUTING_POLICIES.build(spec, skills)
