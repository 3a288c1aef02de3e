"""The contact log's row, written by field name: which attribute of a finished
``Contact`` fills each column of the log's schema (``metrics/log.py``).

The row is read in one C-level ``attrgetter`` call, as fast as the positional tuple it
replaces; the mapping below names every column, and a mismatch with the schema (a
column added there but not here, or a misspelt name) fails at import.

Columns of features a scenario does not use hold one value for every contact (no
callbacks: no dials; no announcements: no announced wait). ``fixed_columns`` names
them from the compiled rules, and the row leaves them out (``row_reader``); the log
fills them in when it packs its rows. On a plain single-queue day that is a quarter
of the columns, and a few percent of the engine's time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from simulator.metrics.log import CONTACT_COLUMNS
from simulator.model.rules import CentreRules

__all__ = ["LOGGED_FROM", "fixed_columns", "row_of", "row_reader"]

NAN = float("nan")

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


def row_reader(columns: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """``read(contact)``: the contact's values of ``columns``, in that order."""
    return attrgetter(*(LOGGED_FROM[name] for name in columns))


row_of = row_reader(_columns)
"""``row_of(contact)``: the contact's whole log row, in schema order."""


def fixed_columns(rules: CentreRules) -> dict[str, Any]:
    """Columns every contact of a run logs with the same value, given the features
    ``rules`` use: column name -> the value each contact would log (the ``Contact``
    default).
    """
    fixed: dict[str, Any] = {}
    if rules.callback is None and rules.voicemail is None:  # nothing is ever dialled
        fixed.update(attempts=0, outside_hours=0, dialled_at=NAN, backoffice=0.0)
    if not rules.predicts:  # no wait is estimated or announced
        fixed.update(predicted=NAN, announced=NAN)
    if rules.transfer_mode.briefing is None:  # no agent holds a caller to brief the next
        fixed.update(handoff=0.0)
    if not any(rules.needs_authority):  # nobody needs someone who can decide
        fixed.update(authority_at=NAN)
    if len(set(rules.time_zones)) == 1:
        fixed.update(tz_h=float(rules.time_zones[0]))
    return fixed
