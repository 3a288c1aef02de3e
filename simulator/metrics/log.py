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
from enum import IntEnum

import numpy as np
import pandas as pd

__all__ = ["CONTACT_DTYPE", "ContactLog", "Origin", "Outcome", "contacts_frame", "sorted_rows"]


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


class Origin(IntEnum):
    """Why a contact was made."""

    FIRST = 0
    """A first call."""
    REDIAL = 1
    """A caller calling again after abandoning, balking or being blocked."""


CONTACT_DTYPE = np.dtype(
    [
        ("contact_id", "i8"),
        ("caller_id", "i8"),
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
        ("talk", "f8"),
        ("wrap", "f8"),
    ]
)
"""Columns of the log. Times are seconds since midnight of day 0 on the site clock;
``queue_entry`` and ``answer`` are NaN when the contact never reached a queue or an agent;
``queue``/``served_queue``/``group``/``agent`` are -1 when not applicable."""

Row = tuple[
    int, int, int, int, int, int, int, float, int, float, float, float, int, int, int, float, float
]


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
    """The contact log as a tidy DataFrame with names instead of codes and a ``wait`` column.

    ``wait`` is the time spent waiting in queues: until answer for answered contacts,
    until hang-up for abandoned or disconnected ones, NaN for contacts that never queued.
    """
    frame = pd.DataFrame(rows)

    def names(codes: np.ndarray, labels: list[str]) -> pd.Categorical[str]:
        return pd.Categorical.from_codes(
            codes.astype(np.int64), categories=pd.Index(labels), validate=False
        )

    answered = rows["outcome"] == Outcome.ANSWERED
    until = np.where(answered, rows["answer"], rows["end"])
    frame["wait"] = until - rows["queue_entry"]
    frame["call_type"] = names(rows["call_type"], call_type_names)
    frame["origin"] = names(rows["origin"], [o.name.lower() for o in Origin])
    frame["outcome"] = names(rows["outcome"], [o.name.lower() for o in Outcome])
    frame["queue"] = names(rows["queue"], queue_names)
    frame["served_queue"] = names(rows["served_queue"], queue_names)
    frame["group"] = names(rows["group"], group_names)
    return frame
