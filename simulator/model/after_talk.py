"""After the conversation: the contact is resolved, escalated, transferred, or leaves
unresolved, as the journey rules (``journey.py``) decide; a transfer keeps or loses the
caller's story and the first agent as the transfer mode says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import simpy

from simulator.metrics.log import Outcome
from simulator.model.agents import Agent
from simulator.model.contact import Contact
from simulator.model.journey import RESOLVED, UNRESOLVED

if TYPE_CHECKING:
    from simulator.model.centre import Centre

__all__ = ["AfterTalk"]


class AfterTalk:
    """Resolution, escalation and transfers."""

    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        rules = centre.rules
        self.draws = centre.draws
        self.journey = rules.journey
        self.transfer_mode = rules.transfer_mode

    def wire(self) -> None:
        """Look up the sibling stages once they all exist."""
        self.enter_queue = self.centre.queueing.enter

    def on_talk_end(self, event: simpy.Event) -> None:
        """The conversation with the contact (``event.value``) is over: what comes next."""
        contact = cast(Contact, event.value)
        self.talk_ended(contact, cast(Agent, contact.agent), self.centre.env.now)

    def talk_ended(self, contact: Contact, agent: Agent, now: float) -> None:
        """Resolve, escalate or transfer the contact, or let it go unresolved."""
        centre = self.centre
        if contact.misplaced:
            contact.misplaced = False
            self._transfer(contact, agent, contact.target, now)
            return
        journey = self.journey
        if journey.always_resolved:
            contact.resolved = True
            centre.hang_up(contact, Outcome.ANSWERED, now)
            centre.after_work(agent, contact.wrap, now)
            return
        draws = self.draws
        step = journey.after_leg(
            agent.group,
            contact.served_queue,
            contact.needs_authority,
            contact.escalated,
            draws.resolve.next,
            draws.transfer.next,
        )
        if step >= 0 and contact.transfers >= journey.max_transfers:
            step = UNRESOLVED  # the caller gives up after being passed on too often
        if step >= 0:
            if step == journey.escalation_queue:
                contact.escalated = True
            self._transfer(contact, agent, step, now)
            return
        contact.resolved = step == RESOLVED
        centre.hang_up(contact, Outcome.ANSWERED, now)
        centre.after_work(agent, contact.wrap, now)

    def _transfer(self, contact: Contact, agent: Agent, to: int, now: float) -> None:
        """Pass the contact to queue ``to`` the way the transfer mode says."""
        contact.transfers += 1
        mode = self.transfer_mode
        contact.story_known = mode.story_survives(self.draws.uniform.next())
        if mode.briefing is not None:  # the agent stays on the line to brief the next
            contact.holder = agent
            contact.handoff -= now  # the holder's time is counted when released
        else:
            self.centre.after_work(agent, contact.wrap, now)
        self.enter_queue(contact, to, now, first=False)

    def release_holder(self, contact: Contact, now: float) -> None:
        """A warm transfer ended without a handover (the caller hung up): free the holder."""
        if contact.holder is not None:
            contact.handoff += now
            holder = cast(Agent, contact.holder)
            contact.holder = None
            self.centre.after_work(holder, contact.wrap, now)
