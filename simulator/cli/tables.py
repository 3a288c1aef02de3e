"""What the commands' tables share: captions wrapped to fit, columns that fold, KPI rows
with their breakdowns as indented sub-rows, and the one way a KPI's mean and half-width
are written in a cell.

Every table ``ccsim`` prints fits 80 columns: long KPI names and labels fold onto a
second line instead of being cut, and captions are wrapped here because the shared
console does not wrap soft lines. A breakdown such as
``service_level[call_type=mortgage_enquiries]`` is not printed whole: it is listed under
its KPI, below a ``by call_type`` line, as the bare member name, so long queue and call-type
names stay on one line.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

from rich.table import Table

__all__ = ["TABLE_WIDTH", "KpiRow", "fold_columns", "kpi_cell", "kpi_rows", "share_cell", "wrapped"]

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


@dataclass(frozen=True)
class KpiRow:
    """One line of a KPI table: a KPI, a ``by <dimension>`` heading, or one member."""

    label: str
    """What the first column shows (indented for headings and members)."""
    name: str | None
    """The KPI or breakdown whose numbers go on this line; None for a heading."""


def kpi_rows(names: list[str]) -> list[KpiRow]:
    """Lay out KPI and breakdown names as table lines, each breakdown under its KPI.

    ``offered``, ``offered[queue=a]``, ``offered[queue=b]`` become ``offered``, an
    indented ``by queue`` heading and the members ``a`` and ``b`` indented further. KPIs
    keep the order of ``names`` (a breakdown whose KPI is not listed gets a heading line
    with its KPI's name); dimensions and members keep their order of first appearance.
    """
    order: list[str] = []
    overall: set[str] = set()
    members: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for name in names:
        base, bracket, rest = name.partition("[")
        if base not in members:
            order.append(base)
            members[base] = {}
        if not bracket:
            overall.add(base)
            continue
        dimension, _, member = rest.rstrip("]").partition("=")
        members[base].setdefault(dimension, []).append((member, name))
    rows: list[KpiRow] = []
    for base in order:
        rows.append(KpiRow(base, base if base in overall else None))
        for dimension, listed in members[base].items():
            rows.append(KpiRow(f"  by {dimension}", None))
            rows += [KpiRow(f"    {member}", name) for member, name in listed]
    return rows


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
