"""Staffing targets: parsing, validation, and the per-interval check on confidence bounds.

A target holds in an interval when its 95 % confidence bound (not its mean) is on
the right side: ``service_level >= x`` when ``mean - hw >= x``; ``abandon_rate <= x``,
``asa_s <= x`` and ``occupancy <= max_occupancy`` when ``mean + hw <= x``. The
half-widths are those of ``RunResult.intervals(wide=True)`` (t-based over replications,
delta method for ratios).

Intervals with few calls have wide intervals that no sensible staffing narrows, so
an interval whose simulated offered calls per replication are fewer than
``min_calls`` is checked on the mean instead (documented in the README).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["KNOWN_TARGETS", "StaffingInfeasible", "Targets", "parse_targets"]

KNOWN_TARGETS = ("service_level", "abandon_rate", "asa_s")
"""KPIs a staffing target may name (``max_occupancy`` is a separate option)."""

MIN_CALLS = 10.0
"""Default: intervals with fewer offered calls per replication are checked on the mean."""


class StaffingInfeasible(ValueError):
    """The targets cannot be met: an impossible value, or no staffing under the cap."""


@dataclass(frozen=True)
class Targets:
    """What every interval must achieve.

    Attributes
    ----------
    service_level : lower bound on the service level (0-1), or ``None``.
    abandon_rate : upper bound on the abandonment rate (0-1), or ``None``.
    asa_s : upper bound on the average speed of answer (seconds), or ``None``.
    max_occupancy : upper bound on the interval's occupancy (0-1], or ``None``.
    min_calls : intervals with fewer offered calls per replication are judged on the mean.
    """

    service_level: float | None = None
    abandon_rate: float | None = None
    asa_s: float | None = None
    max_occupancy: float | None = None
    min_calls: float = MIN_CALLS

    def __post_init__(self) -> None:
        """Reject targets that no staffing can meet, with the reason."""
        problems = []
        sl, ab, asa, occ = self.service_level, self.abandon_rate, self.asa_s, self.max_occupancy
        if sl is not None and not 0.0 < sl < 1.0:
            problems.append(
                f"service_level={sl:g}: a service level is a share strictly between 0 and 1 "
                "(a target of 1 or more cannot be met with confidence)"
            )
        if ab is not None and not 0.0 < ab < 1.0:
            problems.append(f"abandon_rate={ab:g}: must be strictly between 0 and 1")
        if asa is not None and not (asa > 0.0 and math.isfinite(asa)):
            problems.append(
                f"asa_s={asa:g}: an average speed of answer must be a positive number of "
                "seconds (no staffing answers faster than at once)"
            )
        if occ is not None and not 0.0 < occ <= 1.0:
            problems.append(f"max_occupancy={occ:g}: occupancy is a share in (0, 1]")
        if self.min_calls < 0:
            problems.append(f"min_calls={self.min_calls:g}: must be >= 0")
        if problems:
            raise StaffingInfeasible("infeasible targets: " + "; ".join(problems))
        if sl is None and ab is None and asa is None and occ is None:
            raise StaffingInfeasible("no target given: name at least one, e.g. service_level=0.8")

    def describe(self) -> str:
        """The targets in one line, as a planner writes them."""
        parts = []
        if self.service_level is not None:
            parts.append(f"service_level >= {self.service_level:g}")
        if self.abandon_rate is not None:
            parts.append(f"abandon_rate <= {self.abandon_rate:g}")
        if self.asa_s is not None:
            parts.append(f"asa_s <= {self.asa_s:g}")
        if self.max_occupancy is not None:
            parts.append(f"occupancy <= {self.max_occupancy:g}")
        return ", ".join(parts)

    def shortfall(self, intervals: pd.DataFrame) -> pd.DataFrame:
        """Per interval, how far each target's confidence bound misses (0 where it holds).

        The shortfall is relative (a share of the target for ``asa_s``) so that the
        search can take larger steps where an interval is far off. Columns: one per
        target, plus ``bound_on_mean`` (the few-calls rule applied).
        """
        on_mean = intervals["offered"].to_numpy(dtype=float) < self.min_calls
        out = pd.DataFrame(index=intervals.index)
        out["bound_on_mean"] = on_mean

        def bound(kpi: str, sign: float) -> np.ndarray:
            mean = intervals[kpi].to_numpy(dtype=float)
            hw = np.nan_to_num(intervals[f"{kpi}_hw"].to_numpy(dtype=float), nan=0.0)
            return np.where(on_mean, mean, mean + sign * hw)

        if self.service_level is not None:
            low = bound("service_level", -1.0)
            out["service_level"] = np.where(
                np.isnan(low), 0.0, np.maximum(self.service_level - low, 0.0)
            )
        if self.abandon_rate is not None:
            high = bound("abandon_rate", +1.0)
            out["abandon_rate"] = np.where(
                np.isnan(high), 0.0, np.maximum(high - self.abandon_rate, 0.0)
            )
        if self.asa_s is not None:
            high = bound("asa_s", +1.0)
            out["asa_s"] = np.where(
                np.isnan(high), 0.0, np.maximum(high - self.asa_s, 0.0) / self.asa_s
            )
        if self.max_occupancy is not None:
            high = bound("occupancy", +1.0)
            out["occupancy"] = np.where(
                np.isnan(high), 0.0, np.maximum(high - self.max_occupancy, 0.0)
            )
        return out


def parse_targets(
    specs: Mapping[str, float] | list[str],
    max_occupancy: float | None = None,
    min_calls: float = MIN_CALLS,
) -> Targets:
    """Targets from ``{"service_level": 0.8}`` or CLI strings ``["service_level=0.8"]``.

    Raises
    ------
    ValueError
        For an unknown KPI or a malformed string.
    StaffingInfeasible
        For a value no staffing can meet (e.g. ``asa_s=-1``, ``service_level=1.2``).
    """
    values: dict[str, float] = {}
    items: list[tuple[str, object]]
    if isinstance(specs, Mapping):
        items = list(specs.items())
    else:
        items = []
        for text in specs:
            name, sep, raw = text.partition("=")
            if not sep:
                raise ValueError(f"target {text!r}: write KPI=VALUE, e.g. service_level=0.8")
            items.append((name.strip(), raw.strip()))
    for name, value in items:
        if name == "max_occupancy":
            max_occupancy = float(str(value))
            continue
        if name not in KNOWN_TARGETS:
            raise ValueError(
                f"unknown target {name!r}: choose from {', '.join(KNOWN_TARGETS)} "
                "(and --max-occupancy)"
            )
        try:
            values[name] = float(str(value))
        except ValueError:
            raise ValueError(f"target {name}={value!r}: not a number") from None
    return Targets(**values, max_occupancy=max_occupancy, min_calls=min_calls)
