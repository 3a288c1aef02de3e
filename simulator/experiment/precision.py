"""How precise an estimate is, and sequential sampling until it is precise enough.

Every KPI of a replication reduces to a *part*: a numerator and, for a rate, a
denominator. From the parts of ``n`` replications the call-weighted
estimate and its 95 % half-width follow exactly as ``RunResult.summary()``
computes them (:func:`simulator.metrics.kpis.ratio_estimate`,
:func:`~simulator.metrics.kpis.level_estimate`); a part is a few floats, so a
worker can send the parts of its replications instead of their tallies, and a
sweep or a paired comparison can rebuild any estimate from them.

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
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from simulator.experiment.result import PERCENTILES, RunResult
from simulator.metrics.kpis import level_estimate, ratio_estimate, wait_percentile
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


@dataclass(frozen=True)
class KpiParts:
    """Per-replication numerators and denominators of every KPI of one scenario.

    ``numerator[i, k]`` and ``denominator[i, k]`` belong to replication
    ``replications[i]`` and KPI ``names[k]``; ``is_rate[k]`` says whether KPI ``k``
    is a ratio of totals (its denominator is NaN otherwise).
    """

    names: tuple[str, ...]
    is_rate: tuple[bool, ...]
    replications: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    estimates: dict[str, tuple[float, float]] | None = field(default=None, compare=False)
    """Every KPI's ``(mean, half_width)``, when computed already (see ``with_estimates``)."""

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self.replications)

    def index(self, name: str) -> int:
        """Column of KPI ``name``; ``KeyError`` naming the known KPIs if it is not one."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown KPI {name!r} (known: {', '.join(self.names)})") from None

    def column(self, name: str) -> tuple[np.ndarray, np.ndarray | None]:
        """One KPI's numerators and (for a rate) denominators, as contiguous 1-D arrays."""
        k = self.index(name)
        numerator = np.ascontiguousarray(self.numerator[:, k])
        if not self.is_rate[k]:
            return numerator, None
        return numerator, np.ascontiguousarray(self.denominator[:, k])

    def estimate(self, name: str) -> tuple[float, float]:
        """Call-weighted estimate of one KPI and its 95 % half-width, as ``summary()`` gives."""
        if self.estimates is not None:
            return self.estimates[name]
        numerator, denominator = self.column(name)
        if denominator is None:
            mean, half_width = level_estimate(numerator)
        else:
            mean, half_width = ratio_estimate(numerator, denominator)
        return float(mean), float(half_width)

    def with_estimates(self) -> KpiParts:
        """These parts carrying every KPI's estimate, computed once (a worker does this for a
        sweep point it ran whole, which spares the process collecting the points).
        """
        return replace(self, estimates={name: self.estimate(name) for name in self.names})

    def half_widths(self) -> dict[str, float]:
        """Every KPI's 95 % half-width."""
        return {name: self.estimate(name)[1] for name in self.names}

    def summary(self) -> pd.DataFrame:
        """Every KPI's mean, 95 % half-width, bounds and replication count (index: KPI)."""
        rows = [self.estimate(name) for name in self.names]
        frame = pd.DataFrame(
            {"mean": [r[0] for r in rows], "half_width": [r[1] for r in rows]},
            index=pd.Index(list(self.names), name="kpi"),
        )
        frame["low"] = frame["mean"] - frame["half_width"]
        frame["high"] = frame["mean"] + frame["half_width"]
        frame["replications"] = self.n
        return frame

    def value_matrix(self) -> np.ndarray:
        """Each replication's own value of each KPI, shaped (replications, KPIs)."""
        rate = np.array(self.is_rate, dtype=bool)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(
                self.denominator > 0,
                self.numerator / np.where(self.denominator > 0, self.denominator, 1),
                np.nan,
            )
        return np.where(rate[None, :], ratio, self.numerator)

    def values(self) -> pd.DataFrame:
        """Each replication's own KPI values, as ``RunResult.replications()`` gives them."""
        frame = pd.DataFrame(self.value_matrix(), columns=list(self.names))
        frame.insert(0, "replication", self.replications.astype(np.int64))
        return frame

    @classmethod
    def concat(cls, pieces: Sequence[KpiParts]) -> KpiParts:
        """Join the parts of disjoint sets of replications, ordered by replication."""
        if not pieces:
            raise ValueError("no parts to join")
        if len(pieces) == 1:
            return pieces[0]
        first = pieces[0]
        for piece in pieces[1:]:
            if piece.names != first.names:
                raise ValueError("parts of different KPI sets cannot be joined")
        replications = np.concatenate([p.replications for p in pieces])
        order = np.argsort(replications, kind="stable")
        return cls(
            names=first.names,
            is_rate=first.is_rate,
            replications=replications[order],
            numerator=np.concatenate([p.numerator for p in pieces])[order],
            denominator=np.concatenate([p.denominator for p in pieces])[order],
        )


def kpi_parts(result: RunResult) -> KpiParts:
    """The parts of every KPI of ``result``, in the order of ``result.summary()``.

    Built from the same totals as ``summary()`` (the run's KPI definitions over
    the counted window, the answered-wait percentiles of each replication, and the
    occupancy of each agent group), so ``kpi_parts(r).summary()`` reproduces
    ``r.summary()`` bit for bit.
    """
    totals = result._totals(per_interval=False)
    n = result.n
    names: list[str] = []
    rates: list[bool] = []
    numerators: list[np.ndarray] = []
    denominators: list[np.ndarray] = []
    nan = np.full(n, np.nan)

    def add(name: str, numerator: np.ndarray, denominator: np.ndarray | None) -> None:
        names.append(name)
        rates.append(denominator is not None)
        numerators.append(np.asarray(numerator, dtype=float).reshape(n))
        denominators.append(
            nan if denominator is None else np.asarray(denominator, dtype=float).reshape(n)
        )

    for kpi in result.kpis:
        add(
            kpi.name,
            kpi.numerator(totals),
            None if kpi.denominator is None else kpi.denominator(totals),
        )
    for name, q in PERCENTILES.items():
        add(
            name,
            np.array([wait_percentile(o.tally.wait_histogram, q) for o in result.outputs]),
            None,
        )
    occupancy = next(k for k in result.kpis if k.name == "occupancy")
    for g, group in enumerate(result.scenario.agent_groups):
        group_totals = result._totals(per_interval=False, groups=[g])
        add(
            f"occupancy[{group.name}]",
            occupancy.numerator(group_totals),
            None if occupancy.denominator is None else occupancy.denominator(group_totals),
        )
    return KpiParts(
        names=tuple(names),
        is_rate=tuple(rates),
        replications=np.array([o.replication for o in result.outputs], dtype=np.int64),
        numerator=np.column_stack(numerators) if n else np.empty((0, len(names))),
        denominator=np.column_stack(denominators) if n else np.empty((0, len(names))),
    )


def kpi_names(scenario: Scenario) -> list[str]:
    """The KPIs a run of ``scenario`` estimates, in the order of ``summary()``."""
    kpis = RunResult(scenario, [], scenario.seed).kpis
    groups = [f"occupancy[{g.name}]" for g in scenario.agent_groups]
    return [k.name for k in kpis] + list(PERCENTILES) + groups


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
