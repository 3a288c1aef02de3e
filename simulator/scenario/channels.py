"""Channels in the scenario file: chat capacity of an agent group.

A queue's ``channel`` (``voice`` or ``chat``) says what its contacts are; an agent
group's ``chat`` block says how many chats an agent holds at once and how much each
extra chat slows every one of them.
"""

from __future__ import annotations

from pydantic import Field

from simulator.scenario.base import StrictModel

__all__ = ["ChatCapacity"]


class ChatCapacity(StrictModel):
    """How an agent of the group handles chats."""

    slots: int = Field(
        default=1, ge=1, le=16, description="Chats an agent holds at once (a call takes all)."
    )
    slowdown: float = Field(
        default=0,
        ge=0,
        description=(
            "With k chats at once each progresses at speed 1 / (1 + slowdown x (k - 1)): "
            "0 means concurrency costs nothing, 0.5 that two chats take 1.5x as long each."
        ),
    )
