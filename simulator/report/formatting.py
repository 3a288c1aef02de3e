"""How KPI values are shown to people: percentages for shares, seconds, hours, counts, money.

One number formatter, driven by the units of the KPI registry
(:mod:`simulator.metrics.registry`), so the figures, the HTML report and the command
line agree on what a KPI's unit is.
"""

from __future__ import annotations

import math

from simulator.metrics.registry import base_name, kpi_info

__all__ = [
    "UNIT_SYMBOLS",
    "format_half_width",
    "format_interval",
    "format_value",
    "is_percent",
    "kpi_label",
    "kpi_unit",
    "percent_scale",
]

UNIT_SYMBOLS = {"share": "%", "seconds": "s", "hours": "h", "count": "", "money": ""}
"""How each registry unit is written after a number (money takes the scenario's currency)."""

_DIMENSION_WORDS = {"queue": "queue", "call_type": "call type", "group": "group"}


def kpi_label(name: str) -> str:
    """The readable name of a KPI or breakdown: ``Service level``,
    ``Occupancy — group front``; a name the registry does not know shows itself.
    """
    info = kpi_info(name)
    base = info.label if info is not None else base_name(name).replace("_", " ")
    _, bracket, rest = name.partition("[")
    if not bracket:
        return base
    dimension, _, member = rest.rstrip("]").partition("=")
    return f"{base} — {_DIMENSION_WORDS.get(dimension, dimension)} {member}".rstrip()


def is_percent(name: str) -> bool:
    """True for KPIs that are shares (rates, service level, occupancy): shown as percentages."""
    info = kpi_info(name)
    return info is not None and info.unit == "share"


def percent_scale(name: str) -> float:
    """100 for a share (to plot it in %), 1 otherwise."""
    return 100.0 if is_percent(name) else 1.0


def kpi_unit(name: str, currency: str = "") -> str:
    """The unit a KPI is shown in: ``%``, ``s``, ``h``, the currency for money, or empty."""
    info = kpi_info(name)
    if info is None:
        return ""
    return currency if info.unit == "money" else UNIT_SYMBOLS[info.unit]


def _number(value: float, unit: str) -> str:
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if value == 0:
        return "0"
    if unit in ("%", "s", "h"):  # 83.3 %, 4.4 %, 0.31 %; 327.2 s, 8.74 s
        wide = magnitude >= 10 or (unit == "%" and magnitude >= 1)
        return f"{value:.1f}" if wide else f"{value:.2f}"
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_value(name: str, value: float | None, unit: bool = True, currency: str = "") -> str:
    """A KPI value as text, in the unit the registry gives it: ``83.3 %``, ``8.7 s``,
    ``425.5 h``, ``3,045``, ``2,632 EUR``; ``–`` when missing.
    """
    if value is None or math.isnan(value):
        return "–"
    u = kpi_unit(name, currency)
    text = _number(value * percent_scale(name), "%" if is_percent(name) else u)
    return f"{text} {u}" if unit and u else text


def format_half_width(name: str, value: float | None, currency: str = "") -> str:
    """A 95 % half-width as text, ``± 1.2 %``; ``–`` when it cannot be estimated."""
    if value is None or math.isnan(value):
        return "–"
    return f"± {format_value(name, value, currency=currency)}"


def format_interval(name: str, low: float | None, high: float | None, currency: str = "") -> str:
    """A confidence interval as text, ``79.1 – 87.5 %``; ``–`` when it cannot be estimated."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "–"
    return f"{format_value(name, low, unit=False)} – {format_value(name, high, currency=currency)}"
