"""Escalation paths: where a caller who needs a decision goes when the agent cannot decide.

- ``none``: nowhere; the agent offers the scripted remedy and the contact ends
  unresolved.
- ``supervisor`` / ``management``: once, to the escalation queue (the supervisors' or
  the managers'; which queue is settled by the scenario layer, from ``queue`` or the
  path's role).

Each path is registered under its scenario model's ``path`` (``ESCALATION_PATHS``) and
built with the index of the escalation queue (-1 when there is none); a new path is a
model in ``simulator/scenario/journeys.py`` and a class here.
"""

from __future__ import annotations

from typing import Protocol

from simulator.policies.registry import Registry
from simulator.scenario.journeys import (
    EscalationSpec,
    ManagementEscalation,
    NoEscalation,
    SupervisorEscalation,
)

__all__ = ["ESCALATION_PATHS", "EscalationPath", "NoPath", "ToQueue", "make_escalation_path"]

NOWHERE = -1
"""``EscalationPath.escalate`` result and ``queue`` value: no escalation."""


class EscalationPath(Protocol):
    """Sends callers who need a decision up, or not."""

    queue: int
    """The queue escalated callers join (``NOWHERE`` when there is none)."""

    def escalate(self, queue: int, already_escalated: bool) -> int:
        """The queue a caller who needs a decision goes to from ``queue`` (where an agent
        without authority just served them), or ``NOWHERE``: they leave unresolved.
        """
        ...


ESCALATION_PATHS: Registry[EscalationPath] = Registry("escalation path", EscalationSpec)
"""``path`` -> the escalation path, built from its model and the escalation queue's index."""


@ESCALATION_PATHS.register(NoEscalation)
class NoPath:
    """No path up: the scripted remedy, unresolved."""

    queue = NOWHERE

    def __init__(self, spec: NoEscalation, queue: int) -> None:
        pass

    def escalate(self, queue: int, already_escalated: bool) -> int:  # noqa: D102
        return NOWHERE


@ESCALATION_PATHS.register(SupervisorEscalation)
@ESCALATION_PATHS.register(ManagementEscalation)
class ToQueue:
    """Once to the escalation queue; a caller already escalated, or already in it, leaves
    unresolved.
    """

    def __init__(self, spec: SupervisorEscalation | ManagementEscalation, queue: int) -> None:
        self.queue = queue

    def escalate(self, queue: int, already_escalated: bool) -> int:  # noqa: D102
        if already_escalated or self.queue in (NOWHERE, queue):
            return NOWHERE
        return self.queue


def make_escalation_path(spec: EscalationSpec, queue: int) -> EscalationPath:
    """The path the scenario's ``escalation`` names, to queue index ``queue`` (or -1)."""
    return ESCALATION_PATHS.build(spec, queue)
