"""A queue (skill / department): contacts waiting in arrival order, with lazy removal.

A contact that abandons, or that is answered from another queue it overflowed
into, is not searched for and removed: the entry is dropped when it reaches the
head. An entry is ``(visit, contact)``; it is live while the contact is waiting
in that same visit (a transferred caller who comes back is a new visit, so a stale
entry never hands it its old place in line). ``waiting`` counts the contacts really
waiting, and ``area`` integrates it over time (for the time-average queue length).
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
        self.line: deque[tuple[int, Contact]] = deque()
        self.waiting = 0
        self.area = 0.0
        self.t_last = 0.0

    def head_since(self) -> float:
        """When the first contact really waiting joined this wait (``inf`` if none)."""
        line = self.line
        while line:
            visit, contact = line[0]
            if contact.state == WAITING and contact.visit == visit:
                return contact.joined_at
            line.popleft()
        return INFINITY

    def join(self, contact: Contact, now: float) -> None:
        """Put ``contact`` at the back of the line."""
        self.area += self.waiting * (now - self.t_last)
        self.t_last = now
        self.waiting += 1
        self.line.append((contact.visit, contact))

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
        return [c for visit, c in self.line if c.state == WAITING and c.visit == visit]
