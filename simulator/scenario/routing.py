"""Routing in the scenario file: one model per policy, tagged by its ``policy`` key.

``routing`` is a tagged union: the ``policy`` value picks the model, and that model
holds the policy's own parameters beside the ``overflow`` rules every policy shares.
The policy key is also the key of the routing registry in ``simulator/policies``, so
a policy's name is written once, in its model's ``Literal``. ``policy`` may be left
out; it then defaults to ``priority_longest_idle`` (files written before routing had
parameters keep loading unchanged).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from simulator.scenario.base import StrictModel

__all__ = [
    "DEFAULT_ROUTING_POLICY",
    "FcfsRouting",
    "Overflow",
    "PriorityLongestIdleRouting",
    "Routing",
    "RoutingSpec",
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


def _default_policy(value: Any) -> Any:
    """Fill in the default ``policy`` when a routing mapping leaves it out."""
    if isinstance(value, dict) and "policy" not in value:
        return {**value, "policy": DEFAULT_ROUTING_POLICY}
    return value


RoutingSpec = PriorityLongestIdleRouting | FcfsRouting
"""Every routing model (the union's members)."""

Routing = Annotated[
    RoutingSpec,
    Field(discriminator="policy"),
    BeforeValidator(_default_policy),
]
"""The ``routing`` key: the model its ``policy`` names."""
