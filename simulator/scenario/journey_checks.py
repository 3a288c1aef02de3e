"""Cross-reference checks of the journey keys, listing every offender with its key path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.scenario.errors import Problem
from simulator.scenario.journeys import Menu

if TYPE_CHECKING:
    from simulator.scenario.models import Scenario

__all__ = ["escalation_queue", "journey_problems", "menu_queues"]

ROW_TOLERANCE = 1e-9
"""Rounding allowed when a transfer-matrix row is checked to sum to at most 1."""


def menu_queues(menu: Menu) -> set[str]:
    """Every queue a menu leads to (queue leaves and self-service fall-back queues)."""
    found: set[str] = set()
    for option in menu.options.values():
        if option.queue is not None:
            found.add(option.queue)
        elif option.self_service is not None:
            found.add(option.self_service.queue)
        elif option.menu is not None:
            found |= menu_queues(option.menu)
    return found


def _menu_leaf_problems(menu: Menu, path: str, queues: set[str], known: str) -> list[Problem]:
    problems = []
    for key, option in menu.options.items():
        where = f"{path}.options.{key}"
        if option.queue is not None and option.queue not in queues:
            problems.append(Problem(f"{where}.queue", f"unknown queue {option.queue!r} ({known})"))
        if option.self_service is not None and option.self_service.queue not in queues:
            problems.append(
                Problem(
                    f"{where}.self_service.queue",
                    f"unknown queue {option.self_service.queue!r} ({known})",
                )
            )
        if option.menu is not None:
            problems += _menu_leaf_problems(option.menu, f"{where}.menu", queues, known)
    return problems


def escalation_queue(scenario: Scenario) -> str | None:
    """The queue escalated callers join (given, or the first one served by the right role)."""
    escalation = scenario.escalation
    role = escalation.role
    if role is None:
        return None
    if escalation.queue is not None:
        return escalation.queue
    for queue in scenario.queue_names:
        if any(g.role == role and queue in g.skills for g in scenario.agent_groups):
            return queue
    return None


def journey_problems(scenario: Scenario) -> list[Problem]:
    """Unknown queues, impossible rows and unreachable targets in the journey keys."""
    queues = set(scenario.queue_names)
    known = f"known queues: {', '.join(scenario.queue_names)}"
    problems: list[Problem] = []
    for i, group in enumerate(scenario.agent_groups):
        for queue in group.resolve_probability:
            if queue not in group.skills:
                problems.append(
                    Problem(
                        f"agent_groups[{i}].resolve_probability.{queue}",
                        f"{queue!r} is not one of this group's skills ({', '.join(group.skills)})",
                    )
                )
    for source, row in scenario.transfers.matrix.items():
        where = f"transfers.matrix.{source}"
        if source not in queues:
            problems.append(Problem(where, f"unknown queue {source!r} ({known})"))
        for target in row:
            if target not in queues:
                problems.append(Problem(f"{where}.{target}", f"unknown queue {target!r} ({known})"))
            elif target == source:
                problems.append(Problem(f"{where}.{target}", "a queue cannot transfer to itself"))
        total = sum(row.values())
        if total > 1 + ROW_TOLERANCE:
            problems.append(Problem(where, f"probabilities sum to {total:g}, more than 1"))
    role = scenario.escalation.role
    if role is not None:
        escalate_to = escalation_queue(scenario)
        if escalate_to is None:
            problems.append(
                Problem(
                    "escalation.path",
                    f"path {scenario.escalation.path!r} needs a queue served by a group with "
                    f"role {role!r}; there is none",
                )
            )
        elif escalate_to not in queues:
            problems.append(Problem("escalation.queue", f"unknown queue {escalate_to!r} ({known})"))
        elif not any(escalate_to in g.skills for g in scenario.agent_groups):
            problems.append(Problem("escalation.queue", f"no agent group serves {escalate_to!r}"))
    ivr = scenario.ivr
    if ivr is not None:
        if ivr.zero_out is not None and ivr.zero_out.queue not in queues:
            problems.append(
                Problem("ivr.zero_out.queue", f"unknown queue {ivr.zero_out.queue!r} ({known})")
            )
        if ivr.menu is not None:
            problems += _menu_leaf_problems(ivr.menu, "ivr.menu", queues, known)
            reachable = menu_queues(ivr.menu)
            email = {q.name for q in scenario.queues if q.channel == "email"}
            for j, call_type in enumerate(scenario.call_types):
                if call_type.target in email:
                    continue  # e-mails do not go through the IVR
                if call_type.target in queues and call_type.target not in reachable:
                    problems.append(
                        Problem(
                            f"call_types[{j}].target",
                            f"the IVR menu has no path to queue {call_type.target!r}",
                        )
                    )
    return problems
