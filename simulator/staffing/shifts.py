"""Shifts covering a per-interval requirement at least cost (an integer program).

Shift rules file (YAML)::

    every: 30                    # minutes between allowed starts from opening (or
    # starts: ["08:00", "12:00"]   an explicit list of allowed starts)
    lengths_hours: [4, 6, 8]     # allowed paid lengths, or a range:
    # min_hours: 4
    # max_hours: 8               #   every length from min to max in steps of the interval
    cost_per_hour: 28            # optional: default the scenario's hourly cost of the
                                 #   group's role (costs.agent_hour), in its currency
    max_heads: 40                # optional headcount limit per group (or {group: limit})
    min_heads: 0                 # optional: at least this many people per group
    part_time: {below_hours: 6, max_share: 0.3}   # optional: shifts shorter than 6 h
                                 #   are at most 30 % of the heads
    breaks:                      # optional: shifts of at least min_shift_hours take
      - {min_shift_hours: 6, minutes: 30, after_minutes: [180, 300]}
                                 #   a 30-minute break starting 3 to 5 hours in (the
                                 #   program places it; a single number fixes it)

A shift covers the intervals that start in ``[start, start + length)`` and do not
overlap one of its breaks; breaks are placed on the interval grid. Shifts lie within
opening hours. With ``x_s`` agents on candidate shift ``s`` (a start, a length and a
placement of its breaks), the program is a set-covering problem with integer
multiplicities (Dantzig 1954, "A comment on Edie's 'Traffic delays at toll booths'",
*JORSA* 2(3)), with headcount and part-time rows added::

    minimise   Σ_s cost_s · x_s
    subject to Σ_s cover[s, i] · x_s >= required_i        every interval i
               min_heads <= Σ_s x_s <= max_heads
               Σ_{s part-time} x_s <= max_share · Σ_s x_s
               x_s integer >= 0

solved exactly by ``scipy.optimize.milp`` (HiGHS branch and bound).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp

from simulator.scenario import Calendar
from simulator.staffing.targets import StaffingInfeasible

__all__ = [
    "BreakRule",
    "CandidateShift",
    "ShiftPlan",
    "ShiftRules",
    "load_shift_rules",
    "solve_shifts",
]

_MINUTES_PER_HOUR = 60.0
_EPS = 1e-9
_KNOWN = {
    "starts",
    "every",
    "lengths_hours",
    "min_hours",
    "max_hours",
    "cost_per_hour",
    "max_heads",
    "min_heads",
    "part_time",
    "breaks",
    "break",
}


def _minutes(text: str) -> float:
    hours, _, minutes = str(text).partition(":")
    return float(hours) * _MINUTES_PER_HOUR + float(minutes or 0)


def _label(minutes: float) -> str:
    return f"{int(minutes // 60):02d}:{round(minutes % 60):02d}"


@dataclass(frozen=True)
class BreakRule:
    """A break every shift of at least ``min_shift_hours`` takes: ``minutes`` long, starting
    between ``earliest`` and ``latest`` minutes after the shift starts.
    """

    min_shift_hours: float
    minutes: float
    earliest: float
    latest: float


@dataclass(frozen=True)
class CandidateShift:
    """One allowed shift: start and end (minutes after midnight) and its breaks' starts."""

    start: float
    end: float
    breaks: tuple[tuple[float, float], ...]
    """(start minute, length in minutes) of each break."""

    @property
    def hours(self) -> float:
        """Paid hours (breaks are paid)."""
        return (self.end - self.start) / _MINUTES_PER_HOUR


def _positive(data: Mapping[str, Any], key: str) -> float:
    value = float(data[key])
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"shift rules: `{key}` must be a positive number, got {data[key]!r}")
    return value


def _breaks(data: Mapping[str, Any]) -> tuple[BreakRule, ...]:
    raw = data.get("breaks", [])
    if "break" in data:  # the older single-break form {after_hours, minutes}
        old = data["break"]
        after = float(old["after_hours"]) * _MINUTES_PER_HOUR
        raw = [
            {
                "min_shift_hours": float(old["after_hours"]),
                "minutes": old["minutes"],
                "after_minutes": after,
            }
        ]
    if not isinstance(raw, list):
        raise ValueError(
            "shift rules: `breaks` must be a list of {min_shift_hours, minutes, after_minutes}"
        )
    rules = []
    for k, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ValueError(f"shift rules: breaks[{k}] must be a mapping")
        extra = sorted(set(item) - {"min_shift_hours", "minutes", "after_minutes"})
        if extra:
            raise ValueError(f"shift rules: breaks[{k}]: unknown key(s) {', '.join(extra)}")
        offset: Any = item.get("after_minutes")
        span: list[Any] = offset if isinstance(offset, list) else [offset, offset]
        if len(span) != 2 or any(v is None for v in span):
            raise ValueError(
                f"shift rules: breaks[{k}].after_minutes must be a number or [earliest, latest]"
            )
        earliest, latest = float(span[0]), float(span[1])
        minutes = float(item.get("minutes", 0))
        if minutes <= 0 or earliest <= 0 or latest < earliest:
            raise ValueError(
                f"shift rules: breaks[{k}]: minutes must be positive and "
                "0 < earliest <= latest after_minutes"
            )
        rules.append(BreakRule(float(item.get("min_shift_hours", 0)), minutes, earliest, latest))
    return tuple(rules)


@dataclass(frozen=True)
class ShiftRules:
    """Allowed shifts and the limits a roster must respect (see the module docstring)."""

    starts: tuple[float, ...] | None
    every_minutes: float | None
    lengths_hours: tuple[float, ...] | None
    min_hours: float | None = None
    max_hours: float | None = None
    cost_per_hour: float | None = None
    max_heads: int | Mapping[str, int] | None = None
    min_heads: int = 0
    part_time_below_hours: float | None = None
    part_time_max_share: float = 1.0
    breaks: tuple[BreakRule, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShiftRules:
        """Validate plain data (as read from the rules file); ``ValueError`` on a problem."""
        extra = sorted(set(data) - _KNOWN)
        if extra:
            raise ValueError(
                f"shift rules: unknown key(s) {', '.join(extra)} "
                f"(allowed: {', '.join(sorted(_KNOWN))})"
            )
        if ("starts" in data) == ("every" in data):
            raise ValueError("shift rules: give exactly one of `starts` or `every`")
        lengths = None
        lo = hi = None
        if "lengths_hours" in data:
            lengths = tuple(float(v) for v in data["lengths_hours"])
            if not lengths or any(v <= 0 for v in lengths):
                raise ValueError("shift rules: `lengths_hours` must list positive lengths")
        elif "min_hours" in data and "max_hours" in data:
            lo, hi = _positive(data, "min_hours"), _positive(data, "max_hours")
            if hi < lo:
                raise ValueError("shift rules: `max_hours` is below `min_hours`")
        else:
            raise ValueError("shift rules: give `lengths_hours`, or `min_hours` and `max_hours`")
        cost = _positive(data, "cost_per_hour") if "cost_per_hour" in data else None
        heads = data.get("max_heads")
        if heads is not None:
            values = heads.values() if isinstance(heads, Mapping) else [heads]
            if any(not isinstance(v, int) or v < 1 for v in values):
                raise ValueError(
                    "shift rules: `max_heads` must be a positive whole number (or per group)"
                )
        min_heads = data.get("min_heads", 0)
        if not isinstance(min_heads, int) or min_heads < 0:
            raise ValueError("shift rules: `min_heads` must be a whole number >= 0")
        below, share = None, 1.0
        if "part_time" in data:
            pt = data["part_time"]
            if not isinstance(pt, Mapping) or set(pt) != {"below_hours", "max_share"}:
                raise ValueError("shift rules: `part_time` needs below_hours and max_share")
            below, share = float(pt["below_hours"]), float(pt["max_share"])
            if below <= 0 or not 0 <= share <= 1:
                raise ValueError("shift rules: part_time below_hours > 0 and 0 <= max_share <= 1")
        starts = tuple(_minutes(s) for s in data["starts"]) if "starts" in data else None
        every = _positive(data, "every") if "every" in data else None
        return cls(
            starts,
            every,
            lengths,
            lo,
            hi,
            cost,
            heads,
            min_heads,
            below,
            share,
            _breaks(data),
        )

    def heads_limit(self, group: str) -> int | None:
        """The headcount limit of ``group`` (None: unlimited)."""
        if isinstance(self.max_heads, Mapping):
            return self.max_heads.get(group)
        return self.max_heads

    def _lengths(self, calendar: Calendar) -> list[float]:
        if self.lengths_hours is not None:
            return list(self.lengths_hours)
        assert self.min_hours is not None and self.max_hours is not None
        step = calendar.interval_minutes / _MINUTES_PER_HOUR
        count = math.floor((self.max_hours - self.min_hours) / step + _EPS)
        return [self.min_hours + k * step for k in range(count + 1)]

    def candidates(self, calendar: Calendar) -> list[CandidateShift]:
        """Every allowed shift within opening hours, one per placement of its breaks."""
        open_m, close_m = calendar.open_s / 60.0, calendar.close_s / 60.0
        grid = float(calendar.interval_minutes)
        if self.starts is not None:
            starts = sorted(self.starts)
        else:
            assert self.every_minutes is not None
            count = math.floor((close_m - open_m) / self.every_minutes + _EPS)
            starts = [open_m + k * self.every_minutes for k in range(count)]
        shifts = []
        for start in starts:
            for hours in self._lengths(calendar):
                end = start + hours * _MINUTES_PER_HOUR
                if start < open_m - _EPS or end > close_m + _EPS:
                    continue
                placements: list[tuple[tuple[float, float], ...]] = [()]
                for rule in self.breaks:
                    if hours < rule.min_shift_hours - _EPS:
                        continue
                    offsets = np.arange(
                        math.ceil(rule.earliest / grid - _EPS) * grid, rule.latest + _EPS, grid
                    )
                    if rule.earliest == rule.latest:
                        offsets = np.array([rule.earliest])
                    offsets = offsets[start + offsets + rule.minutes <= end + _EPS]
                    placements = [
                        (*p, (start + float(o), rule.minutes))
                        for p in placements
                        for o in offsets
                        if all(abs(start + o - b) >= m for b, m in p)
                    ]
                shifts += [CandidateShift(start, end, p) for p in placements]
        return shifts

    def cover(self, calendar: Calendar) -> tuple[list[CandidateShift], np.ndarray]:
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
        for s, shift in enumerate(shifts):
            on = (starts_m >= shift.start - _EPS) & (starts_m < shift.end - _EPS)
            for brk, minutes in shift.breaks:
                on &= ~((ends_m > brk + _EPS) & (starts_m < brk + minutes - _EPS))
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
    """Shifts chosen for one group: the roster, its coverage, heads and cost.

    Attributes
    ----------
    group : the agent group.
    shifts : one row per chosen shift: start, end, breaks, paid hours, count, cost.
    roster : the chosen shifts with their counts.
    coverage : agents on the phones per interval.
    required : the requirement covered.
    cost : paid hours times the hourly cost.
    """

    group: str
    shifts: pd.DataFrame
    roster: list[tuple[CandidateShift, int]]
    coverage: np.ndarray
    required: np.ndarray
    cost: float

    @property
    def over_staffing(self) -> np.ndarray:
        """Scheduled minus required agents per interval (never negative)."""
        return np.asarray(self.coverage - self.required, dtype=np.int64)

    @property
    def heads(self) -> int:
        """People on shift in the day."""
        return sum(count for _, count in self.roster)

    def scenario_shifts(self) -> list[dict[str, Any]]:
        """The roster in the scenario's shift form, breaks as minutes after the start."""
        return [
            {
                "start": _label(shift.start),
                "end": _label(shift.end),
                "count": count,
                **(
                    {
                        "breaks": [
                            {"after_minutes": round(b - shift.start), "minutes": round(m)}
                            for b, m in shift.breaks
                        ]
                    }
                    if shift.breaks
                    else {}
                ),
            }
            for shift, count in self.roster
        ]


def solve_shifts(
    required: np.ndarray,
    rules: ShiftRules,
    calendar: Calendar,
    group: str = "",
    cost_per_hour: float = 1.0,
) -> ShiftPlan:
    """The cheapest roster of allowed shifts covering ``required`` agents in every interval
    within the headcount and part-time limits.

    ``cost_per_hour`` is used when the rules do not set one (the scenario's rate).

    Raises
    ------
    StaffingInfeasible
        When some interval with a requirement is covered by no allowed shift, or the
        limits leave no roster that covers the requirement.
    """
    req = np.asarray(required, dtype=np.int64)
    shifts, cover = rules.cover(calendar)
    uncovered = np.flatnonzero((req > 0) & (cover.sum(axis=0) == 0))
    if uncovered.size:
        labels = [calendar.interval_labels()[i] for i in uncovered]
        raise StaffingInfeasible(
            f"shift rules: no allowed shift covers the interval(s) {', '.join(labels)}"
        )
    rate = rules.cost_per_hour if rules.cost_per_hour is not None else cost_per_hour
    hours = np.array([s.hours for s in shifts])
    cost = hours * rate
    n = len(shifts)
    rows = [LinearConstraint(cover.T.astype(float), lb=req.astype(float), ub=np.inf)]
    limit = rules.heads_limit(group)
    if limit is not None or rules.min_heads:
        rows.append(
            LinearConstraint(
                np.ones((1, n)), lb=rules.min_heads, ub=np.inf if limit is None else limit
            )
        )
    if rules.part_time_below_hours is not None:
        part = (hours < rules.part_time_below_hours - _EPS).astype(float)
        rows.append(LinearConstraint((part - rules.part_time_max_share)[None, :], ub=0.0))
    # A tiny tie-break on heads: among equally cheap rosters prefer fewer, longer shifts.
    solution = milp(
        c=cost + 1e-6 * rate,
        constraints=rows,
        integrality=np.ones(n),
        bounds=Bounds(0, np.inf),
    )
    if solution.x is None:
        peak = int(req.max()) if req.size else 0
        raise StaffingInfeasible(
            f"shift rules: no roster for group {group or '?'} covers the requirement within the "
            f"limits (headcount {limit if limit is not None else 'unlimited'}, peak requirement "
            f"{peak}, part-time share {rules.part_time_max_share:g}): {solution.message}"
        )
    counts = np.rint(solution.x).astype(np.int64)
    chosen = [(shifts[s], int(counts[s])) for s in range(n) if counts[s] > 0]
    table = pd.DataFrame.from_records(
        [
            {
                "group": group,
                "start": _label(shift.start),
                "end": _label(shift.end),
                "breaks": "; ".join(f"{_label(b)}+{m:g}min" for b, m in shift.breaks),
                "paid_hours": shift.hours,
                "count": count,
                "cost": count * shift.hours * rate,
            }
            for shift, count in chosen
        ],
        columns=["group", "start", "end", "breaks", "paid_hours", "count", "cost"],
    )
    coverage = np.asarray(counts @ cover, dtype=np.int64)
    return ShiftPlan(group, table, chosen, coverage, req, float(counts @ cost))
