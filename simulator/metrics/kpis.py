"""KPI definitions, each in one place with its denominator, and their
estimators across replications.

A KPI is either a *rate* — a ratio of two totals, e.g. answered within the
threshold / offered — or a *level* — a per-replication value such as agent hours.
Across replications a rate is call-weighted: the ratio of its totals summed over
all replications, with a t-based 95 % confidence interval on the delta-method
standard error; a level is the mean of the replications with a t-based interval.

Delta method for the ratio estimator ``R = sum(Y) / sum(X)`` over ``n`` independent
replications: with ``d_r = Y_r - R X_r``, ``se(R) = sqrt(var(d) / n) / mean(X)``
(e.g. Law, *Simulation Modeling and Analysis*, 5th ed., §9.4 on ratio estimators).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.metrics.tally import HISTOGRAM_BIN_S

__all__ = [
    "Kpi",
    "interval_estimate",
    "kpi_definitions",
    "level_estimate",
    "ratio_estimate",
    "wait_percentile",
]

Totals = Mapping[str, np.ndarray]
"""Named totals; the first axis is the replication, any further axes (intervals) are kept."""
Fn = Callable[[Totals], np.ndarray]


@dataclass(frozen=True)
class Kpi:
    """One KPI: a rate ``numerator / denominator`` or, without denominator, a level."""

    name: str
    description: str
    numerator: Callable[[Totals], np.ndarray]
    denominator: Callable[[Totals], np.ndarray] | None = None

    @property
    def is_rate(self) -> bool:
        """True for a ratio of totals (call-weighted across replications)."""
        return self.denominator is not None


def _field(name: str) -> Callable[[Totals], np.ndarray]:
    return lambda t: t[name]


def kpi_definitions(
    service_level_definition: str,
    telephony_minute_cost: float,
    callbacks_in_service_level: str = "answered_when_connected",
) -> list[Kpi]:
    """The KPIs this engine makes meaningful, for the scenario's service-level definition.

    ``callbacks_in_service_level`` says how an inbound call that accepted a callback
    counts: ``answered_when_connected`` — in the denominators, and as answered within
    the threshold once its callback connects (never as an abandon); ``excluded`` — out
    of the service-level and abandonment denominators.
    """
    excluded = callbacks_in_service_level == "excluded"

    def inbound(t: Totals) -> np.ndarray:
        """Inbound contacts, less accepted callbacks when those are excluded."""
        return t["offered"] - t["callback_accepted"] if excluded else t["offered"]

    def within(t: Totals) -> np.ndarray:
        return t["answered_within"] + (0.0 if excluded else t["callbacks_connected"])

    def answered_or_connected(t: Totals) -> np.ndarray:
        return t["answered"] + (0.0 if excluded else t["callbacks_connected"])

    sl_denominators: dict[str, tuple[Callable[[Totals], np.ndarray], str]] = {
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

    def paid_hours(t: Totals) -> np.ndarray:
        return (t["paid_s"] + t["paid_after_close_s"]) / 3600.0

    def cost(t: Totals) -> np.ndarray:
        return t["labour_cost"] + t["line_s"] / 60.0 * telephony_minute_cost

    f = _field
    table: list[tuple[str, str, Fn, Fn | None]] = [
        # name, definition, numerator, denominator (None: a level, per replication)
        (
            "offered",
            "inbound contacts (first calls, redials, recontacts) arriving in the counted"
            " window, per replication",
            f("offered"),
            None,
        ),
        (
            "offered_callback",
            "callbacks owed (accepted offers), per replication",
            f("offered_callback"),
            None,
        ),
        (
            "offered_voicemail_return",
            "voicemails to return, per replication",
            f("offered_voicemail_return"),
            None,
        ),
        ("offered_first", "first calls offered, per replication", f("offered_first"), None),
        ("offered_redial", "redials offered, per replication", f("offered_redial"), None),
        ("offered_recontact", "recontacts offered, per replication", f("offered_recontact"), None),
        (
            "abandon_rate",
            "abandoned while waiting for an agent / offered" + callback_note,
            f("abandoned"),
            inbound,
        ),
        ("blocked_rate", "refused for lack of lines / offered", f("blocked"), inbound),
        (
            "balk_rate",
            "hung up at once on finding every agent busy / offered",
            f("balked"),
            f("offered"),
        ),
        (
            "disconnect_rate",
            "cut off while waiting at close / offered",
            f("disconnected"),
            f("offered"),
        ),
        (
            "service_level",
            f"answered within the threshold (total wait) / {sl_text}" + callback_note,
            within,
            sl_denominator,
        ),
        (
            "asa_s",
            "mean wait of answered contacts, all queues visited (s)",
            f("wait_answered_s"),
            f("answered"),
        ),
        (
            "mean_wait_s",
            "mean wait of all contacts that reached a queue, answered or not (s)",
            f("wait_all_s"),
            f("reached_queue"),
        ),
        (
            "aht_s",
            "agent time per contact that reached an agent: talk, explaining and warm"
            " handoffs, all legs (s)",
            lambda t: t["talk_s"] + t["handoff_s"],
            f("served"),
        ),
        (
            "wrap_up_s",
            "after-call work per contact that reached an agent (s)",
            f("wrap_s"),
            f("served"),
        ),
        (
            "overflow_rate",
            "answered from a queue other than the one first joined, without a transfer / answered",
            f("overflowed"),
            f("answered"),
        ),
        (
            "transfers_per_contact",
            "transfers / contacts that reached an agent",
            f("transfers"),
            f("served"),
        ),
        (
            "repeat_explanations_per_contact",
            "times a caller told the story beyond the first (a"
            " recontact without case history counts) / contacts that reached an agent",
            f("repeats"),
            f("served"),
        ),
        (
            "ping_pong_rate",
            "contacts that returned to a queue already visited / contacts that reached an agent",
            f("ping_pong"),
            f("served"),
        ),
        (
            "escalation_reach",
            "callers who needed authority and reached someone who can decide"
            " / callers who needed authority",
            f("reached_authority"),
            f("needs_authority"),
        ),
        (
            "time_to_authority_s",
            "from dialling to reaching someone who can decide, for those who did (s)",
            f("authority_time_s"),
            f("reached_authority"),
        ),
        (
            "escalation_rate",
            "contacts escalated to supervisors or managers / offered",
            f("escalated"),
            f("offered"),
        ),
        (
            "management_contacts",
            "contacts that reached a manager, per replication",
            f("manager_contacts"),
            None,
        ),
        (
            "fcr",
            "first calls resolved within that contact / first calls",
            f("first_resolved"),
            f("offered_first"),
        ),
        (
            "resolution_rate",
            "contacts resolved (by an agent or self-service) / offered",
            f("resolved"),
            f("offered"),
        ),
        (
            "recontact_rate",
            "recontacts (unresolved callers calling again) / first calls",
            f("offered_recontact"),
            f("offered_first"),
        ),
        (
            "ivr_time_s",
            "mean time in the IVR of contacts that entered it (s)",
            f("ivr_time_s"),
            f("ivr_entered"),
        ),
        ("ivr_abandon_rate", "hung up in the IVR / offered", f("ivr_abandoned"), f("offered")),
        (
            "misroute_rate",
            "sent to a wrong queue by a wrong menu choice / contacts leaving the IVR for a queue",
            f("misrouted"),
            f("left_ivr"),
        ),
        (
            "self_service_rate",
            "resolved by IVR self-service / offered",
            f("self_served"),
            f("offered"),
        ),
        (
            "zero_out_rate",
            "pressed 0 for a person / contacts that entered the IVR",
            f("zero_outs"),
            f("ivr_entered"),
        ),
        (
            "callback_offered_rate",
            "offered a callback / offered",
            f("callback_offered"),
            f("offered"),
        ),
        (
            "callback_accept_rate",
            "accepted / offered a callback",
            f("callback_accepted"),
            f("callback_offered"),
        ),
        (
            "callback_success_rate",
            "callbacks that reached the caller / callbacks owed",
            f("callbacks_connected"),
            f("offered_callback"),
        ),
        (
            "callback_delay_s",
            "from accepting the offer to talking, connected callbacks (s)",
            f("callback_delay_s"),
            f("callbacks_connected"),
        ),
        (
            "callbacks_outside_hours",
            "calls placed outside the caller's local calling hours, per replication",
            f("outside_hours"),
            None,
        ),
        ("voicemail_rate", "sent to leave a message / offered", f("voicemails"), f("offered")),
        (
            "voicemail_success_rate",
            "messages whose caller was reached / messages returned",
            f("voicemails_connected"),
            f("offered_voicemail_return"),
        ),
        (
            "voicemail_reach_s",
            "from the end of the message to talking with the caller (s)",
            f("voicemail_reach_s"),
            f("voicemails_connected"),
        ),
        (
            "backoffice_s",
            "agent time listening to messages and dialling, per callback or voicemail owed (s)",
            f("backoffice_s"),
            lambda t: t["offered_callback"] + t["offered_voicemail_return"],
        ),
        (
            "announce_error_s",
            "announced minus actual wait, answered callers who heard an announcement (s)",
            f("announce_error_s"),
            f("announced_answered"),
        ),
        (
            "delighted_rate",
            "answered sooner than announced / answered after an announcement",
            f("delighted"),
            f("announced_answered"),
        ),
        (
            "disappointed_rate",
            "answered later than announced / answered after an announcement",
            f("disappointed"),
            f("announced_answered"),
        ),
        (
            "announce_balk_rate",
            "hung up on hearing the announced wait / offered",
            f("announce_balked"),
            f("offered"),
        ),
        (
            "occupancy",
            "agent busy time (talk + wrap-up + holding) / agent present time, during opening hours",
            f("busy_s"),
            f("present_s"),
        ),
        (
            "occupancy_until_last_leaves",
            "busy / present time, from opening until the last contact of the day leaves",
            lambda t: t["busy_s"] + t["busy_after_close_s"],
            lambda t: t["present_s"] + t["present_after_close_s"],
        ),
        (
            "mean_queue_length",
            "time-average number of contacts waiting, opening hours",
            f("queue_waiting_s"),
            f("window_s"),
        ),
        (
            "agent_hours",
            "paid time (scheduled before shrinkage, plus overtime to finish calls,"
            " also after close), hours per replication",
            paid_hours,
            None,
        ),
        (
            "after_close_hours",
            "paid time after closing, finishing the last contacts, hours per replication",
            lambda t: t["paid_after_close_s"] / 3600.0,
            None,
        ),
        (
            "cost",
            "paid hours x the hourly cost of each group's role + minutes on the line x"
            " telephony_minute, per replication",
            cost,
            None,
        ),
    ]
    return [Kpi(name, text, numerator, denominator) for name, text, numerator, denominator in table]


@functools.lru_cache(maxsize=256)
def _t_quantile(n: int) -> float:
    return float(stats.t.ppf(0.975, n - 1)) if n >= 2 else float("nan")


def ratio_estimate(numerator: np.ndarray, denominator: np.ndarray) -> tuple[np.ndarray, ...]:
    """Call-weighted ratio over replications (axis 0) with its 95 % half-width.

    Returns ``(estimate, half_width)``; the half-width is NaN with fewer than two
    replications and 0 when every replication gives the same ratio.
    """
    n = numerator.shape[0]
    num_total = numerator.sum(axis=0)
    den_total = denominator.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(
            den_total > 0, num_total / np.where(den_total > 0, den_total, 1), np.nan
        )
        if n < 2:
            return estimate, np.full_like(estimate, np.nan)
        residual = numerator - estimate * denominator
        spread = residual.std(axis=0, ddof=1)
        mean_den = den_total / n
        se = np.where(
            mean_den > 0, spread / np.sqrt(n) / np.where(mean_den > 0, mean_den, 1), np.nan
        )
    return estimate, _t_quantile(n) * se


def level_estimate(values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mean over replications (axis 0) with its t-based 95 % half-width (NaN for n < 2)."""
    n = values.shape[0]
    mean = values.mean(axis=0)
    if n < 2:
        return mean, np.full_like(mean, np.nan)
    return mean, _t_quantile(n) * values.std(axis=0, ddof=1) / np.sqrt(n)


def interval_estimate(kpi: Kpi, totals: Totals) -> tuple[np.ndarray, ...]:
    """Estimate and half-width of ``kpi`` from totals stacked by replication."""
    if kpi.denominator is None:
        return level_estimate(np.asarray(kpi.numerator(totals), dtype=float))
    return ratio_estimate(
        np.asarray(kpi.numerator(totals), dtype=float),
        np.asarray(kpi.denominator(totals), dtype=float),
    )


def wait_percentile(histogram: np.ndarray, q: float) -> float:
    """The ``q`` quantile (0-1) of answered waits from the tally's wait histogram.

    Zero when the quantile falls among the callers answered at once (bin 0); otherwise
    linear interpolation inside the 1-second bin that holds it. NaN when empty.
    """
    total = histogram.sum()
    if total <= 0:
        return float("nan")
    cumulative = np.cumsum(histogram)
    target = q * total
    index = int(np.searchsorted(cumulative, target, side="left"))
    if index == 0:
        return 0.0
    before = cumulative[index - 1]
    inside = histogram[index]
    fraction = (target - before) / inside if inside > 0 else 0.0
    return float((index - 1 + fraction) * HISTOGRAM_BIN_S)
