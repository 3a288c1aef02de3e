"""The one kind of SimPy event the per-contact path schedules: a wake-up that calls
a function with a payload after a delay.

It is a plain ``simpy.Event`` triggered at creation (like ``Timeout``) whose only
callback is the step of the contact's journey that comes next. Driving contacts
by callbacks rather than a generator process each schedules two or three events
per call instead of SimPy's ~8 (process start, condition, request, release,
patience timeout, process end), which is where the engine's speed comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL

__all__ = ["Wakeup"]


class Wakeup(simpy.Event):
    """Call ``step(event)`` after ``delay`` seconds; ``event.value`` is ``payload``."""

    def __init__(
        self,
        env: simpy.Environment,
        delay: float,
        step: Callable[[simpy.Event], None],
        payload: Any,
    ) -> None:
        # Inlined Event.__init__ + succeed, as simpy.Timeout does, for speed.
        self.env = env
        self.callbacks = [step]
        self._value = payload
        self._ok = True
        env.schedule(self, NORMAL, delay)
