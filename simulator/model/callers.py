"""The callers of one replication, drawn before the simulation starts.

First calls: in each interval of each open day a Poisson number of calls with the
interval's expected volume (times the day's gamma factor when ``day_to_day_cv`` is
set), placed uniformly in the interval — never an inter-arrival time straddling a
boundary at the old rate. Each call type draws from its own streams, and every
caller's attributes (patience, handle time, wrap-up, balking draw) are drawn in
that call type's arrival order, so the same seed gives the same callers whatever
the staffing or routing: the basis of common random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.randomness import BufferedDraws, Streams
from simulator.scenario import CallType, Scenario

__all__ = ["FirstCalls", "RedialDraws", "plan_first_calls"]


@dataclass(frozen=True)
class FirstCalls:
    """First calls of a replication in arrival order (parallel arrays)."""

    time: np.ndarray
    call_type: np.ndarray
    day: np.ndarray
    interval: np.ndarray
    patience: np.ndarray
    handle: np.ndarray
    wrap: np.ndarray
    balk_draw: np.ndarray

    def __len__(self) -> int:
        return len(self.time)


def _day_factors(call_type: CallType, days: int, rng: np.random.Generator) -> np.ndarray:
    """Gamma(mean 1, CV ``day_to_day_cv``) volume multipliers, one per day."""
    cv = call_type.day_to_day_cv
    if cv == 0:
        return np.ones(days)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, days)


def plan_first_calls(scenario: Scenario, streams: Streams) -> FirstCalls:
    """Draw every first call of the replication with its attributes."""
    cal = scenario.calendar
    ipd = cal.intervals_per_day
    parts: list[tuple[np.ndarray, ...]] = []
    for j, call_type in enumerate(scenario.call_types):
        rng = streams.generator("arrivals", j)
        expected = call_type.volume.expected_per_interval(cal)
        factors = _day_factors(call_type, cal.days, rng)
        counts = rng.poisson(np.outer(factors, expected))  # (days, intervals)
        flat = counts.ravel()
        cell = np.repeat(np.arange(flat.size), flat)
        day, interval = np.divmod(cell, ipd)
        time = day * cal.day_s + cal.open_s + (interval + rng.random(cell.size)) * cal.interval_s
        order = np.argsort(time, kind="stable")
        n = cell.size
        wrap = (
            call_type.wrap_up.sample(streams.generator("wrap", j), n)
            if call_type.wrap_up is not None
            else np.zeros(n)
        )
        parts.append(
            (
                time[order],
                np.full(n, j, dtype=np.int64),
                day[order],
                interval[order],
                call_type.patience.sample(streams.generator("patience", j), n),
                call_type.handle_time.sample(streams.generator("handle", j), n),
                wrap,
                streams.generator("balk", j).random(n),
            )
        )
    columns = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.argsort(columns[0], kind="stable")
    return FirstCalls(*(c[order] for c in columns))


class RedialDraws:
    """Attributes of redialling callers and the redial decisions, drawn in batches."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        redial = scenario.callers.redial
        self.probability = redial.probability if redial is not None else 0.0
        self.decision = BufferedDraws(streams.generator("redial", "decision").random)
        delay_rng = streams.generator("redial", "delay")
        self.delay = BufferedDraws(
            (lambda n: redial.delay.sample(delay_rng, n)) if redial is not None else np.zeros
        )
        self.patience: list[BufferedDraws] = []
        self.handle: list[BufferedDraws] = []
        self.wrap: list[BufferedDraws] = []
        self.balk: list[BufferedDraws] = []
        for j, ct in enumerate(scenario.call_types):
            self.patience.append(_buffered(ct.patience, streams.generator("redial", "patience", j)))
            self.handle.append(_buffered(ct.handle_time, streams.generator("redial", "handle", j)))
            wrap_rng = streams.generator("redial", "wrap", j)
            self.wrap.append(
                _buffered(ct.wrap_up, wrap_rng)
                if ct.wrap_up is not None
                else BufferedDraws(np.zeros)
            )
            self.balk.append(BufferedDraws(streams.generator("redial", "balk", j).random))


def _buffered(dist: object, rng: np.random.Generator) -> BufferedDraws:
    return BufferedDraws(lambda n: dist.sample(rng, n))  # type: ignore[attr-defined]
