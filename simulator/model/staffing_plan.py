"""The staffing plan of one replication: agents paid and on duty at every change of a day.

Staffing changes at every interval start and, at minute resolution, wherever a break
starts or ends. Each agent group is a set of *crews* — agents who work and rest
together: a shift's agents (with its breaks), the agents of a constant ``staffing``,
or, for ``per_interval``, one crew per level of the profile (the k-th agent works in
the intervals that have at least k). At every change point:

- **paid** agents are the crews at work or on a paid break;
- **on duty** are the crews at work and not on a break, less those absent that day
  (each scheduled agent is absent with probability ``absenteeism``, independently, drawn
  per day from a stream of the group's own, named after it, so other draws are unchanged);
- **available** are those on duty less shrinkage, rounded stochastically
  (``floor(x + U)``, one uniform per day, interval and group) so that the expected
  number is exactly ``on_duty * (1 - shrinkage)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.randomness import Streams
from simulator.scenario import AgentGroup, Calendar, Scenario

__all__ = ["StaffingPlan", "staffing_plan"]


@dataclass(frozen=True)
class StaffingPlan:
    """Agents paid and available at each change point of each day.

    Attributes
    ----------
    times
        Change points of a day, seconds since midnight, sorted; the first is the opening.
    interval
        Interval of the day each change point falls in.
    starts_interval
        Whether the change point is the start of its interval.
    scheduled
        Paid agents, shaped (days, change points, groups).
    available
        Agents available to take contacts, shaped like ``scheduled``.
    """

    times: np.ndarray
    interval: np.ndarray
    starts_interval: np.ndarray
    scheduled: np.ndarray
    available: np.ndarray


@dataclass(frozen=True)
class _Crews:
    """Crews of one group: their sizes and, per change point, whether they work / are paid."""

    count: np.ndarray  # (crews,)
    working: np.ndarray  # (crews, points) bool
    paid: np.ndarray  # (crews, points) bool


def _change_points(scenario: Scenario) -> np.ndarray:
    """Interval starts and every break's start and end within opening hours, sorted."""
    cal = scenario.calendar
    points = set(cal.interval_starts_s().tolist())
    for group in scenario.agent_groups:
        for shift in group.shifts or ():
            for brk in shift.breaks:
                begin = shift.start_s + brk.after_minutes * 60.0
                points.update((begin, begin + brk.minutes * 60.0))
    return np.array(sorted(t for t in points if cal.open_s <= t < cal.close_s))


def _crews(
    group: AgentGroup, calendar: Calendar, interval: np.ndarray, times: np.ndarray
) -> _Crews:
    """The crews of ``group`` and whether each works / is paid at each change point."""
    if group.shifts is not None:
        counts: list[int] = []
        working: list[np.ndarray] = []
        paid: list[np.ndarray] = []
        for shift in group.shifts:
            on_shift = (times >= shift.start_s) & (times < shift.end_s)
            resting = np.zeros_like(on_shift)
            unpaid = np.zeros_like(on_shift)
            for brk in shift.breaks:
                begin = shift.start_s + brk.after_minutes * 60.0
                during = (times >= begin) & (times < begin + brk.minutes * 60.0)
                resting |= during
                if not brk.paid:
                    unpaid |= during
            counts.append(shift.count)
            working.append(on_shift & ~resting)
            paid.append(on_shift & ~unpaid)
        return _Crews(np.array(counts, dtype=np.int64), np.array(working), np.array(paid))
    per_interval = group.scheduled_per_interval(calendar)[interval]
    if group.staffing is not None:
        levels = np.array([group.staffing], dtype=np.int64)
        works = np.ones((1, len(times)), dtype=bool)
    else:
        top = int(per_interval.max(initial=0))
        levels = np.ones(top, dtype=np.int64)
        works = np.arange(1, top + 1)[:, None] <= per_interval[None, :]
    return _Crews(levels, works, works)


def staffing_plan(scenario: Scenario, streams: Streams) -> StaffingPlan:
    """Agents paid and available at every change point of every day of ``scenario``."""
    cal = scenario.calendar
    times = _change_points(scenario)
    starts = cal.interval_starts_s()
    interval = np.searchsorted(starts, times, side="right") - 1
    starts_interval = np.isin(times, starts)
    groups = scenario.agent_groups
    days = cal.days
    scheduled = np.zeros((days, len(times), len(groups)), dtype=np.int64)
    on_duty = np.zeros_like(scheduled)
    for g, group in enumerate(groups):
        crews = _crews(group, cal, interval, times)
        scheduled[:, :, g] = crews.count @ crews.paid
        present = np.broadcast_to(crews.count, (days, len(crews.count)))
        if group.absenteeism > 0:
            # Keyed by name: adding or reordering other groups leaves this one's absences.
            rng = streams.generator("absenteeism", group.name)
            present = present - rng.binomial(present, group.absenteeism)
        on_duty[:, :, g] = present @ crews.working
    shrinkage = np.stack([g.shrinkage_per_interval(cal) for g in groups], axis=-1)
    if np.any(shrinkage > 0):
        jitter = streams.generator("shrinkage").random((days, cal.intervals_per_day, len(groups)))
        share = shrinkage[interval]
        rounded = np.floor(on_duty * (1.0 - share) + jitter[:, interval, :]).astype(np.int64)
        available = np.where(share > 0, rounded, on_duty)
    else:
        available = on_duty
    return StaffingPlan(times, interval, starts_interval, scheduled, available)
