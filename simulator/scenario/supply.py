"""Supply over the day: breaks inside shifts and values that change from interval to interval.

A value that may vary over the day (a group's shrinkage, a call type's handle-time or
patience multiplier) is written in one of three forms:

- a number, the same in every interval: ``shrinkage: 0.3``;
- a list with one value per interval of the day: ``shrinkage: [0.4, 0.3, ...]``;
- a profile of clock times, each value holding from its time until the next one:
  ``shrinkage: {"08:00": 0.35, "12:00": 0.45, "14:00": 0.3}`` (the first time must be at
  or before the opening; an interval takes the value in force when it starts).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Discriminator, Field, Tag

from simulator.scenario.base import StrictModel
from simulator.scenario.clock import ClockTime, minutes_of
from simulator.scenario.errors import Problem

if TYPE_CHECKING:
    from simulator.scenario.models import Calendar, Scenario, Shift

__all__ = [
    "Break",
    "MultiplierByInterval",
    "ShareByInterval",
    "break_problems",
    "by_interval_problem",
    "shift_agents_at_work",
    "supply_problems",
    "values_by_interval",
]

Share = Annotated[float, Field(ge=0, lt=1)]
Multiplier = Annotated[float, Field(gt=0)]


def _form(value: object) -> str:
    """Which of the three forms ``value`` is written in (so errors name only that form)."""
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "profile"
    return "number"


ShareByInterval = Annotated[
    Annotated[Share, Tag("number")]
    | Annotated[list[Share], Tag("list")]
    | Annotated[dict[ClockTime, Share], Tag("profile")],
    Discriminator(_form),
]
"""A share in [0, 1): one number, one per interval, or a profile of clock times."""
MultiplierByInterval = Annotated[
    Annotated[Multiplier, Tag("number")]
    | Annotated[list[Multiplier], Tag("list")]
    | Annotated[dict[ClockTime, Multiplier], Tag("profile")],
    Discriminator(_form),
]
"""A positive factor: one number, one per interval, or a profile of clock times."""


class Break(StrictModel):
    """A break or lunch taken by every agent of a shift at the same time.

    It starts ``after_minutes`` after the shift's start and lasts ``minutes``; it need
    not fall on the interval grid (the engine changes the agents present at the
    minute). Agents in a call when it starts finish the call first, as at a shift's end;
    they come back together when it ends. To stagger breaks, split a shift into
    several shifts of the same hours with different breaks.
    """

    after_minutes: int = Field(ge=0, description="Minutes after the shift's start it begins.")
    minutes: int = Field(ge=1, description="Length of the break in minutes.")
    paid: bool = Field(
        default=True,
        description="Paid time (counts in agent_hours and cost); an unpaid lunch is `false`.",
    )


def break_problems(shift: Shift) -> list[tuple[str, str]]:
    """(relative key path, message) for each break that leaves its shift or overlaps another."""
    problems: list[tuple[str, str]] = []
    length = minutes_of(shift.end) - minutes_of(shift.start)
    spans = sorted(
        (b.after_minutes, b.after_minutes + b.minutes, k) for k, b in enumerate(shift.breaks)
    )
    for _, end, k in spans:
        if end > length:
            problems.append(
                (
                    f"breaks[{k}]",
                    f"ends {end} min after the shift's start, but the shift "
                    f"{shift.start}-{shift.end} lasts {length} min",
                )
            )
    for (_, end, k), (begin, _, k2) in itertools.pairwise(spans):
        if begin < end:
            problems.append((f"breaks[{k2}]", f"overlaps breaks[{k}] of the same shift"))
    return problems


def by_interval_problem(spec: float | list[float] | dict[str, float], calendar: Calendar) -> str:
    """What is wrong with a value-by-interval for this calendar ('' if nothing)."""
    n = calendar.intervals_per_day
    if isinstance(spec, list) and len(spec) != n:
        return f"has {len(spec)} values but needs {n}: the calendar has {calendar.describe()}"
    if isinstance(spec, dict):
        if not spec:
            return 'needs at least one "HH:MM": value'
        first = min(spec, key=minutes_of)
        if minutes_of(first) > minutes_of(calendar.open):
            return (
                f"starts at {first}, after the opening {calendar.open}: give a value at "
                f"{calendar.open} (or earlier) so every interval has one"
            )
    return ""


def values_by_interval(
    spec: float | list[float] | dict[str, float], calendar: Calendar
) -> np.ndarray:
    """One value per interval of a day (float64) from any of the three forms."""
    n = calendar.intervals_per_day
    if isinstance(spec, list):
        if len(spec) != n:
            raise ValueError(by_interval_problem(spec, calendar))
        return np.asarray(spec, dtype=np.float64)
    if isinstance(spec, dict):
        times = sorted(spec, key=minutes_of)
        keys = np.array([minutes_of(t) * 60.0 for t in times])
        values = np.array([spec[t] for t in times], dtype=np.float64)
        position = np.searchsorted(keys, calendar.interval_starts_s(), side="right") - 1
        if position.min() < 0:
            raise ValueError(by_interval_problem(spec, calendar))
        return values[position]
    return np.full(n, float(spec))


def supply_problems(scenario: Scenario) -> list[Problem]:
    """Every value-by-interval (shrinkage, multipliers) that does not fit the calendar."""
    calendar = scenario.calendar
    specs: list[tuple[str, float | list[float] | dict[str, float]]] = []
    for i, group in enumerate(scenario.agent_groups):
        specs.append((f"agent_groups[{i}].shrinkage", group.shrinkage))
    for i, call_type in enumerate(scenario.call_types):
        specs.append((f"call_types[{i}].handle_time_multiplier", call_type.handle_time_multiplier))
        specs.append((f"call_types[{i}].patience_multiplier", call_type.patience_multiplier))
    problems = []
    for path, spec in specs:
        message = by_interval_problem(spec, calendar)
        if message:
            problems.append(Problem(path, message))
    return problems


def shift_agents_at_work(shifts: list[Shift], calendar: Calendar) -> np.ndarray:
    """Time-averaged agents at work (on shift, not on a break) in each interval of a day.

    Counted minute by minute, so a 15-minute break in a 30-minute interval removes half
    of its crew there; before shrinkage and absence.
    """
    open_min = minutes_of(calendar.open)
    minutes = np.zeros(minutes_of(calendar.close) - open_min)
    for shift in shifts:
        start = minutes_of(shift.start) - open_min
        at_work = np.zeros_like(minutes, dtype=bool)
        at_work[start : minutes_of(shift.end) - open_min] = True
        for brk in shift.breaks:
            at_work[start + brk.after_minutes : start + brk.after_minutes + brk.minutes] = False
        minutes += shift.count * at_work
    per_interval = minutes.reshape(calendar.intervals_per_day, calendar.interval_minutes)
    return np.asarray(per_interval.mean(axis=1), dtype=np.float64)
