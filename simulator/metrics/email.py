"""E-mail figures from the contact log: counts, working-hours response and the backlog.

E-mails are counted apart from calls and chats (none of the caller KPIs sees them).
Response times are measured in *working hours*: the clock runs only while the centre
is open, so an e-mail arriving at 17:00 and answered at 09:00 the next day (open
08:00-18:00) took two working hours. An e-mail is *due* when its working-hours
threshold has passed; the e-mail service level counts, among the e-mails due by the
end of the run, those answered within the threshold (an e-mail whose threshold falls
after the last close is left out: whether it will be answered in time is unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.metrics.log import Outcome

__all__ = ["EMAIL_FIELDS", "EmailCounting", "working_seconds"]

SECONDS_PER_DAY = 86400.0

EMAIL_FIELDS = (
    "email_received",
    "email_answered",
    "email_backlog_end",
    "email_due",
    "email_answered_within",
    "email_response_wh_s",
    "email_response_s",
    "email_backlog_close",
)
"""Per (interval, call type) e-mail totals by arrival interval, except
``email_backlog_close``: the e-mails waiting at a day's close, counted in that day's last
interval (by the e-mail's call type and queue)."""


def working_seconds(t: np.ndarray, open_s: float, open_length_s: float) -> np.ndarray:
    """Open seconds from the first day's midnight up to site time ``t`` (seconds).

    Day ``d`` is open from ``d * 86400 + open_s`` for ``open_length_s`` seconds; the
    result grows at rate 1 while open and stands still while closed.
    """
    day = np.floor(t / SECONDS_PER_DAY)
    within = np.clip(t - day * SECONDS_PER_DAY - open_s, 0.0, open_length_s)
    return day * open_length_s + within


@dataclass(frozen=True)
class EmailCounting:
    """What the tally needs to count e-mails: which call types are e-mail, the calendar
    and the working-hours threshold.
    """

    is_email_type: np.ndarray
    """Per call type: True for a call type whose target is an e-mail queue."""
    is_email_queue: np.ndarray
    """Per queue: True for an e-mail queue."""
    open_s: float
    open_length_s: float
    days: int
    threshold_s: float
    """Working seconds within which an answer counts as within the service level."""

    def values(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Per-row weights of the fields of ``EMAIL_FIELDS`` but ``email_backlog_close``."""
        answered = rows["outcome"] == Outcome.ANSWERED
        arrival = rows["arrival"]
        answer = np.where(answered, rows["answer"], arrival)
        start = working_seconds(arrival, self.open_s, self.open_length_s)
        response = working_seconds(answer, self.open_s, self.open_length_s) - start
        due = start + self.threshold_s <= self.days * self.open_length_s
        return {
            "email_received": np.ones(len(rows)),
            "email_answered": answered,
            "email_backlog_end": rows["outcome"] == Outcome.BACKLOG,
            "email_due": due,
            "email_answered_within": due & answered & (response <= self.threshold_s),
            "email_response_wh_s": np.where(answered, response, 0.0),
            "email_response_s": answer - arrival,
        }

    def nights_waited(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each e-mail's first and last day (inclusive) at whose close it was waiting;
        ``first > last`` when it was answered on the day it arrived.
        """
        first = rows["day"].astype(np.int64)
        answered = rows["outcome"] == Outcome.ANSWERED
        answer_day = np.floor(rows["answer"] / SECONDS_PER_DAY)
        last = np.where(answered, answer_day - 1, self.days - 1)
        return first, np.nan_to_num(last, nan=self.days - 1).astype(np.int64)
