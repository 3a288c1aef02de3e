"""Callers' behaviour that changes over the day: handle-time and patience multipliers.

Each call type may scale its talk time by the interval a conversation starts in and
its patience by the interval a caller starts waiting in. The multipliers scale the
draws callers already have (from the same streams), so a scenario with multipliers
faces the same callers as one without: paired comparisons stay sharp.
"""

from __future__ import annotations

from simulator.scenario import Scenario
from simulator.scenario.supply import values_by_interval

__all__ = ["CallerBehaviour"]


class CallerBehaviour:
    """Multipliers of each call type in each interval of the day.

    Outside opening hours (finishing the last calls after closing) the last interval's
    multipliers apply, as its staffing does.
    """

    __slots__ = (
        "_day_s",
        "_handle",
        "_interval_s",
        "_last",
        "_open_s",
        "_patience",
        "varies_handle",
        "varies_patience",
    )

    def __init__(self, scenario: Scenario) -> None:
        cal = scenario.calendar
        types = scenario.call_types
        self._handle: list[list[float]] = [
            values_by_interval(ct.handle_time_multiplier, cal).tolist() for ct in types
        ]
        self._patience: list[list[float]] = [
            values_by_interval(ct.patience_multiplier, cal).tolist() for ct in types
        ]
        self.varies_handle = any(v != 1.0 for row in self._handle for v in row)
        """Whether any handle-time multiplier differs from 1 (else nothing is multiplied)."""
        self.varies_patience = any(v != 1.0 for row in self._patience for v in row)
        """Whether any patience multiplier differs from 1."""
        self._open_s = cal.open_s
        self._interval_s = cal.interval_s
        self._day_s = cal.day_s
        self._last = cal.intervals_per_day - 1

    def _interval(self, t: float) -> int:
        within = (t % self._day_s - self._open_s) // self._interval_s
        return min(max(int(within), 0), self._last)

    def handle_factor(self, call_type: int, t: float) -> float:
        """Talk-time multiplier of a conversation of ``call_type`` starting at site time ``t``."""
        return self._handle[call_type][self._interval(t)]

    def patience_factor(self, call_type: int, t: float) -> float:
        """Patience multiplier of a caller of ``call_type`` who starts waiting at ``t``."""
        return self._patience[call_type][self._interval(t)]
