"""A contact in flight: one call from dial to hang-up (DESIGN §5)."""

from __future__ import annotations

__all__ = ["DONE", "NEW", "SERVING", "WAITING", "Contact"]

NEW = 0
WAITING = 1
SERVING = 2
DONE = 3

NAN = float("nan")


class Contact:
    """The mutable state of a contact while it is in the system; logged when it ends."""

    __slots__ = (
        "agent",
        "answer",
        "arrival",
        "balk_draw",
        "call_type",
        "caller",
        "day",
        "extra_queues",
        "handle",
        "id",
        "interval",
        "origin",
        "patience",
        "queue",
        "queue_entry",
        "served_queue",
        "state",
        "talk",
        "wrap",
    )

    def __init__(
        self,
        contact_id: int,
        caller: int,
        call_type: int,
        origin: int,
        arrival: float,
        day: int,
        interval: int,
        queue: int,
        patience: float,
        handle: float,
        wrap: float,
        balk_draw: float,
    ) -> None:
        self.id = contact_id
        self.caller = caller
        self.call_type = call_type
        self.origin = origin
        self.arrival = arrival
        self.day = day
        self.interval = interval
        self.queue = queue
        self.patience = patience
        self.handle = handle
        self.wrap = wrap
        self.balk_draw = balk_draw
        self.state = NEW
        self.queue_entry = NAN
        self.answer = NAN
        self.talk = 0.0
        self.served_queue = -1
        self.agent: object = None
        self.extra_queues: list[int] | None = None
