"""Transfer modes: what a transfer does to the caller's story and to the first agent.

- ``cold``: the first agent is freed at once; the caller queues again and must tell
  the story again to the next agent.
- ``warm``: the first agent stays on the line until the next one answers and briefs
  them (both busy during the briefing); the caller does not explain again.
- ``context``: cold, but a note passed along spares the re-explanation with
  probability ``context_keeps_story``.

Each mode is registered under its scenario model's ``mode`` (``TRANSFER_MODES``); a new
mode is a model in ``simulator/scenario/journeys.py`` and a class here.
"""

from __future__ import annotations

from typing import Protocol

from simulator.distributions import Distribution
from simulator.policies.registry import Registry
from simulator.scenario.journeys import (
    ColdTransfers,
    ContextTransfers,
    TransfersSpec,
    WarmTransfers,
)

__all__ = ["TRANSFER_MODES", "Cold", "Context", "TransferMode", "Warm", "make_transfer_mode"]


class TransferMode(Protocol):
    """Decides what a transfer keeps."""

    briefing: Distribution | None
    """How long the first agent, who stays on the line until the next agent answers,
    briefs them; None when the first agent is freed at once."""

    def story_survives(self, draw: float) -> bool:
        """Whether the next agent knows the story (``draw`` is uniform on [0, 1))."""
        ...


TRANSFER_MODES: Registry[TransferMode] = Registry("transfer mode", TransfersSpec)
"""``mode`` -> the transfer mode, built from its scenario model."""


@TRANSFER_MODES.register(ColdTransfers)
class Cold:
    """The caller starts over with the next agent."""

    briefing: Distribution | None = None

    def __init__(self, spec: ColdTransfers) -> None:
        pass

    def story_survives(self, draw: float) -> bool:  # noqa: D102
        return False


@TRANSFER_MODES.register(WarmTransfers)
class Warm:
    """The agent hands the caller over in person."""

    def __init__(self, spec: WarmTransfers) -> None:
        self.briefing: Distribution | None = spec.briefing

    def story_survives(self, draw: float) -> bool:  # noqa: D102
        return True


@TRANSFER_MODES.register(ContextTransfers)
class Context:
    """A cold transfer with a note that usually spares the re-explanation."""

    briefing: Distribution | None = None

    def __init__(self, spec: ContextTransfers) -> None:
        self.keeps_story = spec.context_keeps_story

    def story_survives(self, draw: float) -> bool:  # noqa: D102
        return draw < self.keeps_story


def make_transfer_mode(transfers: TransfersSpec) -> TransferMode:
    """The transfer mode the scenario's ``transfers`` names, with its parameters."""
    return TRANSFER_MODES.build(transfers)
