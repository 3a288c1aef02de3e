"""E-mail as a backlog: deferrable work agents take when no call or chat waits.

An e-mail queue is a :class:`~simulator.model.queues.ContactQueue` that the routing
policy never sees (its ``head_since`` is always ``inf``), so every policy serves calls
and chats exactly as without e-mail. An agent with nothing of those to do asks the
:class:`EmailDesk`, which hands it the e-mail that has waited longest among the
group's e-mail queues of the best skill priority — but only while the centre is
open: after closing, e-mails wait for the next day. An arriving e-mail goes to an
idle agent at once (the routing policy picks the group, as for a call); an e-mail in
hand is never interrupted by a call (no pre-emption). An e-mail arriving while the
centre is closed goes straight to the backlog. E-mails hold no line and never
abandon; one still waiting when the run ends is logged as ``Outcome.BACKLOG``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.model.contact import EMAIL, WAITING, Contact
from simulator.model.queues import ContactQueue
from simulator.policies.routing import longest_waiting

if TYPE_CHECKING:
    from simulator.model.centre import Centre

__all__ = ["EmailDesk", "EmailQueue"]

INFINITY = float("inf")


class EmailQueue(ContactQueue):
    """The backlog of one e-mail queue, hidden from the routing policy."""

    __slots__ = ()

    def head_since(self) -> float:
        """``inf``: routing policies never pick e-mail (the ``EmailDesk`` does)."""
        return INFINITY

    def backlog_since(self) -> float:
        """When the e-mail first in line arrived in the queue (``inf`` if none)."""
        return ContactQueue.head_since(self)


class _Backlog:
    """An e-mail queue seen through its real head, for ``longest_waiting``."""

    __slots__ = ("queue",)

    def __init__(self, queue: ContactQueue) -> None:
        self.queue = queue

    def head_since(self) -> float:
        queue = self.queue
        return queue.backlog_since() if isinstance(queue, EmailQueue) else INFINITY


class EmailDesk:
    """Which e-mail a free agent takes, if any."""

    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        self.tiers = centre.rules.email.tiers
        self.backlogs = [_Backlog(queue) for queue in centre.queues]

    def arrive(self, contact: Contact, now: float) -> None:
        """An e-mail comes in: to its queue (an idle agent may take it at once), or, while
        the centre is closed, straight to the backlog.
        """
        contact.kind = EMAIL  # no line, no IVR, no patience
        contact.story_known = True  # the story is in the e-mail
        centre = self.centre
        queue = contact.target
        if not centre.closed:
            centre.queueing.enter(contact, queue, now, first=True)
            return
        contact.queue_entry = contact.joined_at = now
        contact.visit += 1
        contact.state = WAITING
        centre.queues[queue].join(contact, now)

    def queue_for(self, group: int) -> int:
        """The e-mail queue whose first e-mail a free agent of ``group`` takes, or -1
        (none waiting, no e-mail skill, or the centre closed).
        """
        tiers = self.tiers[group]
        if not tiers or self.centre.closed:
            return -1
        return longest_waiting(tiers, self.backlogs)
