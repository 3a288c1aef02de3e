"""Staffing targets: parsing, validation, and which value applies to which queue.

Targets apply to every queue in every interval: ``service_level=0.8`` means each
queue's service level; ``service_level[queue=fraud]=0.9`` sets one queue's (and a
queue may carry its own target in the scenario file, ``queues: [{name: fraud,
target: {service_level: 0.9}}]``; the command line wins). The search judges each
(interval, queue) cell on its *expected* value (the estimate from replications), not
on a confidence bound: a bound requirement buys the width of the confidence interval
in agents and never converges to the true requirement however many replications run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["KNOWN_TARGETS", "StaffingInfeasible", "Targets", "parse_targets"]

KNOWN_TARGETS = ("service_level", "abandon_rate", "asa_s")
"""KPIs a staffing target may name (``max_occupancy`` is a separate option)."""

LOWER_BOUNDS = ("service_level",)
"""Targets that are floors (the KPI must reach them); the others are ceilings."""

_QUEUE_TARGET = re.compile(r"^(?P<kpi>\w+)\[queue=(?P<queue>[^\]]+)\]$")


class StaffingInfeasible(ValueError):
    """The targets cannot be met: an impossible value, or no staffing under the cap."""


def _problem(name: str, value: float) -> str | None:
    """Why ``value`` cannot be a target for KPI ``name`` (None when it can)."""
    if name == "service_level" and not 0.0 < value < 1.0:
        return (
            f"service_level={value:g}: a service level is a share strictly between 0 and 1 "
            "(a target of 1 or more cannot be met)"
        )
    if name == "abandon_rate" and not 0.0 < value < 1.0:
        return f"abandon_rate={value:g}: must be strictly between 0 and 1"
    if name == "asa_s" and not (value > 0.0 and math.isfinite(value)):
        return (
            f"asa_s={value:g}: an average speed of answer must be a positive number of "
            "seconds (no staffing answers faster than at once)"
        )
    return None


@dataclass(frozen=True)
class Targets:
    """What every interval must achieve, per queue.

    Attributes
    ----------
    service_level : floor on each queue's service level (0-1), or ``None``.
    abandon_rate : ceiling on each queue's abandonment rate (0-1), or ``None``.
    asa_s : ceiling on each queue's average speed of answer (seconds), or ``None``.
    max_occupancy : ceiling on each staffed group's occupancy in an interval, or ``None``.
    per_queue : ``{queue: {kpi: value}}`` overriding (or adding) targets of one queue.
    """

    service_level: float | None = None
    abandon_rate: float | None = None
    asa_s: float | None = None
    max_occupancy: float | None = None
    per_queue: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Reject targets that no staffing can meet, with the reason."""
        problems = [
            p
            for name in KNOWN_TARGETS
            if (v := getattr(self, name)) is not None and (p := _problem(name, v))
        ]
        for queue, values in self.per_queue.items():
            for name, v in values.items():
                if name not in KNOWN_TARGETS:
                    problems.append(f"{name}[queue={queue}]: not a target KPI")
                elif p := _problem(name, v):
                    problems.append(f"queue {queue}: {p}")
        occ = self.max_occupancy
        if occ is not None and not 0.0 < occ <= 1.0:
            problems.append(f"max_occupancy={occ:g}: occupancy is a share in (0, 1]")
        if problems:
            raise StaffingInfeasible("infeasible targets: " + "; ".join(problems))
        if not self.defaults() and not any(self.per_queue.values()) and occ is None:
            raise StaffingInfeasible("no target given: name at least one, e.g. service_level=0.8")

    def defaults(self) -> dict[str, float]:
        """The targets every queue has unless it sets its own."""
        return {k: v for k in KNOWN_TARGETS if (v := getattr(self, k)) is not None}

    def for_queue(self, queue: str) -> dict[str, float]:
        """The targets of ``queue``: the defaults, overridden by its own."""
        return {**self.defaults(), **self.per_queue.get(queue, {})}

    def with_queue_defaults(self, queue_targets: Mapping[str, Mapping[str, float]]) -> Targets:
        """These targets with ``queue_targets`` (from the scenario) under the explicit ones."""
        merged = {q: dict(v) for q, v in queue_targets.items()}
        for queue, values in self.per_queue.items():
            merged.setdefault(queue, {}).update(values)
        return Targets(
            self.service_level, self.abandon_rate, self.asa_s, self.max_occupancy, merged
        )

    def unknown_queues(self, queues: list[str]) -> list[str]:
        """Queues named by a per-queue target that the scenario does not have."""
        return [q for q in self.per_queue if q not in queues]

    def describe(self) -> str:
        """The targets in one line, as a planner writes them."""
        sign = {"service_level": ">=", "abandon_rate": "<=", "asa_s": "<="}
        parts = [f"{k} {sign[k]} {v:g}" for k, v in self.defaults().items()]
        for queue, values in self.per_queue.items():
            parts += [f"{k}[queue={queue}] {sign[k]} {v:g}" for k, v in values.items()]
        if self.max_occupancy is not None:
            parts.append(f"occupancy <= {self.max_occupancy:g}")
        return ", ".join(parts)


def parse_targets(
    specs: Mapping[str, float] | list[str],
    max_occupancy: float | None = None,
) -> Targets:
    """Targets from ``{"service_level": 0.8}`` or CLI strings ``["service_level=0.8",
    "service_level[queue=fraud]=0.9"]``.

    Raises
    ------
    ValueError
        For an unknown KPI or a malformed string.
    StaffingInfeasible
        For a value no staffing can meet (e.g. ``asa_s=-1``, ``service_level=1.2``).
    """
    values: dict[str, float] = {}
    per_queue: dict[str, dict[str, float]] = {}
    items: list[tuple[str, object]]
    if isinstance(specs, Mapping):
        items = list(specs.items())
    else:
        items = []
        for text in specs:
            name, sep, raw = text.rpartition("=")
            if not sep or not name:
                raise ValueError(f"target {text!r}: write KPI=VALUE, e.g. service_level=0.8")
            items.append((name.strip(), raw.strip()))
    for name, value in items:
        try:
            number = float(str(value))
        except ValueError:
            raise ValueError(f"target {name}={value!r}: not a number") from None
        if name == "max_occupancy":
            max_occupancy = number
            continue
        queue = None
        if match := _QUEUE_TARGET.match(name):
            name, queue = match["kpi"], match["queue"]
        if name not in KNOWN_TARGETS:
            raise ValueError(
                f"unknown target {name!r}: choose from {', '.join(KNOWN_TARGETS)}, optionally "
                "for one queue as KPI[queue=NAME] (and --max-occupancy)"
            )
        if queue is None:
            values[name] = number
        else:
            per_queue.setdefault(queue, {})[name] = number
    return Targets(**values, max_occupancy=max_occupancy, per_queue=per_queue)
