"""The KPI registry: every KPI declared once, with what it means and how it is shown.

Each entry says what a KPI is (its numerator and, for a ratio, its denominator over the
named totals of :mod:`simulator.metrics.tally`), how it is estimated across
replications (``kind``), its unit, the interval it is attributed to, the scenario
feature it belongs to, the report section it is shown in and the dimensions it can be
broken down by. The run result, the precision and comparison machinery, sweeps, the
command line, the HTML report and every figure read it; none of them defines a KPI of
its own. Adding a KPI is one entry here plus, if it needs a new total, one field in the
tally.

Kinds:

* ``rate`` — a ratio of two totals (answered within the threshold / offered): across
  replications the ratio of the summed totals, with a delta-method interval;
* ``time_average`` — a ratio of a time-weighted area to a time (occupancy, queue length),
  estimated like a rate;
* ``level`` — a per-replication value (contacts offered, agent hours), averaged;
* ``percentile`` — a quantile of each replication's answered waits, averaged.

Attribution: a contact KPI per interval counts contacts by the interval they *arrived*
in (``arrival``) — a call arriving at 09:58 and answered at 10:03 belongs to 09:30–10:00;
a time-weighted KPI (occupancy, queue length, agents) counts the time *within* the
interval (``time``); ``None`` marks KPIs reported for the whole counted window only.

Breakdowns: ``kpi[queue=<q>]`` counts a contact in the queue it first joined (a contact
that never joined one — blocked, hung up or self-served in the IVR — in the queue its
call type is meant for), so per-queue counts add up to the total and the offered-weighted
per-queue rates equal the overall one; ``kpi[call_type=<c>]`` by the contact's call type;
``kpi[group=<g>]`` the time of one agent group or, for what agents do with contacts
(answered, handle time, transfers), the contacts whose last serving agent was in the group
(contacts no agent served are in no group), so per-group counts add up to the total.
Answered-wait percentiles are broken down by queue and call type from per-member
histograms, estimated like the overall figure (mean over replications).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from simulator.metrics.kpis import wait_percentile

if TYPE_CHECKING:
    from simulator.scenario import Scenario

__all__ = [
    "DIMENSIONS",
    "HEADLINE_BREAKDOWNS",
    "SECTIONS",
    "Dimension",
    "Kpi",
    "Unit",
    "base_name",
    "breakdown_name",
    "kpi_bounds",
    "kpi_info",
    "kpi_registry",
    "scenario_features",
    "shown_kpis",
]

Totals = Mapping[str, np.ndarray]
"""Named totals; the first axis is the replication, further axes (interval, member) are kept."""
Fn = Callable[[Totals], np.ndarray]
Unit = Literal["share", "seconds", "count", "hours", "money"]
Kind = Literal["rate", "time_average", "level", "percentile"]
Attribution = Literal["arrival", "time"]
Dimension = Literal["queue", "call_type", "group"]

DIMENSIONS: tuple[Dimension, ...] = ("queue", "call_type", "group")
"""The dimensions a KPI can be broken down by, in the order breakdowns are listed."""

SECTIONS = (
    "Callers",
    "Service",
    "Journeys",
    "IVR, callbacks and announcements",
    "Agents",
    "Cost",
)
"""Report sections, in the order they are shown."""

_CONTACT: tuple[Dimension, ...] = ("queue", "call_type")
_SERVED: tuple[Dimension, ...] = ("queue", "call_type", "group")
"""Contact KPIs about what agents did, also broken down by the serving group."""

HEADLINE_BREAKDOWNS = ("offered", "service_level", "abandon_rate", "asa_s", "occupancy")
"""The KPIs whose breakdowns are shown by default (``summary.json`` and ``--all`` have
every breakdown of every KPI)."""


@dataclass(frozen=True)
class Kpi:
    """One KPI: what it is, how it is estimated, and how it is shown."""

    name: str
    label: str
    unit: Unit
    kind: Kind
    section: str
    description: str
    numerator: Fn
    denominator: Fn | None = None
    attribution: Attribution | None = "arrival"
    feature: str | None = None
    dims: tuple[Dimension, ...] = ()
    lower: float = 0.0
    """Smallest possible value (confidence bounds are clipped to it); ``-inf`` if none."""

    @property
    def is_rate(self) -> bool:
        """True for a ratio of totals (call- or time-weighted across replications)."""
        return self.denominator is not None

    @property
    def upper(self) -> float:
        """Largest possible value: 1 for a share, unbounded otherwise."""
        return 1.0 if self.unit == "share" else math.inf

    @property
    def per_interval(self) -> bool:
        """True when the KPI is also reported interval by interval."""
        return self.attribution is not None


def _field(name: str) -> Fn:
    return lambda t: t[name]


def _percentile(q: float) -> Fn:
    def per_replication(t: Totals) -> np.ndarray:
        """One quantile per histogram along the last axis (per replication, per member)."""
        histograms = np.asarray(t["wait_histogram"])
        flat = histograms.reshape(-1, histograms.shape[-1])
        values = np.array([wait_percentile(h, q) for h in flat])
        return values.reshape(histograms.shape[:-1])

    return per_replication


def kpi_registry(
    service_level_definition: str = "offered",
    telephony_minute_cost: float = 0.0,
    callbacks_in_service_level: str = "answered_when_connected",
    email: bool = True,
) -> tuple[Kpi, ...]:
    """Every KPI, for a scenario's service-level definition, callback counting and costs.

    ``email`` adds the e-mail KPIs (a scenario without an e-mail queue has no e-mail
    totals, so its registry leaves them out).

    ``callbacks_in_service_level`` says how an inbound call that accepted a callback
    counts: ``answered_when_connected`` — in the denominators, and as answered within
    the threshold once its callback connects (never as an abandon); ``excluded`` — out
    of the service-level and abandonment denominators. Use :func:`registry_for` to get
    the registry of a scenario.
    """
    kpis = _registry(service_level_definition, telephony_minute_cost, callbacks_in_service_level)
    return kpis + EMAIL_KPIS if email else kpis


def registry_for(scenario: Scenario) -> tuple[Kpi, ...]:
    """The KPI registry with ``scenario``'s definitions (service level, callbacks, costs)."""
    counting = (
        scenario.callback.counts_in_service_level
        if scenario.callback is not None
        else "answered_when_connected"
    )
    return kpi_registry(
        scenario.service_level.definition,
        scenario.costs.telephony_minute,
        counting,
        email=any(queue.channel == "email" for queue in scenario.queues),
    )


@functools.lru_cache(maxsize=32)
def _registry(
    service_level_definition: str,
    telephony_minute_cost: float,
    callbacks_in_service_level: str,
) -> tuple[Kpi, ...]:
    excluded = callbacks_in_service_level == "excluded"

    def inbound(t: Totals) -> np.ndarray:
        """Inbound contacts, less accepted callbacks when those are excluded."""
        return t["offered"] - t["callback_accepted"] if excluded else t["offered"]

    def within(t: Totals) -> np.ndarray:
        return t["answered_within"] + (0.0 if excluded else t["callbacks_connected"])

    def answered_or_connected(t: Totals) -> np.ndarray:
        return t["answered"] + (0.0 if excluded else t["callbacks_connected"])

    sl_denominators: dict[str, tuple[Fn, str]] = {
        "offered": (
            inbound,
            "offered contacts (abandons before the threshold count as not within)",
        ),
        "answered": (answered_or_connected, "answered contacts"),
        "exclude_short_abandons": (
            lambda t: inbound(t) - t["short_abandons"],
            "offered contacts less those abandoning before short_abandon_s",
        ),
    }
    sl_denominator, sl_text = sl_denominators[service_level_definition]
    callback_note = (
        "; calls that accepted a callback are left out"
        if excluded
        else "; a call that accepted a callback counts as answered once the callback connects"
    )

    def telephony(t: Totals) -> np.ndarray:
        return t["line_s"] / 60.0 * telephony_minute_cost

    f = _field
    callers, service, journeys, extras, agents, money = SECTIONS

    def rate(
        name: str,
        label: str,
        description: str,
        numerator: Fn,
        denominator: Fn,
        section: str,
        unit: Unit = "share",
        feature: str | None = None,
        dims: tuple[Dimension, ...] = _CONTACT,
    ) -> Kpi:
        return Kpi(
            name,
            label,
            unit,
            "rate",
            section,
            description,
            numerator,
            denominator,
            feature=feature,
            dims=dims,
        )

    def count(name: str, label: str, description: str, feature: str | None = None) -> Kpi:
        return Kpi(
            name,
            label,
            "count",
            "level",
            callers if feature != "callback" else extras,
            description,
            f(name),
            feature=feature,
            dims=_CONTACT,
        )

    def percentile(q: float) -> Kpi:
        pct = round(q * 100)
        label = "Wait, median (answered)" if pct == 50 else f"Wait, {pct}th percentile"
        return Kpi(
            f"wait_p{pct}_s",
            label,
            "seconds",
            "percentile",
            service,
            f"{pct}th percentile of answered waits (s), mean over replications",
            _percentile(q),
            attribution=None,
            dims=_CONTACT,
        )

    return (
        count(
            "offered",
            "Contacts offered",
            "inbound contacts (first calls, redials, recontacts) arriving in the counted"
            " window, per replication",
        ),
        Kpi(
            "answered",
            "Contacts answered",
            "count",
            "level",
            callers,
            "inbound contacts answered by an agent, per replication (per group: the group of"
            " the last agent who served the contact)",
            f("answered"),
            dims=_SERVED,
        ),
        count("offered_first", "First calls", "first calls offered, per replication", "redial"),
        count("offered_redial", "Redials", "redials offered, per replication", "redial"),
        count(
            "offered_recontact",
            "Recontacts offered",
            "recontacts offered, per replication",
            "recontact",
        ),
        count(
            "offered_callback",
            "Callbacks owed",
            "callbacks owed (accepted offers), per replication",
            "callback",
        ),
        Kpi(
            "offered_voicemail_return",
            "Voicemails to return",
            "count",
            "level",
            extras,
            "voicemails to return, per replication",
            f("offered_voicemail_return"),
            feature="voicemail",
            dims=_CONTACT,
        ),
        rate(
            "abandon_rate",
            "Abandoned",
            "abandoned while waiting for an agent / offered" + callback_note,
            f("abandoned"),
            inbound,
            callers,
        ),
        rate(
            "blocked_rate",
            "Blocked (no line)",
            "refused for lack of lines / offered",
            f("blocked"),
            inbound,
            callers,
            feature="lines",
        ),
        rate(
            "balk_rate",
            "Balked",
            "hung up at once on finding every agent busy / offered",
            f("balked"),
            f("offered"),
            callers,
            feature="balking",
        ),
        rate(
            "disconnect_rate",
            "Cut off at close",
            "cut off while waiting at close / offered",
            f("disconnected"),
            f("offered"),
            callers,
            feature="disconnect",
        ),
        rate(
            "service_level",
            "Service level",
            "answered within the threshold (total wait; a queue's own threshold_s where "
            f"its target sets one) / {sl_text}" + callback_note,
            within,
            sl_denominator,
            service,
        ),
        rate(
            "asa_s",
            "Average speed of answer",
            "mean wait of answered contacts, all queues visited (s)",
            f("wait_answered_s"),
            f("answered"),
            service,
            unit="seconds",
            dims=_SERVED,
        ),
        rate(
            "mean_wait_s",
            "Mean wait (all queued)",
            "mean wait of all contacts that reached a queue, answered or not (s)",
            f("wait_all_s"),
            f("reached_queue"),
            service,
            unit="seconds",
        ),
        percentile(0.50),
        percentile(0.90),
        percentile(0.95),
        Kpi(
            "mean_queue_length",
            "Mean queue length",
            "count",
            "time_average",
            service,
            "time-average number of contacts waiting, opening hours",
            f("queue_waiting_s"),
            f("window_s"),
            attribution="time",
            dims=("queue",),
        ),
        rate(
            "overflow_rate",
            "Answered by overflow",
            "answered from a queue other than the one first joined, without a transfer / answered",
            f("overflowed"),
            f("answered"),
            service,
            feature="overflow",
        ),
        rate(
            "transfers_per_contact",
            "Transfers per contact served",
            "transfers / contacts that reached an agent",
            f("transfers"),
            f("served"),
            journeys,
            unit="count",
            feature="transfers",
            dims=_SERVED,
        ),
        rate(
            "repeat_explanations_per_contact",
            "Repeat explanations per contact",
            "times a caller told the story beyond the first (a recontact without case"
            " history counts) / contacts that reached an agent",
            f("repeats"),
            f("served"),
            journeys,
            unit="count",
            feature="transfers",
            dims=_SERVED,
        ),
        rate(
            "ping_pong_rate",
            "Ping-pong",
            "contacts that returned to a queue already visited / contacts that reached an agent",
            f("ping_pong"),
            f("served"),
            journeys,
            feature="transfers",
            dims=_SERVED,
        ),
        rate(
            "escalation_reach",
            "Escalation reach",
            "callers who needed authority and reached someone who can decide / callers who"
            " needed authority",
            f("reached_authority"),
            f("needs_authority"),
            journeys,
            feature="escalation",
        ),
        rate(
            "time_to_authority_s",
            "Time to reach authority",
            "from dialling to reaching someone who can decide, for those who did (s)",
            f("authority_time_s"),
            f("reached_authority"),
            journeys,
            unit="seconds",
            feature="escalation",
        ),
        rate(
            "escalation_rate",
            "Escalated",
            "contacts escalated to supervisors or managers / offered",
            f("escalated"),
            f("offered"),
            journeys,
            feature="escalation",
        ),
        Kpi(
            "management_contacts",
            "Contacts reaching a manager",
            "count",
            "level",
            journeys,
            "contacts that reached a manager, per replication",
            f("manager_contacts"),
            feature="escalation",
            dims=_CONTACT,
        ),
        rate(
            "fcr",
            "First-contact resolution",
            "first calls resolved within that contact / first calls",
            f("first_resolved"),
            f("offered_first"),
            journeys,
            feature="resolution",
        ),
        rate(
            "resolution_rate",
            "Resolved",
            "contacts resolved (by an agent or self-service) / offered",
            f("resolved"),
            f("offered"),
            journeys,
            feature="resolution",
        ),
        rate(
            "recontact_rate",
            "Recontacts (of first calls)",
            "recontacts (unresolved callers calling again) / first calls",
            f("offered_recontact"),
            f("offered_first"),
            journeys,
            feature="recontact",
        ),
        rate(
            "ivr_time_s",
            "Time in IVR",
            "mean time in the IVR of inbound contacts that entered it, from dialling to"
            " joining a queue or leaving the IVR (s)",
            f("ivr_time_s"),
            f("ivr_entered"),
            extras,
            unit="seconds",
            feature="ivr",
        ),
        rate(
            "ivr_abandon_rate",
            "Abandoned in IVR",
            "hung up in the IVR / offered",
            f("ivr_abandoned"),
            f("offered"),
            extras,
            feature="ivr",
        ),
        rate(
            "misroute_rate",
            "Misrouted",
            "sent to a wrong queue by a wrong menu choice / contacts leaving the IVR for a queue",
            f("misrouted"),
            f("left_ivr"),
            extras,
            feature="ivr",
        ),
        rate(
            "self_service_rate",
            "Self-served",
            "resolved by IVR self-service / offered",
            f("self_served"),
            f("offered"),
            extras,
            feature="ivr",
        ),
        rate(
            "zero_out_rate",
            "Pressed 0 for a person",
            "pressed 0 for a person / contacts that entered the IVR",
            f("zero_outs"),
            f("ivr_entered"),
            extras,
            feature="ivr",
        ),
        rate(
            "callback_offered_rate",
            "Offered a callback",
            "offered a callback / offered",
            f("callback_offered"),
            f("offered"),
            extras,
            feature="callback",
        ),
        rate(
            "callback_accept_rate",
            "Accepted a callback",
            "accepted / offered a callback",
            f("callback_accepted"),
            f("callback_offered"),
            extras,
            feature="callback",
        ),
        rate(
            "callback_success_rate",
            "Callbacks that reached the caller",
            "callbacks that reached the caller / callbacks owed",
            f("callbacks_connected"),
            f("offered_callback"),
            extras,
            feature="callback",
        ),
        rate(
            "callback_delay_s",
            "Callback delay",
            "from accepting the offer to talking, connected callbacks (s)",
            f("callback_delay_s"),
            f("callbacks_connected"),
            extras,
            unit="seconds",
            feature="callback",
        ),
        Kpi(
            "callbacks_outside_hours",
            "Callbacks outside calling hours",
            "count",
            "level",
            extras,
            "calls placed outside the caller's local calling hours, per replication",
            f("outside_hours"),
            feature="contact_back",
            dims=_CONTACT,
        ),
        rate(
            "voicemail_rate",
            "Sent to voicemail",
            "sent to leave a message / offered",
            f("voicemails"),
            f("offered"),
            extras,
            feature="voicemail",
        ),
        rate(
            "voicemail_success_rate",
            "Voicemails returned",
            "messages whose caller was reached / messages returned",
            f("voicemails_connected"),
            f("offered_voicemail_return"),
            extras,
            feature="voicemail",
        ),
        rate(
            "voicemail_reach_s",
            "Time to reach a voicemail caller",
            "from the end of the message to talking with the caller (s)",
            f("voicemail_reach_s"),
            f("voicemails_connected"),
            extras,
            unit="seconds",
            feature="voicemail",
        ),
        rate(
            "backoffice_s",
            "Back-office time per contact owed",
            "agent time listening to messages and dialling, per callback or voicemail owed (s)",
            f("backoffice_s"),
            lambda t: t["offered_callback"] + t["offered_voicemail_return"],
            extras,
            unit="seconds",
            feature="contact_back",
        ),
        Kpi(
            "announce_error_s",
            "Announced minus actual wait",
            "seconds",
            "rate",
            extras,
            "announced minus actual wait, answered callers who heard an announcement (s)",
            f("announce_error_s"),
            f("announced_answered"),
            feature="announcement",
            dims=_CONTACT,
            lower=-math.inf,
        ),
        rate(
            "delighted_rate",
            "Waited less than announced",
            "answered sooner than announced / answered after an announcement",
            f("delighted"),
            f("announced_answered"),
            extras,
            feature="announcement",
        ),
        rate(
            "disappointed_rate",
            "Waited more than announced",
            "answered later than announced / answered after an announcement",
            f("disappointed"),
            f("announced_answered"),
            extras,
            feature="announcement",
        ),
        rate(
            "announce_balk_rate",
            "Hung up on the announcement",
            "hung up on hearing the announced wait / offered",
            f("announce_balked"),
            f("offered"),
            extras,
            feature="announcement",
        ),
        rate(
            "aht_s",
            "Average handle time",
            "agent time per contact that reached an agent: talk, explaining and warm"
            " handoffs, all legs (s)",
            lambda t: t["talk_s"] + t["handoff_s"],
            f("served"),
            agents,
            unit="seconds",
            dims=_SERVED,
        ),
        rate(
            "wrap_up_s",
            "After-call work",
            "after-call work per contact that reached an agent (s)",
            f("wrap_s"),
            f("served"),
            agents,
            unit="seconds",
            dims=_SERVED,
        ),
        Kpi(
            "occupancy",
            "Occupancy",
            "share",
            "time_average",
            agents,
            "agent busy time (talk + wrap-up + holding) / agent present time, during opening hours",
            f("busy_s"),
            f("present_s"),
            attribution="time",
            dims=("group",),
        ),
        Kpi(
            "chat_concurrency",
            "Chats at once per chatting agent",
            "count",
            "time_average",
            agents,
            "chats in progress / agents holding at least one chat (time-weighted), during"
            " opening hours",
            f("chat_slots_s"),
            f("chatting_s"),
            attribution="time",
            feature="chat",
            dims=("group",),
        ),
        Kpi(
            "occupancy_until_last_leaves",
            "Occupancy until last contact",
            "share",
            "time_average",
            agents,
            "busy / present time, from opening until the last contact of the day leaves",
            lambda t: t["busy_s"] + t["busy_after_close_s"],
            lambda t: t["present_s"] + t["present_after_close_s"],
            attribution=None,
            dims=("group",),
        ),
        Kpi(
            "agents_present",
            "Agents present",
            "count",
            "time_average",
            agents,
            "time-average number of agents on duty (or finishing a call after their shift),"
            " opening hours",
            f("present_s"),
            f("window_s"),
            attribution="time",
            dims=("group",),
        ),
        Kpi(
            "agents_paid",
            "Agents paid",
            "count",
            "time_average",
            agents,
            "time-average number of agents paid (scheduled before shrinkage, plus overtime),"
            " opening hours",
            f("paid_s"),
            f("window_s"),
            attribution="time",
            dims=("group",),
        ),
        Kpi(
            "agent_hours",
            "Agent hours paid",
            "hours",
            "level",
            agents,
            "paid time (scheduled before shrinkage, plus overtime to finish calls, also"
            " after close), hours per replication",
            lambda t: (t["paid_s"] + t["paid_after_close_s"]) / 3600.0,
            attribution=None,
            dims=("group",),
        ),
        Kpi(
            "after_close_hours",
            "Hours after close",
            "hours",
            "level",
            agents,
            "paid time after closing, finishing the last contacts, hours per replication",
            lambda t: t["paid_after_close_s"] / 3600.0,
            attribution=None,
            dims=("group",),
        ),
        Kpi(
            "agent_cost",
            "Cost of agents",
            "money",
            "level",
            money,
            "paid hours x the hourly cost of each group's role, per replication",
            f("labour_cost"),
            attribution=None,
            feature="costs",
            dims=("group",),
        ),
        Kpi(
            "telephony_cost",
            "Cost of telephony",
            "money",
            "level",
            money,
            "minutes on the line (waiting, in the IVR or talking) x telephony_minute, per"
            " replication",
            telephony,
            attribution=None,
            feature="costs",
            dims=_CONTACT,
        ),
        Kpi(
            "cost",
            "Cost",
            "money",
            "level",
            money,
            "cost of agents + cost of telephony, per replication",
            lambda t: t["labour_cost"] + telephony(t),
            attribution=None,
            feature="costs",
        ),
    )


def _email_kpis() -> tuple[Kpi, ...]:
    """The e-mail KPIs: e-mails are counted apart from calls and chats, by arrival interval
    (see :mod:`simulator.metrics.email` for working hours and when an e-mail is due).
    """
    service = SECTIONS[1]
    f = _field

    def level(name: str, label: str, description: str) -> Kpi:
        return Kpi(
            name, label, "count", "level", service, description, f(name),
            feature="email", dims=_CONTACT,
        )  # fmt: skip

    def ratio(
        name: str, label: str, unit: Unit, description: str, numerator: Fn, denominator: Fn
    ) -> Kpi:
        return Kpi(
            name, label, unit, "rate", service, description, numerator, denominator,
            feature="email", dims=_CONTACT,
        )  # fmt: skip

    return (
        level(
            "email_received",
            "E-mails received",
            "e-mails arriving in the counted window, per replication",
        ),
        level(
            "email_answered",
            "E-mails answered",
            "e-mails received that were answered by the end of the run, per replication",
        ),
        level(
            "email_backlog_end",
            "E-mail backlog at the end",
            "e-mails received still unanswered at the last close (received = answered +"
            " this), per replication",
        ),
        Kpi(
            "email_backlog_at_close",
            "E-mail backlog at close",
            "count",
            "level",
            service,
            "e-mails waiting at a day's close, carried to the next day (per interval: in"
            " each day's last interval; overall: summed over the days), per replication",
            f("email_backlog_close"),
            attribution="time",
            feature="email",
            dims=_CONTACT,
        ),
        ratio(
            "email_service_level",
            "E-mail service level",
            "share",
            "answered within email_threshold_hours working hours (clock stopped while"
            " closed) / e-mails whose threshold passed by the last close",
            f("email_answered_within"),
            f("email_due"),
        ),
        ratio(
            "email_mean_response_h",
            "E-mail response (working hours)",
            "hours",
            "mean working hours (opening hours only) from arrival to answer, answered e-mails",
            lambda t: t["email_response_wh_s"] / 3600.0,
            f("email_answered"),
        ),
        ratio(
            "email_mean_response_clock_h",
            "E-mail response (clock hours)",
            "hours",
            "mean clock hours (nights included) from arrival to answer, answered e-mails",
            lambda t: t["email_response_s"] / 3600.0,
            f("email_answered"),
        ),
        Kpi(
            "email_backlog_mean",
            "E-mail backlog (mean)",
            "count",
            "time_average",
            service,
            "time-average number of e-mails waiting, opening hours",
            f("email_waiting_s"),
            f("window_s"),
            attribution="time",
            feature="email",
            dims=("queue",),
        ),
    )


EMAIL_KPIS = _email_kpis()
"""The e-mail KPIs, in a registry only when the scenario has an e-mail queue."""


@functools.cache
def _by_name() -> dict[str, Kpi]:
    return {k.name: k for k in kpi_registry()}


def base_name(name: str) -> str:
    """The KPI a breakdown name belongs to: ``service_level[queue=cards]`` → ``service_level``."""
    return name.split("[", 1)[0]


def breakdown_name(kpi: str, dimension: str, member: str) -> str:
    """The name of one breakdown: ``occupancy[group=front]``."""
    return f"{kpi}[{dimension}={member}]"


def kpi_info(name: str) -> Kpi | None:
    """The registry entry of a KPI or of a breakdown of one (definitions as by default)."""
    return _by_name().get(base_name(name))


def kpi_bounds(name: str, mean: float, half_width: float) -> dict[str, float | bool]:
    """``low``, ``high`` (the 95 % bounds cut at the KPI's range) and ``clipped``, for a
    KPI or breakdown by name (a name the registry does not know is not cut).
    """
    info = kpi_info(name)
    lower, upper = (info.lower, info.upper) if info is not None else (-math.inf, math.inf)
    low, high = mean - half_width, mean + half_width
    clipped = bool(low < lower or high > upper)
    return {"low": max(low, lower), "high": min(high, upper), "clipped": clipped}


def scenario_features(scenario: Scenario) -> frozenset[str]:
    """The optional features ``scenario`` uses, as named in the registry's ``feature``."""
    sc = scenario
    used = set()
    if sc.lines is not None:
        used.add("lines")
    if any(ct.balk_probability > 0 for ct in sc.call_types):
        used.add("balking")
    if sc.calendar.at_close == "disconnect":
        used.add("disconnect")
    if sc.callers.redial is not None:
        used.add("redial")
    if sc.callers.recontact is not None:
        used.update(("recontact", "resolution"))
    if any(g.resolve_probability for g in sc.agent_groups):
        used.add("resolution")
    if sc.transfers.matrix:
        used.add("transfers")
    if sc.routing.overflow:
        used.add("overflow")
    if sc.escalation.path != "none" or any(ct.needs_authority > 0 for ct in sc.call_types):
        used.add("escalation")
    if sc.ivr is not None:
        used.update(("ivr", "resolution"))
    if sc.callback is not None:
        used.update(("callback", "contact_back"))
    if sc.voicemail is not None:
        used.update(("voicemail", "contact_back"))
    if sc.announcement.mode != "none":
        used.add("announcement")
    if any(queue.channel == "chat" for queue in sc.queues):
        used.add("chat")
    if any(queue.channel == "email" for queue in sc.queues):
        used.add("email")
    costs = sc.costs
    if costs.agent_hour or costs.telephony_minute or costs.supervisor_hour or costs.manager_hour:
        used.add("costs")
    return frozenset(used)


def shown_kpis(scenario: Scenario, names: list[str]) -> list[str]:
    """Of ``names`` (KPIs and breakdowns), those a reader of ``scenario``'s results needs:
    KPIs of features it uses, and the breakdowns of ``HEADLINE_BREAKDOWNS`` along
    dimensions with several members (but not for e-mail queues and call types).
    """
    features = scenario_features(scenario)
    members = {
        "queue": len(scenario.queues),
        "call_type": len(scenario.call_types),
        "group": len(scenario.agent_groups),
    }
    email_queues = {queue.name for queue in scenario.queues if queue.channel == "email"}
    email_members = {f"queue={name}" for name in email_queues} | {
        f"call_type={ct.name}" for ct in scenario.call_types if ct.target in email_queues
    }
    shown = []
    for name in names:
        info = kpi_info(name)
        if info is not None and info.feature is not None and info.feature not in features:
            continue
        if "[" in name:
            breakdown = name.split("[", 1)[1].rstrip("]")
            dimension = breakdown.split("=", 1)[0]
            if members.get(dimension, 0) < 2 or base_name(name) not in HEADLINE_BREAKDOWNS:
                continue
            if breakdown in email_members:
                continue  # the callers' KPIs of an e-mail queue or call type are empty
        shown.append(name)
    return shown
