"""What the commands' tables share: captions wrapped to fit, columns that fold.

Every table ``ccsim`` prints fits 80 columns: long KPI names and labels fold onto a
second line instead of being cut, and captions are wrapped here because the shared
console does not wrap soft lines.
"""

from __future__ import annotations

import textwrap

from rich.table import Table

__all__ = ["TABLE_WIDTH", "fold_columns", "wrapped"]

TABLE_WIDTH = 80
"""The width every table and caption must fit."""


def wrapped(text: str, width: int = TABLE_WIDTH - 2) -> str:
    """``text`` broken into lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(text, width))


def fold_columns(table: Table) -> Table:
    """Let every column of ``table`` fold its text rather than cut it with an ellipsis."""
    for column in table.columns:
        column.overflow = "fold"
    return table
