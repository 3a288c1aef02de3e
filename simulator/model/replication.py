"""One replication: a pure function of (scenario, replication number) to its log and tally."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simulator.metrics.email import EmailCounting
from simulator.metrics.log import ContactLog, Origin
from simulator.metrics.tally import Tally
from simulator.model.callers import FirstCalls, JourneyDraws, RedialDraws, first_calls_by_day
from simulator.model.centre import Centre
from simulator.model.contact import Contact
from simulator.model.events import Wakeup
from simulator.model.log_row import fixed_columns
from simulator.model.rules import compile_rules
from simulator.model.staffing_plan import StaffingPlan, staffing_plan
from simulator.randomness import Streams
from simulator.scenario import Scenario

__all__ = [
    "ReplicationOutput",
    "counted_from_s",
    "email_counting",
    "simulate_replication",
    "staffing_plan",
]


@dataclass(frozen=True)
class ReplicationOutput:
    """What one replication produced: its aggregates and (optionally) its contact rows."""

    replication: int
    seed: int
    tally: Tally
    contact_chunks: list[np.ndarray] | None
    """The contact log in the order contacts ended, in packed chunks (None: not kept)."""
    horizon_s: float


def interval_starts_s(scenario: Scenario) -> np.ndarray:
    """Start of every interval of the calendar, site time in seconds since day 0 midnight."""
    cal = scenario.calendar
    days = np.arange(cal.days)[:, None] * cal.day_s
    return (days + cal.open_s + np.arange(cal.intervals_per_day)[None, :] * cal.interval_s).ravel()


def counted_from_s(scenario: Scenario) -> float:
    """Start of the counted window: the first interval starting at or after the warm-up.

    The warm-up runs from the first opening; it is rounded up to a whole interval so
    that contact counts and time-weighted figures cover exactly the same intervals.
    """
    cut = scenario.calendar.open_s + scenario.warmup_minutes * 60.0
    starts = interval_starts_s(scenario)
    later = starts[starts >= cut - 1e-9]
    return float(later[0]) if len(later) else float("inf")


ARRIVAL_BLOCK = 4096
"""First calls are turned into Python values this many at a time (bounded memory)."""


def _first_call_rows(days: Iterator[FirstCalls]) -> Iterator[tuple[Any, ...]]:
    """Every first call's drawn values as a tuple of Python numbers, in arrival order."""
    for calls in days:
        for lo in range(0, len(calls), ARRIVAL_BLOCK):
            block = slice(lo, lo + ARRIVAL_BLOCK)
            yield from zip(
                calls.time[block].tolist(),
                calls.call_type[block].tolist(),
                calls.day[block].tolist(),
                calls.interval[block].tolist(),
                calls.patience[block].tolist(),
                calls.handle[block].tolist(),
                calls.wrap[block].tolist(),
                calls.balk_draw[block].tolist(),
                calls.needs_authority[block].tolist(),
                calls.tz[block].tolist(),
                strict=True,
            )


class _Arrivals:
    """Brings each first call in at its time; caller ids number first calls in arrival order.

    Driven by one wake-up per arrival rather than a SimPy process: resuming a generator
    process costs a ``Timeout`` and a ``Process._resume`` per call, a fifth of the
    engine's time on a plain single-queue day.
    """

    def __init__(self, env: simpy.Environment, centre: Centre, days: Iterator[FirstCalls]) -> None:
        self.env = env
        self.centre = centre
        self.rows = _first_call_rows(days)
        self.caller = 0

    def start(self) -> None:
        """Schedule the first arrival."""
        self._bring(None)

    def _bring(self, event: simpy.Event | None) -> None:
        """Bring in the call whose time has come (if any) and every call due at the same
        instant, then wait for the next one.
        """
        env, centre, target = self.env, self.centre, self.centre.target
        row = None if event is None else event.value
        while True:
            if row is not None:
                t, j, day, interval, patience, handle, wrap, balk, authority, tz = row
                centre.arrive(
                    Contact(
                        centre.new_contact_id(),
                        self.caller,
                        j,
                        Origin.FIRST,
                        t,
                        day,
                        interval,
                        target[j],
                        patience,
                        handle,
                        wrap,
                        balk,
                        authority,
                        tz,
                    )
                )
                self.caller += 1
            row = next(self.rows, None)
            if row is None:
                return
            delay = row[0] - env.now
            if delay > 0:
                Wakeup(env, delay, self._bring, row)
                return


def _calendar(
    env: simpy.Environment,
    centre: Centre,
    scenario: Scenario,
    plan: StaffingPlan,
    tally: Tally,
) -> Generator[simpy.Event, None, None]:
    """Open each day, change staffing at every interval start and break, close each day."""
    cal = scenario.calendar
    ipd = cal.intervals_per_day
    disconnect = cal.at_close == "disconnect"
    changes = list(
        zip(plan.times.tolist(), plan.interval.tolist(), plan.starts_interval.tolist(), strict=True)
    )
    for day in range(cal.days):
        available, scheduled = plan.available[day].tolist(), plan.scheduled[day].tolist()
        for k, (t, i, starts_interval) in enumerate(changes):
            yield env.timeout(day * cal.day_s + t - env.now)
            if starts_interval:
                if i:
                    _flush_areas(centre, tally, day * ipd + i - 1)
                elif day:
                    _flush_after_close(centre, tally, day - 1)
            centre.open_interval(available[k], scheduled[k])
        yield env.timeout(day * cal.day_s + cal.close_s - env.now)
        _flush_areas(centre, tally, day * ipd + ipd - 1)
        centre.close_day(disconnect)


def _group_areas(centre: Centre) -> np.ndarray:
    now = centre.env.now
    return np.array([g.take_areas(now) for g in centre.groups])


def _flush_areas(centre: Centre, tally: Tally, interval: int) -> None:
    areas = _group_areas(centre)
    tally.add_group_time(interval, *areas.T)
    now = centre.env.now
    tally.add_queue_time(interval, np.array([q.take_area(now) for q in centre.queues]))


def _flush_after_close(centre: Centre, tally: Tally, day: int) -> None:
    """Agent time after a day's close; queue time then is left out of the opening-hours mean."""
    areas = _group_areas(centre)
    tally.add_after_close_time(day, *areas.T)
    now = centre.env.now
    for queue in centre.queues:
        queue.take_area(now)


def email_counting(scenario: Scenario) -> EmailCounting | None:
    """How the tally counts ``scenario``'s e-mails (None without an e-mail queue)."""
    is_email_queue = np.array([queue.channel == "email" for queue in scenario.queues])
    if not is_email_queue.any():
        return None
    email = set(np.flatnonzero(is_email_queue).tolist())
    index = {name: q for q, name in enumerate(scenario.queue_names)}
    cal = scenario.calendar
    return EmailCounting(
        is_email_type=np.array([index[ct.target] in email for ct in scenario.call_types]),
        is_email_queue=is_email_queue,
        open_s=cal.open_s,
        open_length_s=cal.close_s - cal.open_s,
        days=cal.days,
        threshold_s=scenario.service_level.email_threshold_hours * 3600.0,
    )


def simulate_replication(
    scenario: Scenario, replication: int, keep_contacts: bool = True, seed: int | None = None
) -> ReplicationOutput:
    """Simulate replication ``replication`` of ``scenario`` (seed from the scenario unless given).

    The result depends only on the scenario, the seed and the replication number.
    """
    seed = scenario.seed if seed is None else seed
    streams = Streams(seed, replication)
    cal = scenario.calendar
    n_intervals = cal.days * cal.intervals_per_day
    tally = Tally(
        n_intervals=n_intervals,
        n_call_types=len(scenario.call_types),
        n_groups=len(scenario.agent_groups),
        n_queues=len(scenario.queues),
        threshold_s=scenario.queue_thresholds_s,
        short_abandon_s=scenario.service_level.short_abandon_s,
        counted_from_s=counted_from_s(scenario),
        intervals_per_day=cal.intervals_per_day,
        email=email_counting(scenario),
    )
    rules = compile_rules(scenario)
    log = ContactLog(keep=keep_contacts, listeners=[tally.add_contacts], fixed=fixed_columns(rules))
    env = simpy.Environment()
    centre = Centre(
        env,
        rules,
        log,
        RedialDraws(scenario, streams),
        JourneyDraws(scenario, streams),
    )
    plan = staffing_plan(scenario, streams)
    _Arrivals(env, centre, first_calls_by_day(scenario, streams)).start()
    env.process(_calendar(env, centre, scenario, plan, tally))
    env.run()
    centre.end_of_horizon()
    _flush_after_close(centre, tally, cal.days - 1)
    log.flush()
    return ReplicationOutput(
        replication=replication,
        seed=seed,
        tally=tally,
        contact_chunks=log.chunks if keep_contacts else None,
        horizon_s=float(env.now),
    )
