"""Service: an agent reaches a contact and talks to it.

For a callback or voicemail task the agent first dials (``callbacks.py``); an e-mail
is read and answered like a conversation (its handle time, no story to hear); for a
caller on the line the conversation is the talk time (scaled by the call type's
handle-time multiplier for the interval it starts in and by the group's handle time
factor), plus the story if this agent does not know it yet, plus the briefing
when a warm transfer hands the caller over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import simpy

from simulator.model.agents import Agent
from simulator.model.contact import EMAIL, INBOUND, SERVING, Contact
from simulator.model.events import Wakeup
from simulator.policies.routing import longest_waiting
from simulator.randomness import BufferedDraws

if TYPE_CHECKING:
    from simulator.model.centre import Centre

__all__ = ["Service"]


class Service:
    """Conversations between agents and contacts."""

    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        self.env = centre.env
        rules = centre.rules
        self.draws = centre.draws
        self.groups = centre.groups
        self.estimator = centre.estimator
        self.can_decide = rules.journey.can_decide
        self.is_manager = rules.journey.is_manager
        self.explains = rules.explains
        self.behaviour = rules.behaviour
        briefing = rules.transfer_mode.briefing
        self.briefing = (
            self.draws.buffered(briefing, "briefing")
            if briefing is not None
            else BufferedDraws(np.zeros)  # no agent stays on the line: never drawn
        )
        self.slowdown = rules.chat.slowdown
        self.chat_tiers = rules.chat.tiers
        self.queues = centre.queues

    def wire(self) -> None:
        """Look up the sibling stages once they all exist."""
        self.talk_ended = self.centre.after_talk.on_talk_end
        self.dial = self.centre.desk.dial
        self.leave_queues = self.centre.queueing.leave

    def answer(self, contact: Contact, agent: Agent, queue: int, now: float) -> None:
        """An agent reaches the contact: talk to a caller, or dial for a callback task."""
        contact.state = SERVING
        waited = now - contact.joined_at
        contact.wait += waited
        contact.agent = agent
        contact.served_queue = queue
        if contact.kind != INBOUND:
            if contact.kind == EMAIL:
                self.converse(contact, agent, queue, now)  # reading and replying
            else:
                self.dial(contact, agent, queue, now)
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
        not_yet = contact.authority_at != contact.authority_at  # NaN: authority not reached
        if contact.needs_authority and self.can_decide[g] and not_yet:
            contact.authority_at = now
        if self.is_manager[g]:
            contact.reached_manager = True
        if self.behaviour.varies_handle:
            duration *= self.behaviour.handle_factor(contact.call_type, now)
        duration *= self.groups[g].factor
        if contact.misplaced:
            duration = 0.0  # the agent only hears the story and passes the caller on
        if contact.holder is not None:
            briefing = self.briefing.next()
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
        if contact.chat:
            self._chat_start(contact, agent, duration, now)
            return
        Wakeup(self.env, duration, self.talk_ended, contact)

    # --- chats ----------------------------------------------------------------------------

    def _chat_start(self, contact: Contact, agent: Agent, duration: float, now: float) -> None:
        """The agent takes the chat in one of its slots.

        Without slowdown a chat lasts its handle time. With slowdown every chat of the
        agent progresses at speed ``1 / (1 + slowdown x (k - 1))`` while the agent holds
        ``k``: the work left of each is brought up to date and its end rescheduled
        whenever ``k`` changes (stale ends are recognised by ``run``).
        """
        group = self.groups[agent.group]
        if not self.slowdown[agent.group]:
            group.chat_begin(agent, now)
            Wakeup(self.env, duration, self.talk_ended, contact)
            return
        self._progress(agent, now)
        group.chat_begin(agent, now)
        contact.talk -= duration  # counted when the chat ends
        contact.work_left = duration
        contact.work_from = now
        contact.run = 0
        agent.chats.append(contact)
        self._reschedule(agent)

    def _speed(self, agent: Agent) -> float:
        return 1.0 / (1.0 + self.slowdown[agent.group] * (agent.load - 1))

    def _progress(self, agent: Agent, now: float) -> None:
        """Bring the work left of the agent's chats up to ``now`` at their current speed."""
        if agent.chats:
            done = (now - agent.speed_since) * self._speed(agent)
            for chat in agent.chats:
                chat.work_left -= done
        agent.speed_since = now

    def _reschedule(self, agent: Agent) -> None:
        speed = self._speed(agent)
        for chat in agent.chats:
            chat.run += 1
            Wakeup(self.env, max(chat.work_left, 0.0) / speed, self._on_chat_done, (chat, chat.run))

    def _on_chat_done(self, event: simpy.Event) -> None:
        chat, run = cast(tuple[Contact, int], event.value)
        if chat.run != run:
            return  # rescheduled since
        agent = cast(Agent, chat.agent)
        agent.chats.remove(chat)
        now = self.env.now
        chat.talk += now - chat.work_from
        self.centre.after_talk.talk_ended(chat, agent, now)

    def chat_over(self, agent: Agent, now: float) -> None:
        """One of the agent's chats is over: the slot takes a waiting chat, or, with no
        chat left in hand, the agent is free for any work.
        """
        slowed = self.slowdown[agent.group]
        if slowed:
            self._progress(agent, now)
        group = self.groups[agent.group]
        group.chat_end(agent, now)
        if slowed and agent.chats:
            self._reschedule(agent)
        if agent.load == 0:
            self.centre.next_work(agent, now)
            return
        if group.to_leave:
            return
        q = longest_waiting(self.chat_tiers[agent.group], self.queues)
        if q >= 0:
            contact = self.queues[q].line.popleft()[1]
            self.leave_queues(contact, now)
            self.answer(contact, agent, q, now)

    def _on_handoff_done(self, event: simpy.Event) -> None:
        self.centre.after_work(cast(Agent, event.value), 0.0, self.env.now)
