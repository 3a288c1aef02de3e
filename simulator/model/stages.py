"""The stages of a contact's journey, as the small interfaces the centre wires together.

Each stage lives in a module of its own and knows only these interfaces of the
others: ``entry.py`` (lines, IVR, calling again), ``queueing.py`` (joining a queue:
balk, callback offer, voicemail, announcement; patience and overflow while waiting),
``service.py`` (the conversation: briefing, the story, the talk) and
``after_talk.py`` (resolve, escalate, transfer). ``Centre`` keeps dispatch (which
agent takes which contact), the lines, the calendar and the log.
"""

from __future__ import annotations

from typing import Protocol

import simpy

from simulator.metrics.log import Outcome
from simulator.model.agents import Agent
from simulator.model.contact import Contact

__all__ = ["AfterTalkStage", "EntryStage", "QueueStage", "ServiceStage"]


class EntryStage(Protocol):
    """A contact dials in (blocked, IVR, or straight to a queue), or calls again later."""

    def arrive(self, contact: Contact) -> None:
        """``contact`` dials in now."""
        ...

    def call_again(self, contact: Contact, outcome: Outcome, now: float) -> None:
        """Perhaps schedule a redial or a recontact of a contact that ended with ``outcome``."""
        ...


class QueueStage(Protocol):
    """A contact joins a queue and waits there until answered, gone, or moved."""

    def enter(
        self, contact: Contact, queue: int, now: float, first: bool, retry: bool = False
    ) -> None:
        """``contact`` joins ``queue`` (``first``: its first queue; ``retry``: a task again)."""
        ...

    def leave(self, contact: Contact, now: float) -> None:
        """``contact`` stops waiting in every queue it waits in."""
        ...


class ServiceStage(Protocol):
    """An agent reaches a contact and talks to it."""

    def answer(self, contact: Contact, agent: Agent, queue: int, now: float) -> None:
        """``agent`` takes ``contact`` from ``queue``."""
        ...

    def converse(self, contact: Contact, agent: Agent, queue: int, now: float) -> None:
        """``agent`` talks to ``contact`` (a caller on the line, or a chat)."""
        ...

    def chat_over(self, agent: Agent, now: float) -> None:
        """One of ``agent``'s chats is over: fill the slot, or free the agent."""
        ...


class AfterTalkStage(Protocol):
    """What follows a conversation: resolution, escalation or transfer."""

    def on_talk_end(self, event: simpy.Event) -> None:
        """Wake-up step at the end of a conversation (``event.value`` is the contact)."""
        ...

    def talk_ended(self, contact: Contact, agent: Agent, now: float) -> None:
        """The conversation of ``agent`` with ``contact`` is over."""
        ...

    def release_holder(self, contact: Contact, now: float) -> None:
        """Free an agent who held ``contact`` for a warm transfer that will not happen."""
        ...
