"""A contact in flight: one call from dial to hang-up.

Through the IVR, queues, transfers and escalations it is the same contact; a redial,
a recontact or a callback is a new one.
"""

from __future__ import annotations

__all__ = [
    "CALLBACK_TASK",
    "DONE",
    "EMAIL",
    "INBOUND",
    "IN_IVR",
    "NEW",
    "SERVING",
    "VOICEMAIL_TASK",
    "WAITING",
    "Contact",
]

NEW = 0
IN_IVR = 1
WAITING = 2
SERVING = 3
DONE = 4

NAN = float("nan")
INF = float("inf")

INBOUND = 0
"""A caller on the line."""
CALLBACK_TASK = 1
"""The centre must ring a caller back (accepted callback)."""
VOICEMAIL_TASK = 2
"""The centre must listen to a message and ring the caller back."""
EMAIL = 3
"""An e-mail: it holds no line, never abandons, and waits overnight (``email.py``)."""


class Contact:
    """The mutable state of a contact while it is in the system; logged when it ends."""

    __slots__ = (
        "abandon_at",
        "agent",
        "announced",
        "answer",
        "arrival",
        "attempts",
        "authority_at",
        "backoffice",
        "balk_draw",
        "call_type",
        "callback_offered",
        "caller",
        "chat",
        "day",
        "dialled_at",
        "ended",
        "escalated",
        "explanations",
        "extra_queues",
        "flags",
        "follows_first",
        "handle",
        "handoff",
        "holder",
        "hops",
        "id",
        "interval",
        "joined_at",
        "kind",
        "legs",
        "logged_agent",
        "logged_group",
        "logged_queue",
        "logged_wrap",
        "misplaced",
        "misrouted",
        "needs_authority",
        "origin",
        "outcome",
        "outside_hours",
        "path",
        "path_code",
        "patience",
        "ping_pong",
        "predicted",
        "queue",
        "queue_entry",
        "reached_manager",
        "repeats",
        "requested_at",
        "resolved",
        "run",
        "served_queue",
        "state",
        "story_known",
        "talk",
        "target",
        "told_before",
        "transfers",
        "tz",
        "visit",
        "wait",
        "work_from",
        "work_left",
        "wrap",
        "zero_out",
    )

    # Set when the contact ends, read into its log row (``log_row.py``).
    outcome: int
    ended: float
    logged_queue: int
    logged_group: int
    logged_agent: int
    logged_wrap: float
    flags: int
    hops: int
    path_code: int
    # A chat's progress when concurrency slows it (``service.py``).
    work_left: float
    work_from: float
    run: int

    def __init__(
        self,
        contact_id: int,
        caller: int,
        call_type: int,
        origin: int,
        arrival: float,
        day: int,
        interval: int,
        target: int,
        patience: float,
        handle: float,
        wrap: float,
        balk_draw: float,
        needs_authority: bool = False,
        tz: float = 0.0,
    ) -> None:
        self.id = contact_id
        self.caller = caller
        self.call_type = call_type
        self.origin = origin
        self.arrival = arrival
        self.day = day
        self.interval = interval
        self.target = target
        self.queue = target
        self.patience = patience
        self.handle = handle
        self.wrap = wrap
        self.balk_draw = balk_draw
        self.needs_authority = needs_authority
        self.state = NEW
        self.queue_entry = NAN
        self.joined_at = NAN
        self.answer = NAN
        self.authority_at = NAN
        self.wait = 0.0
        self.talk = 0.0
        self.handoff = 0.0
        self.served_queue = -1
        self.agent: object = None
        self.holder: object = None
        self.extra_queues: list[int] | None = None
        self.path: list[int] | None = None
        self.legs = 0
        self.visit = 0
        self.transfers = 0
        self.explanations = 0
        self.repeats = 0
        self.told_before = False
        self.story_known = False
        self.ping_pong = False
        self.resolved = False
        self.escalated = False
        self.reached_manager = False
        self.misplaced = False
        self.misrouted = False
        self.zero_out = False
        self.tz = tz
        self.kind = INBOUND
        self.abandon_at = INF
        self.callback_offered = False
        self.follows_first = False
        self.requested_at = NAN
        self.attempts = 0
        self.outside_hours = 0
        self.dialled_at = NAN
        self.backoffice = 0.0
        self.predicted = NAN
        self.announced = NAN
        self.chat = False
