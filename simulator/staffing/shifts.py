"""Shifts covering a per-interval requirement at least cost (an integer program).

Shift rules file (YAML)::

    every: 30                  # minutes between allowed starts from opening (or
    # starts: ["08:00", "12:00"]  an explicit list of allowed starts)
    lengths_hours: [4, 6, 8]   # allowed paid lengths
    cost_per_hour: 1.0         # cost of one paid shift hour
    break: {after_hours: 4, minutes: 30}   # shifts longer than after_hours are off
                                           # for `minutes` starting after_hours in

A shift covers the intervals that start in ``[start, start + length)`` and are not
in its break. Shifts lie within opening hours. With ``x_s`` agents on shift ``s``,
the program is (set covering with integer multiplicities; Dantzig 1954, "A comment
on Edie's 'Traffic delays at toll booths'", *JORSA* 2(3))::

    minimise   Σ_s cost_s · x_s
    subject to Σ_s cover[s, i] · x_s >= required_i   for every interval i
               x_s integer >= 0

solved exactly by ``scipy.optimize.milp`` (HiGHS branch and bound).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp

from simulator.scenario import Calendar
from simulator.staffing.targets import StaffingInfeasible

__all__ = ["ShiftPlan", "ShiftRules", "load_shift_rules", "solve_shifts"]

_MINUTES_PER_HOUR = 60.0
_Shift = tuple[float, float, float | None]
"""An allowed shift: start and end (minutes after midnight) and its break start or None."""


def _minutes(text: str) -> float:
    hours, _, minutes = str(text).partition(":")
    return float(hours) * _MINUTES_PER_HOUR + float(minutes or 0)


def _label(minutes: float) -> str:
    return f"{int(minutes // 60):02d}:{int(minutes % 60):02d}"


@dataclass(frozen=True)
class ShiftRules:
    """Allowed shifts: starts (minutes after midnight), lengths (hours), cost, break."""

    starts: tuple[float, ...] | None
    every_minutes: float | None
    lengths_hours: tuple[float, ...]
    cost_per_hour: float = 1.0
    break_after_hours: float | None = None
    break_minutes: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShiftRules:
        """Validate plain data (as read from the rules file); ``ValueError`` on a problem."""
        known = {"starts", "every", "lengths_hours", "cost_per_hour", "break"}
        extra = sorted(set(data) - known)
        if extra:
            raise ValueError(f"shift rules: unknown key(s) {', '.join(extra)}")
        if ("starts" in data) == ("every" in data):
            raise ValueError("shift rules: give exactly one of `starts` or `every`")
        lengths = tuple(float(v) for v in data.get("lengths_hours", ()))
        if not lengths or any(v <= 0 for v in lengths):
            raise ValueError("shift rules: `lengths_hours` must list positive lengths")
        cost = float(data.get("cost_per_hour", 1.0))
        if cost <= 0:
            raise ValueError("shift rules: `cost_per_hour` must be positive")
        brk = data.get("break")
        after, minutes = None, 0.0
        if brk is not None:
            after, minutes = float(brk["after_hours"]), float(brk["minutes"])
            if after <= 0 or minutes <= 0:
                raise ValueError("shift rules: break after_hours and minutes must be positive")
        starts = tuple(_minutes(s) for s in data["starts"]) if "starts" in data else None
        every = float(data["every"]) if "every" in data else None
        if every is not None and every <= 0:
            raise ValueError("shift rules: `every` must be a positive number of minutes")
        return cls(starts, every, lengths, cost, after, minutes)

    def candidates(self, calendar: Calendar) -> list[tuple[float, float, float | None]]:
        """Every allowed shift within opening hours: (start min, end min, break start min)."""
        open_m, close_m = calendar.open_s / 60.0, calendar.close_s / 60.0
        if self.starts is not None:
            starts = sorted(self.starts)
        else:
            assert self.every_minutes is not None
            count = math.floor((close_m - open_m) / self.every_minutes + 1e-9)
            starts = [open_m + k * self.every_minutes for k in range(count)]
        shifts = []
        for start in starts:
            for hours in self.lengths_hours:
                end = start + hours * _MINUTES_PER_HOUR
                if start < open_m or end > close_m + 1e-9:
                    continue
                brk = None
                if self.break_after_hours is not None and hours > self.break_after_hours:
                    brk = start + self.break_after_hours * _MINUTES_PER_HOUR
                shifts.append((start, end, brk))
        return shifts

    def cover(
        self, calendar: Calendar
    ) -> tuple[list[tuple[float, float, float | None]], np.ndarray]:
        """Allowed shifts and their cover matrix (shifts × intervals, 0/1)."""
        shifts = self.candidates(calendar)
        if not shifts:
            raise StaffingInfeasible(
                "shift rules: no allowed shift fits in the opening hours "
                f"{calendar.open}-{calendar.close}"
            )
        starts_m = calendar.interval_starts_s() / 60.0
        ends_m = starts_m + calendar.interval_minutes
        matrix = np.zeros((len(shifts), len(starts_m)), dtype=np.int64)
        for s, (start, end, brk) in enumerate(shifts):
            on = (starts_m >= start - 1e-9) & (starts_m < end - 1e-9)
            if brk is not None:
                off = (ends_m > brk + 1e-9) & (starts_m < brk + self.break_minutes - 1e-9)
                on &= ~off
            matrix[s] = on
        return shifts, matrix


def load_shift_rules(path: Path) -> ShiftRules:
    """Read a shift rules YAML file (format in the module docstring)."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: cannot read shift rules: {error}") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: shift rules must be a mapping of keys to values")
    try:
        return ShiftRules.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from None


@dataclass
class ShiftPlan:
    """Shifts chosen for one group: counts, cost, coverage and over-staffing per interval."""

    group: str
    shifts: pd.DataFrame
    coverage: np.ndarray
    required: np.ndarray
    cost: float

    @property
    def over_staffing(self) -> np.ndarray:
        """Scheduled minus required agents per interval (never negative)."""
        return np.asarray(self.coverage - self.required, dtype=np.int64)


def solve_shifts(
    required: np.ndarray, rules: ShiftRules, calendar: Calendar, group: str = ""
) -> ShiftPlan:
    """The cheapest set of allowed shifts covering ``required`` agents in every interval.

    Raises
    ------
    StaffingInfeasible
        When some interval with a requirement is covered by no allowed shift.
    """
    req = np.asarray(required, dtype=np.int64)
    shifts, cover = rules.cover(calendar)
    uncovered = np.flatnonzero((req > 0) & (cover.sum(axis=0) == 0))
    if uncovered.size:
        labels = [calendar.interval_labels()[i] for i in uncovered]
        raise StaffingInfeasible(
            f"shift rules: no allowed shift covers the interval(s) {', '.join(labels)}"
        )
    hours = np.array([(end - start) / _MINUTES_PER_HOUR for start, end, _ in shifts])
    cost = hours * rules.cost_per_hour
    solution = milp(
        c=cost,
        constraints=LinearConstraint(cover.T.astype(float), lb=req.astype(float), ub=np.inf),
        integrality=np.ones(len(shifts)),
        bounds=Bounds(0, np.inf),
    )
    if solution.x is None:
        raise StaffingInfeasible(f"shift rules: the integer program failed ({solution.message})")
    counts = np.rint(solution.x).astype(np.int64)
    rows = [
        {
            "group": group,
            "start": _label(start),
            "end": _label(end),
            "break_start": _label(brk) if brk is not None else "",
            "break_minutes": rules.break_minutes if brk is not None else 0.0,
            "paid_hours": hours[s],
            "count": int(counts[s]),
            "cost": float(counts[s] * cost[s]),
        }
        for s, (start, end, brk) in enumerate(shifts)
        if counts[s] > 0
    ]
    coverage = np.asarray(counts @ cover, dtype=np.int64)
    return ShiftPlan(group, pd.DataFrame.from_records(rows), coverage, req, float(counts @ cost))
