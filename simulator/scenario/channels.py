"""Channels in the scenario file: chat capacity of an agent group, and the e-mail rules.

A queue's ``channel`` (``voice``, ``chat`` or ``email``) says what its contacts are; an
agent group's ``chat`` block says how many chats an agent holds at once and how much
each extra chat slows every one of them. E-mails are a backlog: they never abandon,
balk or go through the IVR, and they stay in their own queue (no transfers, overflow
or escalation into or out of an e-mail queue), which :func:`email_problems` checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from simulator.scenario.base import StrictModel
from simulator.scenario.errors import Problem, key_segment
from simulator.scenario.journey_checks import menu_queues

if TYPE_CHECKING:
    from simulator.scenario.models import Scenario

__all__ = ["ChatCapacity", "email_problems"]


class ChatCapacity(StrictModel):
    """How an agent of the group handles chats."""

    slots: int = Field(
        default=1, ge=1, le=16, description="Chats an agent holds at once (a call takes all)."
    )
    slowdown: float = Field(
        default=0,
        ge=0,
        description=(
            "With k chats at once each progresses at speed 1 / (1 + slowdown x (k - 1)): "
            "0 means concurrency costs nothing, 0.5 that two chats take 1.5x as long each."
        ),
    )


def email_problems(scenario: Scenario) -> list[Problem]:
    """Keys that do not fit e-mail: patience, balking or authority on an e-mail call type,
    overnight arrivals on any other, and transfers, overflow, IVR options or escalation
    leading into or out of an e-mail queue.
    """
    email = {queue.name for queue in scenario.queues if queue.channel == "email"}
    problems: list[Problem] = []
    for i, call_type in enumerate(scenario.call_types):
        if call_type.target not in email:
            if call_type.overnight_rate_per_hour > 0:
                problems.append(
                    Problem(
                        f"call_types[{i}].overnight_rate_per_hour",
                        f"only e-mail arrives while the centre is closed; queue "
                        f"{call_type.target!r} is not an e-mail queue (channel: email)",
                    )
                )
            continue
        path = f"call_types[{i}]"
        if call_type.patience.dist != "none":
            problems.append(
                Problem(
                    f"{path}.patience",
                    f"queue {call_type.target!r} is an e-mail queue: e-mails never abandon, "
                    "so leave patience out (or give {dist: none})",
                )
            )
        if call_type.balk_probability > 0:
            problems.append(
                Problem(
                    f"{path}.balk_probability",
                    f"queue {call_type.target!r} is an e-mail queue: e-mails never balk (give 0)",
                )
            )
        if call_type.needs_authority > 0:
            problems.append(
                Problem(
                    f"{path}.needs_authority",
                    f"queue {call_type.target!r} is an e-mail queue: e-mails are not escalated "
                    "(give 0)",
                )
            )
    reason = "is an e-mail queue: e-mails stay in their own queue"
    for source, row in scenario.transfers.matrix.items():
        if source in email:
            problems.append(
                Problem(f"transfers.matrix{key_segment(source)}", f"{source!r} {reason}")
            )
        for target in row:
            if target in email:
                problems.append(
                    Problem(
                        f"transfers.matrix{key_segment(source)}{key_segment(target)}",
                        f"{target!r} {reason}",
                    )
                )
    for k, rule in enumerate(scenario.routing.overflow):
        for key, queue in (("from", rule.from_), ("to", rule.to)):
            if queue in email:
                problems.append(Problem(f"routing.overflow[{k}].{key}", f"{queue!r} {reason}"))
    escalate_to = scenario.escalation_queue()
    if escalate_to in email:
        problems.append(Problem("escalation.queue", f"{escalate_to!r} {reason}"))
    ivr = scenario.ivr
    if ivr is not None:
        if ivr.zero_out is not None and ivr.zero_out.queue in email:
            problems.append(Problem("ivr.zero_out.queue", f"{ivr.zero_out.queue!r} {reason}"))
        if ivr.menu is not None:
            for queue in sorted(menu_queues(ivr.menu) & email):
                problems.append(
                    Problem("ivr.menu", f"an option leads to {queue!r}, which {reason}")
                )
    return problems
