"""The IVR: where a caller ends up after the greeting and the menus, and how long it took.

The menu tree is compiled once per replication. A caller hears every option of a
level (``seconds_per_option`` each), then picks the option leading to its target —
or, with probability ``misroute_per_option`` x options heard, a wrong one chosen
uniformly; a caller who took a wrong submenu is lost and picks at random below it.
A self-service leaf resolves a share of the callers it is meant for; the rest (and
anyone who reached it by mistake) go on to its queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulator.randomness import BufferedDraws
from simulator.scenario.journeys import Ivr, Menu

__all__ = ["IvrOutcome", "IvrRouter"]


@dataclass(frozen=True)
class _Leaf:
    queue: int
    resolve_probability: float  # 0 for a plain queue leaf
    self_service_time: Callable[[], float] | None


@dataclass(frozen=True)
class _Node:
    options: list[_Node | _Leaf]
    correct: dict[int, int]  # target queue -> index of the option leading to it


@dataclass(frozen=True)
class IvrOutcome:
    """Where a caller leaves the IVR, after how long, and how it got there."""

    time: float
    queue: int
    """Queue the caller joins; -1 when self-service resolved it."""
    self_served: bool
    misrouted: bool
    """A wrong menu choice took the caller to a queue other than its target."""
    zero_out: bool
    """The caller pressed 0 and joins the zero-out queue (whatever its target)."""


def _reaches(option: _Node | _Leaf) -> set[int]:
    if isinstance(option, _Leaf):
        return {option.queue}
    found: set[int] = set()
    for child in option.options:
        found |= _reaches(child)
    return found


class IvrRouter:
    """A compiled IVR; ``route`` plays one caller through it."""

    def __init__(
        self,
        ivr: Ivr,
        queue_index: dict[str, int],
        uniform: BufferedDraws,
        sample_time: Callable[[object], float],
    ) -> None:
        self.greeting_s = ivr.greeting_s
        self.seconds_per_option = ivr.seconds_per_option
        self.misroute_per_option = ivr.misroute_per_option
        zero = ivr.zero_out
        self.zero_out_probability = zero.probability if zero is not None and zero.allowed else 0.0
        self.zero_out_queue = queue_index[zero.queue] if zero is not None else -1
        self.uniform = uniform
        self.sample_time = sample_time
        self.root = self._compile(ivr.menu, queue_index) if ivr.menu is not None else None

    def _compile(self, menu: Menu, queue_index: dict[str, int]) -> _Node:
        options: list[_Node | _Leaf] = []
        for spec in menu.options.values():
            if spec.menu is not None:
                options.append(self._compile(spec.menu, queue_index))
            elif spec.queue is not None:
                options.append(_Leaf(queue_index[spec.queue], 0.0, None))
            elif spec.self_service is not None:
                service = spec.self_service
                options.append(
                    _Leaf(
                        queue_index[service.queue],
                        service.resolve_probability,
                        self._timer(service.time),
                    )
                )
        correct: dict[int, int] = {}
        for i, option in enumerate(options):
            for queue in _reaches(option):
                correct.setdefault(queue, i)
        return _Node(options, correct)

    def _timer(self, dist: object) -> Callable[[], float]:
        return lambda: self.sample_time(dist)

    def route(self, target: int) -> IvrOutcome:
        """Play a caller who needs queue ``target`` through the IVR."""
        draw = self.uniform.next
        time = self.greeting_s
        if self.zero_out_probability and draw() < self.zero_out_probability:
            return IvrOutcome(time, self.zero_out_queue, False, False, True)
        node = self.root
        lost = False
        while node is not None:
            n = len(node.options)
            time += n * self.seconds_per_option
            right = node.correct.get(target, -1)
            if lost or right < 0:
                choice = min(int(draw() * n), n - 1)
                lost = True
            elif n > 1 and draw() < min(1.0, self.misroute_per_option * n):
                wrong = min(int(draw() * (n - 1)), n - 2)
                choice = wrong if wrong < right else wrong + 1
                lost = True
            else:
                choice = right
            option = node.options[choice]
            if isinstance(option, _Node):
                node = option
                continue
            if option.self_service_time is not None:
                time += option.self_service_time()
                if not lost and draw() < option.resolve_probability:
                    return IvrOutcome(time, -1, True, False, False)
            return IvrOutcome(time, option.queue, False, option.queue != target, False)
        return IvrOutcome(time, target, False, False, False)
