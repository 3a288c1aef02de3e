"""The callers of one replication, drawn before the simulation starts.

First calls: in each interval of each open day a Poisson number of calls with the
interval's expected volume on that day (its weekday's or date's profile where given),
times the call type's gamma day factor (``day_to_day_cv``) and the day's shared
busyness factor, placed uniformly in the interval — never an inter-arrival time
straddling a boundary at the old rate. Each call type draws from its own streams, and every
caller's attributes (patience, handle time, wrap-up, balking draw) are drawn in
that call type's arrival order, so the same seed gives the same callers whatever
the staffing or routing: the basis of common random numbers.

E-mail call types with an ``overnight_rate_per_hour`` also get a Poisson number of
e-mails in each night before the second and later days, from a stream of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from simulator.randomness import BufferedDraws, Streams
from simulator.scenario import Calendar, CallType, Scenario

__all__ = [
    "FirstCalls",
    "JourneyDraws",
    "RedialDraws",
    "first_calls_by_day",
    "shared_day_factors",
]


@dataclass(frozen=True)
class FirstCalls:
    """First calls of one day in arrival order (parallel arrays)."""

    time: np.ndarray
    call_type: np.ndarray
    day: np.ndarray
    interval: np.ndarray
    patience: np.ndarray
    handle: np.ndarray
    wrap: np.ndarray
    balk_draw: np.ndarray
    needs_authority: np.ndarray
    tz: np.ndarray

    def __len__(self) -> int:
        return len(self.time)


def _day_factors(call_type: CallType, days: int, rng: np.random.Generator) -> np.ndarray:
    """Gamma(mean 1, CV ``day_to_day_cv``) volume multipliers, one per day."""
    cv = call_type.day_to_day_cv
    if cv == 0:
        return np.ones(days)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, days)


class _CallTypeStreams:
    """The generators one call type's first calls are drawn from, day after day."""

    def __init__(self, call_type: CallType, j: int, days: int, streams: Streams) -> None:
        self.call_type = call_type
        self.j = j
        self.arrivals = streams.generator("arrivals", j)
        self.factors = _day_factors(call_type, days, self.arrivals)
        self.patience = streams.generator("patience", j)
        self.handle = streams.generator("handle", j)
        self.wrap = streams.generator("wrap", j)
        self.balk = streams.generator("balk", j)
        self.authority = streams.generator("authority", j)
        self.timezone = streams.generator("timezone", j)
        self.overnight = (
            streams.generator("overnight", j) if call_type.overnight_rate_per_hour else None
        )


def shared_day_factors(scenario: Scenario, streams: Streams) -> np.ndarray | None:
    """Gamma(mean 1, CV ``busyness.day_to_day_cv``) factors shared by all call types, one
    per day, from a stream of their own (None without busyness).
    """
    busyness = scenario.busyness
    if busyness is None or busyness.day_to_day_cv == 0:
        return None
    shape = 1.0 / busyness.day_to_day_cv**2
    return streams.generator("busyness").gamma(shape, 1.0 / shape, scenario.calendar.days)


def first_calls_by_day(scenario: Scenario, streams: Streams) -> Iterator[FirstCalls]:
    """Draw the first calls day by day, so memory stays bounded by one day's calls."""
    cal = scenario.calendar
    per_type = [
        _CallTypeStreams(ct, j, cal.days, streams) for j, ct in enumerate(scenario.call_types)
    ]
    shared = shared_day_factors(scenario, streams)
    zones, shares = scenario.callers.timezone_offsets()
    for day in range(cal.days):
        parts: list[tuple[np.ndarray, ...]] = []
        for s in per_type:
            volume = s.call_type.volume.expected_on_day(cal, day)
            factor = s.factors[day] if shared is None else s.factors[day] * shared[day]
            counts = s.arrivals.poisson(factor * volume)
            interval = np.repeat(np.arange(cal.intervals_per_day), counts)
            n = interval.size
            time = day * cal.day_s + cal.open_s + (interval + s.arrivals.random(n)) * cal.interval_s
            order = np.argsort(time, kind="stable")
            ct = s.call_type
            parts.append(
                (
                    time[order],
                    np.full(n, s.j, dtype=np.int64),
                    np.full(n, day, dtype=np.int64),
                    interval[order],
                    ct.patience.sample(s.patience, n),
                    ct.handle_time.sample(s.handle, n),
                    ct.wrap_up.sample(s.wrap, n) if ct.wrap_up is not None else np.zeros(n),
                    s.balk.random(n),
                    s.authority.random(n) < ct.needs_authority,
                    s.timezone.choice(zones, n, p=shares)
                    if len(zones) > 1
                    else np.full(n, zones[0]),
                )
            )
            if s.overnight is not None and day:
                parts.append(_overnight(ct, s.j, s.overnight, day, factor, cal, zones[0]))
        columns = [np.concatenate(c) for c in zip(*parts, strict=True)]
        order = np.argsort(columns[0], kind="stable")
        yield FirstCalls(*(c[order] for c in columns))


def _overnight(
    ct: CallType,
    j: int,
    rng: np.random.Generator,
    day: int,
    factor: float,
    cal: Calendar,
    tz: float,
) -> tuple[np.ndarray, ...]:
    """E-mails arriving in the night before ``day`` (from the previous close to its
    opening), a Poisson number placed uniformly, counted in the day's first interval;
    every draw from the call type's own overnight stream, so the daytime e-mails stay
    the same whatever the overnight rate.
    """
    night_s = cal.day_s - (cal.close_s - cal.open_s)
    n = int(rng.poisson(factor * ct.overnight_rate_per_hour * night_s / 3600.0))
    time = np.sort((day - 1) * cal.day_s + cal.close_s + rng.random(n) * night_s)
    return (
        time,
        np.full(n, j, dtype=np.int64),
        np.full(n, day, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.full(n, np.inf),  # e-mails never abandon
        ct.handle_time.sample(rng, n),
        ct.wrap_up.sample(rng, n) if ct.wrap_up is not None else np.zeros(n),
        np.ones(n),  # never balk
        np.zeros(n, dtype=bool),
        np.full(n, tz),
    )


class RedialDraws:
    """Attributes of callers calling again (redials, recontacts) and the decisions to."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        recontact = scenario.callers.recontact
        self.recontact_decision = BufferedDraws(streams.generator("recontact", "decision").random)
        recontact_rng = streams.generator("recontact", "delay")
        self.recontact_delay = BufferedDraws(
            (lambda n: recontact.delay.sample(recontact_rng, n))
            if recontact is not None
            else np.zeros
        )
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


class JourneyDraws:
    """Random draws of the journey after the first queue: IVR choices and patience, later
    conversations, explanations, resolution and transfer decisions (and, through
    ``buffered``, the draws a stage sets up for its own rules: briefings, dialling).
    """

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        self._streams = streams
        self._rng = streams.generator("journey", "times")
        self.uniform = BufferedDraws(streams.generator("journey", "choices").random)
        self.resolve = BufferedDraws(streams.generator("journey", "resolve").random)
        self.transfer = BufferedDraws(streams.generator("journey", "transfer").random)
        explain = scenario.callers.explain_time
        self.explain = (
            _buffered(explain, streams.generator("journey", "explain"))
            if explain is not None
            else BufferedDraws(np.zeros)
        )
        ivr_patience = scenario.ivr.patience if scenario.ivr is not None else None
        self.ivr_patience: list[BufferedDraws] = []
        self.patience: list[BufferedDraws] = []
        self.handle: list[BufferedDraws] = []
        for j, ct in enumerate(scenario.call_types):
            self.ivr_patience.append(
                _buffered(ivr_patience, streams.generator("journey", "ivr_patience", j))
                if ivr_patience is not None
                else BufferedDraws(lambda n: np.full(n, np.inf))
            )
            self.patience.append(
                _buffered(ct.patience, streams.generator("journey", "patience", j))
            )
            self.handle.append(_buffered(ct.handle_time, streams.generator("journey", "handle", j)))

    def buffered(self, dist: object, purpose: str) -> BufferedDraws:
        """Batched draws of ``dist`` from a stream of their own (``purpose`` names it)."""
        return _buffered(dist, self._streams.generator("journey", purpose))

    def sample(self, dist: object) -> float:
        """One draw of ``dist`` (self-service times: rare enough to draw one at a time)."""
        return float(dist.sample(self._rng, 1)[0])  # type: ignore[attr-defined]
