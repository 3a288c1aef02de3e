"""Callback modes: when an accepted callback joins the queue.

- ``virtual_hold``: at once, so it takes the place the caller had.
- ``scheduled``: ``scheduled_after_s`` after the caller accepted.

Each mode is registered under its scenario model's ``mode`` (``CALLBACK_MODES``); a new
mode is a model in ``simulator/scenario/contact_back.py`` and a class here.
"""

from __future__ import annotations

from typing import Protocol

from simulator.policies.registry import Registry
from simulator.scenario.contact_back import CallbackSpec, ScheduledCallback, VirtualHoldCallback

__all__ = ["CALLBACK_MODES", "CallbackMode", "Scheduled", "VirtualHold", "make_callback_mode"]


class CallbackMode(Protocol):
    """When an accepted callback is queued."""

    delay_s: float
    """Seconds from the caller accepting to the callback joining the queue (0: at once)."""


CALLBACK_MODES: Registry[CallbackMode] = Registry("callback mode", CallbackSpec)
"""``mode`` -> the callback mode, built from its model."""


@CALLBACK_MODES.register(VirtualHoldCallback)
class VirtualHold:
    """The callback keeps the caller's place: it joins the queue at once."""

    delay_s = 0.0

    def __init__(self, spec: VirtualHoldCallback) -> None:
        pass


@CALLBACK_MODES.register(ScheduledCallback)
class Scheduled:
    """The callback joins the queue a fixed delay later."""

    def __init__(self, spec: ScheduledCallback) -> None:
        self.delay_s = spec.scheduled_after_s


def make_callback_mode(spec: CallbackSpec) -> CallbackMode:
    """The mode the scenario's ``callback`` names."""
    return CALLBACK_MODES.build(spec)
