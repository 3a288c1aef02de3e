"""Routing in the scenario file: one model per policy, tagged by its ``policy`` key.

``routing`` is a tagged union: the ``policy`` value picks the model, and that model
holds the policy's own parameters beside the ``overflow`` rules every policy shares.
The policy key is also the key of the routing registry in ``simulator/policies``, so
a policy's name is written once, in its model's ``Literal``. ``policy`` may be left
out; it then defaults to ``priority_longest_idle`` (files written before routing had
parameters keep loading unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field

from simulator.scenario.base import StrictModel
from simulator.scenario.errors import Problem, key_segment
from simulator.scenario.variants import default_tag

__all__ = [
    "DEFAULT_ROUTING_POLICY",
    "FcfsRouting",
    "GroupOrderRouting",
    "LeastOccupiedRouting",
    "Overflow",
    "PriorityLongestIdleRouting",
    "Reservation",
    "ReservationRouting",
    "Routing",
    "RoutingSpec",
    "WeightedRouting",
]

DEFAULT_ROUTING_POLICY = "priority_longest_idle"


class Overflow(StrictModel):
    """A call still waiting in ``from`` after ``after_s`` seconds may also be served from ``to``."""

    from_: str = Field(alias="from", description="Queue the call waits in.")
    to: str = Field(description="Queue it overflows to.")
    after_s: float = Field(ge=0, description="Seconds of waiting before it overflows.")


class _RoutingBase(StrictModel):
    """What every routing policy shares: overflow between queues."""

    overflow: list[Overflow] = Field(
        default_factory=list,
        description="Overflow rules, e.g. [{from: cards, to: general, after_s: 60}].",
    )

    def reference_problems(self, skills: Mapping[str, Mapping[str, int]]) -> list[Problem]:
        """Problems with the names this policy's parameters use (group -> its skills)."""
        return []


def _skill_problem(
    path: str, group: str, queue: str, skills: Mapping[str, Mapping[str, int]]
) -> Problem | None:
    """A parameter naming an unknown group, or a group without a skill for ``queue``."""
    if group not in skills:
        return Problem(path, f"unknown agent group {group!r} (known groups: {', '.join(skills)})")
    if queue not in skills[group]:
        return Problem(path, f"agent group {group!r} has no skill for queue {queue!r}")
    return None


class PriorityLongestIdleRouting(_RoutingBase):
    """An agent takes the call of its best-priority skill that waited longest; an arriving
    call goes to the longest-idle agent among the groups with its skill.
    """

    policy: Literal["priority_longest_idle"] = Field(
        default="priority_longest_idle", description="Skill priorities, then longest wait."
    )


class FcfsRouting(_RoutingBase):
    """An agent takes the call that waited longest among all its skills, ignoring priorities."""

    policy: Literal["fcfs"] = Field(description="Longest wait across all skills.")


class GroupOrderRouting(_RoutingBase):
    """An arriving call tries the groups of its queue in a stated order (the longest-idle
    agent of the first group with one idle); a freed agent serves as in
    ``priority_longest_idle``.
    """

    policy: Literal["group_order"] = Field(description="Groups tried in a stated order.")
    order: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "Queue -> agent groups in the order they are tried, e.g. {cards: [specialists, "
            "front]}; groups with the skill left out come after, in file order; queues left "
            "out use file order."
        ),
    )

    def reference_problems(self, skills: Mapping[str, Mapping[str, int]]) -> list[Problem]:  # noqa: D102
        problems = []
        for queue, groups in self.order.items():
            for i, group in enumerate(groups):
                where = f"routing.order{key_segment(queue)}[{i}]"
                problem = _skill_problem(where, group, queue, skills)
                if problem is not None:
                    problems.append(problem)
            if len(set(groups)) != len(groups):
                problems.append(
                    Problem(f"routing.order{key_segment(queue)}", "names a group twice")
                )
        return problems


class Reservation(StrictModel):
    """Agents of ``group`` kept for ``queue``."""

    queue: str = Field(description="The queue the agents are kept for.")
    group: str = Field(description="The agent group (it must have a skill for the queue).")
    agents: int = Field(
        default=0,
        ge=0,
        description=(
            "Idle agents of the group kept for the queue: the group takes a call of another "
            "queue only if this many of its other agents stay idle."
        ),
    )
    after_wait_s: float | None = Field(
        default=None,
        ge=0,
        description=(
            "Once the queue's longest-waiting call has waited this long, a freed agent of the "
            "group takes it before anything else (none: never)."
        ),
    )


class ReservationRouting(GroupOrderRouting):
    """Group order (``order``, optional) with agents of a group reserved for a queue: kept
    idle for it, and/or switched to it once its wait passes a threshold.
    """

    policy: Literal["reservation"] = Field(  # type: ignore[assignment]
        description="Agents reserved for a queue."
    )
    reserve: list[Reservation] = Field(
        min_length=1,
        description=(
            "Reservations, e.g. [{queue: vip, group: front, agents: 2}] or "
            "[{queue: vip, group: front, after_wait_s: 30}]."
        ),
    )

    def reference_problems(self, skills: Mapping[str, Mapping[str, int]]) -> list[Problem]:  # noqa: D102
        problems = super().reference_problems(skills)
        for i, rule in enumerate(self.reserve):
            problem = _skill_problem(f"routing.reserve[{i}].group", rule.group, rule.queue, skills)
            if problem is not None:
                problems.append(problem)
            elif rule.agents == 0 and rule.after_wait_s is None:
                problems.append(
                    Problem(
                        f"routing.reserve[{i}]", "reserves nothing: give agents or after_wait_s"
                    )
                )
        return problems


class WeightedRouting(_RoutingBase):
    """Scores instead of strict priorities: a freed agent takes the head call of the queue
    with the highest ``weight x wait - skill_weight_s x (priority - 1)``; an arriving call
    goes to the group whose longest-idle agent has the highest
    ``idle time - skill_weight_s x (priority - 1)``.
    """

    policy: Literal["weighted"] = Field(description="Agent and queue scores.")
    queue_weights: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict,
        description="Queue -> weight of its wait in the queue score (1 if absent).",
    )
    skill_weight_s: float = Field(
        default=0,
        ge=0,
        description=(
            "Seconds of wait (or idle time) one step of skill priority is worth: 0 ignores "
            "priorities, a large value makes them strict."
        ),
    )

    def reference_problems(self, skills: Mapping[str, Mapping[str, int]]) -> list[Problem]:  # noqa: D102
        queues = {queue for group in skills.values() for queue in group}
        return [
            Problem(f"routing.queue_weights{key_segment(queue)}", f"no group serves {queue!r}")
            for queue in self.queue_weights
            if queue not in queues
        ]


class LeastOccupiedRouting(_RoutingBase):
    """An arriving call goes to the group with the largest share of its agents on duty
    idle (ties to the group listed first): load balancing, which evens out occupancy
    across groups (sites) of different sizes; a freed agent serves as in
    ``priority_longest_idle``.
    """

    policy: Literal["least_occupied"] = Field(
        description="The group with the largest share of its agents idle."
    )


RoutingSpec = (
    PriorityLongestIdleRouting
    | FcfsRouting
    | GroupOrderRouting
    | ReservationRouting
    | WeightedRouting
    | LeastOccupiedRouting
)
"""Every routing model (the union's members)."""

Routing = Annotated[
    RoutingSpec,
    Field(discriminator="policy"),
    default_tag("policy", DEFAULT_ROUTING_POLICY),
]
"""The ``routing`` key: the model its ``policy`` names."""
