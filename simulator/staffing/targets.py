"""Staffing targets: parsing, validation, and which value applies to which queue.

Targets apply to every queue in every interval: ``service_level=0.8`` means each
queue's service level; ``service_level[queue=fraud]=0.9`` sets one queue's (and a
queue may carry its own target in the scenario file, ``queues: [{name: fraud,
target: {service_level: 0.9}}]``; the command line wins). A service-level target may
name its threshold: ``service_level[queue=fraud,threshold_s=10]=0.9`` is 90 % within
10 s for fraud, ``service_level[threshold_s=30]=0.8`` moves every queue without a
threshold of its own to 30 s (a queue's ``target.threshold_s`` in the scenario does the
same); the search simulates with those thresholds and writes them into the staffed
scenario, so that ``ccsim run`` of it measures what was staffed for. The search judges each
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

_BRACKETED = re.compile(r"^(?P<kpi>\w+)\[(?P<inside>[^\]]*)\]$")
_BRACKET_KEYS = ("queue", "threshold_s")


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
    threshold_s : service-level threshold (s) of every queue without its own, or ``None``
        (the scenario's).
    queue_threshold_s : ``{queue: seconds}``, a queue's own service-level threshold.
    """

    service_level: float | None = None
    abandon_rate: float | None = None
    asa_s: float | None = None
    max_occupancy: float | None = None
    per_queue: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    threshold_s: float | None = None
    queue_threshold_s: Mapping[str, float] = field(default_factory=dict)

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
        seconds = {"": self.threshold_s, **self.queue_threshold_s}
        for queue, v in seconds.items():
            if v is not None and not (v > 0.0 and math.isfinite(v)):
                where = f"[queue={queue}]" if queue else ""
                problems.append(
                    f"service_level{where} threshold_s={v:g}: a threshold is a positive "
                    "number of seconds"
                )
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

    def with_queue_defaults(
        self,
        queue_targets: Mapping[str, Mapping[str, float]],
        queue_thresholds: Mapping[str, float] | None = None,
    ) -> Targets:
        """These targets with ``queue_targets`` and ``queue_thresholds`` (from the
        scenario) under the explicit ones.
        """
        merged = {q: dict(v) for q, v in queue_targets.items()}
        for queue, values in self.per_queue.items():
            merged.setdefault(queue, {}).update(values)
        return Targets(
            self.service_level,
            self.abandon_rate,
            self.asa_s,
            self.max_occupancy,
            merged,
            self.threshold_s,
            {**(queue_thresholds or {}), **self.queue_threshold_s},
        )

    def thresholds_for(self, queues: list[str], own: list[float | None]) -> list[float | None]:
        """The threshold each queue is staffed for, given the scenario's own per queue
        (``None`` where it has none): the command line's for the queue, else the queue's
        own from the scenario, else the command line's for every queue, else ``None``
        (the scenario's ``service_level.threshold_s``).
        """
        return [
            self.queue_threshold_s.get(q, mine if mine is not None else self.threshold_s)
            for q, mine in zip(queues, own, strict=True)
        ]

    def unknown_queues(self, queues: list[str]) -> list[str]:
        """Queues named by a per-queue target or threshold that the scenario does not have."""
        named = [*self.per_queue, *(q for q in self.queue_threshold_s if q not in self.per_queue)]
        return [q for q in named if q not in queues]

    def describe(self) -> str:
        """The targets in one line, as a planner writes them."""
        sign = {"service_level": ">=", "abandon_rate": "<=", "asa_s": "<="}

        def within(queue: str | None) -> str:
            seconds = self.queue_threshold_s.get(queue or "", self.threshold_s)
            return f" within {seconds:g} s" if seconds is not None else ""

        parts = [
            f"{k} {sign[k]} {v:g}" + (within(None) if k == "service_level" else "")
            for k, v in self.defaults().items()
        ]
        for queue, values in self.per_queue.items():
            parts += [
                f"{k}[queue={queue}] {sign[k]} {v:g}"
                + (within(queue) if k == "service_level" else "")
                for k, v in values.items()
            ]
        if self.max_occupancy is not None:
            parts.append(f"occupancy <= {self.max_occupancy:g}")
        return ", ".join(parts)


def parse_targets(
    specs: Mapping[str, float] | list[str],
    max_occupancy: float | None = None,
) -> Targets:
    """Targets from ``{"service_level": 0.8}`` or CLI strings ``["service_level=0.8",
    "service_level[queue=fraud]=0.9", "service_level[queue=fraud,threshold_s=10]=0.9"]``.

    Raises
    ------
    ValueError
        For an unknown KPI or a malformed string.
    StaffingInfeasible
        For a value no staffing can meet (e.g. ``asa_s=-1``, ``service_level=1.2``).
    """
    values: dict[str, float] = {}
    per_queue: dict[str, dict[str, float]] = {}
    threshold_s: float | None = None
    queue_threshold_s: dict[str, float] = {}
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
        queue, seconds = None, None
        if match := _BRACKETED.match(name):
            name, keys = match["kpi"], _bracket_keys(name, match["inside"])
            queue = keys.get("queue")
            if "threshold_s" in keys:
                if name != "service_level":
                    raise ValueError(f"target {name}[...]: only service_level takes a threshold_s")
                seconds = _number(name, "threshold_s", keys["threshold_s"])
        if name not in KNOWN_TARGETS:
            raise ValueError(
                f"unknown target {name!r}: choose from {', '.join(KNOWN_TARGETS)}, optionally "
                "for one queue as KPI[queue=NAME] (and --max-occupancy)"
            )
        if queue is None:
            values[name] = number
            threshold_s = seconds if seconds is not None else threshold_s
        else:
            per_queue.setdefault(queue, {})[name] = number
            if seconds is not None:
                queue_threshold_s[queue] = seconds
    return Targets(
        **values,
        max_occupancy=max_occupancy,
        per_queue=per_queue,
        threshold_s=threshold_s,
        queue_threshold_s=queue_threshold_s,
    )


def _number(name: str, key: str, raw: str) -> float:
    """``raw`` as a float, or a ``ValueError`` naming the target and key."""
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"target {name}[{key}={raw}]: {raw!r} is not a number") from None


def _bracket_keys(name: str, inside: str) -> dict[str, str]:
    """``queue=fraud,threshold_s=10`` -> ``{"queue": "fraud", "threshold_s": "10"}``."""
    keys: dict[str, str] = {}
    for part in inside.split(","):
        key, sep, value = (p.strip() for p in part.partition("="))
        if not sep or not value or key not in _BRACKET_KEYS:
            raise ValueError(
                f"target {name!r}: inside the brackets write queue=NAME and/or "
                "threshold_s=SECONDS, e.g. service_level[queue=fraud,threshold_s=10]=0.9"
            )
        keys[key] = value
    return keys
