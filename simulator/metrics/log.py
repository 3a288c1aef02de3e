"""The per-contact event log: one row per contact, appended cheaply, columnar at rest.

The schema is declared once (``CONTACT_COLUMNS``: name, type and meaning of each
column). The model appends one tuple per finished contact (``ContactLog.append``); every
``chunk_rows`` rows are packed into a numpy structured array (125 bytes a
contact) and handed to the listeners (the running tallies), then either kept
(for the contacts DataFrame) or dropped (``keep=False``: month-long runs keep
only aggregates). Every KPI is computed from these rows, never from counters
bumped inside the model.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CONTACT_COLUMNS",
    "CONTACT_DTYPE",
    "Column",
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
    BACKLOG = 11
    """An e-mail still unanswered when the run ends (the backlog it leaves)."""


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


@dataclass(frozen=True)
class Column:
    """One column of the contact log: its name, numpy type and meaning."""

    name: str
    dtype: str
    doc: str


CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("contact_id", "i4", "Contacts numbered in the order they were created."),
    Column("caller_id", "i4", "The caller (first calls numbered in arrival order)."),
    Column("call_type", "i2", "Index of the call type."),
    Column("origin", "i1", "Why the contact was made (``Origin``)."),
    Column("outcome", "i1", "How it ended (``Outcome``)."),
    Column("day", "i2", "Calendar day of the arrival."),
    Column("interval", "i2", "Interval of the day (within opening hours) of the arrival."),
    Column("arrival", "f8", "Dial time; for callbacks and voicemail returns, the request."),
    Column("queue", "i2", "First queue joined (-1: none)."),
    Column("queue_entry", "f8", "When it joined its first queue (NaN: never)."),
    Column("answer", "f8", "First answer by an agent (NaN: never); for outbound, the connection."),
    Column("end", "f8", "When the contact ended."),
    Column("served_queue", "i2", "Queue the last agent took it from (-1: none)."),
    Column("group", "i2", "The last serving agent's group (-1: none)."),
    Column("agent", "i4", "The last serving agent (-1: none)."),
    Column("talk", "f4", "The serving agents' time, explaining included."),
    Column("wrap", "f4", "After-call work of the last agent (0 when no agent)."),
    Column("target", "i2", "The queue that can resolve the call type."),
    Column("wait", "f4", "Waits in every queue visited, added up."),
    Column("legs", "i1", "Conversations with agents."),
    Column("transfers", "i1", "Transfers."),
    Column("explanations", "i1", "Every telling of the story."),
    Column("repeats", "i1", "Tellings of the story beyond the caller's first."),
    Column("flags", "u2", "Yes/no facts (``Flag``)."),
    Column("hops", "i1", "Queues visited (all of them; ``path`` keeps the first eight)."),
    Column("path", "u8", "Queues visited, 8 bits each (``encode_path``)."),
    Column("authority_at", "f8", "When the caller first reached someone who can decide (NaN)."),
    Column("handoff", "f4", "Time a first agent spent holding and briefing in warm transfers."),
    Column("tz_h", "f4", "The caller's time zone (hours from the site clock)."),
    Column("attempts", "i1", "Outbound: dials."),
    Column("outside_hours", "i1", "Outbound: dials outside the caller's local calling hours."),
    Column("dialled_at", "f8", "Outbound: the last dial (NaN: none)."),
    Column("backoffice", "f4", "Outbound: agent time spent listening and dialling."),
    Column("predicted", "f4", "The wait estimate at the first queue (NaN: none)."),
    Column("announced", "f4", "The wait the caller was told (NaN: none)."),
)
"""The contact log's schema, declared once: ``CONTACT_DTYPE`` and the model's row writer
(which names the source of every column) are derived from it."""

CONTACT_DTYPE = np.dtype([(column.name, column.dtype) for column in CONTACT_COLUMNS])
"""Columns of the log (125 bytes a contact). Times are seconds since midnight of day 0 on
the site clock, in float64; durations (talk, wrap, wait, handoff, backoffice, predicted,
announced) are float32, which keeps a millisecond on a day-long wait. Indices are -1 and
times NaN where the fact does not apply (see each column's ``doc`` in ``CONTACT_COLUMNS``).
For callbacks and voicemail returns (outbound), ``arrival`` is the request (or the end of
the message) and ``answer`` the connection."""

Row = tuple[Any, ...]
"""One log row, fields in ``CONTACT_COLUMNS`` order."""


_STRUCT_CODES = {
    ("i", 1): "b",
    ("i", 2): "h",
    ("i", 4): "i",
    ("i", 8): "q",
    ("u", 1): "B",
    ("u", 2): "H",
    ("u", 4): "I",
    ("u", 8): "Q",
    ("f", 4): "f",
    ("f", 8): "d",
    ("b", 1): "?",
}


def struct_of(dtype: np.dtype[Any]) -> struct.Struct:
    """The ``struct`` layout of a packed structured dtype (native order, no padding).

    Packing a row with ``struct`` and reading the joined bytes with ``np.frombuffer``
    is about three times as fast as ``np.fromiter`` over row tuples, which converts
    each field through numpy's scalar machinery; a row packed at once also holds ~100
    bytes instead of a tuple of Python numbers.
    """
    fields: Mapping[str, Any] = dtype.fields or {}
    codes = []
    for name in dtype.names or ():
        field = fields[name][0]
        code = _STRUCT_CODES.get((field.kind, field.itemsize))
        if code is None:
            raise TypeError(f"log column {name!r}: no struct code for {field}")
        codes.append(code)
    layout = struct.Struct("=" + "".join(codes))
    if layout.size != dtype.itemsize:
        raise TypeError("log dtype is not packed")
    return layout


class ContactLog:
    """Append-only log of finished contacts, packed into structured arrays in chunks.

    Each row is packed to bytes when appended; every ``chunk_rows`` rows the bytes
    become one structured array.
    """

    def __init__(
        self,
        keep: bool = True,
        chunk_rows: int = 8_192,
        listeners: list[Callable[[np.ndarray], None]] | None = None,
        fixed: Mapping[str, Any] | None = None,
    ) -> None:
        """``fixed`` names columns that hold the same value for every contact of the run
        (those of features the scenario does not use): rows leave them out and packing
        fills them in, which saves reading and converting them contact by contact.
        """
        self.keep = keep
        self.chunk_rows = chunk_rows
        self.listeners = listeners if listeners is not None else []
        self.fixed = dict(fixed or {})
        unknown = sorted(set(self.fixed) - set(CONTACT_DTYPE.names or ()))
        if unknown:
            raise ValueError(f"no such log column: {', '.join(unknown)}")
        self.row_columns = tuple(c.name for c in CONTACT_COLUMNS if c.name not in self.fixed)
        """The columns of an appended row, in schema order."""
        self._row_dtype = np.dtype([(name, CONTACT_DTYPE[name]) for name in self.row_columns])
        self._pack = struct_of(self._row_dtype).pack
        self._pending: list[bytes] = []
        self.chunks: list[np.ndarray] = []
        self.rows = 0

    def append(self, row: Row) -> None:
        """Record one finished contact (the fields of ``row_columns``, in order)."""
        pending = self._pending
        pending.append(self._pack(*row))
        if len(pending) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        """Turn the pending rows into one structured array and pass it to the listeners."""
        pending = self._pending
        if not pending:
            return
        packed = np.frombuffer(b"".join(pending), dtype=self._row_dtype)
        self._pending = []
        chunk = np.empty(len(packed), dtype=CONTACT_DTYPE)
        for name in self.row_columns:
            chunk[name] = packed[name]
        for name, value in self.fixed.items():
            chunk[name] = value
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
