"""Every queue a caller can be sent to must be served by some agent group.

A caller routed to a queue nobody serves waits until closing and is then cut off, even
with ``at_close: finish``. The routes that send callers to a queue are: a call type's
target (directly, or through the IVR menu, where a misroute can pick any leaf), the IVR's
zero-out and self-service fall-backs, the transfer matrix (from any queue callers can
reach), the escalation queue and overflow rules. A queue counts as served when a group
has it as a skill, or an overflow rule leads from it to a served queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from simulator.scenario.errors import Problem, key_segment
from simulator.scenario.journeys import Menu

if TYPE_CHECKING:
    from simulator.scenario.models import Scenario

__all__ = ["served_queues", "unserved_route_problems"]


def served_queues(scenario: Scenario) -> set[str]:
    """Queues some agent group serves directly or through a chain of overflow rules."""
    served = {queue for group in scenario.agent_groups for queue in group.skills}
    changed = True
    while changed:
        changed = False
        for rule in scenario.routing.overflow:
            if rule.to in served and rule.from_ not in served:
                served.add(rule.from_)
                changed = True
    return served


def _menu_routes(menu: Menu, path: str) -> Iterator[tuple[str, str]]:
    for key, option in menu.options.items():
        where = f"{path}.options{key_segment(key)}"
        if option.queue is not None:
            yield f"{where}.queue", option.queue
        elif option.self_service is not None:
            yield f"{where}.self_service.queue", option.self_service.queue
        elif option.menu is not None:
            yield from _menu_routes(option.menu, f"{where}.menu")


def _entry_routes(scenario: Scenario) -> Iterator[tuple[str, str]]:
    """(key path, queue) of every way a new caller enters a queue."""
    ivr = scenario.ivr
    if ivr is not None and ivr.menu is not None:
        yield from _menu_routes(ivr.menu, "ivr.menu")
    if ivr is not None and ivr.zero_out is not None and ivr.zero_out.allowed:
        yield "ivr.zero_out.queue", ivr.zero_out.queue
    for i, call_type in enumerate(scenario.call_types):
        yield f"call_types[{i}].target", call_type.target
    escalation = scenario.escalation_queue()
    if escalation is not None:
        yield "escalation.queue", escalation


def unserved_route_problems(scenario: Scenario) -> list[Problem]:
    """A problem for each route leading callers to a queue no group serves.

    Call type targets and the escalation queue are checked where they are defined; this
    adds the IVR, transfers and overflow. Unknown queue names are reported elsewhere.
    """
    known = set(scenario.queue_names)
    served = served_queues(scenario)
    reached = {queue for _, queue in _entry_routes(scenario)}
    routes = [
        (path, queue)
        for path, queue in _entry_routes(scenario)
        if not path.startswith(("call_types", "escalation"))
    ]
    # Transfers: follow the matrix from every queue callers can reach.
    frontier = list(reached)
    while frontier:
        source = frontier.pop()
        for target, probability in scenario.transfers.matrix.get(source, {}).items():
            if probability > 0:
                routes.append(
                    (f"transfers.matrix{key_segment(source)}{key_segment(target)}", target)
                )
                if target not in reached:
                    reached.add(target)
                    frontier.append(target)
    for k, rule in enumerate(scenario.routing.overflow):
        routes.append((f"routing.overflow[{k}].to", rule.to))
    problems = []
    for path, queue in routes:
        if queue in known and queue not in served:
            problems.append(
                Problem(
                    path,
                    f"leads callers to queue {queue!r}, which no agent group serves (no skill, "
                    "no overflow to a served queue): they would wait until closing and be cut off",
                )
            )
    return sorted(set(problems), key=lambda p: p.path)
