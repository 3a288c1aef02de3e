"""Queue entry and waiting: a contact joins a queue and is answered at once (a chat
first by an agent already chatting with a slot free), or (at its
first queue) balks, accepts a callback, is sent to voicemail or hears the announced
wait; then it waits until answered, its patience runs out, it overflows to another
queue, or it is sent to voicemail after waiting too long.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import simpy

from simulator.metrics.log import Outcome
from simulator.model.agents import Agent
from simulator.model.contact import IN_IVR, INBOUND, WAITING, Contact
from simulator.model.events import Wakeup

if TYPE_CHECKING:
    from simulator.model.centre import Centre

__all__ = ["Queueing"]

INFINITY = float("inf")
NAN = float("nan")
_TIME_TOLERANCE = 1e-7
"""Seconds by which a wake-up may precede the time it was set for (``now + (t - now)``)."""


class Queueing:
    """Joining queues, and what happens to a contact while it waits."""

    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        self.env = centre.env
        rules = centre.rules
        self.draws = centre.draws
        self.routing = rules.routing
        self.groups = centre.groups
        self.queues = centre.queues
        self.estimator = centre.estimator
        self.balk_probability = rules.balk_probability
        self.behaviour = rules.behaviour
        self.predicts = rules.predicts
        self.overflow: list[list[tuple[float, Callable[[simpy.Event], None]]]] = [
            [] for _ in self.queues
        ]
        for rule in rules.overflow:
            self.overflow[rule.from_queue].append((rule.after_s, self._overflow_step(rule.to)))
        vm = rules.voicemail
        self.voicemail_after_s = vm.after_wait_s if vm is not None else None
        self.queue_groups = rules.skills.queue_groups

    def wire(self) -> None:
        """Look up the sibling stages once they all exist."""
        self.answer = self.centre.service.answer

    def enter(
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
        if contact.chat:
            agent = self._free_slot(queue)
            if agent is not None:
                self.answer(contact, agent, queue, now)
                return
        group = self.routing.group_for(queue, self.groups, now)
        if group >= 0:
            self.answer(contact, self.groups[group].take_idle(now), queue, now)
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

    def _free_slot(self, queue: int) -> Agent | None:
        """An agent already chatting with a slot free (first group, first such agent)."""
        for g in self.queue_groups[queue]:
            group = self.groups[g]
            if group.partial and not group.to_leave:
                return group.partial[0]
        return None

    def _first_wait(self, contact: Contact, queue: int, patience: float, now: float) -> bool:
        """A caller who must wait at the first queue: balk, take a callback, go to voicemail,
        or hear the announced wait. True when the caller is no longer waiting on the line.
        """
        centre = self.centre
        if contact.balk_draw < self.balk_probability[contact.call_type]:
            contact.queue_entry = NAN
            centre.hang_up(contact, Outcome.BALKED, now)
            return True
        if not self.predicts:
            return False
        estimator = self.estimator
        estimate = estimator.estimate(queue, contact.call_type, self.queues, self.groups)
        contact.predicted = estimate
        desk = centre.desk
        if desk.offer_callback(contact, queue, estimate, now):
            return True
        if desk.wants_voicemail(estimate):
            contact.state = IN_IVR
            desk.take_message(contact, now)
            return True
        announcer = estimator.announcer
        if announcer is not None:
            announced = announcer.announce(estimate)
            contact.announced = announced
            if announced > patience:
                centre.hang_up(contact, Outcome.ANNOUNCE_BALKED, now)
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
        self.leave(contact, now)
        contact.wait += now - contact.joined_at
        contact.state = IN_IVR
        self.centre.desk.take_message(contact, now)

    def _on_patience(self, event: simpy.Event) -> None:
        contact = cast(Contact, event.value)
        now = self.env.now
        if contact.state != WAITING or now < contact.abandon_at - _TIME_TOLERANCE:
            return  # answered, or a patience of an earlier wait, or cut short meanwhile
        self.leave(contact, now)
        contact.wait += now - contact.joined_at
        centre = self.centre
        centre.after_talk.release_holder(contact, now)
        centre.hang_up(contact, Outcome.ABANDONED, now)
        if centre.closed:
            centre.check_drained(now)

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
        group = self.routing.group_for(to, self.groups, now)
        if group >= 0:
            self.leave(contact, now)
            self.answer(contact, self.groups[group].take_idle(now), to, now)
            return
        self.queues[to].join(contact, now)
        if contact.extra_queues is None:
            contact.extra_queues = [to]
        else:
            contact.extra_queues.append(to)

    def leave(self, contact: Contact, now: float) -> None:
        """``contact`` stops waiting in its queue and any it overflowed into."""
        current = contact.path[-1] if contact.path is not None else contact.queue
        self.queues[current].leave(now)
        if contact.extra_queues is not None:
            for q in contact.extra_queues:
                self.queues[q].leave(now)
            contact.extra_queues = None
