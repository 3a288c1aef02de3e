"""The contact log's row, written by field name: which attribute of a finished
``Contact`` fills each column of the log's schema (``metrics/log.py``).

The row is read in one C-level ``attrgetter`` call, as fast as the positional tuple it
replaces; the mapping below names every column, and a mismatch with the schema (a
column added there but not here, or a misspelt name) fails at import.
"""

from __future__ import annotations

from operator import attrgetter

from simulator.metrics.log import CONTACT_COLUMNS

__all__ = ["LOGGED_FROM", "row_of"]

LOGGED_FROM: dict[str, str] = {
    "contact_id": "id",
    "caller_id": "caller",
    "call_type": "call_type",
    "origin": "origin",
    "outcome": "outcome",
    "day": "day",
    "interval": "interval",
    "arrival": "arrival",
    "queue": "logged_queue",
    "queue_entry": "queue_entry",
    "answer": "answer",
    "end": "ended",
    "served_queue": "served_queue",
    "group": "logged_group",
    "agent": "logged_agent",
    "talk": "talk",
    "wrap": "logged_wrap",
    "target": "target",
    "wait": "wait",
    "legs": "legs",
    "transfers": "transfers",
    "explanations": "explanations",
    "repeats": "repeats",
    "flags": "flags",
    "hops": "hops",
    "path": "path_code",
    "authority_at": "authority_at",
    "handoff": "handoff",
    "tz_h": "tz",
    "attempts": "attempts",
    "outside_hours": "outside_hours",
    "dialled_at": "dialled_at",
    "backoffice": "backoffice",
    "predicted": "predicted",
    "announced": "announced",
}
"""Log column -> the ``Contact`` attribute it is read from when the contact ends."""

_columns = [column.name for column in CONTACT_COLUMNS]
if sorted(_columns) != sorted(LOGGED_FROM):
    missing = sorted(set(_columns) - set(LOGGED_FROM))
    extra = sorted(set(LOGGED_FROM) - set(_columns))
    raise ImportError(f"log row out of step with the schema: missing {missing}, unknown {extra}")

row_of = attrgetter(*(LOGGED_FROM[name] for name in _columns))
"""``row_of(contact)``: the contact's log row, in schema order."""
