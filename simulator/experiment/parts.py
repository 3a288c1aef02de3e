"""The parts of every KPI of a set of replications: per-replication numerators and
denominators, from which any estimate is rebuilt exactly.

Every KPI of a replication reduces to a *part*: a numerator and, for a rate, a
denominator. From the parts of ``n`` replications the call-weighted estimate and its
95 % half-width follow exactly as ``RunResult.summary()`` computes them
(:func:`simulator.metrics.kpis.ratio_estimate`,
:func:`~simulator.metrics.kpis.level_estimate`); a part is a few floats, so a worker can
send the parts of its replications instead of their tallies, and a sweep or a paired
comparison can rebuild any estimate from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from simulator.metrics.kpis import clip_bounds, level_estimate, ratio_estimate

__all__ = ["KpiParts"]


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
    lower: tuple[float, ...] = ()
    """Each KPI's smallest possible value (confidence bounds are clipped to it)."""
    upper: tuple[float, ...] = ()
    """Each KPI's largest possible value."""
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
        n_kpis = len(self.names)
        low, high, clipped = clip_bounds(
            frame["mean"].to_numpy(),
            frame["half_width"].to_numpy(),
            np.array(self.lower or (-np.inf,) * n_kpis),
            np.array(self.upper or (np.inf,) * n_kpis),
        )
        frame["low"] = low
        frame["high"] = high
        frame["clipped"] = clipped
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
            lower=first.lower,
            upper=first.upper,
            replications=replications[order],
            numerator=np.concatenate([p.numerator for p in pieces])[order],
            denominator=np.concatenate([p.denominator for p in pieces])[order],
        )
