"""Agent groups: who is present, idle (longest idle first) or busy, and the time areas.

An agent has a capacity per channel: a call takes all of it, a chat one of the
group's ``slots``. Agents holding chats with a slot free are in ``partial``, where a
new chat looks first; busy time counts a chat agent as ``load / slots`` busy.

Staffing changes at interval boundaries. When fewer agents are wanted, idle ones
leave at once and busy ones finish the contact in hand (and its wrap-up) and then
leave — counted in ``to_leave``. Time areas (busy, present, paid) are integrated
at every change, so occupancy and agent hours come from exact areas.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

__all__ = ["Agent", "AgentGroup"]


class Agent:
    """One agent: an id, a group, the time it last became idle, and the chats it holds."""

    __slots__ = ("chats", "group", "id", "idle_since", "load", "speed_since")

    def __init__(self, agent_id: int, group: int, idle_since: float) -> None:
        self.id = agent_id
        self.group = group
        self.idle_since = idle_since
        self.load = 0
        """Chats in hand (0 for an agent on a call or free)."""
        self.chats: list[Any] = []
        """The contacts of those chats (kept only when concurrency slows them)."""
        self.speed_since = 0.0
        """Since when the chats in hand have progressed at their current speed."""


class AgentGroup:
    """The agents of one group and their time-weighted areas."""

    __slots__ = (
        "busy",
        "busy_area",
        "chat_agents",
        "chat_area",
        "chat_used",
        "chatting_area",
        "factor",
        "idle",
        "ids",
        "index",
        "paid_area",
        "partial",
        "present_area",
        "scheduled",
        "slots",
        "t_last",
        "to_leave",
    )

    def __init__(self, index: int, factor: float, ids: Iterator[int], slots: int = 1) -> None:
        self.index = index
        self.factor = factor
        self.slots = slots
        self.partial: list[Agent] = []
        self.chat_agents = 0
        self.chat_used = 0
        self.chat_area = 0.0
        self.chatting_area = 0.0
        self.idle: deque[Agent] = deque()
        self.busy = 0
        self.to_leave = 0
        self.scheduled = 0
        self.ids = ids
        self.t_last = 0.0
        self.busy_area = 0.0
        self.present_area = 0.0
        self.paid_area = 0.0

    def advance(self, now: float) -> None:
        """Integrate the areas up to ``now``."""
        dt = now - self.t_last
        if dt:
            if self.chat_agents:
                self.busy_area += (self.busy - self.chat_agents + self.chat_used / self.slots) * dt
                self.chat_area += self.chat_used * dt
                self.chatting_area += self.chat_agents * dt
            else:
                self.busy_area += self.busy * dt
            self.present_area += (len(self.idle) + self.busy) * dt
            self.paid_area += (self.scheduled + self.to_leave) * dt
            self.t_last = now

    def take_idle(self, now: float) -> Agent:
        """The longest-idle agent, now busy."""
        self.advance(now)
        self.busy += 1
        return self.idle.popleft()

    def start(self, now: float) -> None:
        """An agent already taken off ``idle`` starts work."""
        self.advance(now)
        self.busy += 1

    def release(self, agent: Agent, now: float) -> None:
        """``agent`` finished its work: it becomes idle, or leaves if its shift is over."""
        self.advance(now)
        self.busy -= 1
        if self.to_leave:
            self.to_leave -= 1
        else:
            agent.idle_since = now
            self.idle.append(agent)

    def chat_begin(self, agent: Agent, now: float) -> None:
        """``agent`` (busy: taken from idle, or already chatting) takes one more chat."""
        self.advance(now)
        self.chat_used += 1
        if agent.load == 0:
            self.chat_agents += 1
        agent.load += 1
        if agent.load == 1 and self.slots > 1:
            self.partial.append(agent)
        elif agent.load == self.slots and self.slots > 1:
            self.partial.remove(agent)

    def chat_end(self, agent: Agent, now: float) -> None:
        """One of ``agent``'s chats is over (it stays busy: see ``release``)."""
        self.advance(now)
        self.chat_used -= 1
        agent.load -= 1
        if agent.load == 0:
            self.chat_agents -= 1
            if self.slots > 1:
                self.partial.remove(agent)
        elif agent.load == self.slots - 1:
            self.partial.append(agent)

    @property
    def on_duty(self) -> int:
        """Agents present who are not about to leave."""
        return len(self.idle) + self.busy - self.to_leave

    def set_staff(self, available: int, scheduled: int, now: float) -> int:
        """Have ``available`` agents on duty (``scheduled`` paid); return how many were added."""
        self.advance(now)
        self.scheduled = scheduled
        change = available - self.on_duty
        if change > 0:
            kept = min(change, self.to_leave)
            self.to_leave -= kept
            for _ in range(change - kept):
                self.idle.append(Agent(next(self.ids), self.index, now))
            return change - kept
        remove = -change
        while remove and self.idle:
            self.idle.pop()
            remove -= 1
        self.to_leave += remove
        return 0

    def take_areas(self, now: float) -> tuple[float, float, float, float, float]:
        """Busy, present, paid, chat-slot and chatting-agent areas since the last call;
        start new ones.
        """
        self.advance(now)
        areas = (
            self.busy_area,
            self.present_area,
            self.paid_area,
            self.chat_area,
            self.chatting_area,
        )
        self.busy_area = self.present_area = self.paid_area = 0.0
        self.chat_area = self.chatting_area = 0.0
        return areas
