"""Transfer modes: what a transfer does to the caller's story and to the first agent.

- ``cold``: the first agent is freed at once; the caller queues again and must tell
  the story again to the next agent.
- ``warm``: the first agent stays on the line until the next one answers and briefs
  them (both busy during the briefing); the caller does not explain again.
- ``context``: cold, but a note passed along spares the re-explanation with
  probability ``context_keeps_story``.
"""

from __future__ import annotations

from typing import Protocol

from simulator.scenario.journeys import Transfers

__all__ = ["TRANSFER_MODES", "TransferMode", "make_transfer_mode"]


class TransferMode(Protocol):
    """Decides what a transfer keeps."""

    agent_holds: bool
    """The first agent stays on the line until the next agent answers."""

    def story_survives(self, draw: float) -> bool:
        """Whether the next agent knows the story (``draw`` is uniform on [0, 1))."""
        ...


class Cold:
    """The caller starts over with the next agent."""

    agent_holds = False

    def story_survives(self, draw: float) -> bool:
        return False


class Warm:
    """The agent hands the caller over in person."""

    agent_holds = True

    def story_survives(self, draw: float) -> bool:
        return True


class Context:
    """A cold transfer with a note that usually spares the re-explanation."""

    agent_holds = False

    def __init__(self, keeps_story: float) -> None:
        self.keeps_story = keeps_story

    def story_survives(self, draw: float) -> bool:
        return draw < self.keeps_story


TRANSFER_MODES = ("cold", "warm", "context")


def make_transfer_mode(transfers: Transfers) -> TransferMode:
    """The transfer mode the scenario names."""
    if transfers.mode == "warm":
        return Warm()
    if transfers.mode == "context":
        return Context(transfers.context_keeps_story)
    return Cold()
