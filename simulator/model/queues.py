"""A queue (skill / department): contacts waiting in arrival order, with lazy removal.

A contact that abandons, or that is answered from another queue it overflowed
into, is not searched for and removed: its state changes and the stale entry is
dropped when it reaches the head. ``waiting`` counts the contacts really waiting,
and ``area`` integrates it over time (for the time-average queue length).
"""

from __future__ import annotations

from collections import deque

from simulator.model.contact import WAITING, Contact

__all__ = ["ContactQueue"]

INFINITY = float("inf")


class ContactQueue:
    """Waiting contacts of one queue."""

    __slots__ = ("area", "index", "line", "t_last", "waiting")

    def __init__(self, index: int) -> None:
        self.index = index
        self.line: deque[Contact] = deque()
        self.waiting = 0
        self.area = 0.0
        self.t_last = 0.0

    def head_since(self) -> float:
        """When the first contact really waiting started to wait (``inf`` if none)."""
        line = self.line
        while line:
            contact = line[0]
            if contact.state == WAITING:
                return contact.queue_entry
            line.popleft()
        return INFINITY

    def join(self, contact: Contact, now: float) -> None:
        """Put ``contact`` at the back of the line."""
        self.area += self.waiting * (now - self.t_last)
        self.t_last = now
        self.waiting += 1
        self.line.append(contact)

    def leave(self, now: float) -> None:
        """Count one waiting contact gone (answered or abandoned); its entry goes lazily."""
        self.area += self.waiting * (now - self.t_last)
        self.t_last = now
        self.waiting -= 1

    def take_area(self, now: float) -> float:
        """The area accumulated since the last call, and start a new one."""
        area = self.area + self.waiting * (now - self.t_last)
        self.area = 0.0
        self.t_last = now
        return area

    def waiting_contacts(self) -> list[Contact]:
        """The contacts still waiting, in line order."""
        return [c for c in self.line if c.state == WAITING]
