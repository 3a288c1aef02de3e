"""Service: an agent reaches a contact and talks to it.

For a callback or voicemail task the agent first dials (``callbacks.py``); for a
caller on the line the conversation is the talk time (scaled by the group's handle
time factor), plus the story if this agent does not know it yet, plus the briefing
when a warm transfer hands the caller over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import simpy

from simulator.model.agents import Agent
from simulator.model.contact import INBOUND, SERVING, Contact
from simulator.model.events import Wakeup

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

    def wire(self) -> None:
        """Look up the sibling stages once they all exist."""
        self.talk_ended = self.centre.after_talk.on_talk_end
        self.dial = self.centre.desk.dial

    def answer(self, contact: Contact, agent: Agent, queue: int, now: float) -> None:
        """An agent reaches the contact: talk to a caller, or dial for a callback task."""
        contact.state = SERVING
        waited = now - contact.joined_at
        contact.wait += waited
        contact.agent = agent
        contact.served_queue = queue
        if contact.kind != INBOUND:
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
        Wakeup(self.env, duration, self.talk_ended, contact)

    def _on_handoff_done(self, event: simpy.Event) -> None:
        self.centre.after_work(cast(Agent, event.value), 0.0, self.env.now)
