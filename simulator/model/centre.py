"""The contact centre: contacts move through lines, the IVR, queues and agents.

Each contact is a small state machine advanced by ``Wakeup`` callbacks (arrival,
end of the IVR, patience running out, overflow, end of a conversation, end of a
warm handoff, end of wrap-up); the calendar and the arrival stream are SimPy
processes. Who serves whom is asked of the routing policy, what happens after a
conversation of the journey rules, what a transfer keeps of the transfer mode;
facts are appended to the contact log when a contact ends. Nothing here computes
a KPI.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import cast

import simpy

from simulator.metrics.log import ContactLog, Flag, Origin, Outcome, encode_path
from simulator.model.agents import Agent, AgentGroup
from simulator.model.behaviour import CallerBehaviour
from simulator.model.callbacks import CallbackDesk
from simulator.model.callers import JourneyDraws, RedialDraws
from simulator.model.contact import DONE, IN_IVR, INBOUND, SERVING, WAITING, Contact
from simulator.model.events import Wakeup
from simulator.model.ivr import IvrRouter
from simulator.model.journey import RESOLVED, UNRESOLVED, JourneyRules
from simulator.model.queues import ContactQueue
from simulator.model.waits import WaitEstimator
from simulator.policies.routing import RoutingPolicy
from simulator.policies.transfers import make_transfer_mode
from simulator.scenario import Scenario

__all__ = ["Centre"]

INFINITY = float("inf")
NAN = float("nan")
_PING_PONG = int(Flag.PING_PONG)
_RESOLVED = int(Flag.RESOLVED)
_NEEDS_AUTHORITY = int(Flag.NEEDS_AUTHORITY)
_REACHED_MANAGER = int(Flag.REACHED_MANAGER)
_MISROUTED = int(Flag.MISROUTED)
_ZERO_OUT = int(Flag.ZERO_OUT)
_ESCALATED = int(Flag.ESCALATED)
_IVR = int(Flag.IVR)
_CALLBACK_OFFERED = int(Flag.CALLBACK_OFFERED)
_FOLLOWS_FIRST = int(Flag.FOLLOWS_FIRST_CALL)
_TIME_TOLERANCE = 1e-7
"""Seconds by which a wake-up may precede the time it was set for (``now + (t - now)``)."""
_NO_CALL_AGAIN = frozenset(
    {Outcome.SELF_SERVED, Outcome.CALLBACK_ACCEPTED, Outcome.VOICEMAIL, Outcome.UNREACHED}
)
"""Outcomes after which the caller does not call again (helped, or waiting for the centre)."""


class Centre:
    """Lines, IVR, queues and agent groups of one replication, and the journey of a contact."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        routing: RoutingPolicy,
        log: ContactLog,
        redials: RedialDraws,
        draws: JourneyDraws,
    ) -> None:
        self.env = env
        self.log = log
        self.routing = routing
        self.redials = redials
        self.draws = draws
        self.calendar = scenario.calendar
        queue_index = {q.name: i for i, q in enumerate(scenario.queues)}
        self.queues = [ContactQueue(i) for i in range(len(scenario.queues))]
        agent_ids = itertools.count()
        self.rules = JourneyRules(scenario)
        self.behaviour = CallerBehaviour(scenario)
        self.groups = [
            AgentGroup(g, self.rules.handle_factor[g], agent_ids)
            for g in range(len(scenario.agent_groups))
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
        self.transfer_mode = make_transfer_mode(scenario.transfers)
        self.ivr = (
            IvrRouter(scenario.ivr, queue_index, draws.uniform, draws.sample)
            if scenario.ivr is not None
            else None
        )
        self.explains = scenario.callers.explain_time is not None
        recontact = scenario.callers.recontact
        self.recontact_probability = (
            recontact.probability * (1.0 - scenario.proactive_updates.recontact_reduction)
            if recontact is not None
            else 0.0
        )
        self.case_history = scenario.callers.case_history
        queue_groups = [
            [g for g, group in enumerate(scenario.agent_groups) if q.name in group.skills]
            for q in scenario.queues
        ]
        self.estimator = WaitEstimator(scenario, queue_groups)
        self.desk = CallbackDesk(self, scenario, draws)
        self.predicts = (
            scenario.callback is not None
            or (
                scenario.voicemail is not None
                and scenario.voicemail.when_expected_wait_s_over is not None
            )
            or self.estimator.announcing
        )
        vm = scenario.voicemail
        self.voicemail_after_s = vm.after_wait_s if vm is not None else None
        self.voicemail_when_closed = vm is not None and vm.when_closed
        self.lines_busy = 0
        self.in_system = 0
        self.closed = True
        self.next_contact_id = 0

    def new_contact_id(self) -> int:
        """Number contacts in the order they are created (first calls, redials, recontacts)."""
        contact_id = self.next_contact_id
        self.next_contact_id += 1
        return contact_id

    # --- arrival and IVR ------------------------------------------------------------------

    def arrive(self, contact: Contact) -> None:
        """A contact dials in: blocked, into the IVR, or to its queue."""
        # The clock, not the planned time: ``now + (t - now)`` may differ from ``t`` by an ulp.
        contact.arrival = now = self.env.now
        if self.lines_busy == self.lines:
            self.end(contact, Outcome.BLOCKED, now)
            self._maybe_call_again(contact, Outcome.BLOCKED, now)
            return
        self.lines_busy += 1
        self.in_system += 1
        if self.voicemail_when_closed and not self.is_open(now):
            contact.state = IN_IVR
            self.desk.take_message(contact, now)
            return
        if self.ivr is None:
            self.enter_queue(contact, contact.target, now, first=True)
            return
        outcome = self.ivr.route(contact.target)
        contact.state = IN_IVR
        contact.misrouted = outcome.misrouted
        contact.zero_out = outcome.zero_out
        patience = self.draws.ivr_patience[contact.call_type].next()
        if patience < outcome.time:
            Wakeup(self.env, patience, self._on_ivr_abandon, contact)
        elif outcome.self_served:
            Wakeup(self.env, outcome.time, self._on_self_served, contact)
        else:
            contact.queue = outcome.queue
            # Pressing 0 reaches a person who serves the caller there; a wrong key does not.
            contact.misplaced = outcome.misrouted
            Wakeup(self.env, outcome.time, self._on_ivr_done, contact)

    def _on_ivr_done(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        self.enter_queue(contact, contact.queue, self.env.now, first=True)

    def _on_ivr_abandon(self, event: simpy.Event) -> None:
        self.hang_up(cast(Contact, event.value), Outcome.IVR_ABANDONED, self.env.now)

    def _on_self_served(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        contact.resolved = True
        self.hang_up(contact, Outcome.SELF_SERVED, self.env.now)

    def _on_call_again(self, event: simpy.Event) -> None:
        self.arrive(cast(Contact, event.value))

    def _maybe_call_again(self, contact: Contact, outcome: Outcome, now: float) -> None:
        """Redial after not getting through; recontact after an unresolved conversation."""
        draws = self.redials
        if outcome in _NO_CALL_AGAIN:
            return
        if outcome == Outcome.ANSWERED:
            if contact.resolved or not self.recontact_probability:
                return
            if draws.recontact_decision.next() >= self.recontact_probability:
                return
            origin, delay = Origin.RECONTACT, draws.recontact_delay.next()
        elif (
            outcome == Outcome.SELF_SERVED
            or not draws.probability
            or draws.decision.next() >= draws.probability
        ):
            return
        else:
            origin, delay = Origin.REDIAL, draws.delay.next()
        due = now + delay
        closed_message = self.voicemail_when_closed and not self.is_open(due)
        when = due if closed_message and due < self.horizon_end else self.next_open_time(due)
        if when is None:
            return
        j = contact.call_type
        day, interval = self.interval_of(when)
        again = Contact(
            self.new_contact_id(),
            contact.caller,
            j,
            origin,
            when,
            day,
            interval,
            self.target[j],
            draws.patience[j].next(),
            draws.handle[j].next(),
            draws.wrap[j].next(),
            draws.balk[j].next(),
            contact.needs_authority,
            contact.tz,
        )
        again.told_before = contact.told_before
        again.story_known = origin == Origin.RECONTACT and self.case_history
        Wakeup(self.env, when - now, self._on_call_again, again)

    # --- queues ---------------------------------------------------------------------------

    def enter_queue(
        self, contact: Contact, queue: int, now: float, first: bool, retry: bool = False
    ) -> None:
        """Join ``queue``: answered at once, or (first queue only) offered a callback, sent
        to voicemail, told the wait, balk; or wait.
        """
        if first:
            contact.queue_entry = now
        elif not retry:
            path = contact.path
            if path is None:
                path = contact.path = [contact.queue]
            if queue in path:
                contact.ping_pong = True
            path.append(queue)
        contact.joined_at = now
        contact.visit += 1
        group = self.routing.group_for(queue, self.groups)
        if group >= 0:
            self._answer(contact, self.groups[group].take_idle(now), queue, now)
            return
        inbound = contact.kind == INBOUND
        patience = INFINITY
        if inbound:
            patience = contact.patience if first else self.draws.patience[contact.call_type].next()
            if self.behaviour.varies_patience:
                patience *= self.behaviour.patience_factor(contact.call_type, now)
            if first and self._first_wait(contact, queue, patience, now):
                return
        contact.state = WAITING
        self.queues[queue].join(contact, now)
        if patience < INFINITY:
            contact.abandon_at = now + patience
            Wakeup(self.env, patience, self._on_patience, contact)
        for after_s, step in self.overflow[queue]:
            Wakeup(self.env, after_s, step, (contact, contact.visit))
        if inbound and first and self.voicemail_after_s is not None:
            Wakeup(
                self.env, self.voicemail_after_s, self._on_voicemail_due, (contact, contact.visit)
            )

    def _first_wait(self, contact: Contact, queue: int, patience: float, now: float) -> bool:
        """A caller who must wait at the first queue: balk, take a callback, go to voicemail,
        or hear the announced wait. True when the caller is no longer waiting on the line.
        """
        if contact.balk_draw < self.balk_probability[contact.call_type]:
            contact.queue_entry = NAN
            self.hang_up(contact, Outcome.BALKED, now)
            return True
        if not self.predicts:
            return False
        estimator = self.estimator
        estimate = estimator.estimate(queue, contact.call_type, self.queues, self.groups)
        contact.predicted = estimate
        if self.desk.offer_callback(contact, queue, estimate, now):
            return True
        if self.desk.wants_voicemail(estimate):
            contact.state = IN_IVR
            self.desk.take_message(contact, now)
            return True
        if estimator.announcing:
            announced = estimate * estimator.announce_factor
            contact.announced = announced
            if announced > patience:
                self.hang_up(contact, Outcome.ANNOUNCE_BALKED, now)
                return True
            if announced < patience:
                Wakeup(self.env, announced, self._on_announced_time, (contact, contact.visit + 1))
        return False

    def _on_announced_time(self, event: simpy.Event) -> None:
        """Still waiting when the announced wait has passed: the caller grows less patient."""
        contact, visit = cast(tuple[Contact, int], event.value)
        if contact.state != WAITING or contact.visit != visit:
            return
        now = self.env.now
        left = (contact.abandon_at - now) * self.estimator.patience_after_overrun
        if left < INFINITY:
            contact.abandon_at = now + left
            Wakeup(self.env, left, self._on_patience, contact)

    def _on_voicemail_due(self, event: simpy.Event) -> None:
        contact, visit = cast(tuple[Contact, int], event.value)
        if contact.state != WAITING or contact.visit != visit:
            return
        now = self.env.now
        self._leave_queues(contact, now)
        contact.wait += now - contact.joined_at
        contact.state = IN_IVR
        self.desk.take_message(contact, now)

    def _on_patience(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        now = self.env.now
        if contact.state != WAITING or now < contact.abandon_at - _TIME_TOLERANCE:
            return  # answered, or a patience of an earlier wait, or cut short meanwhile
        self._leave_queues(contact, now)
        contact.wait += now - contact.joined_at
        self._release_holder(contact, now)
        self.hang_up(contact, Outcome.ABANDONED, now)
        if self.closed:
            self._check_drained(now)

    def _overflow_step(self, to: int) -> Callable[[simpy.Event], None]:
        def step(event: simpy.Event) -> None:
            contact, visit = cast(tuple[Contact, int], event.value)
            if contact.visit == visit:
                self._overflow(contact, to)

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
        current = contact.path[-1] if contact.path is not None else contact.queue
        self.queues[current].leave(now)
        if contact.extra_queues is not None:
            for q in contact.extra_queues:
                self.queues[q].leave(now)
            contact.extra_queues = None

    # --- conversations --------------------------------------------------------------------

    def _answer(self, contact: Contact, agent: Agent, queue: int, now: float) -> None:
        """An agent reaches the contact: talk to a caller, or dial for a callback task."""
        contact.state = SERVING
        waited = now - contact.joined_at
        contact.wait += waited
        contact.agent = agent
        contact.served_queue = queue
        if contact.kind != INBOUND:
            self.desk.dial(contact, agent, queue, now)
            return
        self.estimator.served(queue, waited)
        self.converse(contact, agent, queue, now)

    def converse(self, contact: Contact, agent: Agent, queue: int, now: float) -> None:
        """A conversation: briefing (warm), the story if untold, then the talk."""
        if contact.legs == 0:
            contact.answer = now
            duration = contact.handle
        else:
            duration = self.draws.handle[contact.call_type].next()
        contact.legs += 1
        g = agent.group
        rules = self.rules
        not_yet = contact.authority_at != contact.authority_at  # NaN: authority not reached
        if contact.needs_authority and rules.can_decide[g] and not_yet:
            contact.authority_at = now
        if rules.is_manager[g]:
            contact.reached_manager = True
        if self.behaviour.varies_handle:
            duration *= self.behaviour.handle_factor(contact.call_type, now)
        duration *= self.groups[g].factor
        if contact.misplaced:
            duration = 0.0  # the agent only hears the story and passes the caller on
        if contact.holder is not None:
            briefing = self.draws.briefing.next()
            duration += briefing
            contact.handoff += now + briefing  # the holder held from the transfer until here
            Wakeup(self.env, briefing, self._on_handoff_done, contact.holder)
            contact.holder = None
        if not contact.story_known:
            contact.explanations += 1
            if contact.told_before:
                contact.repeats += 1
            contact.told_before = True
            contact.story_known = True
            if self.explains:
                duration += self.draws.explain.next()
        contact.talk += duration
        Wakeup(self.env, duration, self._on_talk_end, contact)

    def _on_talk_end(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        now = self.env.now
        agent = cast(Agent, contact.agent)
        if contact.misplaced:
            contact.misplaced = False
            self._transfer(contact, agent, contact.target, now)
            return
        if self.rules.always_resolved:
            contact.resolved = True
            self.hang_up(contact, Outcome.ANSWERED, now)
            self.after_work(agent, contact.wrap, now)
            return
        draws = self.draws
        step = self.rules.after_leg(
            agent.group,
            contact.served_queue,
            contact.needs_authority,
            contact.escalated,
            draws.resolve.next,
            draws.transfer.next,
        )
        if step >= 0 and contact.transfers >= self.rules.max_transfers:
            step = UNRESOLVED  # the caller gives up after being passed on too often
        if step >= 0:
            if step == self.rules.escalation_queue:
                contact.escalated = True
            self._transfer(contact, agent, step, now)
            return
        contact.resolved = step == RESOLVED
        self.hang_up(contact, Outcome.ANSWERED, now)
        self.after_work(agent, contact.wrap, now)

    def _transfer(self, contact: Contact, agent: Agent, to: int, now: float) -> None:
        """Pass the contact to queue ``to`` the way the transfer mode says."""
        contact.transfers += 1
        mode = self.transfer_mode
        contact.story_known = mode.story_survives(self.draws.uniform.next())
        if mode.agent_holds:
            contact.holder = agent
            contact.handoff -= now  # the holder's time is counted when released
        else:
            self.after_work(agent, contact.wrap, now)
        self.enter_queue(contact, to, now, first=False)

    def _release_holder(self, contact: Contact, now: float) -> None:
        """A warm transfer ended without a handover (the caller hung up): free the holder."""
        if contact.holder is not None:
            contact.handoff += now
            holder = cast(Agent, contact.holder)
            contact.holder = None
            self.after_work(holder, contact.wrap, now)

    def _on_handoff_done(self, event: simpy.Event) -> None:
        self.after_work(cast(Agent, event.value), 0.0, self.env.now)

    def after_work(self, agent: Agent, wrap: float, now: float) -> None:
        """The agent's part is over: wrap up, then take the next contact."""
        if wrap > 0.0:
            Wakeup(self.env, wrap, self._on_wrap_end, agent)
        else:
            self.next_work(agent, now)

    def _on_wrap_end(self, event: simpy.Event) -> None:
        self.next_work(cast(Agent, event.value), self.env.now)

    def next_work(self, agent: Agent, now: float) -> None:
        """A freed agent takes the next contact the routing policy picks, or goes idle."""
        group = self.groups[agent.group]
        if not group.to_leave:
            q = self.routing.queue_for(agent.group, self.queues)
            if q >= 0:
                contact = self.queues[q].line.popleft()[1]
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
            contact = self.queues[q].line.popleft()[1]
            self._leave_queues(contact, now)
            self._answer(contact, group.take_idle(now), q, now)

    # --- endings --------------------------------------------------------------------------

    def hang_up(self, contact: Contact, outcome: Outcome, now: float) -> None:
        """The contact ends (a caller frees the line) and may call again later."""
        if contact.kind == INBOUND:
            self.lines_busy -= 1
            self.in_system -= 1
        self.end(contact, outcome, now)
        self._maybe_call_again(contact, outcome, now)

    def end(self, contact: Contact, outcome: Outcome, now: float) -> None:
        """Log the contact's row: the facts every KPI is computed from."""
        contact.state = DONE
        agent = cast(Agent | None, contact.agent)
        flags = (  # plain ints: IntFlag arithmetic costs a microsecond per operation
            _PING_PONG * contact.ping_pong
            + _RESOLVED * contact.resolved
            + _NEEDS_AUTHORITY * contact.needs_authority
            + _REACHED_MANAGER * contact.reached_manager
            + _MISROUTED * contact.misrouted
            + _ZERO_OUT * contact.zero_out
            + _ESCALATED * contact.escalated
            + (_IVR if self.ivr is not None and outcome != Outcome.BLOCKED else 0)
            + _CALLBACK_OFFERED * contact.callback_offered
            + _FOLLOWS_FIRST * contact.follows_first
        )
        reached = contact.queue_entry == contact.queue_entry  # not NaN: joined a queue
        if contact.path is not None:
            hops, path = len(contact.path), encode_path(contact.path)
        else:
            hops, path = (1, contact.queue + 1) if reached else (0, 0)
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
                contact.queue if reached else -1,
                contact.queue_entry,
                contact.answer,
                now,
                contact.served_queue,
                -1 if agent is None else agent.group,
                -1 if agent is None else agent.id,
                contact.talk,
                contact.wrap if agent is not None else 0.0,
                contact.target,
                contact.wait,
                contact.legs,
                contact.transfers,
                contact.explanations,
                contact.repeats,
                flags,
                hops,
                path,
                contact.authority_at,
                contact.handoff,
                contact.tz,
                contact.attempts,
                contact.outside_hours,
                contact.dialled_at,
                contact.backoffice,
                contact.predicted,
                contact.announced,
            )
        )

    # --- calendar -------------------------------------------------------------------------

    def interval_of(self, t: float) -> tuple[int, int]:
        """Day and interval (within the day's opening hours) of site time ``t``."""
        cal = self.calendar
        day = int(t // cal.day_s)
        interval = int((t - day * cal.day_s - cal.open_s) // cal.interval_s)
        return day, min(max(interval, 0), cal.intervals_per_day - 1)

    @property
    def horizon_end(self) -> float:
        """Close of the last day."""
        cal = self.calendar
        return (cal.days - 1) * cal.day_s + cal.close_s

    def is_open(self, t: float) -> bool:
        """Whether site time ``t`` is within opening hours of a calendar day."""
        cal = self.calendar
        day = int(t // cal.day_s)
        in_day = t - day * cal.day_s
        return day < cal.days and cal.open_s <= in_day < cal.close_s

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

    def open_interval(self, available: list[int], scheduled: list[int]) -> None:
        """An interval starts: set each group's staffing and put new agents to work."""
        now = self.env.now
        self.closed = False
        for g, group in enumerate(self.groups):
            if group.set_staff(available[g], scheduled[g], now):
                self._fill_idle(g, now)

    def close_day(self, disconnect: bool) -> None:
        """The centre closes: cut off waiting callers, or serve them with the last staffing."""
        now = self.env.now
        self.closed = True
        if disconnect:
            for contact in self.waiting_contacts():
                if contact.kind != INBOUND:
                    continue  # work owed to callers waits for the agents of the next day
                self._cut_off(contact, now)
                self._maybe_call_again(contact, Outcome.DISCONNECTED, now)
            self._send_home(now)
        else:
            self._check_drained(now)

    def _cut_off(self, contact: Contact, now: float) -> None:
        self._leave_queues(contact, now)
        contact.wait += now - contact.joined_at
        self._release_holder(contact, now)
        self.lines_busy -= 1
        self.in_system -= 1
        self.end(contact, Outcome.DISCONNECTED, now)

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
            if contact.kind != INBOUND:
                self._leave_queues(contact, now)
                self.end(contact, Outcome.UNREACHED, now)
            else:
                self._cut_off(contact, now)
