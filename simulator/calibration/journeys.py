"""What callers do beyond one call: redials, recontacts, transfers between queues, the IVR.

*Redials* and *recontacts* need ``customer_id``: a contact is a redial when the same
customer's previous contact ended without reaching an agent (abandoned, blocked,
balked, cut off, hung up in the IVR) and it arrives within the redial window, counted
in opening hours (the simulator moves a redial due after closing to the next opening);
a recontact when the previous contact was answered and it arrives within the recontact
window. The redial probability is the share of such contacts followed by a redial,
among those whose window lies inside the log; its standard error is binomial.

*Transfers* come from each contact's path of queues: among the legs answered in queue
``q``, the share passed on to each next queue.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from simulator.calibration.durations import (
    HANDLE_FAMILIES,
    PATIENCE_FAMILIES,
    FamilyFit,
    fit_families,
)
from simulator.calibration.reading import SECONDS_PER_DAY

__all__ = ["CallAgainFit", "IvrFit", "TransferFit", "classify_origins", "fit_ivr", "fit_transfers"]

CALL_AGAIN_AFTER = frozenset({"abandoned", "blocked", "balked", "disconnected", "ivr_abandoned"})
"""Final outcomes after which a caller may redial."""


@dataclass(frozen=True)
class CallAgainFit:
    """Redials (or recontacts): how often, and after how long."""

    kind: str
    eligible: int
    followed: int
    window_s: float
    delay_fits: list[FamilyFit] = field(default_factory=list)

    @property
    def probability(self) -> float:
        """Share of eligible contacts followed by another within the window."""
        return self.followed / self.eligible if self.eligible else math.nan

    @property
    def probability_se(self) -> float:
        """Binomial standard error of the probability."""
        p = self.probability
        return math.sqrt(p * (1 - p) / self.eligible) if self.eligible else math.nan

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        p = self.probability
        return {
            "eligible": self.eligible,
            "followed": self.followed,
            "probability": None if math.isnan(p) else p,
            "probability_se": None if math.isnan(p) else self.probability_se,
            "window_s": self.window_s,
            "delay": [f.as_dict() for f in self.delay_fits],
        }


def _open_seconds(t: np.ndarray, open_s: float, close_s: float) -> np.ndarray:
    """Seconds of opening time from the log's start to each time."""
    day = np.floor(t / SECONDS_PER_DAY)
    within = np.clip(t - day * SECONDS_PER_DAY - open_s, 0, close_s - open_s)
    return day * (close_s - open_s) + within


def classify_origins(
    contacts: pd.DataFrame,
    open_s: float,
    close_s: float,
    redial_window_s: float,
    recontact_window_s: float,
) -> tuple[pd.Series, pd.Series, CallAgainFit | None, CallAgainFit | None]:
    """Each contact's origin (``first``, ``redial``, ``recontact``), whether a recontact
    followed it, and the redial and recontact fits.

    Without customer ids every contact is a first call and both fits are None.
    """
    origin = pd.Series("first", index=contacts.index)
    recontacted = pd.Series(False, index=contacts.index)
    customers = contacts["customer_id"]
    if (customers == "").all():
        return origin, recontacted, None, None
    order = contacts.sort_values(["customer_id", "arrived"], kind="stable")
    known = order["customer_id"] != ""
    same = known & (order["customer_id"] == order["customer_id"].shift(-1))
    nxt_arrived = order["arrived"].shift(-1).to_numpy()
    ended = order["ended"].to_numpy()
    gap = nxt_arrived - ended
    gap_open = _open_seconds(nxt_arrived, open_s, close_s) - _open_seconds(ended, open_s, close_s)
    log_end = float(contacts["arrived"].max())
    log_end_open = _open_seconds(np.array([log_end]), open_s, close_s)[0]
    failed = order["outcome"].isin(CALL_AGAIN_AFTER).to_numpy()
    answered = (order["outcome"] == "answered").to_numpy()
    same_a = same.to_numpy()
    is_redial = same_a & failed & (gap >= 0) & (gap_open <= redial_window_s)
    is_recontact = same_a & answered & (gap >= 0) & (gap <= recontact_window_s)
    next_index = order.index.to_numpy()[1:]
    origin.loc[next_index[is_redial[:-1]]] = "redial"
    origin.loc[next_index[is_recontact[:-1]]] = "recontact"
    recontacted.loc[order.index.to_numpy()[is_recontact]] = True
    redial_room = _open_seconds(ended, open_s, close_s) + redial_window_s <= log_end_open
    eligible_r = failed & known.to_numpy() & (redial_room | is_redial)
    same_day = is_redial & (
        np.floor(nxt_arrived / SECONDS_PER_DAY) == np.floor(ended / SECONDS_PER_DAY)
    )
    redial = CallAgainFit(
        "redial",
        int(eligible_r.sum()),
        int(is_redial.sum()),
        redial_window_s,
        fit_families(gap[same_day], families=HANDLE_FAMILIES),
    )
    recontact_room = ended + recontact_window_s <= log_end
    eligible_c = answered & known.to_numpy() & (recontact_room | is_recontact)
    recontact = CallAgainFit(
        "recontact",
        int(eligible_c.sum()),
        int(is_recontact.sum()),
        recontact_window_s,
        fit_families(gap[is_recontact], families=HANDLE_FAMILIES),
    )
    return origin, recontacted, redial, recontact


@dataclass(frozen=True)
class TransferFit:
    """Per source queue: answered legs, and the share passed to each next queue."""

    answered_legs: dict[str, int]
    counts: dict[str, dict[str, int]]
    recontacts_after: dict[str, int]

    def matrix(self) -> dict[str, dict[str, float]]:
        """Share of the answered legs in each queue transferred to each next queue."""
        return {
            q: {t: n / self.answered_legs[q] for t, n in row.items()}
            for q, row in self.counts.items()
            if self.answered_legs.get(q)
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "answered_legs": self.answered_legs,
            "transfers": self.counts,
            "matrix": self.matrix(),
            "recontacts_after_answer_in": self.recontacts_after,
        }


def fit_transfers(contacts: pd.DataFrame, recontacted: pd.Series) -> TransferFit:
    """Transfers from the paths of contacts; ``recontacted`` marks contacts followed by a
    recontact (attributed to the queue of their last leg).
    """
    answered_legs: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {}
    after: Counter[str] = Counter()
    for path, outcome, again in zip(
        contacts["path"], contacts["outcome"], recontacted, strict=True
    ):
        hops = list(path)
        for a, b in pairwise(hops):
            answered_legs[a] += 1
            counts.setdefault(a, Counter())[b] += 1
        if outcome == "answered" and hops:
            answered_legs[hops[-1]] += 1
            if again:
                after[hops[-1]] += 1
    return TransferFit(
        dict(answered_legs), {q: dict(row) for q, row in counts.items()}, dict(after)
    )


@dataclass(frozen=True)
class IvrFit:
    """IVR time and abandonment (from ``ivr_s``)."""

    contacts: int
    abandoned: int
    self_served: int
    mean_time_s: float
    patience_fits: list[FamilyFit]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "contacts": self.contacts,
            "ivr_abandon_rate": self.abandoned / self.contacts,
            "self_service_rate": self.self_served / self.contacts,
            "mean_time_s": self.mean_time_s,
            "patience": [f.as_dict() for f in self.patience_fits],
        }


def fit_ivr(legs: pd.DataFrame) -> IvrFit | None:
    """IVR time of the callers who went through, abandonment, and IVR patience (censored
    by passing through); None when the log has no IVR times.
    """
    first = legs.groupby("contact_id", sort=False).head(1)
    ivr = first[first["ivr_s"].notna()]
    if ivr.empty:
        return None
    quit_ = ivr["outcome"] == "ivr_abandoned"
    served = ivr["outcome"] == "self_served"
    through = ~quit_ & ~served
    times = ivr.loc[~served, "ivr_s"].to_numpy()
    seen = quit_[~served].to_numpy()
    return IvrFit(
        contacts=len(ivr),
        abandoned=int(quit_.sum()),
        self_served=int(served.sum()),
        mean_time_s=float(ivr.loc[through, "ivr_s"].mean()) if through.any() else math.nan,
        patience_fits=fit_families(times, seen, PATIENCE_FAMILIES),
    )
