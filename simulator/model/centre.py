"""The contact centre: contacts move through lines, queues and agents, driven by SimPy.

Each contact is a small state machine advanced by ``Wakeup`` callbacks (arrival,
patience running out, overflow, end of talk, end of wrap-up); the calendar and
the arrival stream are SimPy processes. Who serves whom is asked of the routing
policy; facts are appended to the contact log when a contact ends. Nothing here
computes a KPI.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import cast

import numpy as np
import simpy

from simulator.metrics.log import ContactLog, Origin, Outcome
from simulator.model.agents import Agent, AgentGroup
from simulator.model.callers import RedialDraws
from simulator.model.contact import DONE, SERVING, WAITING, Contact
from simulator.model.events import Wakeup
from simulator.model.queues import ContactQueue
from simulator.policies.routing import RoutingPolicy
from simulator.scenario import Scenario

__all__ = ["Centre"]

INFINITY = float("inf")


class Centre:
    """Lines, queues and agent groups of one replication, and the journey of a contact."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        routing: RoutingPolicy,
        log: ContactLog,
        redials: RedialDraws,
    ) -> None:
        self.env = env
        self.log = log
        self.routing = routing
        self.redials = redials
        self.calendar = scenario.calendar
        queue_index = {q.name: i for i, q in enumerate(scenario.queues)}
        self.queues = [ContactQueue(i) for i in range(len(scenario.queues))]
        agent_ids = itertools.count()
        self.groups = [
            AgentGroup(g, group.handle_time_factor, agent_ids)
            for g, group in enumerate(scenario.agent_groups)
        ]
        self.target = [queue_index[ct.target] for ct in scenario.call_types]
        self.balk_probability = [ct.balk_probability for ct in scenario.call_types]
        self.lines = scenario.lines if scenario.lines is not None else -1
        self.overflow: list[list[tuple[float, Callable[[simpy.Event], None]]]] = [
            [] for _ in self.queues
        ]
        for rule in scenario.routing.overflow:
            self.overflow[queue_index[rule.from_]].append(
                (rule.after_s, self._overflow_step(queue_index[rule.to]))
            )
        self.lines_busy = 0
        self.in_system = 0
        self.closed = True
        self.next_contact_id = 0
        self.last_open = scenario.calendar.days - 1

    # --- arrivals -------------------------------------------------------------------------

    def new_contact_id(self) -> int:
        """Number contacts in the order they are created (first calls and redials alike)."""
        contact_id = self.next_contact_id
        self.next_contact_id += 1
        return contact_id

    def arrive(self, contact: Contact) -> None:
        """A contact dials in: blocked, answered at once, balks, or waits."""
        # The clock, not the planned time: ``now + (t - now)`` may differ from ``t`` by an ulp.
        contact.arrival = now = self.env.now
        if self.lines_busy == self.lines:
            self._end(contact, Outcome.BLOCKED, now)
            self._maybe_redial(contact, now)
            return
        self.lines_busy += 1
        self.in_system += 1
        queue = contact.queue
        contact.queue_entry = now
        group = self.routing.group_for(queue, self.groups)
        if group >= 0:
            self._answer(contact, self.groups[group].take_idle(now), queue, now)
            return
        if contact.balk_draw < self.balk_probability[contact.call_type]:
            contact.queue_entry = float("nan")
            self._hang_up(contact, Outcome.BALKED, now)
            return
        contact.state = WAITING
        self.queues[queue].join(contact, now)
        if contact.patience < INFINITY:
            Wakeup(self.env, contact.patience, self._on_patience, contact)
        for after_s, step in self.overflow[queue]:
            Wakeup(self.env, after_s, step, contact)

    def _on_redial(self, event: simpy.Event) -> None:
        self.arrive(cast(Contact, event.value))

    def _maybe_redial(self, contact: Contact, now: float) -> None:
        """After abandoning, balking or being blocked, the caller may call again later."""
        draws = self.redials
        if draws.probability == 0.0 or draws.decision.next() >= draws.probability:
            return
        when = self.next_open_time(now + draws.delay.next())
        if when is None:
            return
        j = contact.call_type
        day, interval = self.interval_of(when)
        redial = Contact(
            self.new_contact_id(),
            contact.caller,
            j,
            Origin.REDIAL,
            when,
            day,
            interval,
            self.target[j],
            draws.patience[j].next(),
            draws.handle[j].next(),
            draws.wrap[j].next(),
            draws.balk[j].next(),
        )
        Wakeup(self.env, when - now, self._on_redial, redial)

    # --- waiting --------------------------------------------------------------------------

    def _on_patience(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        if contact.state != WAITING:
            return
        now = self.env.now
        self._leave_queues(contact, now)
        self._hang_up(contact, Outcome.ABANDONED, now)
        if self.closed:
            self._check_drained(now)

    def _overflow_step(self, to: int) -> Callable[[simpy.Event], None]:
        def step(event: simpy.Event) -> None:
            self._overflow(cast(Contact, event.value), to)

        return step

    def _overflow(self, contact: Contact, to: int) -> None:
        """``contact`` has waited long enough to be offered to queue ``to`` as well."""
        if contact.state != WAITING:
            return
        now = self.env.now
        group = self.routing.group_for(to, self.groups)
        if group >= 0:
            self._leave_queues(contact, now)
            self._answer(contact, self.groups[group].take_idle(now), to, now)
            return
        self.queues[to].join(contact, now)
        if contact.extra_queues is None:
            contact.extra_queues = [to]
        else:
            contact.extra_queues.append(to)

    def _leave_queues(self, contact: Contact, now: float) -> None:
        self.queues[contact.queue].leave(now)
        if contact.extra_queues is not None:
            for q in contact.extra_queues:
                self.queues[q].leave(now)

    # --- service --------------------------------------------------------------------------

    def _answer(self, contact: Contact, agent: Agent, queue: int, now: float) -> None:
        contact.state = SERVING
        contact.answer = now
        contact.agent = agent
        contact.served_queue = queue
        contact.talk = talk = contact.handle * self.groups[agent.group].factor
        Wakeup(self.env, talk, self._on_talk_end, contact)

    def _on_talk_end(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        now = self.env.now
        self._hang_up(contact, Outcome.ANSWERED, now)
        agent: Agent = contact.agent  # type: ignore[assignment]
        if contact.wrap > 0.0:
            Wakeup(self.env, contact.wrap, self._on_wrap_end, agent)
        else:
            self._next_work(agent, now)

    def _on_wrap_end(self, event: simpy.Event) -> None:
        self._next_work(cast(Agent, event.value), self.env.now)

    def _next_work(self, agent: Agent, now: float) -> None:
        """A freed agent takes the next contact the routing policy picks, or goes idle."""
        group = self.groups[agent.group]
        if not group.to_leave:
            q = self.routing.queue_for(agent.group, self.queues)
            if q >= 0:
                contact = self.queues[q].line.popleft()
                self._leave_queues(contact, now)
                self._answer(contact, agent, q, now)
                return
        group.release(agent, now)
        if self.closed:
            self._check_drained(now)

    def _fill_idle(self, group_index: int, now: float) -> None:
        """Give waiting work to the idle agents of a group (after staff joins)."""
        group = self.groups[group_index]
        while group.idle:
            q = self.routing.queue_for(group_index, self.queues)
            if q < 0:
                return
            contact = self.queues[q].line.popleft()
            self._leave_queues(contact, now)
            self._answer(contact, group.take_idle(now), q, now)

    # --- endings --------------------------------------------------------------------------

    def _hang_up(self, contact: Contact, outcome: Outcome, now: float) -> None:
        self.lines_busy -= 1
        self.in_system -= 1
        self._end(contact, outcome, now)
        if outcome != Outcome.ANSWERED:
            self._maybe_redial(contact, now)

    def _end(self, contact: Contact, outcome: Outcome, now: float) -> None:
        contact.state = DONE
        agent: Agent | None = contact.agent  # type: ignore[assignment]
        self.log.append(
            (
                contact.id,
                contact.caller,
                contact.call_type,
                contact.origin,
                outcome,
                contact.day,
                contact.interval,
                contact.arrival,
                contact.queue if outcome != Outcome.BLOCKED else -1,
                contact.queue_entry,
                contact.answer,
                now,
                contact.served_queue,
                -1 if agent is None else agent.group,
                -1 if agent is None else agent.id,
                contact.talk,
                contact.wrap if agent is not None else 0.0,
            )
        )

    # --- calendar -------------------------------------------------------------------------

    def interval_of(self, t: float) -> tuple[int, int]:
        """Day and interval (within the day's opening hours) of site time ``t``."""
        cal = self.calendar
        day = int(t // cal.day_s)
        interval = int((t - day * cal.day_s - cal.open_s) // cal.interval_s)
        return day, min(max(interval, 0), cal.intervals_per_day - 1)

    def next_open_time(self, t: float) -> float | None:
        """``t`` if the centre is open then, else the next opening; None past the horizon."""
        cal = self.calendar
        day = int(t // cal.day_s)
        in_day = t - day * cal.day_s
        if in_day < cal.open_s:
            t = day * cal.day_s + cal.open_s
        elif in_day >= cal.close_s:
            day += 1
            t = day * cal.day_s + cal.open_s
        return t if day < cal.days else None

    def open_interval(self, available: np.ndarray, scheduled: np.ndarray) -> None:
        """An interval starts: set each group's staffing and put new agents to work."""
        now = self.env.now
        self.closed = False
        for g, group in enumerate(self.groups):
            if group.set_staff(int(available[g]), int(scheduled[g]), now):
                self._fill_idle(g, now)

    def close_day(self, disconnect: bool) -> None:
        """The centre closes: cut off waiting callers, or serve them with the last staffing."""
        now = self.env.now
        self.closed = True
        if disconnect:
            for contact in self.waiting_contacts():
                self._leave_queues(contact, now)
                self._hang_up(contact, Outcome.DISCONNECTED, now)
            self._send_home(now)
        else:
            self._check_drained(now)

    def _check_drained(self, now: float) -> None:
        if self.in_system == 0 and not any(g.busy for g in self.groups):
            self._send_home(now)

    def _send_home(self, now: float) -> None:
        for group in self.groups:
            group.set_staff(0, 0, now)

    def waiting_contacts(self) -> list[Contact]:
        """Every contact waiting in any queue, each once."""
        seen: dict[int, Contact] = {}
        for queue in self.queues:
            for contact in queue.waiting_contacts():
                seen.setdefault(contact.id, contact)
        return list(seen.values())

    def end_of_horizon(self) -> None:
        """Log contacts still waiting when nothing more can happen (e.g. nobody staffed)."""
        now = self.env.now
        for contact in self.waiting_contacts():
            self._leave_queues(contact, now)
            contact.state = DONE
            self.lines_busy -= 1
            self.in_system -= 1
            self._end(contact, Outcome.DISCONNECTED, now)
