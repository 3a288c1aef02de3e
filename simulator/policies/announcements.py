"""Delay announcements: what a caller who must wait is told, from the wait estimate.

- ``none``: nothing (no announcer is built).
- ``accurate``: the estimate.
- ``optimistic``: the estimate divided by ``factor`` (overpromising).
- ``pessimistic``: the estimate times ``factor`` (underpromising: "underpromise and
  overdeliver").
- ``rounded``: the estimate rounded up to a whole number of ``step_s`` ("about 3
  minutes").

Each mode is registered under its scenario model's ``mode`` (``ANNOUNCEMENTS``); a new
mode is a model in ``simulator/scenario/contact_back.py`` and a class here.
"""

from __future__ import annotations

import math
from typing import Protocol

from simulator.policies.registry import Registry
from simulator.scenario.contact_back import (
    AccurateAnnouncement,
    AnnouncementSpec,
    NoAnnouncement,
    OptimisticAnnouncement,
    PessimisticAnnouncement,
    RoundedAnnouncement,
)

__all__ = [
    "ANNOUNCEMENTS",
    "Accurate",
    "Announcer",
    "RoundedUp",
    "Scaled",
    "make_announcer",
]


class Announcer(Protocol):
    """Turns a wait estimate into the wait a caller hears."""

    patience_after_overrun: float
    """Share of the remaining patience a caller keeps once the announced wait has passed."""

    def announce(self, estimate: float) -> float:
        """The wait announced for an estimated ``estimate`` seconds."""
        ...


ANNOUNCEMENTS: Registry[Announcer | None] = Registry("announcement mode", AnnouncementSpec)
"""``mode`` -> the announcer (None: callers are told nothing), built from its model."""


@ANNOUNCEMENTS.register(NoAnnouncement)
def _silent(spec: NoAnnouncement) -> None:
    """No announcement: nothing to build."""
    return None


@ANNOUNCEMENTS.register(AccurateAnnouncement)
class Accurate:
    """The caller hears the estimate."""

    def __init__(self, spec: AccurateAnnouncement) -> None:
        self.patience_after_overrun = spec.patience_after_overrun

    def announce(self, estimate: float) -> float:  # noqa: D102
        return estimate


class Scaled:
    """The caller hears the estimate times a fixed scale."""

    def __init__(self, scale: float, patience_after_overrun: float) -> None:
        self.scale = scale
        self.patience_after_overrun = patience_after_overrun

    def announce(self, estimate: float) -> float:  # noqa: D102
        return estimate * self.scale


@ANNOUNCEMENTS.register(OptimisticAnnouncement)
def _optimistic(spec: OptimisticAnnouncement) -> Scaled:
    """Less than the estimate: estimate / factor."""
    return Scaled(1.0 / spec.factor, spec.patience_after_overrun)


@ANNOUNCEMENTS.register(PessimisticAnnouncement)
def _pessimistic(spec: PessimisticAnnouncement) -> Scaled:
    """More than the estimate: estimate x factor."""
    return Scaled(spec.factor, spec.patience_after_overrun)


@ANNOUNCEMENTS.register(RoundedAnnouncement)
class RoundedUp:
    """The caller hears the estimate rounded up to a whole number of steps."""

    def __init__(self, spec: RoundedAnnouncement) -> None:
        self.step_s = spec.step_s
        self.patience_after_overrun = spec.patience_after_overrun

    def announce(self, estimate: float) -> float:  # noqa: D102
        if math.isinf(estimate):
            return estimate  # nobody can serve the queue: there is nothing to round
        return math.ceil(estimate / self.step_s) * self.step_s


def make_announcer(spec: AnnouncementSpec) -> Announcer | None:
    """The announcer the scenario's ``announcement`` names (None for ``none``)."""
    return ANNOUNCEMENTS.build(spec)
