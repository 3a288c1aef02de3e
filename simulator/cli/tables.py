"""What the commands' tables share: captions wrapped to fit, columns that fold, and the
one way a KPI's mean and half-width are written in a cell.

Every table ``ccsim`` prints fits 80 columns: long KPI names and labels fold onto a
second line instead of being cut, and captions are wrapped here because the shared
console does not wrap soft lines.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from rich.table import Table

__all__ = ["TABLE_WIDTH", "fold_columns", "kpi_cell", "share_cell", "wrapped"]

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


def kpi_cell(kpi: str, mean: Any, half_width: Any) -> str:
    """``83.3±1.2 %``: a mean and its 95 % half-width in the KPI's unit (the registry's),
    ``–`` without a mean and the mean alone without a half-width.
    """
    from simulator.report.formatting import format_value, kpi_unit

    mean, half_width = float(mean), float(half_width)
    if math.isnan(mean):
        return "–"
    if math.isnan(half_width):
        return format_value(kpi, mean)
    unit = kpi_unit(kpi)
    text = f"{format_value(kpi, mean, unit=False)}±{format_value(kpi, half_width, unit=False)}"
    return f"{text} {unit}" if unit else text


def share_cell(value: float) -> str:
    """A share that is not a KPI (a decision's confidence) as a percentage, ``92 %``."""
    from simulator.report.formatting import format_value

    return format_value("service_level", value)
