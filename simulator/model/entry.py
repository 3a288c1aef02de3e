"""Entry: a contact dials in (blocked for lack of lines, into the IVR, or straight to
its queue; a chat goes straight to its queue, an e-mail to its queue without a line),
and a caller who did not get what they needed may call again later. ``lines`` limits
calls and chats together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import simpy

from simulator.metrics.log import Origin, Outcome
from simulator.model.contact import IN_IVR, Contact
from simulator.model.email import EmailDesk
from simulator.model.events import Wakeup
from simulator.model.ivr import IvrRouter

if TYPE_CHECKING:
    from simulator.model.centre import Centre

__all__ = ["Entry"]

_NO_CALL_AGAIN = frozenset(
    {Outcome.SELF_SERVED, Outcome.CALLBACK_ACCEPTED, Outcome.VOICEMAIL, Outcome.UNREACHED}
)
"""Outcomes after which the caller does not call again (helped, or waiting for the centre)."""


class Entry:
    """Lines, the IVR, and redials and recontacts."""

    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        self.env = centre.env
        rules = centre.rules
        draws = centre.draws
        self.draws = draws
        self.redials = centre.redials
        self.lines = rules.lines
        self.ivr = (
            IvrRouter(rules.ivr, rules.queue_index, draws.uniform, draws.sample)
            if rules.ivr is not None
            else None
        )
        self.recontact_probability = rules.recontact_probability
        self.case_history = rules.case_history
        vm = rules.voicemail
        self.voicemail_when_closed = vm is not None and vm.when_closed
        self.is_chat = rules.chat.is_chat if rules.chat.any else None
        self.is_email = rules.email.is_email if rules.email.any else None

    def wire(self) -> None:
        """Look up the sibling stages once they all exist."""
        self.enter_queue = self.centre.queueing.enter

    def arrive(self, contact: Contact) -> None:
        """A contact dials in: blocked, into the IVR, or to its queue."""
        centre = self.centre
        # The clock, not the planned time: ``now + (t - now)`` may differ from ``t`` by an ulp.
        contact.arrival = now = self.env.now
        if self.is_email is not None and self.is_email[contact.target]:
            cast(EmailDesk, centre.email).arrive(contact, now)
            return
        if centre.lines_busy == self.lines:
            centre.end(contact, Outcome.BLOCKED, now)
            self.call_again(contact, Outcome.BLOCKED, now)
            return
        centre.lines_busy += 1
        centre.in_system += 1
        if self.is_chat is not None and self.is_chat[contact.target]:
            contact.chat = True  # a chat skips the IVR and voicemail
            self.enter_queue(contact, contact.target, now, first=True)
            return
        if self.voicemail_when_closed and not centre.is_open(now):
            contact.state = IN_IVR
            centre.desk.take_message(contact, now)
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
        self.centre.hang_up(cast(Contact, event.value), Outcome.IVR_ABANDONED, self.env.now)

    def _on_self_served(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        contact.resolved = True
        self.centre.hang_up(contact, Outcome.SELF_SERVED, self.env.now)

    def _on_call_again(self, event: simpy.Event) -> None:
        self.arrive(cast(Contact, event.value))

    def call_again(self, contact: Contact, outcome: Outcome, now: float) -> None:
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
        centre = self.centre
        due = now + delay
        closed_message = self.voicemail_when_closed and not centre.is_open(due)
        when = due if closed_message and due < centre.horizon_end else centre.next_open_time(due)
        if when is None:
            return
        j = contact.call_type
        day, interval = centre.interval_of(when)
        again = Contact(
            centre.new_contact_id(),
            contact.caller,
            j,
            origin,
            when,
            day,
            interval,
            centre.target[j],
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
