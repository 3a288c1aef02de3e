"""How precise an estimate is, and sequential sampling until it is precise enough.

Every KPI of a replication reduces to a *part* (:class:`~simulator.experiment.parts.KpiParts`):
a numerator and, for a rate, a denominator; a worker sends the parts of its
replications, and a sweep or a paired comparison rebuilds any estimate from them.

Sequential sampling (``--precision KPI=HALF_WIDTH``) adds replications until
every targeted half-width is reached or a cap is hit, as in the sequential
procedure of Law, *Simulation Modeling and Analysis* (5th ed., §9.4.1) and the
"simulate until the half-width is small enough" mode of ContactCenters. The half-width
shrinks like ``1 / sqrt(n)``, so after ``n`` replications with half-width ``h``
against a target ``t`` about ``n (h / t)^2`` are needed; the next stage asks for
that (at least one more, at most four times as many at once). Because the
replications are numbered and each is a pure function of ``(seed, r)``, the stopping
point, like every number, is the same on any backend.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from simulator.experiment.parts import KpiParts
from simulator.experiment.result import RunResult
from simulator.scenario import Scenario

__all__ = [
    "DEFAULT_MAX_REPLICATIONS",
    "MIN_REPLICATIONS",
    "KpiParts",
    "PrecisionTarget",
    "TargetStatus",
    "kpi_names",
    "kpi_parts",
    "next_replication_count",
    "parse_precision",
    "target_status",
]

DEFAULT_MAX_REPLICATIONS = 1000
"""Cap on replications when sampling to a precision and no cap is given."""

MIN_REPLICATIONS = 5
"""Fewest replications a precision run starts with: a half-width from two or three
replications is too erratic to plan the next stage from."""

GROWTH_LIMIT = 4
"""A stage asks for at most this many times the replications done so far."""


def kpi_parts(result: RunResult) -> KpiParts:
    """The parts of every KPI of ``result``, in the order of ``result.summary()`` (which is
    built from them, so ``kpi_parts(r).summary()`` reproduces ``r.summary()`` bit for bit).
    """
    return result.parts()


def kpi_names(scenario: Scenario) -> list[str]:
    """The KPIs (and breakdowns) a run of ``scenario`` estimates, in the order of
    ``summary()``.
    """
    return RunResult(scenario, [], scenario.seed).kpi_names()


@dataclass(frozen=True)
class PrecisionTarget:
    """Sample until KPI ``kpi`` has a 95 % half-width of at most ``half_width``."""

    kpi: str
    half_width: float

    def __str__(self) -> str:
        return f"{self.kpi}={self.half_width:g}"


def parse_precision(spec: str) -> PrecisionTarget:
    """Read ``KPI=HALF_WIDTH`` (e.g. ``abandon_rate=0.002``); ``ValueError`` if malformed."""
    name, sep, value = spec.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ValueError(f"--precision {spec!r}: expected KPI=HALF_WIDTH, e.g. abandon_rate=0.002")
    try:
        half_width = float(value)
    except ValueError:
        raise ValueError(
            f"--precision {spec!r}: the half-width {value.strip()!r} is not a number"
        ) from None
    if not math.isfinite(half_width) or half_width <= 0:
        raise ValueError(f"--precision {spec!r}: the half-width must be a positive number")
    return PrecisionTarget(name, half_width)


def targets_from(
    precision: Mapping[str, float] | Iterable[PrecisionTarget] | None,
) -> list[PrecisionTarget]:
    """Targets from a ``{kpi: half_width}`` mapping or a list of targets (validated)."""
    if precision is None:
        return []
    if isinstance(precision, Mapping):
        targets = [PrecisionTarget(str(k), float(v)) for k, v in precision.items()]
    else:
        targets = list(precision)
    for target in targets:
        if not math.isfinite(target.half_width) or target.half_width <= 0:
            raise ValueError(f"precision target {target}: the half-width must be positive")
    return targets


def check_known(targets: Sequence[PrecisionTarget], known: Sequence[str]) -> None:
    """``ValueError`` naming a target KPI that the run does not estimate."""
    for target in targets:
        if target.kpi not in known:
            raise ValueError(
                f"--precision {target}: unknown KPI {target.kpi!r} (known: {', '.join(known)})"
            )


@dataclass(frozen=True)
class TargetStatus:
    """Where a precision target stands: the half-width reached and whether it is enough."""

    target: PrecisionTarget
    half_width: float
    replications: int

    @property
    def met(self) -> bool:
        """True when the half-width is known and at most the target."""
        return not math.isnan(self.half_width) and self.half_width <= self.target.half_width

    def __str__(self) -> str:
        verdict = "reached" if self.met else "NOT reached"
        return (
            f"{self.target.kpi}: half-width {self.half_width:.4g} vs target "
            f"{self.target.half_width:g} ({verdict} after {self.replications} replications)"
        )


def target_status(
    half_widths: Mapping[str, float], targets: Sequence[PrecisionTarget], replications: int
) -> list[TargetStatus]:
    """Each target beside the half-width reached (``half_widths`` maps KPI to half-width)."""
    return [TargetStatus(t, half_widths[t.kpi], replications) for t in targets]


def next_replication_count(statuses: Sequence[TargetStatus], done: int, cap: int) -> int:
    """Replications to have after the next stage: ``done`` if every target is met or the cap
    is reached, otherwise the estimate ``done * (h / t)^2`` for the worst target, at least one
    more and at most ``GROWTH_LIMIT`` times ``done``, never beyond ``cap``.
    """
    if done >= cap or all(s.met for s in statuses):
        return done
    needed = done + 1
    for status in statuses:
        if status.met:
            continue
        if math.isnan(status.half_width):
            needed = max(needed, 2 * done)
        else:
            ratio = status.half_width / status.target.half_width
            needed = max(needed, math.ceil(done * ratio * ratio))
    return min(cap, GROWTH_LIMIT * done, needed)
