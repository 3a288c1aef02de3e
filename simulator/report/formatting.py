"""How KPI values are shown to people: percentages for rates, seconds, hours, counts.

One place for the rule, so the figures, the HTML report and the command line agree
on what a KPI's unit is.
"""

from __future__ import annotations

import math

__all__ = [
    "LABELS",
    "format_half_width",
    "format_value",
    "is_percent",
    "kpi_label",
    "kpi_unit",
    "percent_scale",
]

_PERCENT_NAMES = frozenset(
    {
        "service_level",
        "occupancy",
        "occupancy_until_last_leaves",
        "fcr",
        "escalation_reach",
    }
)


LABELS = {
    "offered": "Contacts offered",
    "offered_first": "First calls",
    "offered_redial": "Redials",
    "abandon_rate": "Abandoned",
    "blocked_rate": "Blocked (no line)",
    "balk_rate": "Balked",
    "disconnect_rate": "Cut off at close",
    "service_level": "Service level",
    "asa_s": "Average speed of answer",
    "mean_wait_s": "Mean wait (all queued)",
    "wait_p50_s": "Wait, median (answered)",
    "wait_p90_s": "Wait, 90th percentile",
    "wait_p95_s": "Wait, 95th percentile",
    "aht_s": "Average handle time",
    "wrap_up_s": "After-call work",
    "overflow_rate": "Answered by overflow",
    "occupancy": "Occupancy",
    "occupancy_until_last_leaves": "Occupancy until last contact",
    "mean_queue_length": "Mean queue length",
    "agent_hours": "Agent hours paid",
    "after_close_hours": "Hours after close",
    "cost": "Cost",
    "transfers_per_contact": "Transfers per contact served",
    "repeat_explanations_per_contact": "Repeat explanations per contact",
    "ping_pong_rate": "Ping-pong",
    "escalation_reach": "Escalation reach",
    "management_contacts": "Contacts reaching a manager",
    "fcr": "First-contact resolution",
    "recontact_rate": "Recontacts (of first calls)",
    "ivr_time_s": "Time in IVR",
    "ivr_abandon_rate": "Abandoned in IVR",
    "misroute_rate": "Misrouted",
    "self_service_rate": "Self-served",
    "voicemail_rate": "Sent to voicemail",
    "offered_recontact": "Recontacts offered",
    "time_to_authority_s": "Time to reach authority",
    "escalation_rate": "Escalated",
    "resolution_rate": "Resolved",
    "zero_out_rate": "Pressed 0 for a person",
    "callback_offered_rate": "Offered a callback",
    "callback_accept_rate": "Accepted a callback",
    "callback_success_rate": "Callbacks that reached the caller",
    "callback_delay_s": "Callback delay",
    "callbacks_outside_hours": "Callbacks outside calling hours",
    "announce_error_s": "Announced minus actual wait",
    "delighted_rate": "Waited less than announced",
    "disappointed_rate": "Waited more than announced",
}
"""Names people read for the KPIs; a KPI not listed shows its own name."""


def kpi_label(name: str) -> str:
    """The readable name of a KPI: ``Service level``, ``Occupancy — front``."""
    base, bracket, rest = name.partition("[")
    if bracket:
        return f"{LABELS.get(base, base)} — {rest.rstrip(']')}"
    return LABELS.get(name, name.replace("_", " "))


def is_percent(name: str) -> bool:
    """True for KPIs that are shares (rates, service level, occupancy): shown as percentages."""
    base = name.split("[", 1)[0]
    return base in _PERCENT_NAMES or base.endswith(("_rate", "_reach"))


def percent_scale(name: str) -> float:
    """100 for a share (to plot it in %), 1 otherwise."""
    return 100.0 if is_percent(name) else 1.0


def kpi_unit(name: str) -> str:
    """The unit a KPI is shown in: ``%``, ``s``, ``h`` or empty (counts, money)."""
    if is_percent(name):
        return "%"
    if name.endswith("_s"):
        return "s"
    if name.endswith("_hours"):
        return "h"
    return ""


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


def format_value(name: str, value: float | None, unit: bool = True) -> str:
    """A KPI value as text: ``83.3 %``, ``8.7 s``, ``425.5 h``, ``3,045``; ``–`` when missing."""
    if value is None or math.isnan(value):
        return "–"
    u = kpi_unit(name)
    text = _number(value * percent_scale(name), u)
    return f"{text} {u}" if unit and u else text


def format_half_width(name: str, value: float | None) -> str:
    """A 95 % half-width as text, ``± 1.2 %``; ``–`` when it cannot be estimated."""
    if value is None or math.isnan(value):
        return "–"
    return f"± {format_value(name, value)}"
