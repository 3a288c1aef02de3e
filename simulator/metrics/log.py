"""The per-contact event log: one row per contact, appended cheaply, columnar at rest.

The model appends one tuple per finished contact (``ContactLog.append``); every
``chunk_rows`` rows are packed into a numpy structured array (about 90 bytes a
contact) and handed to the listeners (the running tallies), then either kept
(for the contacts DataFrame) or dropped (``keep=False``: month-long runs keep
only aggregates). Every KPI is computed from these rows, never from counters
bumped inside the model.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum, IntFlag
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CONTACT_DTYPE",
    "ContactLog",
    "Flag",
    "Origin",
    "Outcome",
    "contacts_frame",
    "decode_path",
    "encode_path",
    "sorted_rows",
]


class Outcome(IntEnum):
    """How a contact ended."""

    ANSWERED = 0
    """Talked to an agent."""
    ABANDONED = 1
    """Hung up while waiting in a queue (patience ran out)."""
    BLOCKED = 2
    """Refused for lack of trunk lines."""
    BALKED = 3
    """Found every eligible agent busy and hung up at once."""
    DISCONNECTED = 4
    """Still waiting at close with ``at_close: disconnect`` (or at the end of the horizon)."""
    IVR_ABANDONED = 5
    """Hung up in the IVR (its IVR patience ran out)."""
    SELF_SERVED = 6
    """Resolved by self-service in the IVR."""
    CALLBACK_ACCEPTED = 7
    """Accepted a callback offer and hung up (the callback is a contact of its own)."""
    VOICEMAIL = 8
    """Left a message (the agent's return call is a contact of its own)."""
    ANNOUNCE_BALKED = 9
    """Heard an announced wait longer than they would wait and hung up at once."""
    UNREACHED = 10
    """A callback or voicemail return whose every attempt went unanswered."""


class Origin(IntEnum):
    """Why a contact was made."""

    FIRST = 0
    """A first call."""
    REDIAL = 1
    """A caller calling again after abandoning, balking or being blocked."""
    RECONTACT = 2
    """A caller calling again because the problem was not resolved."""
    CALLBACK = 3
    """The centre calling back a caller who accepted a callback (outbound)."""
    VOICEMAIL_RETURN = 4
    """The centre returning a voicemail (outbound)."""


class Flag(IntFlag):
    """Yes/no facts about a contact, packed in the log's ``flags`` column."""

    PING_PONG = 1
    """Returned to a queue already visited in the same contact."""
    RESOLVED = 2
    """The problem was solved (by an agent or self-service)."""
    NEEDS_AUTHORITY = 4
    """Only someone who can decide could help."""
    REACHED_MANAGER = 8
    """Talked to a manager."""
    MISROUTED = 16
    """A wrong IVR choice sent the caller to a queue other than its target."""
    ZERO_OUT = 32
    """Pressed 0 in the IVR for a person."""
    ESCALATED = 64
    """Was escalated to the supervisors' or managers' queue."""
    IVR = 128
    """Went through the IVR."""
    CALLBACK_OFFERED = 256
    """Was offered a callback."""
    FOLLOWS_FIRST_CALL = 512
    """A callback or voicemail return owed to a first call (it continues that contact)."""


PATH_HOPS = 8
"""Queues of a contact's path kept in the log (8 bits each in ``path``); ``hops`` counts all."""


def encode_path(queues: list[int]) -> int:
    """Pack up to ``PATH_HOPS`` queue indices (< 255) into one integer."""
    code = 0
    for k, queue in enumerate(queues[:PATH_HOPS]):
        code |= (queue + 1) << (8 * k)
    return code


def decode_path(code: int, names: list[str]) -> str:
    """The queue names of an encoded path joined by ``>``."""
    hops = []
    while code:
        hops.append(names[(code & 0xFF) - 1])
        code >>= 8
    return ">".join(hops)


CONTACT_DTYPE = np.dtype(
    [
        ("contact_id", "i4"),
        ("caller_id", "i4"),
        ("call_type", "i2"),
        ("origin", "i1"),
        ("outcome", "i1"),
        ("day", "i2"),
        ("interval", "i2"),
        ("arrival", "f8"),
        ("queue", "i2"),
        ("queue_entry", "f8"),
        ("answer", "f8"),
        ("end", "f8"),
        ("served_queue", "i2"),
        ("group", "i2"),
        ("agent", "i4"),
        ("talk", "f4"),
        ("wrap", "f4"),
        ("target", "i2"),
        ("wait", "f4"),
        ("legs", "i1"),
        ("transfers", "i1"),
        ("explanations", "i1"),
        ("repeats", "i1"),
        ("flags", "u2"),
        ("hops", "i1"),
        ("path", "u8"),
        ("authority_at", "f8"),
        ("handoff", "f4"),
        ("tz_h", "f4"),
        ("attempts", "i1"),
        ("outside_hours", "i1"),
        ("dialled_at", "f8"),
        ("backoffice", "f4"),
        ("predicted", "f4"),
        ("announced", "f4"),
    ]
)
"""Columns of the log (125 bytes a contact). Times are seconds since midnight of day 0 on
the site clock, in float64; durations (talk, wrap, wait, handoff, backoffice, predicted,
announced) are float32, which keeps a millisecond on a day-long wait.
``queue`` is the first queue joined, ``served_queue``/``group``/``agent`` the last agent's;
``queue_entry`` and ``answer`` (first answer) are NaN when the contact never reached a
queue or an agent, and the indices -1. ``wait`` adds up the waits in every queue visited;
``talk`` is the serving agents' time (explaining included), ``handoff`` the time a first
agent spent holding and briefing in warm transfers; ``explanations`` counts every telling
of the story, ``repeats`` those beyond the caller's first; ``authority_at`` is when the
caller first reached someone who can decide. For callbacks and voicemail returns
(outbound), ``arrival`` is the request (or the end of the message), ``answer`` the
connection, ``attempts`` the dials, ``outside_hours`` those placed outside the caller's
local calling hours, ``dialled_at`` the last dial, ``backoffice`` the agent time spent
listening and dialling; ``tz_h`` is the caller's time zone (hours from the site clock);
``predicted`` the wait estimate at the first queue and ``announced`` what the caller was
told (NaN when none)."""

Row = tuple[Any, ...]
"""One log row, fields in ``CONTACT_DTYPE`` order."""


class ContactLog:
    """Append-only log of finished contacts, packed into structured arrays in chunks."""

    def __init__(
        self,
        keep: bool = True,
        chunk_rows: int = 8_192,
        listeners: list[Callable[[np.ndarray], None]] | None = None,
    ) -> None:
        self.keep = keep
        self.chunk_rows = chunk_rows
        self.listeners = listeners if listeners is not None else []
        self._pending: list[Row] = []
        self.chunks: list[np.ndarray] = []
        self.rows = 0

    def append(self, row: Row) -> None:
        """Record one finished contact (fields in ``CONTACT_DTYPE`` order)."""
        pending = self._pending
        pending.append(row)
        if len(pending) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        """Pack the pending rows and pass them to the listeners."""
        if not self._pending:
            return
        chunk = np.array(self._pending, dtype=CONTACT_DTYPE)
        self._pending = []
        self.rows += len(chunk)
        for listener in self.listeners:
            listener(chunk)
        if self.keep:
            self.chunks.append(chunk)


def sorted_rows(chunks: list[np.ndarray]) -> np.ndarray:
    """Packed chunks of the log as one structured array, sorted by contact id."""
    if not chunks:
        return np.zeros(0, dtype=CONTACT_DTYPE)
    rows = np.concatenate(chunks)
    return rows[np.argsort(rows["contact_id"], kind="stable")]


def contacts_frame(
    rows: np.ndarray,
    queue_names: list[str],
    call_type_names: list[str],
    group_names: list[str],
) -> pd.DataFrame:
    """The contact log as a tidy DataFrame: names instead of codes, one boolean column per
    flag, the path of queues visited as ``"general>cards>general"``, and ``wait`` (the time
    spent waiting in all queues; NaN for contacts that never queued).
    """
    frame = pd.DataFrame(rows)
    frame.loc[np.isnan(rows["queue_entry"]), "wait"] = np.nan
    for flag in Flag:
        frame[str(flag.name).lower()] = (rows["flags"] & int(flag)) != 0
    frame["path"] = [decode_path(int(code), queue_names) for code in rows["path"]]
    local = (rows["dialled_at"] + rows["tz_h"] * 3600.0) % 86400.0
    frame["dialled_local"] = [
        "" if np.isnan(t) else f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}" for t in local
    ]
    frame = frame.drop(columns="flags")

    def names(codes: np.ndarray, labels: list[str]) -> pd.Categorical[str]:
        return pd.Categorical.from_codes(
            codes.astype(np.int64), categories=pd.Index(labels), validate=False
        )

    frame["call_type"] = names(rows["call_type"], call_type_names)
    frame["origin"] = names(rows["origin"], [o.name.lower() for o in Origin])
    frame["outcome"] = names(rows["outcome"], [o.name.lower() for o in Outcome])
    frame["queue"] = names(rows["queue"], queue_names)
    frame["target"] = names(rows["target"], queue_names)
    frame["served_queue"] = names(rows["served_queue"], queue_names)
    frame["group"] = names(rows["group"], group_names)
    return frame
