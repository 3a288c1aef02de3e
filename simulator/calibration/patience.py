"""Patience from censored waits: Kaplan–Meier for the curve, censored ML for the families.

A caller who abandoned after waiting ``w`` shows their patience was ``w``; a caller
answered after ``w`` shows only that it was longer than ``w`` (right-censored). The
mean wait of abandoners alone — the *naive* estimate — is short by selection: with
little abandonment only the least patient are seen hanging up, so it can be a small
fraction of the true mean. The Kaplan–Meier estimator (Kaplan & Meier, JASA 53, 1958)
and the censored likelihood use both kinds of observation (for call centres: Brown et
al., "Statistical analysis of a telephone call center", JASA 100, 2005, sec. 5).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator.calibration.durations import PATIENCE_FAMILIES, FamilyFit, best, fit_families

__all__ = ["PatienceFit", "fit_patience"]

KM_POINTS = 200
"""Points of the Kaplan–Meier curve kept for the report."""


@dataclass(frozen=True)
class PatienceFit:
    """Patience of one call type.

    Attributes
    ----------
    fits
        Censored ML fits, best AIC first.
    waits, abandoned
        Waits in the first queue and whether each ended in an abandon (the data).
    naive_mean
        Mean wait of the abandoners: what the log says if censoring is ignored.
    """

    call_type: str
    fits: list[FamilyFit]
    waits: np.ndarray
    abandoned: np.ndarray

    @property
    def naive_mean(self) -> float:
        """Mean wait of the callers who abandoned."""
        return float(self.waits[self.abandoned].mean()) if self.abandoned.any() else math.nan

    @property
    def abandon_share(self) -> float:
        """Abandoned among the callers who queued."""
        return float(self.abandoned.mean()) if len(self.abandoned) else math.nan

    def kaplan_meier(self) -> pd.DataFrame:
        """The Kaplan–Meier survival curve with Greenwood 95 % bounds (``t``, ``sf``,
        ``low``, ``high``), thinned to about ``KM_POINTS`` points.
        """
        data = stats.CensoredData(
            uncensored=self.waits[self.abandoned], right=self.waits[~self.abandoned]
        )
        result = stats.ecdf(data).sf
        t = np.asarray(result.quantiles, dtype=float)
        if len(t) > KM_POINTS:
            t = t[np.linspace(0, len(t) - 1, KM_POINTS).astype(int)]
        with warnings.catch_warnings():
            # Greenwood's band is undefined where the curve reaches 0: NaN there is right.
            warnings.simplefilter("ignore", RuntimeWarning)
            band = result.confidence_interval(0.95)
        return pd.DataFrame(
            {
                "t": t,
                "sf": result.evaluate(t),
                "low": band.low.evaluate(t),
                "high": band.high.evaluate(t),
            }
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        chosen = best(self.fits)
        naive = self.naive_mean
        return {
            "queued": len(self.waits),
            "abandoned": int(self.abandoned.sum()),
            "abandon_share": self.abandon_share,
            "chosen": chosen.family if chosen else None,
            "fits": [f.as_dict() for f in self.fits],
            "naive_mean_of_abandoners_waits_s": None if math.isnan(naive) else naive,
        }


def fit_patience(call_type: str, waits: np.ndarray, abandoned: np.ndarray) -> PatienceFit:
    """Fit patience of one call type from first-queue waits and abandon flags."""
    waits = np.asarray(waits, dtype=float)
    abandoned = np.asarray(abandoned, dtype=bool)
    fits = fit_families(waits, abandoned, PATIENCE_FAMILIES)
    return PatienceFit(call_type, fits, waits, abandoned)
