"""The contact centre: dispatch, lines, the calendar and the log, around the journey stages.

Each contact is a small state machine advanced by ``Wakeup`` callbacks; its journey
is split into stages, each in a module of its own behind a small interface
(``stages.py``): entry and IVR (``entry.py``), joining and waiting in queues
(``queueing.py``), the conversation (``service.py``) and what follows it
(``after_talk.py``); callbacks and voicemail are ``callbacks.py``. The centre keeps
what they share: who takes which contact (asking the routing policy), the lines,
the agents' staffing over the calendar, and the log, to which it appends one row of
facts per contact when it ends. It is built from compiled rules (``rules.py``), not
from the scenario. Nothing here computes a KPI.
"""

from __future__ import annotations

import itertools
from typing import cast

import simpy

from simulator.metrics.log import ContactLog, Flag, Outcome, encode_path
from simulator.model.after_talk import AfterTalk
from simulator.model.agents import Agent, AgentGroup
from simulator.model.callbacks import CallbackDesk
from simulator.model.callers import JourneyDraws, RedialDraws
from simulator.model.contact import DONE, EMAIL, INBOUND, Contact
from simulator.model.email import EmailDesk, EmailQueue
from simulator.model.entry import Entry
from simulator.model.events import Wakeup
from simulator.model.log_row import row_reader
from simulator.model.queueing import Queueing
from simulator.model.queues import ContactQueue
from simulator.model.rules import CentreRules
from simulator.model.service import Service
from simulator.model.stages import AfterTalkStage, EntryStage, QueueStage, ServiceStage
from simulator.model.waits import WaitEstimator

__all__ = ["Centre"]

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


class Centre:
    """Lines, queues and agent groups of one replication, and the stages of a journey."""

    def __init__(
        self,
        env: simpy.Environment,
        rules: CentreRules,
        log: ContactLog,
        redials: RedialDraws,
        draws: JourneyDraws,
    ) -> None:
        self.env = env
        self.rules = rules
        self.log = log
        self.row_of = row_reader(log.row_columns)
        self.routing = rules.routing
        self.redials = redials
        self.draws = draws
        self.calendar = rules.calendar
        self.target = rules.target
        self.queues = [
            EmailQueue(i) if rules.email.is_email[i] else ContactQueue(i)
            for i in range(rules.n_queues)
        ]
        agent_ids = itertools.count()
        self.groups = [
            AgentGroup(g, factor, agent_ids, slots)
            for g, (factor, slots) in enumerate(
                zip(rules.journey.handle_factor, rules.chat.slots, strict=True)
            )
        ]
        self.has_ivr = rules.ivr is not None
        self.estimator = WaitEstimator(rules.waits, rules.n_queues)
        self.lines_busy = 0
        self.in_system = 0
        self.closed = True
        self.next_contact_id = 0
        self.desk = CallbackDesk(self, rules.callback, rules.voicemail, draws)
        self.email = EmailDesk(self) if rules.email.any else None
        self.queue_for = self.routing.queue_for if self.email is None else self._queue_or_email
        """What a freed agent takes next: the routing policy's pick (then, with e-mail,
        an e-mail when no call or chat it serves waits)."""
        stages = (Entry(self), Queueing(self), Service(self), AfterTalk(self))
        self.entry: EntryStage = stages[0]
        self.queueing: QueueStage = stages[1]
        self.service: ServiceStage = stages[2]
        self.after_talk: AfterTalkStage = stages[3]
        for stage in stages:
            stage.wire()
        self.arrive = self.entry.arrive
        self.call_again = self.entry.call_again
        self.anyone_calls_again = bool(redials.probability or rules.recontact_probability)
        """Whether a caller may redial or recontact (else ``call_again`` is skipped)."""
        self.leave_queues = self.queueing.leave
        self.answer = self.service.answer

    def new_contact_id(self) -> int:
        """Number contacts in the order they are created (first calls, redials, recontacts)."""
        contact_id = self.next_contact_id
        self.next_contact_id += 1
        return contact_id

    # --- dispatch -------------------------------------------------------------------------

    def after_work(self, agent: Agent, wrap: float, now: float) -> None:
        """The agent's part is over: wrap up, then take the next contact (a chat frees
        its slot at once: chats have no wrap-up).
        """
        if agent.load:
            self.service.chat_over(agent, now)
            return
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
            q = self.queue_for(agent.group, self.queues, self.groups, now)
            if q >= 0:
                contact = self.queues[q].line.popleft()[1]
                self.leave_queues(contact, now)
                self.answer(contact, agent, q, now)
                return
        group.release(agent, now)
        if self.closed:
            self.check_drained(now)

    def _queue_or_email(
        self, group: int, queues: list[ContactQueue], groups: list[AgentGroup], now: float
    ) -> int:
        q = self.routing.queue_for(group, queues, groups, now)
        return q if q >= 0 else cast(EmailDesk, self.email).queue_for(group)

    def _fill_idle(self, group_index: int, now: float) -> None:
        """Give waiting work to the idle agents of a group (after staff joins)."""
        group = self.groups[group_index]
        idle = group.idle
        while idle:
            agent = idle.popleft()  # the asking agent is not idle (as after a contact)
            q = self.queue_for(group_index, self.queues, self.groups, now)
            if q < 0:
                idle.appendleft(agent)
                return
            group.start(now)
            contact = self.queues[q].line.popleft()[1]
            self.leave_queues(contact, now)
            self.answer(contact, agent, q, now)

    # --- endings --------------------------------------------------------------------------

    def hang_up(self, contact: Contact, outcome: Outcome, now: float) -> None:
        """The contact ends (a caller frees the line) and may call again later."""
        if contact.kind == INBOUND:
            self.lines_busy -= 1
            self.in_system -= 1
        self.end(contact, outcome, now)
        if self.anyone_calls_again:
            self.call_again(contact, outcome, now)

    def end(self, contact: Contact, outcome: Outcome, now: float) -> None:
        """Log the contact's row: the facts every KPI is computed from."""
        contact.state = DONE
        contact.outcome = outcome
        contact.ended = now
        agent = cast(Agent | None, contact.agent)
        if agent is None:
            contact.logged_group = contact.logged_agent = -1
            contact.logged_wrap = 0.0
        else:
            contact.logged_group = agent.group
            contact.logged_agent = agent.id
            contact.logged_wrap = contact.wrap
        contact.flags = (  # plain ints: IntFlag arithmetic costs a microsecond per operation
            _PING_PONG * contact.ping_pong
            + _RESOLVED * contact.resolved
            + _NEEDS_AUTHORITY * contact.needs_authority
            + _REACHED_MANAGER * contact.reached_manager
            + _MISROUTED * contact.misrouted
            + _ZERO_OUT * contact.zero_out
            + _ESCALATED * contact.escalated
            + (
                _IVR
                if self.has_ivr
                and outcome != Outcome.BLOCKED
                and not contact.chat
                and contact.kind != EMAIL
                else 0
            )
            + _CALLBACK_OFFERED * contact.callback_offered
            + _FOLLOWS_FIRST * contact.follows_first
        )
        reached = contact.queue_entry == contact.queue_entry  # not NaN: joined a queue
        contact.logged_queue = contact.queue if reached else -1
        if contact.path is not None:
            contact.hops, contact.path_code = len(contact.path), encode_path(contact.path)
        elif reached:
            contact.hops, contact.path_code = 1, contact.queue + 1
        else:
            contact.hops = contact.path_code = 0
        self.log.append(self.row_of(contact))

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
                self.entry.call_again(contact, Outcome.DISCONNECTED, now)
            self._send_home(now)
        else:
            self.check_drained(now)

    def _cut_off(self, contact: Contact, now: float) -> None:
        self.queueing.leave(contact, now)
        contact.wait += now - contact.joined_at
        self.after_talk.release_holder(contact, now)
        self.lines_busy -= 1
        self.in_system -= 1
        self.end(contact, Outcome.DISCONNECTED, now)

    def check_drained(self, now: float) -> None:
        """After closing: send the agents home once nobody is left in the system."""
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
        """Cut off callers still waiting when nothing more can happen (e.g. nobody staffed).

        Work owed after the last day is outside the run, under one rule for callbacks and
        voicemail returns as for recontacts and redials (which are never placed past the
        last closing): a task still waiting here is dropped, not logged as a failure. An
        e-mail still waiting is the backlog the run leaves: logged as ``BACKLOG``.
        """
        now = self.env.now
        for contact in self.waiting_contacts():
            if contact.kind == EMAIL:
                self.queueing.leave(contact, now)
                contact.wait += now - contact.joined_at
                self.end(contact, Outcome.BACKLOG, now)
            elif contact.kind != INBOUND:
                self.queueing.leave(contact, now)  # due after the horizon: not simulated
            else:
                self._cut_off(contact, now)
