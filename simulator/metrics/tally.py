"""Aggregates of one replication: contact counts and sums per interval and call type (and
per queue, and for what agents did, per serving group), time-weighted areas per interval
and agent group or queue, and answered-wait histograms (overall, per queue, per call type).

The tally is filled from the contact log (``add_contacts``, one packed chunk at a
time) and from the areas the model accumulates (``add_group_time``,
``add_queue_time``). It is small and additive: tallies of replications are
stacked for confidence intervals, and a month-long run can drop the log and keep
only its tally.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.metrics.email import EMAIL_FIELDS, EmailCounting
from simulator.metrics.log import Flag, Origin, Outcome

__all__ = [
    "CONTACT_FIELDS",
    "GROUP_CONTACT_FIELDS",
    "GROUP_FIELDS",
    "HISTOGRAM_BINS",
    "HISTOGRAM_BIN_S",
    "Tally",
]

CONTACT_FIELDS = (
    "offered",
    "offered_first",
    "offered_redial",
    "answered",
    "abandoned",
    "blocked",
    "balked",
    "disconnected",
    "reached_queue",
    "answered_within",
    "short_abandons",
    "overflowed",
    "wait_answered_s",
    "wait_all_s",
    "talk_s",
    "wrap_s",
    "line_s",
    "handoff_s",
    "served",
    "transfers",
    "explanations",
    "repeats",
    "ping_pong",
    "resolved",
    "first_resolved",
    "offered_recontact",
    "needs_authority",
    "reached_authority",
    "authority_time_s",
    "escalated",
    "manager_contacts",
    "ivr_entered",
    "ivr_time_s",
    "ivr_abandoned",
    "left_ivr",
    "misrouted",
    "zero_outs",
    "self_served",
    "offered_callback",
    "offered_voicemail_return",
    "callback_offered",
    "callback_accepted",
    "callbacks_connected",
    "callback_delay_s",
    "outside_hours",
    "voicemails",
    "voicemails_connected",
    "voicemail_reach_s",
    "unreached",
    "backoffice_s",
    "announced_answered",
    "announce_error_s",
    "delighted",
    "disappointed",
    "announce_balked",
)
"""Per (interval, call type) counts and sums over counted contacts, by arrival interval; the
same per (interval, queue) in ``Tally.by_queue``, a contact counted in the queue it first
joined (or, if it never joined one, the queue its call type is meant for)."""

GROUP_CONTACT_FIELDS = (
    "answered",
    "served",
    "wait_answered_s",
    "talk_s",
    "handoff_s",
    "wrap_s",
    "transfers",
    "repeats",
    "ping_pong",
)
"""The contact fields also kept per (interval, agent group) in ``Tally.by_group``: what
an agent did with a contact (answered, handled, transferred it). A contact counts in the
group of the last agent who served it; contacts no agent served count in no group, and
none of these fields is non-zero for them, so per-group values add up to the total."""

GROUP_FIELDS = ("busy_s", "present_s", "paid_s", "chat_slots_s", "chatting_s")
"""Per (interval, agent group) areas: agents busy (talk + wrap-up), present (on duty, or
finishing a call after their shift), and paid (scheduled before shrinkage, plus overtime).
What accrues after a day's close (agents finishing the last contacts) is kept apart, per
(day, agent group), in ``after_close``.
``chat_slots_s`` integrates the chats in progress and ``chatting_s`` the agents holding
at least one (their ratio is the mean concurrency)."""

HISTOGRAM_BIN_S = 1.0
HISTOGRAM_BINS = 7_200
"""Answered waits: bin 0 counts waits of exactly zero (answered at once), bin ``k`` waits in
``((k - 1), k]`` seconds up to two hours, and the last bin longer waits."""


class Tally:
    """Additive aggregates of one replication over a calendar of ``n_intervals`` intervals.

    ``threshold_s`` is the service-level threshold, one for every queue or one per queue
    (``Scenario.queue_thresholds_s``): ``answered_within`` counts a contact answered within
    the threshold of the queue it is counted in, so a queue's service level uses its own
    threshold and the overall figure stays the offered-weighted mean of the queues'.
    """

    def __init__(
        self,
        n_intervals: int,
        n_call_types: int,
        n_groups: int,
        n_queues: int,
        threshold_s: float | Sequence[float],
        short_abandon_s: float,
        counted_from_s: float,
        intervals_per_day: int,
        email: EmailCounting | None = None,
    ) -> None:
        self.n_intervals = n_intervals
        self.n_call_types = n_call_types
        # One threshold per queue: a contact is answered "within" by the threshold of the
        # queue it is counted in (the first it joined, else its call type's target).
        self.threshold_s = np.broadcast_to(np.asarray(threshold_s, dtype=float), (n_queues,))
        self.short_abandon_s = short_abandon_s
        self.counted_from_s = counted_from_s
        self.intervals_per_day = intervals_per_day
        self.n_queues = n_queues
        self.n_groups = n_groups
        self.contacts = {f: np.zeros((n_intervals, n_call_types)) for f in CONTACT_FIELDS}
        self.by_queue = {f: np.zeros((n_intervals, n_queues)) for f in CONTACT_FIELDS}
        self.by_group = {f: np.zeros((n_intervals, n_groups)) for f in GROUP_CONTACT_FIELDS}
        self.groups = {f: np.zeros((n_intervals, n_groups)) for f in GROUP_FIELDS}
        days = n_intervals // intervals_per_day
        self.after_close = {f: np.zeros((days, n_groups)) for f in GROUP_FIELDS}
        self.queue_waiting_s = np.zeros((n_intervals, n_queues))
        self.wait_histogram = np.zeros(HISTOGRAM_BINS + 1)
        self.wait_histogram_by_queue = np.zeros((n_queues, HISTOGRAM_BINS + 1))
        self.wait_histogram_by_call_type = np.zeros((n_call_types, HISTOGRAM_BINS + 1))
        self.email = email
        self.email_waiting_s: np.ndarray | None = None
        """Per (interval, queue) area of e-mails waiting (e-mail queues only; with e-mail,
        ``queue_waiting_s`` keeps calls and chats only)."""
        if email is not None:
            for f in EMAIL_FIELDS:
                self.contacts[f] = np.zeros((n_intervals, n_call_types))
                self.by_queue[f] = np.zeros((n_intervals, n_queues))
            self.email_waiting_s = np.zeros((n_intervals, n_queues))

    def add_contacts(self, rows: np.ndarray) -> None:
        """Add a chunk of contact-log rows; rows arriving before the counted window are skipped."""
        rows = rows[rows["arrival"] >= self.counted_from_s]
        if self.email is not None:
            is_email = self.email.is_email_type[rows["call_type"]]
            if is_email.any():
                self._add_emails(rows[is_email], self.email)
                rows = rows[~is_email]
        if len(rows) == 0:
            return
        interval, cell, queue, queue_cell = self._cells(rows)
        outcome = rows["outcome"]
        origin = rows["origin"]
        # Inbound contacts are callers on the line; callbacks and voicemail returns are
        # outbound work the centre owes them, counted in KPIs of their own.
        inbound = origin <= Origin.RECONTACT
        callback = origin == Origin.CALLBACK
        returned = origin == Origin.VOICEMAIL_RETURN
        connected = outcome == Outcome.ANSWERED
        answered = inbound & connected
        abandoned = outcome == Outcome.ABANDONED
        reached = inbound & ~np.isnan(rows["queue_entry"])
        wait_answered = np.where(answered, rows["wait"], 0.0)
        wait_all = np.where(reached, rows["wait"], 0.0)
        line_s = np.where(
            inbound & (outcome != Outcome.BLOCKED), rows["end"] - rows["arrival"], 0.0
        )
        announced = answered & ~np.isnan(rows["announced"])
        announce_error = np.where(announced, rows["announced"] - rows["wait"], 0.0)
        reach_s = np.where(connected & ~inbound, rows["answer"] - rows["arrival"], 0.0)
        served_elsewhere = answered & (rows["served_queue"] != rows["queue"]) & (rows["hops"] == 1)
        flags = rows["flags"]
        resolved = (flags & Flag.RESOLVED) != 0
        needs_authority = (flags & Flag.NEEDS_AUTHORITY) != 0
        reached_authority = needs_authority & ~np.isnan(rows["authority_at"])
        # Callbacks and voicemail returns carry the IVR flag of the call they continue, but
        # the caller's time in the IVR belongs to that inbound call only.
        in_ivr = inbound & ((flags & Flag.IVR) != 0)
        ivr_end = np.where(reached, rows["queue_entry"], rows["end"])
        left_ivr = in_ivr & (outcome != Outcome.IVR_ABANDONED) & (outcome != Outcome.SELF_SERVED)
        values = {
            "offered": inbound,
            "offered_first": rows["origin"] == Origin.FIRST,
            "offered_redial": rows["origin"] == Origin.REDIAL,
            "answered": answered,
            "abandoned": abandoned,
            "blocked": outcome == Outcome.BLOCKED,
            "balked": outcome == Outcome.BALKED,
            "disconnected": outcome == Outcome.DISCONNECTED,
            "reached_queue": reached,
            "answered_within": answered & (wait_answered <= self.threshold_s[queue]),
            "short_abandons": abandoned & (wait_all < self.short_abandon_s),
            "overflowed": served_elsewhere,
            "wait_answered_s": wait_answered,
            "wait_all_s": wait_all,
            "talk_s": rows["talk"],
            "wrap_s": rows["wrap"],
            "line_s": line_s,
            "handoff_s": rows["handoff"],
            "served": rows["legs"] > 0,
            "transfers": rows["transfers"],
            "explanations": rows["explanations"],
            "repeats": rows["repeats"],
            "ping_pong": (flags & Flag.PING_PONG) != 0,
            "resolved": resolved,
            # A callback or voicemail return continues the first call it is owed to.
            "first_resolved": resolved
            & ((origin == Origin.FIRST) | ((flags & Flag.FOLLOWS_FIRST_CALL) != 0)),
            "offered_recontact": rows["origin"] == Origin.RECONTACT,
            "needs_authority": needs_authority,
            "reached_authority": reached_authority,
            "authority_time_s": np.where(
                reached_authority, rows["authority_at"] - rows["arrival"], 0.0
            ),
            "escalated": (flags & Flag.ESCALATED) != 0,
            "manager_contacts": (flags & Flag.REACHED_MANAGER) != 0,
            "ivr_entered": in_ivr,
            "ivr_time_s": np.where(in_ivr, ivr_end - rows["arrival"], 0.0),
            "ivr_abandoned": outcome == Outcome.IVR_ABANDONED,
            "left_ivr": left_ivr,
            "misrouted": (flags & Flag.MISROUTED) != 0,
            "zero_outs": (flags & Flag.ZERO_OUT) != 0,
            "self_served": outcome == Outcome.SELF_SERVED,
            "offered_callback": callback,
            "offered_voicemail_return": returned,
            "callback_offered": (flags & Flag.CALLBACK_OFFERED) != 0,
            "callback_accepted": outcome == Outcome.CALLBACK_ACCEPTED,
            "callbacks_connected": callback & connected,
            "callback_delay_s": np.where(callback, reach_s, 0.0),
            "outside_hours": rows["outside_hours"],
            "voicemails": outcome == Outcome.VOICEMAIL,
            "voicemails_connected": returned & connected,
            "voicemail_reach_s": np.where(returned, reach_s, 0.0),
            "unreached": outcome == Outcome.UNREACHED,
            "backoffice_s": rows["backoffice"],
            "announced_answered": announced,
            "announce_error_s": announce_error,
            "delighted": announced & (announce_error > 0),
            "disappointed": announced & (announce_error < 0),
            "announce_balked": outcome == Outcome.ANNOUNCE_BALKED,
        }
        self._add_values(values, rows, interval, cell, queue_cell)
        self._add_waits(wait_answered[answered], queue[answered], rows["call_type"][answered])

    def _cells(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each row's interval (by arrival), flat (interval, call type) cell, queue and flat
        (interval, queue) cell.
        """
        interval = rows["day"].astype(np.int64) * self.intervals_per_day + rows["interval"]
        cell = interval * self.n_call_types + rows["call_type"]
        # One queue per contact: the first joined, else the one its call type is meant for.
        queue = np.where(rows["queue"] >= 0, rows["queue"], rows["target"]).astype(np.int64)
        return interval, cell, queue, interval * self.n_queues + queue

    def _add_values(
        self,
        values: dict[str, np.ndarray],
        rows: np.ndarray,
        interval: np.ndarray,
        cell: np.ndarray,
        queue_cell: np.ndarray,
    ) -> None:
        """Add per-row weights of named fields into their cells (by call type, by queue,
        and by serving group for the fields kept per group).
        """
        size = self.n_intervals * self.n_call_types
        queue_size = self.n_intervals * self.n_queues
        shape, queue_shape, group_shape = (
            (self.n_intervals, self.n_call_types),
            (self.n_intervals, self.n_queues),
            (self.n_intervals, self.n_groups),
        )
        group = rows["group"].astype(np.int64)
        by_a_group = group >= 0
        group_cell = (interval * self.n_groups + group)[by_a_group]
        for field, weights in values.items():
            if not weights.any():
                continue  # a feature the scenario does not use: nothing to add
            w = weights.astype(float)
            counts = np.bincount(cell, weights=w, minlength=size).reshape(shape)
            self.contacts[field] += counts
            if self.n_queues == 1:
                self.by_queue[field][:, 0] += counts.sum(axis=1)
            else:
                self.by_queue[field] += np.bincount(
                    queue_cell, weights=w, minlength=queue_size
                ).reshape(queue_shape)
            if field in self.by_group:
                self.by_group[field] += np.bincount(
                    group_cell, weights=w[by_a_group], minlength=self.n_intervals * self.n_groups
                ).reshape(group_shape)

    def _add_waits(self, waits: np.ndarray, queues: np.ndarray, call_types: np.ndarray) -> None:
        """Count answered waits in the histograms: overall, per queue first joined and per
        call type (one row of bins per member).
        """
        bins = np.minimum(np.ceil(waits / HISTOGRAM_BIN_S).astype(np.int64), HISTOGRAM_BINS)
        width = HISTOGRAM_BINS + 1
        self.wait_histogram += np.bincount(bins, minlength=width)
        for histogram, member in (
            (self.wait_histogram_by_queue, queues),
            (self.wait_histogram_by_call_type, call_types.astype(np.int64)),
        ):
            cells = member * width + bins
            histogram += np.bincount(cells, minlength=histogram.size).reshape(histogram.shape)

    def _add_emails(self, rows: np.ndarray, email: EmailCounting) -> None:
        """Add e-mail rows: their own totals by arrival, and the backlog at each close."""
        interval, cell, _, queue_cell = self._cells(rows)
        self._add_values(email.values(rows), rows, interval, cell, queue_cell)
        first, last = email.nights_waited(rows)
        waited = first <= last
        days = email.days
        last_intervals = np.arange(days) * self.intervals_per_day + self.intervals_per_day - 1
        for members, table, width in (
            (rows["call_type"], self.contacts, self.n_call_types),
            (rows["queue"], self.by_queue, self.n_queues),
        ):
            member = members[waited].astype(np.int64)
            # +1 from the first night waited, -1 after the last: a running sum over days.
            steps = np.bincount(
                first[waited] * width + member, minlength=(days + 1) * width
            ) - np.bincount((last[waited] + 1) * width + member, minlength=(days + 1) * width)
            table["email_backlog_close"][last_intervals] += np.cumsum(
                steps.reshape(days + 1, width), axis=0
            )[:days]

    def add_group_time(self, interval: int, *areas: np.ndarray) -> None:
        """Add agent-group areas accumulated during ``interval``: one array per field of
        ``GROUP_FIELDS`` (in that order; fields left out add nothing), one value per group.
        """
        for field, area in zip(GROUP_FIELDS, areas, strict=False):
            self.groups[field][interval] += area

    def add_after_close_time(self, day: int, *areas: np.ndarray) -> None:
        """Add agent-group areas accumulated after the close of ``day`` (as ``add_group_time``)."""
        for field, area in zip(GROUP_FIELDS, areas, strict=False):
            self.after_close[field][day] += area

    def add_queue_time(self, interval: int, waiting_s: np.ndarray) -> None:
        """Add the area under each queue's count of waiting contacts during ``interval``."""
        if self.email is not None and self.email_waiting_s is not None:
            mail = self.email.is_email_queue
            self.email_waiting_s[interval] += np.where(mail, waiting_s, 0.0)
            waiting_s = np.where(mail, 0.0, waiting_s)
        self.queue_waiting_s[interval] += waiting_s
